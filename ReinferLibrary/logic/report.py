"""What log.html says about one item: an HTML block (what came in, which labels cleared,
which entities) and the one line `Labels Above Threshold` logs about the labels it kept.

Built once per item with plain string joins and capped at :data:`MAX_LABELS` entries: a
robot logs this for every comment, so it must cost far less than the work the robot does
with the comment.
"""

from __future__ import annotations

from html import escape
from typing import Any

from .items import field, item_entities, item_labels, item_subject, item_uid, label_fields
from .thresholds import Selection, ThresholdRule

SUBJECT_LIMIT = 100
MAX_LABELS = 25
MAX_ENTITIES = 25

_TABLE = '<table border="1" style="border-collapse:collapse;font-size:90%">'


def _truncate(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _label_rows(item: Any, rule: ThresholdRule | None) -> list[str]:
    rows: list[tuple[float, str, str]] = []
    for index, label in enumerate(item_labels(item)):
        name, probability, autos = label_fields(item, index, label)
        if rule is None:
            rows.append((probability, name, f"<td>{probability:.3f}</td>"))
            continue
        mark = "✔" if rule.clears(name, probability, autos) else "✘"
        shown = escape(rule.threshold_text(name))
        rows.append((probability, name, f"<td>{probability:.3f}</td><td>{shown}</td><td>{mark}</td>"))
    rows.sort(key=lambda row: -row[0])
    html = [f"<tr><td>{escape(name)}</td>{cells}</tr>" for _, name, cells in rows[:MAX_LABELS]]
    if len(rows) > MAX_LABELS:
        html.append(f"<tr><td colspan='4'>… and {len(rows) - MAX_LABELS} more labels</td></tr>")
    return html


def kept_text(selection: Selection, uid: str, level: str = "all") -> str:
    """One log line: which labels were kept and what each cleared.

    ``Kept 2 of 5 labels on src.c1: Order > Late Delivery 0.934 >= 0.35; Praise 0.620 >= 0.5
    (default).`` At most :data:`MAX_LABELS` are spelled out, so the line costs the same on
    any taxonomy.
    """
    names = selection.names
    rule = selection.rule
    which = "" if level == "all" else f" ({level})"
    head = f"Kept {len(names)}{which} of {selection.total} labels on {uid or 'the item'}"
    if rule.keeps_everything:
        head += " (no thresholds, default or auto given: every label counts)"
    if not names:
        return head + "."
    confidences = selection.confidences
    shown = "; ".join(rule.cleared_text(name, confidences[name]) for name in names[:MAX_LABELS])
    more = f"; and {len(names) - MAX_LABELS} more" if len(names) > MAX_LABELS else ""
    return f"{head}: {shown}{more}."


def _entity_rows(item: Any) -> list[str]:
    entities = item_entities(item)
    html = []
    for entity in entities[:MAX_ENTITIES]:
        capture = ", ".join(str(c) for c in field(entity, "capture_ids") or ()) or "—"
        html.append(
            f"<tr><td>{escape(str(field(entity, 'name')))}</td>"
            f"<td>{escape(_truncate(str(field(entity, 'formatted_value')), SUBJECT_LIMIT))}</td>"
            f"<td>{capture}</td></tr>"
        )
    if len(entities) > MAX_ENTITIES:
        html.append(f"<tr><td colspan='3'>… and {len(entities) - MAX_ENTITIES} more entities</td></tr>")
    return html


def item_html(item: Any, rule: ThresholdRule | None = None) -> str:
    """One small HTML block: uid and subject, a labels table, an entities table.

    With ``rule``, each label row also shows its threshold and whether it cleared it.
    """
    uid = escape(item_uid(item) or "(no uid)")
    subject = escape(_truncate(item_subject(item), SUBJECT_LIMIT))
    parts = [f"<b>{uid}</b> {subject}<br>"]
    labels = _label_rows(item, rule)
    if labels:
        head = "<th>label</th><th>confidence</th>"
        if rule is not None:
            head += "<th>threshold</th><th>cleared</th>"
        parts.append(f"{_TABLE}<tr>{head}</tr>{''.join(labels)}</table>")
    else:
        parts.append("no labels<br>")
    entities = _entity_rows(item)
    if entities:
        parts.append(
            f"{_TABLE}<tr><th>entity</th><th>value</th><th>capture ids</th></tr>{''.join(entities)}</table>"
        )
    return "".join(parts)
