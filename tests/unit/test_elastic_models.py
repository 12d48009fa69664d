"""Elasticsearch ``_infer``: request shaping and normalisation of the documented answers."""

from __future__ import annotations

from typing import Any

import pytest

from ReinferLibrary.errors import ReinferConfigurationError
from ReinferLibrary.models import Item
from ReinferLibrary.models.elastic import (
    EsErrorBody,
    InferenceTask,
    InferResponse,
    TrainedModelsResponse,
    build_infer_request,
    chars_to_utf16_units,
    inference_warnings,
    items_from_infer,
    utf16_units_to_chars,
)

T = InferenceTask

# The examples of the Elasticsearch reference ("Infer trained model API").
TEXT_CLASSIFICATION = {
    "inference_results": [
        {
            "predicted_value": "POSITIVE",
            "prediction_probability": 0.9998667964092964,
            "top_classes": [
                {"class_name": "POSITIVE", "class_probability": 0.9998667964092964, "class_score": 0.99986},
                {
                    "class_name": "NEGATIVE",
                    "class_probability": 0.00013320359070360786,
                    "class_score": 0.00013,
                },
            ],
        }
    ]
}
NER_TEXT = "Hi my name is Josh and I live in Berlin"
NER = {
    "inference_results": [
        {
            "predicted_value": "Hi my name is [Josh](PER&Josh) and I live in [Berlin](LOC&Berlin)",
            "entities": [
                {
                    "entity": "Josh",
                    "class_name": "PER",
                    "class_probability": 0.9977303419824,
                    "start_pos": 14,
                    "end_pos": 18,
                },
                {
                    "entity": "Berlin",
                    "class_name": "LOC",
                    "class_probability": 0.9992474323902818,
                    "start_pos": 33,
                    "end_pos": 39,
                },
            ],
        }
    ]
}
ZERO_SHOT = {
    "inference_results": [
        {
            "predicted_value": "glad",
            "top_classes": [
                {
                    "class_name": "glad",
                    "class_probability": 0.8061155063386439,
                    "class_score": 0.8061155063386439,
                },
                {
                    "class_name": "rad",
                    "class_probability": 0.18218006158387956,
                    "class_score": 0.18218006158387956,
                },
                {
                    "class_name": "bad",
                    "class_probability": 0.006325615787634201,
                    "class_score": 0.006325615787634201,
                },
                {
                    "class_name": "sad",
                    "class_probability": 0.0053788162898424545,
                    "class_score": 0.00537881628984,
                },
            ],
            "prediction_probability": 0.8061155063386439,
        }
    ]
}


def _one(body: dict[str, Any], task: InferenceTask, text: str = "text", **kwargs: Any) -> Item:
    items = items_from_infer(
        InferResponse.model_validate(body), model_id="m", texts=[text], task=task, **kwargs
    )
    assert len(items) == 1
    return items[0]


# --- request -------------------------------------------------------------------------


def test_plain_request_has_no_inference_config() -> None:
    body = build_infer_request(["My parcel never arrived"], T.text_classification).to_body()
    assert body == {"docs": [{"text_field": "My parcel never arrived"}]}


def test_ner_without_options_has_no_inference_config() -> None:
    assert build_infer_request(["x"], T.ner).to_body() == {"docs": [{"text_field": "x"}]}


def test_text_classification_options_are_shaped_as_the_seed() -> None:
    body = build_infer_request(
        ["a", "b"],
        T.text_classification,
        num_top_classes=2,
        results_field="label",
        truncate="none",
        span=-1,
        tokenizer="bert",
    ).to_body()
    assert body == {
        "docs": [{"text_field": "a"}, {"text_field": "b"}],
        "inference_config": {
            "text_classification": {
                "num_top_classes": 2,
                "results_field": "label",
                "tokenization": {"bert": {"truncate": "none", "span": -1}},
            }
        },
    }


def test_zero_shot_always_sends_labels() -> None:
    body = build_infer_request(
        ["x"], T.zero_shot_classification, labels=["glad", "sad"], multi_label=False
    ).to_body()
    assert body["inference_config"] == {
        "zero_shot_classification": {"labels": ["glad", "sad"], "multi_label": False}
    }


def test_question_answering_sends_the_question() -> None:
    body = build_infer_request(["ctx"], T.question_answering, question="Who?", num_top_classes=1).to_body()
    assert body["inference_config"] == {"question_answering": {"question": "Who?", "num_top_classes": 1}}


