"""Sentiment in the sandbox: the lexicon rule, and sentiment datasets over real HTTP.

The HTTP half runs one in-process sandbox with the demo tenant (whose ``acme/retail-sentiment``
is a sentiment-enabled copy of ``acme/retail-inbox``) and creates and trains a sentiment
dataset of its own through the API.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sandbox_http import Api

from ReinferLibrary.sandbox.context import Sandbox
from ReinferLibrary.sandbox.importer import LabelledFileError, import_labelled
from ReinferLibrary.sandbox.inprocess import InProcessSandbox
from ReinferLibrary.sandbox.nlp.properties import tone
from ReinferLibrary.sandbox.nlp.sentiment import SentimentReader, add_label_sentiment, comment_sentiment

MIXED = "Thanks for the quick refund, brilliant. But order ACM-100001 arrived damaged, awful."
ANGRY = "Where is my parcel? This is the third time I have asked and I am furious!!!"


# --- the rule ---------------------------------------------------------------------------------


def test_comment_sentiment_is_the_tone_over_ten() -> None:
    assert comment_sentiment(ANGRY) == round(tone(ANGRY) / 10, 4)
    assert comment_sentiment(ANGRY) < -0.5
    assert comment_sentiment("Could you tell me your opening hours?") == 0.0


def test_each_label_takes_the_tone_of_the_sentences_naming_it() -> None:
    reader = SentimentReader(MIXED)
    refund, damaged = reader.label("Refund > Request"), reader.label(["Order", "Damaged"])
    assert refund > 0.3  # no sentence says "request": the parent part "refund" names the first one
    assert damaged < -0.3  # "damaged" in the second
    assert refund == comment_sentiment("Thanks for the quick refund, brilliant.")


def test_a_label_no_sentence_names_with_feeling_takes_the_whole_comment() -> None:
    text = "I ordered a bench on Monday. It has not come and I am really angry about it."
    reader = SentimentReader(text)
    # "Order" is named only by a neutral sentence, "Complaint" by none: both fall back.
    assert reader.label("Order") == reader.label("Complaint") == comment_sentiment(text) < 0


def test_values_stay_between_minus_one_and_one_and_repeat() -> None:
    for text in (ANGRY * 30, "Thank you so much, brilliant, wonderful!!! " * 30, "", "???"):
        labels = add_label_sentiment([{"name": ["Complaint"], "probability": 0.9}], text)
        again = add_label_sentiment([{"name": ["Complaint"], "probability": 0.9}], text)
        assert labels == again
        assert -1.0 <= labels[0]["sentiment"] <= 1.0


# --- over HTTP --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    with InProcessSandbox() as sandbox:
        assert sandbox.url is not None
        yield Api(sandbox.url, sandbox.token)


def _labels_with_sentiment(labels: list[dict[str, Any]]) -> list[float | None]:
    return [label.get("sentiment") for label in labels]


def test_the_demo_has_a_sentiment_copy_of_the_inbox(api: Api) -> None:
    plain = api.ok("GET", "/api/v1/datasets/acme/retail-inbox")["dataset"]
    copy = api.ok("GET", "/api/v1/datasets/acme/retail-sentiment")["dataset"]
    assert (plain["has_sentiment"], copy["has_sentiment"]) == (False, True)
    assert copy["source_ids"] == plain["source_ids"]
    assert copy["label_defs"] == plain["label_defs"]
    tags = api.ok("GET", "/api/v1/datasets/acme/retail-sentiment/model-tags")["model_tags"]
    assert {(tag["name"], tag["version"]) for tag in tags} == {("live", 1), ("staging", 2)}


def test_fetch_labels_carry_sentiment_only_on_the_sentiment_dataset(api: Api) -> None:
    body = {"size": 8}
    with_sentiment = api.ok("POST", "/api/v1/datasets/acme/retail-sentiment/streams/routing/fetch", body)
    without = api.ok("POST", "/api/v1/datasets/acme/retail-inbox/streams/routing/fetch", body)
    pairs = list(zip(with_sentiment["results"], without["results"], strict=True))
    assert any(item["labels"] for item, _ in pairs)
    for item, plain in pairs:
        # The copy's model is the same model: same labels, same probabilities, plus sentiment.
        assert [(label["name"], label["probability"]) for label in item["labels"]] == [
            (label["name"], label["probability"]) for label in plain["labels"]
        ]
        assert all(-1.0 <= value <= 1.0 for value in _labels_with_sentiment(item["labels"]))  # type: ignore[operator]
        assert all("sentiment" not in label for label in plain["labels"])
        assert "sentiment" not in item  # fetch results have no per-comment sentiment (OpenAPI)
    first = with_sentiment["results"][0]
    text = "\n".join(
        part["text"]
        for message in first["comment"]["messages"]
        for key in ("subject", "body")
        if (part := message.get(key))
    )
    reader = SentimentReader(text)
    assert _labels_with_sentiment(first["labels"]) == [
        reader.label(label["name"]) for label in first["labels"]
    ]


def test_results_route_has_no_label_sentiment(api: Api) -> None:
    answer = api.ok("GET", "/api/v1/datasets/acme/retail-sentiment/streams/routing/results?max_results=4")
    assert answer["results"]
    assert "sentiment" not in json.dumps(answer["results"])


def test_predict_routes_carry_label_and_comment_sentiment(api: Api) -> None:
    documents = {"documents": [{"messages": [{"body": {"text": MIXED}}]}], "threshold": 0.2}
    answer = api.ok("POST", "/api/v1/datasets/acme/retail-sentiment/labellers/live/predict", documents)
    assert answer["sentiment"] == [{"total": comment_sentiment(MIXED)}]
    by_name = {" > ".join(label["name"]): label["sentiment"] for label in answer["predictions"][0]}
    assert by_name["Refund"] > 0 > by_name["Order > Damaged"]
    plain = api.ok("POST", "/api/v1/datasets/acme/retail-inbox/labellers/live/predict", documents)
    assert "sentiment" not in plain
    assert all("sentiment" not in label for label in plain["predictions"][0])

    uid = api.ok("POST", "/api/v1/datasets/acme/retail-sentiment/streams/routing/fetch", {"size": 1})[
        "results"
    ][0]["comment"]["uid"]
    stored = api.ok(
        "POST", "/api/v1/datasets/acme/retail-sentiment/labellers/1/predict-comments", {"uids": [uid]}
    )["predictions"][0]
    assert -1.0 <= stored["sentiment"]["total"] <= 1.0
    assert all(-1.0 <= label["sentiment"] <= 1.0 for label in stored["labels"])
    plain_stored = api.ok(
        "POST", "/api/v1/datasets/acme/retail-inbox/labellers/1/predict-comments", {"uids": [uid]}
    )["predictions"][0]
    assert "sentiment" not in plain_stored


def test_a_sentiment_dataset_is_created_annotated_with_sentiment_and_trained(api: Api) -> None:
    source = api.ok("GET", "/api/v1/sources/acme/retail-inbox")["source"]
    created = api.ok(
        "PUT",
        "/api/v1/datasets/acme/moods",
        {
            "dataset": {
                "source_ids": [source["id"]],
                "has_sentiment": True,
                "label_defs": [{"name": "Praise"}, {"name": "Complaint"}],
            }
        },
    )["dataset"]
    assert created["has_sentiment"] is True
    assert api.ok("GET", "/api/v1/datasets/acme/moods")["dataset"]["has_sentiment"] is True
    items = api.ok("POST", "/api/v1/datasets/acme/retail-inbox/streams/routing/fetch", {"size": 40})[
        "results"
    ]
    labellings = []
    for item in items:
        praise = any(label["name"] == ["Praise"] for label in item["labels"])
        name = "Praise" if praise else "Complaint"
        labellings.append(
            {
                "uid": item["comment"]["uid"],
                "labels": [{"name": name, "sentiment": "positive" if praise else "negative"}],
            }
        )
    assert (
        api.ok("PUT", "/api/_sandbox/datasets/acme/moods/labellings", {"labellings": labellings})["assigned"]
        == 40
    )
    bad = api.error(
        400,
        "PUT",
        "/api/_sandbox/datasets/acme/moods/labellings",
        {
            "labellings": [
                {"uid": items[0]["comment"]["uid"], "labels": [{"name": "Praise", "sentiment": "happy"}]}
            ]
        },
    )
    assert "sentiment" in bad
    version = api.ok("POST", "/api/_sandbox/datasets/acme/moods/train", {"tags": ["live"]})["version"]
    api.ok(
        "PUT",
        "/api/v1/datasets/acme/moods/streams",
        {
            "stream": {
                "name": "all",
                "model": {
                    "version": version,
                    "label_thresholds": [
                        {"name": ["Praise"], "threshold": 0.0},
                        {"name": ["Complaint"], "threshold": 0.0},
                    ],
                },
            }
        },
    )
    fetched = api.ok("POST", "/api/v1/datasets/acme/moods/streams/all/fetch", {"size": 5})["results"]
    assert all(len(item["labels"]) == 2 for item in fetched)
    assert all(isinstance(label["sentiment"], float) for item in fetched for label in item["labels"])


def test_an_update_keeps_sentiment_as_created(api: Api) -> None:
    updated = api.ok(
        "POST",
        "/api/v1/datasets/acme/retail-sentiment",
        {"dataset": {"title": "Moods", "has_sentiment": True}},
    )["dataset"]
    assert (updated["title"], updated["has_sentiment"]) == ("Moods", True)
    assert api.ok("GET", "/api/v1/datasets/acme/retail-sentiment")["dataset"]["title"] == "Moods"
    refused = api.error(
        400, "POST", "/api/v1/datasets/acme/retail-inbox", {"dataset": {"has_sentiment": True}}
    )
    assert "cannot be changed" in refused
    assert api.ok("GET", "/api/v1/datasets/acme/retail-inbox")["dataset"]["has_sentiment"] is False


# --- import -----------------------------------------------------------------------------------


def _annotated(count: int, sentiment: str = "positive") -> str:
    lines = []
    for index in range(count):
        label, text = (
            ("Praise", "Thank you, brilliant and quick service")
            if index % 2
            else ("Complaint", "My parcel is late again and I am furious")
        )
        lines.append(
            json.dumps(
                {
                    "comment": {"id": f"c{index}", "messages": [{"body": {"text": f"{text} ({index})"}}]},
                    "labelling": [
                        {"group": "default", "assigned": [{"name": label, "sentiment": sentiment}]}
                    ],
                }
            )
        )
    return "\n".join(lines) + "\n"


def test_import_creates_a_sentiment_dataset_and_checks_annotation_sentiment(tmp_path: Path) -> None:
    labelled = tmp_path / "moods.jsonl"
    labelled.write_text(_annotated(40), encoding="utf-8")
    sandbox = Sandbox.open(tmp_path / "data")
    try:
        import_labelled(sandbox, labelled, "shop/moods", sentiment=True)
        import_labelled(sandbox, labelled, "shop/plain")
        assert sandbox.store.get_dataset("shop", "moods")["has_sentiment"] is True  # type: ignore[index]
        assert sandbox.store.get_dataset("shop", "plain")["has_sentiment"] is False  # type: ignore[index]
        with pytest.raises(LabelledFileError, match="exists without sentiment"):
            import_labelled(sandbox, labelled, "shop/plain", sentiment=True)
        bad = tmp_path / "bad.jsonl"
        bad.write_text(_annotated(4, sentiment="happy"), encoding="utf-8")
        with pytest.raises(LabelledFileError) as failure:
            import_labelled(sandbox, bad, "shop/bad")
        assert str(failure.value) == (
            f"Import file '{bad}' line 1: label 'Complaint' has the sentiment 'happy'; annotations use "
            "'positive' or 'negative'"
        )
    finally:
        sandbox.store.close()
