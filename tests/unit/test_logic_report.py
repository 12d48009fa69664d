"""The per-item HTML block for log.html: escaped, compact, labels against thresholds."""

from __future__ import annotations

from ReinferLibrary.logic.report import MAX_LABELS, item_html
from ReinferLibrary.logic.thresholds import threshold_rule
from ReinferLibrary.models import Item

ITEM = {
    "uid": "src.<c1>",
    "comment": {
        "id": "c1",
        "uid": "src.<c1>",
        "messages": [{"subject": {"text": "Where is <b>my</b> order " + "x" * 200}, "body": {"text": "hi"}}],
    },
    "labels": [
        {"name": ["Order", "Missing"], "probability": 0.62},
        {"name": "Praise", "probability": 0.9},
    ],
    "entities": [{"name": "order_number", "formatted_value": "ACM-<1>", "capture_ids": [0, 2]}],
}


def test_html_escapes_text_and_truncates_the_subject() -> None:
    html = item_html(ITEM)
    assert "<b>my</b>" not in html
    assert "&lt;b&gt;my&lt;/b&gt;" in html
    assert "src.&lt;c1&gt;" in html
    assert "x" * 120 not in html
    assert "…" in html
    assert "ACM-&lt;1&gt;" in html
    assert "<td>0, 2</td>" in html


def test_labels_sorted_by_confidence_with_threshold_marks() -> None:
    html = item_html(ITEM, threshold_rule({"Order > Missing": 0.7}, default=0.5))
    assert html.index("Praise") < html.index("Order &gt; Missing")
    assert "<td>0.900</td><td>0.500</td><td>✔</td>" in html
    assert "<td>0.620</td><td>0.700</td><td>✘</td>" in html


def test_works_on_models_and_caps_long_label_lists() -> None:
    many = dict(ITEM, labels=[{"name": f"L{i}", "probability": i / 100} for i in range(40)])
    html = item_html(Item.model_validate(many))
    assert f"… and {40 - MAX_LABELS} more labels" in html
    assert html.count("<tr>") == MAX_LABELS + 1 + 1 + 2  # labels + header, "more" row, entity table


def test_item_without_labels_or_comment() -> None:
    assert "no labels" in item_html({"uid": "u1"})