def test_zero_shot_without_labels_uses_the_models_stored_labels() -> None:
    # The client refuses it before the call when the model stores none (test_elastic_client).
    assert build_infer_request(["x"], T.zero_shot_classification).to_body() == {"docs": [{"text_field": "x"}]}
    with pytest.raises(
        ReinferConfigurationError, match=r"zero_shot_classification options: labels: List should"
    ):
        build_infer_request(["x"], T.zero_shot_classification, labels=[])


def test_question_answering_without_question_is_refused() -> None:
    with pytest.raises(ReinferConfigurationError, match="question: Field required"):
        build_infer_request(["x"], T.question_answering)


@pytest.mark.parametrize(
    ("task", "option"),
    [
        (T.ner, {"labels": ["a"]}),
        (T.text_classification, {"multi_label": True}),
        (T.ner, {"num_top_classes": 3}),
        (T.text_classification, {"question": "why?"}),
    ],
)
def test_options_the_task_does_not_take_are_refused(task: InferenceTask, option: dict[str, Any]) -> None:
    name = next(iter(option))
    with pytest.raises(ReinferConfigurationError, match=f"Task {task.value} does not take {name}; it takes"):
        build_infer_request(["x"], task, **option)


def test_out_of_range_options_are_refused_with_the_field_name() -> None:
    with pytest.raises(
        ReinferConfigurationError, match="num_top_classes: Input should be greater than or equal"
    ):
        build_infer_request(["x"], T.text_classification, num_top_classes=-2)
    with pytest.raises(
        ReinferConfigurationError, match="truncate: Input should be 'first', 'second' or 'none'"
    ):
        build_infer_request(["x"], T.ner, truncate="middle", tokenizer="roberta")  # type: ignore[arg-type]


# --- normalisation ------------------------------------------------------------------


def test_text_classification_top_classes_become_labels() -> None:
    item = _one(TEXT_CLASSIFICATION, T.text_classification, "The movie was awesome!!")
    assert [(label.name, label.probability) for label in item.labels] == [
        ("POSITIVE", 0.9998667964092964),
        ("NEGATIVE", 0.00013320359070360786),
    ]
    assert item.origin == "elasticsearch"
    assert item.uid == "es:m:0"
    assert item.comment is not None
    assert item.comment.messages[0].body.text == "The movie was awesome!!"
    dumped = item.model_dump(mode="json")
    assert dumped["predicted_value"] == "POSITIVE"
    assert dumped["model_id"] == "m"
    assert dumped["task"] == "text_classification"
    assert dumped["is_truncated"] is False
    assert item.entities == []


def test_predicted_value_alone_becomes_one_label() -> None:
    body = {
        "inference_results": [{"predicted_value": "POSITIVE", "prediction_probability": 0.9998667964092964}]
    }
    item = _one(body, T.text_classification)
    assert [(label.name, label.probability) for label in item.labels] == [("POSITIVE", 0.9998667964092964)]


def test_results_field_is_where_the_predicted_value_is_read() -> None:
    body = {"inference_results": [{"sentiment": "NEGATIVE", "prediction_probability": 0.7}]}
    item = _one(body, T.text_classification, results_field="sentiment")
    assert [(label.name, label.probability) for label in item.labels] == [("NEGATIVE", 0.7)]
    assert item.model_dump()["predicted_value"] == "NEGATIVE"


def test_hierarchical_class_names_are_normalised() -> None:
    body = {
        "inference_results": [
            {
                "predicted_value": "Order>Missing",
                "prediction_probability": 0.8,
                "top_classes": [
                    {"class_name": "Order", "class_probability": 0.9, "class_score": 0.9},
                    {"class_name": "Order>Missing", "class_probability": 0.8, "class_score": 0.8},
                ],
            }
        ]
    }
    assert [label.name for label in _one(body, T.text_classification).labels] == ["Order", "Order > Missing"]


def test_zero_shot_single_label_keeps_every_top_class_sorted() -> None:
    item = _one(ZERO_SHOT, T.zero_shot_classification, "This is a very happy person")
    assert [label.name for label in item.labels] == ["glad", "rad", "bad", "sad"]
    assert item.labels[0].probability == pytest.approx(0.806, abs=1e-3)


def test_zero_shot_multi_label_probabilities_are_independent() -> None:
    body = {
        "inference_results": [
            {
                "predicted_value": "rad",
                "prediction_probability": 0.95,
                "top_classes": [
                    {"class_name": "glad", "class_probability": 0.9, "class_score": 2.1},
                    {"class_name": "rad", "class_probability": 0.95, "class_score": 2.9},
                    {"class_name": "sad", "class_probability": 0.01, "class_score": -4.2},
                ],
            }
        ]
    }
    item = _one(body, T.zero_shot_classification)
    assert [(label.name, label.probability) for label in item.labels] == [
        ("rad", 0.95),
        ("glad", 0.9),
        ("sad", 0.01),
    ]


