"""``report.html``: one self-contained page about a robot run, for the people who own the process.

What it shows: the run's numbers (comments, routed, exceptions, speed, model version), and
four charts: comments per queue, exceptions by type, label confidences against each label's
threshold (so a business owner sees which thresholds are tight: confidences bunched just
above the line, near misses just below it), and throughput over the run.

Self-contained: no script, no stylesheet or font from the network, no external image; the
charts are SVG made with matplotlib and written into the page, with their text as text (so
the page is searchable and small). Without matplotlib (``pip install
robotframework-reinfer[report]``) the page is written with the tables and a note instead of
the charts.

:class:`RunRecorder` collects what the charts need while a robot runs, in bounded memory:
at most :data:`MAX_POINTS` throughput points (halved when full) and :data:`MAX_CONFIDENCES`
confidences per label, so a months-long run does not grow.
"""

from __future__ import annotations

import io
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

MAX_POINTS = 2000
MAX_CONFIDENCES = 2000
MAX_LABELS_SHOWN = 30


@dataclass
class RunRecorder:
    """What the charts of one run need: exception types, confidences per label, a throughput curve."""

    started: float = field(default_factory=time.perf_counter)
    exception_types: Counter[str] = field(default_factory=Counter)
    cleared: dict[str, list[float]] = field(default_factory=dict)
    missed: dict[str, list[float]] = field(default_factory=dict)
    timeline: list[tuple[float, int]] = field(default_factory=list)
    _stride: int = 1
    _batches: int = 0

    def confidence(self, label: str, value: float, cleared: bool) -> None:
        found = (self.cleared if cleared else self.missed).setdefault(label, [])
        if len(found) < MAX_CONFIDENCES:
            found.append(float(value))

    def exception(self, kind: str) -> None:
        self.exception_types[kind or "Exception"] += 1

    def batch(self, comments_so_far: int) -> None:
        """A batch ended with ``comments_so_far`` comments handled in the run."""
        self._batches += 1
        if self._batches % self._stride:
            return
        self.timeline.append((time.perf_counter() - self.started, comments_so_far))
        if len(self.timeline) >= MAX_POINTS:
            self.timeline = self.timeline[::2]
            self._stride *= 2


def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _figure(height: float, name: str) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    pyplot.rcParams["svg.fonttype"] = "none"  # text stays text: small, searchable
    # The same run gives the same file, and each chart its own ids (clip paths are url(#id)
    # references, and four SVGs share one page).
    pyplot.rcParams["svg.hashsalt"] = f"reinfer-run-report-{name}"
    pyplot.rcParams["font.size"] = 9
    figure, axes = pyplot.subplots(figsize=(7.5, height))
    return figure, axes


def _close(figure: Any) -> None:
    from matplotlib import pyplot

    pyplot.close(figure)


def _bars(title: str, counts: Mapping[str, int], colour: str, empty: str) -> str:
    if not counts:
        return f"<p class='empty'>{escape(empty)}</p>"
    from matplotlib.ticker import MaxNLocator

    names = list(counts)[::-1]
    figure, axes = _figure(0.6 + 0.3 * len(names), title)
    try:
        bars = axes.barh(names, [counts[name] for name in names], color=colour)
        axes.bar_label(bars, padding=3)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_title(title)
        axes.set_xlabel("comments")
        axes.spines[["top", "right"]].set_visible(False)
        return _svg(figure)
    finally:
        _close(figure)


def _confidences(recorder: RunRecorder, thresholds: Mapping[str, float]) -> str:
    labels = sorted({*recorder.cleared, *recorder.missed})[:MAX_LABELS_SHOWN]
    if not labels:
        return "<p class='empty'>No label cleared a threshold in this run.</p>"
    figure, axes = _figure(0.8 + 0.35 * len(labels), "confidences")
    shown: set[str] = set()

    def legend(name: str) -> str | None:
        """Each series is named once in the legend."""
        if name in shown:
            return None
        shown.add(name)
        return name

    try:
        for row, label in enumerate(labels):
            y = len(labels) - 1 - row
            for values, colour, marker, name in (
                (recorder.cleared.get(label, []), "#2a7ab0", "o", "cleared"),
                (recorder.missed.get(label, []), "#d9822b", "x", "near miss (exceptions)"),
            ):
                if values:
                    # A fixed jitter spreads equal values apart, the same on every run.
                    spread = [y + 0.25 * (((i * 7919) % 13) / 12 - 0.5) for i in range(len(values))]
                    axes.scatter(
                        values, spread, s=12, alpha=0.6, color=colour, marker=marker, label=legend(name)
                    )
            if label in thresholds:
                axes.plot(
                    [thresholds[label]] * 2,
                    [y - 0.4, y + 0.4],
                    color="#c0392b",
                    linewidth=2,
                    label=legend("threshold"),
                )
        axes.set_yticks(range(len(labels)), labels[::-1])
        axes.set_xlim(0, 1.0)
        axes.set_xlabel("confidence")
        axes.set_title("Label confidences against each label's threshold")
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        axes.spines[["top", "right"]].set_visible(False)
        return _svg(figure)
    finally:
        _close(figure)


