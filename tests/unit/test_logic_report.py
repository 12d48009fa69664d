"""The per-item HTML block for log.html: escaped, compact, labels against thresholds."""

from __future__ import annotations

import pytest

from ReinferLibrary.errors import ReinferConfigurationError
from ReinferLibrary.logic.report import MAX_LABELS, item_html, kept_text
from ReinferLibrary.logic.thresholds import select_labels, threshold_rule
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
    assert "<td>0.900</td><td>0.500 (default)</td><td>✔</td>" in html
    assert "<td>0.620</td><td>0.700</td><td>✘</td>" in html


def test_rows_show_default_or_auto_and_dropped_labels() -> None:
    item = {
        "uid": "u1",
        "labels": [
            {"name": "Praise", "probability": 0.2, "auto_thresholds": ["balanced"]},
            {"name": "Billing", "probability": 0.1, "auto_thresholds": []},
        ],
    }
    html = item_html(item, threshold_rule(default=0.5, auto="balanced"))
    assert "<td>0.200</td><td>0.500 (default) or balanced</td><td>✔</td>" in html
    assert "<td>0.100</td><td>0.500 (default) or balanced</td><td>✘</td>" in html
    assert "<td>0.100</td><td>—</td><td>✘</td>" in item_html(item, threshold_rule({"Praise": 0.1}))


def test_kept_text_names_each_kept_label_and_what_it_cleared() -> None:
    item = {
        "uid": "src.c1",
        "labels": [
            {"name": ["Order", "Late Delivery"], "probability": 0.934},
            {"name": ["Praise"], "probability": 0.62, "auto_thresholds": []},
            {"name": ["Refund"], "probability": 0.3, "auto_thresholds": ["balanced"]},
            {"name": ["Billing"], "probability": 0.1},
        ],
    }
    rule = threshold_rule({"Order > Late Delivery": 0.35}, default=0.5, auto="balanced")
    assert kept_text(select_labels(item, rule), "src.c1") == (
        "Kept 3 of 4 labels on src.c1: Order > Late Delivery 0.934 >= 0.35; "
        "Praise 0.620 >= 0.5 (default); Refund 0.300 (balanced)."
    )
    assert kept_text(select_labels(item, {}), "src.c1") == "Kept 0 of 4 labels on src.c1."
    assert kept_text(select_labels(item), "") == (
        "Kept 4 of 4 labels on the item (no thresholds, default or auto given: every label counts): "
        "Order > Late Delivery 0.934; Praise 0.620; Refund 0.300; Billing 0.100."
    )
    leaves = select_labels(item, default=0.05, level="leaves")
    assert kept_text(leaves, "src.c1", "leaves").startswith("Kept 4 (leaves) of 4 labels on src.c1: ")


def test_kept_text_spells_out_at_most_max_labels() -> None:
    many = {"uid": "u1", "labels": [{"name": f"L{i}", "probability": i / 100} for i in range(40)]}
    text = kept_text(select_labels(many, default=0.0), "u1")
    assert text.startswith("Kept 40 of 40 labels on u1: L39 0.390 >= 0 (default); ")
    assert text.count(">=") == MAX_LABELS
    assert text.endswith(f"; and {40 - MAX_LABELS} more.")


def test_a_malformed_label_fails_with_one_line() -> None:
    with pytest.raises(ReinferConfigurationError, match=r"^Item u1: label 1 has no 'probability'"):
        item_html({"uid": "u1", "labels": [{"name": "Order"}]})


def test_works_on_models_and_caps_long_label_lists() -> None:
    many = dict(ITEM, labels=[{"name": f"L{i}", "probability": i / 100} for i in range(40)])
    html = item_html(Item.model_validate(many))
    assert f"… and {40 - MAX_LABELS} more labels" in html
    assert html.count("<tr>") == MAX_LABELS + 1 + 1 + 2  # labels + header, "more" row, entity table


def test_item_without_labels_or_comment() -> None:
    assert "no labels" in item_html({"uid": "u1"})