def test_ner_entities_carry_spans_and_probabilities() -> None:
    item = _one(NER, T.ner, NER_TEXT)
    assert item.labels == []
    josh, berlin = item.entities
    assert (josh.name, josh.kind, josh.formatted_value, josh.probability) == (
        "PER",
        "PER",
        "Josh",
        0.9977303419824,
    )
    assert josh.capture_ids == []
    assert josh.span is not None
    assert josh.spans == [josh.span]
    assert josh.span.model_dump() == {
        "content_part": "body",
        "message_index": 0,
        "char_start": 14,
        "char_end": 18,
        "utf16_byte_start": 28,
        "utf16_byte_end": 36,
    }
    assert NER_TEXT[berlin.spans[0].char_start : berlin.spans[0].char_end] == "Berlin"
    assert item.model_dump()["predicted_value"].startswith("Hi my name is [Josh](PER&Josh)")


def test_ner_answer_is_recognised_without_the_task() -> None:
    # An NER model asked with the default task still gives entities, not a label made of annotated text.
    item = _one(NER, T.text_classification, NER_TEXT)
    assert item.labels == []
    assert [entity.name for entity in item.entities] == ["PER", "LOC"]


def test_ner_offsets_are_utf16_code_units_converted_to_code_points() -> None:
    text = "😀 Order 12345678 is late"
    start = chars_to_utf16_units(text, text.index("12345678"))
    assert start == text.index("12345678") + 1  # the emoji takes two UTF-16 code units
    body = {
        "inference_results": [
            {
                "predicted_value": "x",
                "entities": [
                    {
                        "entity": "12345678",
                        "class_name": "order_number",
                        "class_probability": 1.0,
                        "start_pos": start,
                        "end_pos": start + 8,
                    }
                ],
            }
        ]
    }
    span = _one(body, T.ner, text).entities[0].spans[0]
    assert text[span.char_start : span.char_end] == "12345678"  # type: ignore[misc]
    assert span.utf16_byte_start == 2 * start
    assert (
        text.encode("utf-16-le")[span.utf16_byte_start : span.utf16_byte_end].decode("utf-16-le")
        == "12345678"
    )  # type: ignore[misc]


def test_utf16_conversions_round_trip() -> None:
    text = "a😀b𝄞c"
    for chars in range(len(text) + 1):
        assert utf16_units_to_chars(text, chars_to_utf16_units(text, chars)) == chars
    assert utf16_units_to_chars("abc", 10) == 3


def test_question_answering_answer_becomes_an_entity() -> None:
    text = "The order 12345678 was sent to Berlin."
    body = {
        "inference_results": [
            {
                "predicted_value": "Berlin",
                "prediction_probability": 0.87,
                "start_offset": 31,
                "end_offset": 37,
                "top_classes": [{"answer": "Berlin", "score": 0.87, "start_offset": 31, "end_offset": 37}],
            }
        ]
    }
    item = _one(body, T.question_answering, text)
    (answer,) = item.entities
    assert (answer.name, answer.formatted_value, answer.probability) == ("answer", "Berlin", 0.87)
    assert text[answer.spans[0].char_start : answer.spans[0].char_end] == "Berlin"  # type: ignore[misc]
    assert item.model_dump()["top_classes"][0]["answer"] == "Berlin"


def test_text_embedding_keeps_the_vector_and_has_no_labels() -> None:
    body = {"inference_results": [{"predicted_value": [0.1, -0.2, 0.3]}]}
    item = _one(body, T.text_embedding)
    assert item.labels == []
    assert item.entities == []
    assert item.model_dump()["predicted_value"] == [0.1, -0.2, 0.3]


def test_is_truncated_and_unknown_fields_are_kept() -> None:
    body = {
        "inference_results": [
            {
                "predicted_value": "A",
                "prediction_probability": 0.6,
                "is_truncated": True,
                "brand_new_field": 1,
            }
        ]
    }
    item = _one(body, T.text_classification)
    assert item.model_dump()["is_truncated"] is True
    assert InferResponse.model_validate(body).inference_results[0].model_extra == {"brand_new_field": 1}


def test_several_docs_become_items_in_order() -> None:
    body = {
        "inference_results": [
            {"predicted_value": "A", "prediction_probability": 0.6},
            {"predicted_value": "B", "prediction_probability": 0.7},
        ]
    }
    items = items_from_infer(
        InferResponse.model_validate(body), model_id="m", texts=["one", "two"], task=T.text_classification
    )
    assert [(item.uid, item.labels[0].name) for item in items] == [("es:m:0", "A"), ("es:m:1", "B")]


