"""The entities and label properties (tone, quality of service) the sandbox extracts from every
demo comment at sync are pinned: a change in how dates, money, countries or tone are found
must show here (e.g. when the date parsing is made cheaper).

``data/demo_entities.json`` holds, per demo comment and per timezone setting (the demo
source's Europe/London, and none: the offset in the timestamp), every entity as
``[kind, formatted_value, content_part, message_index, char_start, char_end]`` plus the
SHA-256 of the whole entity list as synced (ids, UTF-16 offsets, capture groups), and the
label properties' values. Regenerate
it only for an intended change: ``python tests/unit/test_sandbox_demo_entities.py``.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

from ReinferLibrary.sandbox.comments import analyse, content_of
from ReinferLibrary.sandbox.envelope import dumps
from ReinferLibrary.sandbox.nlp import countries, dates
from ReinferLibrary.sandbox.nlp.classifier import comment_text
from ReinferLibrary.sandbox.nlp.properties import tone_value
from ReinferLibrary.sandbox.nlp.sentiment import SentimentReader, comment_sentiment
from ReinferLibrary.sandbox.schemas import CommentNew
from ReinferLibrary.sandbox.seed import DEMO_DIR

PINNED = Path(__file__).parent / "data" / "demo_entities.json"
TIMEZONES = {"london": "Europe/London", "offset": None}


def extracted() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(DEMO_DIR.glob("comments_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            comment = CommentNew.model_validate(json.loads(line)["comment"])
            content = content_of(comment)
            for setting, timezone in TIMEZONES.items():
                analysis = analyse(content, timezone, comment.written_timestamp)
                entities = analysis.entities
                found[f"{comment.id} {setting}"] = {
                    "entities": [
                        [
                            e["kind"],
                            e["formatted_value"],
                            e["span"]["content_part"],
                            e["span"]["message_index"],
                            e["span"]["char_start"],
                            e["span"]["char_end"],
                        ]
                        for e in entities
                    ],
                    "sha256": hashlib.sha256(dumps(entities).encode("utf-8")).hexdigest(),
                    "properties": {item["property_name"]: item["value"] for item in analysis.properties},
                }
    return found


def demo_texts() -> list[str]:
    return [
        comment_text(json.loads(line)["comment"])
        for path in sorted(DEMO_DIR.glob("comments_*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def test_every_demo_comment_gives_the_pinned_entities() -> None:
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))
    found = extracted()
    assert sorted(found) == sorted(pinned)
    assert sum(len(item["entities"]) for item in pinned.values()) > 1000  # the pin covers real entities
    kinds = {entity[0] for item in pinned.values() for entity in item["entities"]}
    assert {"date", "country", "monetary_quantity", "order_number", "tracking_number"} <= kinds
    differing = {key: (found[key], pinned[key]) for key in pinned if found[key] != pinned[key]}
    assert not differing, f"{len(differing)} comment(s) differ, e.g. {next(iter(differing.items()))}"


if __name__ == "__main__":
    lines = [f"{json.dumps(key)}: {json.dumps(value)}" for key, value in sorted(extracted().items())]
    PINNED.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
    sys.exit(0)


def test_country_trie_matches_what_the_plain_alternation_matches() -> None:
    """The countries' trie-shaped expression finds exactly the spans of the longest-first
    alternation of every name it was built from (demo texts and awkward edges)."""
    pattern, names = countries._matcher()
    alternation = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    plain = re.compile(rf"(?<![\w.])(?:{alternation})(?![\w]|\.\w)", re.IGNORECASE)
    texts = demo_texts()
    texts.append(
        "United States of America, the United States, UNITED KINGDOM. U.S.A. U.S. u.s.a.x Niger Nigeria"
        " South Sudan Sudanese Guinea-Bissau Papua New Guinea Korea, Republic of; Côte d'Ivoire; the States"
        " Congo, The Democratic Republic; Dominica Dominican Republic; Turkey turkey Turkeys Iran. Iranx"
    )
    spans = [[found.span() for found in pattern.finditer(text)] for text in texts]
    assert spans == [[found.span() for found in plain.finditer(text)] for text in texts]
    assert sum(map(len, spans)) > 90


def test_date_candidates_are_what_the_whole_expression_finds() -> None:
    """``dates.candidates`` (the expression tried only where a match can start) finds the same
    spans as scanning every position, on every demo text and on awkward characters."""
    texts = demo_texts()
    texts += [
        "ſunday ſaturday İn 3 days NOON on THE 5TH, at 4pm on 25/01/2020, 3-5 days, ٣/٤/2020 Jan 25",
        "4.30pm tomorrow by the 1st of this month; the day after tomorrow; a couple of weeks ago",
        "MAY 3 people; May 3; x25 Jan 2020; 25 Jan 2020x; last friday evening 14:30; 2020-01-25T10:00",
    ]
    spans = [[found.span() for found in dates.candidates(text)] for text in texts]
    assert spans == [[found.span() for found in dates._CANDIDATE.finditer(text)] for text in texts]
    assert sum(map(len, spans)) > 400


def test_sentiment_from_the_tone_stored_at_sync_is_what_the_text_gives() -> None:
    """Fetch and predict-comments take the comment's tone from its stored label properties
    instead of computing it again: for every demo comment and every label of the demo
    taxonomy, the sentiments are the same numbers."""
    tenant = json.loads((DEMO_DIR / "tenant.json").read_text(encoding="utf-8"))
    taxonomy = [label["name"] for label in tenant["dataset"]["label_defs"]]
    assert len(taxonomy) > 10
    checked = 0
    for path in sorted(DEMO_DIR.glob("comments_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            comment = CommentNew.model_validate(json.loads(line)["comment"])
            analysis = analyse(content_of(comment), "Europe/London", comment.written_timestamp)
            stored = tone_value(json.loads(dumps(analysis.properties)))
            assert stored is not None
            assert comment_sentiment(analysis.text, stored) == comment_sentiment(analysis.text)
            fresh, reused = SentimentReader(analysis.text), SentimentReader(analysis.text, stored)
            assert [reused.label(name) for name in taxonomy] == [fresh.label(name) for name in taxonomy]
            checked += 1
    assert checked == 320
