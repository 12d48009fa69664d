"""The run report page: self-contained, four charts, bounded memory; the triage robot writes it.

(That it renders in a real browser is checked by ``make report-check``.)
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from ReinferLibrary.run_report import MAX_CONFIDENCES, MAX_POINTS, RunRecorder, render_run_report

ROOT = Path(__file__).resolve().parents[2]
REPORT = {
    "dataset": "acme/retail-inbox",
    "trigger": "routing",
    "model_version": 3,
    "comments": 5,
    "queues": {"refunds": {"this_run": 4, "on_disk": 9}, "exceptions": {"this_run": 1, "on_disk": 1}},
}


def _charts(html: str) -> list[str]:
    return re.findall(r"<div class='chart' data-chart='\d'>(.*?)</div>", html, flags=re.S)


def _self_contained(html: str) -> None:
    assert "<script" not in html and "<link" not in html and "<img" not in html
    assert not re.search(r"(src|href)=['\"]?(https?:|//)", html)
    assert not re.search(r"url\((?!#)", html)  # only references inside the page
    ids = re.findall(r"clip-path=\"url\(#([^)]+)\)", html)
    definitions = re.findall(r"<clipPath id=\"([^\"]+)\"", html)
    assert set(ids) <= set(definitions) and len(definitions) == len(set(definitions))


def test_a_run_with_data_has_four_charts_and_no_outside_reference() -> None:
    run = RunRecorder()
    for value in (0.55, 0.9, 0.97):
        run.confidence("Refund > Request", value, cleared=True)
    run.confidence("<b>Odd</b> label", 0.3, cleared=False)
    run.exception("No Prediction")
    run.batch(3)
    run.batch(5)
    html = render_run_report(REPORT, run, {"Refund > Request": 0.5})
    _self_contained(html)
    charts = _charts(html)
    assert len(charts) == 4 and all(chart.startswith("<svg") for chart in charts)
    assert "Model version</th><td>3" in html
    assert "&lt;b&gt;Odd&lt;/b&gt; label" in html and "<b>Odd</b>" not in html  # names are escaped
    assert "No Prediction" in charts[1] and "refunds" in charts[0]


def test_an_empty_run_says_so_instead_of_drawing_nothing() -> None:
    html = render_run_report({"queues": {}}, RunRecorder())
    _self_contained(html)
    charts = _charts(html)
    assert len(charts) == 4 and not any("<svg" in chart for chart in charts)
    assert "No comment was routed" in charts[0] and "No exceptions" in charts[1]


def test_memory_stays_bounded_on_a_long_run() -> None:
    run = RunRecorder()
    for batch in range(50_000):
        run.batch(batch * 32)
        run.confidence("Order", 0.9, cleared=True)
    assert len(run.timeline) < MAX_POINTS and run.timeline[-1][1] > 40_000 * 32
    assert len(run.cleared["Order"]) == MAX_CONFIDENCES


def test_the_triage_robots_library_writes_the_run_report(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "robots" / "libraries"))
    from TriageRun import RUN_REPORT, TriageRun

    queues = TriageRun()
    queues.open_work_queues(str(tmp_path / "queues"), "refunds")
    labels: list[dict[str, Any]] = [{"name": "Refund > Request", "confidence": 0.8}]
    queues.write_work_item("refunds", {"uid": "s.c1", "labels": labels})
    queues.write_work_item(
        "exceptions",
        {
            "uid": "s.c2",
            "labels": [],
            "exception_type": "No Prediction",
            "predicted": [{"name": "Refund > Request", "probability": 0.31}],
        },
    )
    queues.record_batch({"filtered": 0, "is_end_sequence": True})
    thresholds = tmp_path / "thresholds.yaml"
    thresholds.write_text(json.dumps({"thresholds": {"Refund > Request": 0.5}}), encoding="utf-8")
    report = queues.write_triage_report(str(tmp_path), thresholds_file=str(thresholds))
    assert report["comments"] == 2
    html = (tmp_path / RUN_REPORT).read_text(encoding="utf-8")
    charts = _charts(html)
    assert all(chart.startswith("<svg") for chart in charts)
    assert "No Prediction" in charts[1] and "Refund &gt; Request" in charts[2]
    # A thresholds file that cannot be read costs only the threshold marks, not the report.
    queues.write_triage_report(str(tmp_path), thresholds_file=str(tmp_path / "missing.yaml"))
    assert len(_charts((tmp_path / RUN_REPORT).read_text(encoding="utf-8"))) == 4