def test_result_count_mismatch_is_an_error() -> None:
    response = InferResponse.model_validate(TEXT_CLASSIFICATION)
    with pytest.raises(ValueError, match="2 document"):
        items_from_infer(response, model_id="m", texts=["a", "b"], task=T.text_classification)


def test_warnings_are_listed_with_their_document() -> None:
    body = {
        "inference_results": [
            {"predicted_value": "A", "prediction_probability": 0.6},
            {"warning": "Input field [text_field] does not exist in the source document"},
        ]
    }
    assert inference_warnings(InferResponse.model_validate(body)) == [
        (1, "Input field [text_field] does not exist in the source document")
    ]


def test_error_body_sentence_uses_type_reason_and_cause() -> None:
    body = EsErrorBody.model_validate_json(
        b'{"error":{"root_cause":[{"type":"resource_not_found_exception",'
        b'"reason":"Could not find trained model [x]"}],'
        b'"type":"resource_not_found_exception","reason":"Could not find trained model [x]"},"status":404}'
    )
    assert body.sentence() == "resource_not_found_exception: Could not find trained model [x]"
    nested = EsErrorBody.model_validate(
        {
            "error": {"type": "a", "reason": "outer", "caused_by": {"type": "b", "reason": "inner"}},
            "status": 500,
        }
    )
    assert nested.sentence() == "a: outer (caused by b: inner)"
    assert EsErrorBody.model_validate({"error": "plain text", "status": 500}).sentence() == "plain text"


def test_trained_model_summary() -> None:
    body = {
        "count": 1,
        "trained_model_configs": [
            {
                "model_id": "retail-inbox-v1",
                "model_type": "pytorch",
                "input": {"field_names": ["text_field"]},
                "inference_config": {
                    "text_classification": {
                        "classification_labels": ["Order", "Refund"],
                        "num_top_classes": 0,
                    }
                },
            }
        ],
    }
    summary = TrainedModelsResponse.model_validate(body).trained_model_configs[0].summary()
    assert summary["task"] == "text_classification"
    assert summary["labels"] == ["Order", "Refund"]
    assert summary["input_fields"] == ["text_field"]


# --- span needs truncate: none (Elasticsearch answers 400 otherwise) -------------------------


@pytest.mark.parametrize(
    ("truncate", "shown"),
    [(None, "the model's default truncation (usually first)"), ("first", "truncate=first")],
)
def test_span_without_truncate_none_is_refused_before_the_call(truncate: Any, shown: str) -> None:
    with pytest.raises(ReinferConfigurationError) as caught:
        build_infer_request(["x"], T.text_classification, truncate=truncate, span=128)
    assert str(caught.value) == (
        "span=128 needs truncate=none: Elasticsearch windows long input only when it is not truncated "
        f"and refuses a span with {shown}; add truncate=none or leave span out."
    )


def test_span_with_truncate_none_and_the_unset_span_are_sent() -> None:
    windowed = build_infer_request(["x"], T.ner, truncate="none", span=128, tokenizer="roberta").to_body()
    assert windowed["inference_config"] == {
        "ner": {"tokenization": {"roberta": {"truncate": "none", "span": 128}}}
    }
    unset = build_infer_request(["x"], T.ner, truncate="first", span=-1, tokenizer="bert").to_body()
    assert unset["inference_config"] == {"ner": {"tokenization": {"bert": {"truncate": "first", "span": -1}}}}
    with pytest.raises(ReinferConfigurationError, match="tokenization type"):
        build_infer_request(["x"], T.ner, truncate="first")
    custom = build_infer_request(["x"], T.ner, input_field="body").to_body()
    assert custom == {"docs": [{"body": "x"}]}


def test_no_elasticsearch_item_carries_auto_thresholds() -> None:
    # Elasticsearch has no auto-thresholds: `auto=` of Labels Above Threshold finds none on these items.
    for body, task in (
        (TEXT_CLASSIFICATION, T.text_classification),
        (
            {"inference_results": [{"predicted_value": "Order", "prediction_probability": 0.9}]},
            T.text_classification,
        ),
        (
            {
                "inference_results": [
                    {
                        "predicted_value": "glad",
                        "top_classes": [{"class_name": "glad", "class_probability": 0.8}],
                    }
                ]
            },
            T.zero_shot_classification,
        ),
    ):
        item = _one(body, task)
        assert item.labels
        assert all(label.auto_thresholds == [] for label in item.labels)