def _throughput(recorder: RunRecorder) -> str:
    points = recorder.timeline
    if len(points) < 1:
        return "<p class='empty'>No batch was read in this run.</p>"
    figure, axes = _figure(2.6, "throughput")
    try:
        seconds = [0.0, *[t for t, _ in points]]
        comments = [0, *[c for _, c in points]]
        axes.plot(seconds, comments, color="#2a7ab0", marker="." if len(points) < 60 else None)
        axes.set_xlabel("seconds since the run started")
        axes.set_ylabel("comments handled")
        axes.set_title("Throughput over the run")
        rate = axes.twinx()
        rates = [
            (comments[i] - comments[i - 1]) / (seconds[i] - seconds[i - 1])
            if seconds[i] > seconds[i - 1]
            else 0.0
            for i in range(1, len(seconds))
        ]
        rate.step(seconds[1:], rates, where="pre", color="#7f8c8d", alpha=0.6)
        rate.set_ylabel("comments per second", color="#7f8c8d")
        axes.spines[["top"]].set_visible(False)
        return _svg(figure)
    finally:
        _close(figure)


STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;margin:2em auto;
max-width:60em;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}
td.n{text-align:right}.chart svg{max-width:100%;height:auto}.empty,.note{color:#666;font-style:italic}
"""


def _table(rows: Sequence[tuple[str, Any]]) -> str:
    cells = "".join(f"<tr><th>{escape(name)}</th><td>{escape(str(value))}</td></tr>" for name, value in rows)
    return f"<table>{cells}</table>"


def render_run_report(
    report: Mapping[str, Any], recorder: RunRecorder, thresholds: Mapping[str, float] | None = None
) -> str:
    """The page for a triage report (``report.json``'s dictionary) and what ``recorder`` saw."""
    thresholds = thresholds or {}
    queues = {
        name: int(counts.get("this_run", 0))
        for name, counts in (report.get("queues") or {}).items()
        if counts.get("this_run")
    }
    summary = [
        ("Dataset", report.get("dataset", "")),
        ("Trigger", report.get("trigger", "")),
        ("Model version", report.get("model_version", "unknown")),
        ("Started / finished", f"{report.get('started_at', '')} / {report.get('finished_at', '')}"),
        ("Comments", report.get("comments", 0)),
        ("Routed", report.get("routed", 0)),
        ("Exceptions", report.get("exceptions", 0)),
        ("Delivered again", report.get("redelivered", 0)),
        ("Filtered by the trigger", report.get("filtered", 0)),
        ("Batches", report.get("batches", 0)),
        ("Seconds", report.get("seconds", 0)),
        ("Comments per second", report.get("comments_per_second", 0)),
        ("End of stream reached", report.get("end_of_stream", False)),
    ]
    queue_rows = "".join(
        f"<tr><td>{escape(name)}</td><td class='n'>{counts.get('this_run', 0)}</td>"
        f"<td class='n'>{counts.get('on_disk', 0)}</td></tr>"
        for name, counts in (report.get("queues") or {}).items()
    )
    try:
        charts = [
            (
                "Comments per queue",
                _bars(
                    "Comments per queue (this run)", queues, "#2a7ab0", "No comment was routed in this run."
                ),
            ),
            (
                "Exceptions by type",
                _bars(
                    "Exceptions by type",
                    dict(recorder.exception_types.most_common()),
                    "#d9822b",
                    "No exceptions in this run.",
                ),
            ),
            ("Label confidences and thresholds", _confidences(recorder, thresholds)),
            ("Throughput", _throughput(recorder)),
        ]
    except ImportError:
        note = "<p class='note'>Charts need matplotlib: pip install 'robotframework-reinfer[report]'.</p>"
        charts = [
            (title, note)
            for title in (
                "Comments per queue",
                "Exceptions by type",
                "Label confidences and thresholds",
                "Throughput",
            )
        ]
    sections = "".join(
        f"<h2>{escape(title)}</h2><div class='chart' data-chart='{index}'>{body}</div>"
        for index, (title, body) in enumerate(charts, start=1)
    )
    title = f"Triage run {report.get('started_at', '')}"
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{escape(title)}</title>"
        f"<style>{STYLE}</style></head><body>"
        f"<h1>{escape(title)}</h1>{_table(summary)}"
        f"<h2>Queues</h2><table><tr><th>queue</th><th>this run</th><th>on disk</th></tr>{queue_rows}</table>"
        f"{sections}"
        "<p class='note'>Near misses are labels the model gave to comments that went to the exceptions"
        " queue; confidences of routed comments are of the labels that cleared. Made by ReinferLibrary.</p>"
        "</body></html>\n"
    )
