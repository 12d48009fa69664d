"""The sandbox's emulated Elasticsearch routes, with a fake backend.

Three clients talk to the router over a real uvicorn server on 127.0.0.1 (port chosen by
the OS): plain ``requests`` (raw HTTP view), the official ``elasticsearch`` Python client
and the library's own client + keywords. (Not Starlette's Http: it deprecates the
``httpx`` it runs on, and its successor ``httpx2`` needs Python 3.11.)
"""

from __future__ import annotations

import base64
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import elasticsearch
import pytest
import requests
import uvicorn
from fastapi import FastAPI
from robot import run as run_robot

from ReinferLibrary.client.elasticsearch import ElasticsearchClient, ElasticsearchSettings
from ReinferLibrary.errors import BadRequestError, NotFoundError
from ReinferLibrary.models.elastic import InferenceTask
from ReinferLibrary.sandbox.elastic import ElasticBackend, create_elastic_router
from ReinferLibrary.sandbox.elastic_backend import SandboxElasticBackend
from ReinferLibrary.sandbox.nlp.zero_shot import zero_shot

TOKEN = "sandbox-token-5f1e9c"
LABELS = ["Order", "Order > Missing", "Refund", "Praise"]
ORDER_NUMBER = re.compile(r"\b\d{8}\b")


class FakeBackend:
    """A deterministic stand-in for the sandbox's trained model and entity extractor."""

    def __init__(self) -> None:
        self.classified: list[list[str]] = []

    def check_auth(self, authorization_header: str | None) -> bool:
        return authorization_header in (f"ApiKey {TOKEN}", f"Bearer {TOKEN}")

    def model_ids(self) -> list[str]:
        return ["retail-inbox-v1", "retail-inbox-v2", "retail-inbox-ner", "zero-shot"]

    def zero_shot_model_ids(self) -> list[str]:
        return ["zero-shot"]

    def zero_shot(
        self, texts: list[str], labels: list[str], multi_label: bool
    ) -> list[list[tuple[float, float]]]:
        # The router is under test here: the sandbox's scorer (tested on its own) answers.
        return [zero_shot(text, labels, multi_label) for text in texts]

    def classification_labels(self, model_id: str) -> list[str] | None:
        return list(LABELS) if model_id in ("retail-inbox-v1", "retail-inbox-v2") else None

    def classify(self, model_id: str, texts: list[str]) -> list[dict[str, float]]:
        self.classified.append(texts)
        answers = []
        for text in texts:
            missing = "never arrived" in text or "missing" in text
            thanks = "thank" in text.lower()
            answers.append(
                {
                    "Order": 0.92 if missing else 0.1,
                    "Order > Missing": 0.87 if missing else 0.05,
                    "Refund": 0.2,
                    "Praise": 0.95 if thanks else 0.01,
                }
            )
        return answers

    def ner(self, texts: list[str]) -> list[list[dict[str, Any]]]:
        return [
            [
                {
                    "name": "order_number",
                    "kind": "order_number",
                    "formatted_value": match.group(),
                    "probability": None,
                    "spans": [
                        {
                            "content_part": "body",
                            "message_index": 0,
                            "char_start": match.start(),
                            "char_end": match.end(),
                        }
                    ],
                }
                for match in ORDER_NUMBER.finditer(text)
            ]
            for text in texts
        ]


def make_app(backend: ElasticBackend) -> FastAPI:
    app = FastAPI()
    app.include_router(create_elastic_router(backend))
    return app


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend()


class Http:
    """Raw HTTP to a served app: ``get``/``post``/``head`` with paths, as a test client does."""

    def __init__(self, base: str, headers: dict[str, str] | None = None) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.headers.update(headers or {})

    def request(self, method: str, path: str, content: bytes | str | None = None, **kwargs: Any) -> Any:
        if content is not None:
            kwargs["data"] = content
        return self.session.request(method, self.base + path, timeout=30, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def head(self, path: str, **kwargs: Any) -> Any:
        return self.request("HEAD", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a thread, on a port the OS picks; yields its URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        assert thread.is_alive(), "uvicorn stopped while starting"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def http(backend: FakeBackend) -> Iterator[Http]:
    with serve(make_app(backend)) as url:
        yield Http(url, {"Authorization": f"ApiKey {TOKEN}"})


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with serve(make_app(FakeBackend())) as url:
        yield url


def infer(http: Http, body: dict[str, Any], model: str = "retail-inbox-v1", **params: str) -> Any:
    return http.post(f"/_ml/trained_models/{model}/_infer", json=body, params=params)


# --- raw HTTP ------------------------------------------------------------------------


def test_root_info_and_product_header(http: Http) -> None:
    response = http.get("/")
    assert response.status_code == 200
    assert response.headers["X-elastic-product"] == "Elasticsearch"
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["version"]["number"] == "9.1.0"
    assert body["tagline"] == "You Know, for Search"
    assert http.head("/").status_code == 200


@pytest.mark.parametrize("version", ["8", "9"])
def test_compatible_with_accept_gets_a_matching_content_type(http: Http, version: str) -> None:
    accept = f"application/vnd.elasticsearch+json; compatible-with={version}"
    response = http.get("/", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == f"application/vnd.elasticsearch+json;compatible-with={version}"


@pytest.mark.parametrize("version", ["7", "5", "10"])
def test_a_version_9_cluster_refuses_other_compatible_versions_as_elasticsearch_does(
    http: Http, version: str
) -> None:
    accept = f"application/vnd.elasticsearch+json; compatible-with={version}"
    bad = http.get("/", headers={"Accept": accept})
    assert bad.status_code == 400
    assert bad.headers["content-type"] == "application/json"
    assert bad.headers["X-elastic-product"] == "Elasticsearch"
    outer = {
        "type": "media_type_header_exception",
        "reason": "Invalid media-type value on headers [Accept, Content-Type]",
    }
    assert bad.json() == {
        "error": {
            "root_cause": [outer],
            **outer,
            "caused_by": {
                "type": "status_exception",
                "reason": (
                    f"Accept version must be either version 9 or 8, but found {version}. Accept={accept}"
                ),
            },
        },
        "status": 400,
    }


def test_media_types_are_checked_before_credentials(backend: FakeBackend) -> None:
    with serve(make_app(backend)) as url:
        anonymous = Http(url)
        response = anonymous.get(
            "/", headers={"Accept": "application/vnd.elasticsearch+json; compatible-with=7"}
        )
    assert response.status_code == 400


def test_versioned_bodies_need_matching_versions_on_both_headers(http: Http) -> None:
    body = b'{"docs": [{"text_field": "x"}]}'
    path = "/_ml/trained_models/retail-inbox-v1/_infer"
    v9 = "application/vnd.elasticsearch+json; compatible-with=9"
    v8 = "application/vnd.elasticsearch+json; compatible-with=8"
    both = http.post(path, content=body, headers={"Accept": v9, "Content-Type": v9})
    assert both.status_code == 200
    mixed = http.post(path, content=body, headers={"Accept": v9, "Content-Type": v8})
    assert mixed.status_code == 400
    assert mixed.json()["error"]["caused_by"]["reason"] == (
        "A compatible version is required on both Content-Type and Accept headers if either one has "
        "requested a compatible version and the compatible versions must match. "
        f"Accept={v9}, Content-Type={v8}"
    )
    one = http.post(path, content=body, headers={"Accept": v9, "Content-Type": "application/json"})
    assert one.status_code == 400
    assert one.json()["error"]["caused_by"]["reason"].startswith(
        "A compatible version is required on both Content-Type and Accept headers if either one has "
        "requested a compatible version. Accept="
    )
    old_body = http.post(
        path, content=body, headers={"Accept": v8.replace("8", "7"), "Content-Type": v8.replace("8", "7")}
    )
    assert old_body.json()["error"]["caused_by"]["reason"].startswith(
        "Accept version must be either version 9 or 8"
    )


def test_missing_credentials_is_401_security_exception(backend: FakeBackend) -> None:
    with serve(make_app(backend)) as url:
        anonymous = Http(url)
        response = anonymous.post(
            "/_ml/trained_models/retail-inbox-v1/_infer", json={"docs": [{"text_field": "x"}]}
        )
    assert response.status_code == 401
    assert response.headers["X-elastic-product"] == "Elasticsearch"
    assert 'Basic realm="security", charset="UTF-8"' in response.raw.headers.getlist("WWW-Authenticate")
    error = response.json()["error"]
    assert error["type"] == "security_exception"
    assert error["reason"] == (
        "missing authentication credentials for REST request [/_ml/trained_models/retail-inbox-v1/_infer]"
    )
    assert response.json()["status"] == 401


def test_wrong_credentials_and_bearer(http: Http) -> None:
    wrong = http.get("/", headers={"Authorization": "ApiKey nope"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["reason"].startswith("unable to authenticate with provided credentials")
    assert http.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_get_trained_model_configs(http: Http) -> None:
    body = http.get("/_ml/trained_models/retail-inbox-v1").json()
    assert body["count"] == 1
    config = body["trained_model_configs"][0]
    assert config["model_id"] == "retail-inbox-v1"
    assert config["input"] == {"field_names": ["text_field"]}
    assert config["inference_config"]["text_classification"]["classification_labels"] == LABELS
    ner = http.get("/_ml/trained_models/retail-inbox-ner").json()["trained_model_configs"][0]
    assert list(ner["inference_config"]) == ["ner"]
    assert http.get("/_ml/trained_models/retail-inbox-v*").json()["count"] == 2
    assert http.get("/_ml/trained_models").json()["count"] == 4
    assert http.get("/_ml/trained_models/_all").json()["count"] == 4
    assert http.get("/_ml/trained_models/zzz*").json() == {"count": 0, "trained_model_configs": []}


def test_get_unknown_model_is_404(http: Http) -> None:
    response = http.get("/_ml/trained_models/nope")
    assert response.status_code == 404
    assert response.json()["error"]["reason"] == "No known trained model with model_id [nope]"


def test_infer_unknown_model_is_the_es_404_body(http: Http) -> None:
    response = infer(http, {"docs": [{"text_field": "x"}]}, model="x")
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "root_cause": [
                {"type": "resource_not_found_exception", "reason": "Could not find trained model [x]"}
            ],
            "type": "resource_not_found_exception",
            "reason": "Could not find trained model [x]",
        },
        "status": 404,
    }


def test_text_classification_default_answer(http: Http) -> None:
    response = infer(http, {"docs": [{"text_field": "My parcel never arrived"}]}, timeout="30s")
    assert response.status_code == 200
    assert response.headers["X-elastic-product"] == "Elasticsearch"
    assert response.json() == {
        "inference_results": [{"predicted_value": "Order", "prediction_probability": 0.92}]
    }


def test_text_classification_options(http: Http) -> None:
    body = {
        "docs": [{"text_field": "My parcel never arrived"}, {"text_field": "thank you!"}],
        "inference_config": {"text_classification": {"num_top_classes": 2, "results_field": "label"}},
    }
    first, second = infer(http, body).json()["inference_results"]
    assert first == {
        "label": "Order",
        "prediction_probability": 0.92,
        "top_classes": [
            {"class_name": "Order", "class_probability": 0.92, "class_score": 0.92},
            {"class_name": "Order > Missing", "class_probability": 0.87, "class_score": 0.87},
        ],
    }
    assert second["label"] == "Praise"
    every = {
        "docs": [{"text_field": "x"}],
        "inference_config": {"text_classification": {"num_top_classes": -1}},
    }
    assert len(infer(http, every).json()["inference_results"][0]["top_classes"]) == len(LABELS)


def test_classification_labels_rename_and_must_match_in_number(http: Http) -> None:
    renamed = {
        "docs": [{"text_field": "missing parcel"}],
        "inference_config": {"text_classification": {"classification_labels": ["a", "b", "c", "d"]}},
    }
    assert infer(http, renamed).json()["inference_results"][0]["predicted_value"] == "a"
    renamed["inference_config"]["text_classification"]["classification_labels"] = ["a"]  # type: ignore[index]
    response = infer(http, renamed)
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "status_exception"


def test_wrong_task_is_403_status_exception_as_elasticsearch_answers(http: Http) -> None:
    body = {
        "docs": [{"text_field": "x"}],
        "inference_config": {"zero_shot_classification": {"labels": ["a", "b"]}},
    }
    response = infer(http, body)
    assert response.status_code == 403
    assert response.json()["error"] == {
        "root_cause": [
            {
                "type": "status_exception",
                "reason": "Trained model [retail-inbox-v1] is configured for task [text_classification] "
                "but called with task [zero_shot_classification]",
            }
        ],
        "type": "status_exception",
        "reason": "Trained model [retail-inbox-v1] is configured for task [text_classification] "
        "but called with task [zero_shot_classification]",
    }


def test_zero_shot_model_config_and_answer(http: Http) -> None:
    config = http.get("/_ml/trained_models/zero-shot").json()["trained_model_configs"][0]
    assert config["input"] == {"field_names": ["text_field"]}
    options = config["inference_config"]["zero_shot_classification"]
    assert options["classification_labels"] == ["entailment", "neutral", "contradiction"]
    assert "labels" not in options  # every request names its labels
    assert list(options["tokenization"]) == ["bert"]
    labels = ["billing", "refund request", "delivery problem"]
    body = {
        "docs": [
            {"text_field": "I was charged twice, please refund me."},
            {"text_field": "The delivery never came"},
        ],
        "inference_config": {"zero_shot_classification": {"labels": labels, "results_field": "topic"}},
    }
    answers = infer(http, body, model="zero-shot").json()["inference_results"]
    assert [answer["topic"] for answer in answers] == ["refund request", "delivery problem"]
    for answer in answers:
        classes = answer["top_classes"]
        assert sorted(entry["class_name"] for entry in classes) == sorted(labels)
        assert sum(entry["class_probability"] for entry in classes) == pytest.approx(1.0)
        assert classes[0]["class_probability"] == answer["prediction_probability"]
    multi = {
        "docs": [{"text_field": "Thank you, I am so happy with the refund"}],
        "inference_config": {
            "zero_shot_classification": {"labels": ["happy", "refund", "angry"], "multi_label": True}
        },
    }
    scored = {
        entry["class_name"]: entry["class_probability"]
        for entry in infer(http, multi, model="zero-shot").json()["inference_results"][0]["top_classes"]
    }
    assert scored["happy"] > 0.5 and scored["refund"] > 0.5 and scored["angry"] < 0.5


@pytest.mark.parametrize(
    ("options", "status", "reason"),
    [
        ({}, 400, "stored configuration has no [labels] defined"),
        ({"labels": []}, 400, "[labels] must be a non-empty list of strings"),
        ({"labels": ["a"], "multi_label": "yes"}, 400, "[multi_label] must be a boolean"),
        (
            {"labels": ["a"], "num_top_classes": 2},
            400,
            "[zero_shot_classification] unknown field [num_top_classes]",
        ),
    ],
)
def test_zero_shot_refuses_what_elasticsearch_refuses(
    http: Http, options: Any, status: int, reason: str
) -> None:
    body = {"docs": [{"text_field": "x"}], "inference_config": {"zero_shot_classification": options}}
    response = infer(http, body, model="zero-shot")
    assert response.status_code == status
    assert response.json()["error"]["reason"].startswith(reason)


@pytest.mark.parametrize(
    ("body", "kind", "reason"),
    [
        (
            {"docs": [{"text_field": "x"}], "inference_config": {"magic": {}}},
            "x_content_parse_exception",
            "magic",
        ),
        (
            {"docs": [{"text_field": "x"}], "inference_config": {"text_classification": {"foo": 1}}},
            "x_content_parse_exception",
            "unknown field [foo]",
        ),
        ({}, "x_content_parse_exception", "Required [docs]"),
        ({"docs": []}, "action_request_validation_exception", "at least one document is required"),
        ({"docs": [{"text_field": "x"}], "extra": 1}, "x_content_parse_exception", "unknown field [extra]"),
        (
            {"docs": [{"text_field": "x"}], "inference_config": {"ner": {}}},
            "status_exception",
            "configured for task [text_classification] but called with task [ner]",
        ),
        (
            {
                "docs": [{"text_field": "x"}],
                "inference_config": {
                    "text_classification": {"tokenization": {"bert": {"truncate": "middle"}}}
                },
            },
            "illegal_argument_exception",
            "[truncate] must be one of",
        ),
    ],
)
def test_bad_requests_answer_in_the_es_error_shape(http: Http, body: Any, kind: str, reason: str) -> None:
    response = infer(http, body)
    assert response.status_code in (400, 403)
    error = response.json()["error"]
    assert error["type"] == kind
    assert reason in error["reason"]
    assert error["root_cause"][0]["type"] == kind


def test_not_json_body_is_a_parse_error(http: Http) -> None:
    response = http.post(
        "/_ml/trained_models/retail-inbox-v1/_infer",
        content=b"{nope",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "x_content_parse_exception"


def test_bad_timeout_is_a_parse_exception(http: Http) -> None:
    response = infer(http, {"docs": [{"text_field": "x"}]}, timeout="30")
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "parse_exception"
    assert response.json()["error"]["reason"] == (
        "failed to parse setting [timeout] with value [30] as a time value: unit is missing or unrecognized"
    )


def _tokenization(**options: Any) -> dict[str, Any]:
    """A tokenization update as Elasticsearch parses it: keyed by the model's tokenizer type."""
    return {
        "docs": [{"text_field": "x"}],
        "inference_config": {"text_classification": {"tokenization": {"bert": options}}},
    }


def test_tokenization_is_keyed_by_the_model_tokenizer_type(http: Http) -> None:
    assert infer(http, _tokenization(truncate="second")).status_code == 200
    ner = http.get("/_ml/trained_models/retail-inbox-ner").json()["trained_model_configs"][0]
    assert list(ner["inference_config"]["ner"]["tokenization"]) == ["roberta"]
    ner_body = {
        "docs": [{"text": "x"}],
        "inference_config": {"ner": {"tokenization": {"roberta": {"truncate": "first"}}}},
    }
    assert infer(http, ner_body, model="retail-inbox-ner").status_code == 200


def test_flat_tokenization_is_refused_as_the_server_refuses_it(http: Http) -> None:
    # The form the Elasticsearch specification shows; the server's named-object parser finds no
    # tokenizer called "truncate".
    flat = {
        "docs": [{"text_field": "x"}],
        "inference_config": {"text_classification": {"tokenization": {"truncate": "first"}}},
    }
    response = infer(http, flat)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "x_content_parse_exception"
    assert error["reason"] == "[text_classification] failed to parse field [tokenization]"
    assert error["caused_by"] == {
        "type": "named_object_not_found_exception",
        "reason": "unknown field [truncate]",
    }


def test_a_tokenizer_other_than_the_models_is_refused(http: Http) -> None:
    body = {
        "docs": [{"text_field": "x"}],
        "inference_config": {"text_classification": {"tokenization": {"roberta": {"truncate": "first"}}}},
    }
    response = infer(http, body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "status_exception"
    assert (
        error["reason"]
        == "Tokenization config of type [bert] can not be updated with a request of type [roberta]"
    )
    unknown = {
        **body,
        "inference_config": {"text_classification": {"tokenization": {"bert": {"strategy": 1}}}},
    }
    assert (
        infer(http, unknown).json()["error"]["reason"]
        == "[bert_tokenization_update] unknown field [strategy]"
    )


def test_each_model_reads_its_own_input_field(http: Http) -> None:
    ner = http.get("/_ml/trained_models/retail-inbox-ner").json()["trained_model_configs"][0]
    assert ner["input"] == {"field_names": ["text"]}
    wrong = infer(http, {"docs": [{"text_field": "Order ACM-123456"}]}, model="retail-inbox-ner").json()
    assert wrong == {
        "inference_results": [{"warning": "Input field [text] does not exist in the source document"}]
    }


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"span": 128}, "[span] must not be provided when [truncate] is [first]"),
        ({"span": 128, "truncate": "second"}, "[span] must not be provided when [truncate] is [second]"),
        (
            {"span": 600, "truncate": "none"},
            "[span] provided [600] must not be greater than [max_sequence_length] provided [512]",
        ),
        (
            {"span": -2, "truncate": "none"},
            "[span] must be non-negative to indicate span length or [-1] to indicate no windowing "
            "should occur",
        ),
    ],
)
def test_span_rules_are_elasticsearch_tokenization_rules(
    http: Http, options: dict[str, Any], reason: str
) -> None:
    response = infer(http, _tokenization(**options))
    assert response.status_code == 400
    cause = {"type": "illegal_argument_exception", "reason": reason}
    assert response.json() == {"error": {"root_cause": [cause], **cause}, "status": 400}


def test_span_with_truncate_none_windows_long_input(http: Http, backend: FakeBackend) -> None:
    long_text = " ".join(f"w{index}" for index in range(600))
    body = _tokenization(span=128, truncate="none")
    body["docs"] = [{"text_field": long_text}]
    result = infer(http, body).json()["inference_results"][0]
    assert "is_truncated" not in result
    assert backend.classified[-1] == [long_text]
    assert infer(http, _tokenization(span=-1)).status_code == 200


def test_sandbox_backend_accepts_basic_with_the_token_as_password() -> None:
    backend = SandboxElasticBackend(cast(Any, None), TOKEN)

    def basic(user: str, password: str) -> str:
        return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    assert backend.check_auth(basic("robot", TOKEN))
    assert backend.check_auth(basic("anyone", TOKEN))
    assert backend.check_auth(f"ApiKey {TOKEN}") and backend.check_auth(f"Bearer {TOKEN}")
    assert not backend.check_auth(basic("robot", "wrong"))
    assert not backend.check_auth(basic("", TOKEN))
    assert not backend.check_auth("Basic not-base64!")
    assert not backend.check_auth("Basic " + base64.b64encode(TOKEN.encode()).decode())  # no user:
    assert not backend.check_auth(None)


def test_doc_without_text_field_gets_a_warning_result(http: Http, backend: FakeBackend) -> None:
    body = {"docs": [{"text_field": "missing parcel"}, {"other": "x"}]}
    first, second = infer(http, body).json()["inference_results"]
    assert first["predicted_value"] == "Order"
    assert second == {"warning": "Input field [text_field] does not exist in the source document"}
    assert backend.classified == [["missing parcel"]]


def test_long_input_is_truncated_or_refused(http: Http, backend: FakeBackend) -> None:
    long_text = " ".join(f"w{index}" for index in range(600))
    result = infer(http, {"docs": [{"text_field": long_text}]}).json()["inference_results"][0]
    assert result["is_truncated"] is True
    assert backend.classified[-1][0].split()[-1] == "w509"
    refused = infer(
        http,
        {
            "docs": [{"text_field": long_text}],
            "inference_config": {"text_classification": {"tokenization": {"bert": {"truncate": "none"}}}},
        },
    )
    assert refused.status_code == 400
    assert "Input too large. The tokenized input length [602]" in refused.json()["error"]["reason"]


def test_ner_answer_with_utf16_offsets_and_annotated_text(http: Http) -> None:
    text = "😀 Order 12345678 and 87654321 are late"
    response = infer(http, {"docs": [{"text": text}]}, model="retail-inbox-ner")
    result = response.json()["inference_results"][0]
    assert result["predicted_value"] == (
        "😀 Order [12345678](order_number&12345678) and [87654321](order_number&87654321) are late"
    )
    first = result["entities"][0]
    assert first == {
        "entity": "12345678",
        "class_name": "order_number",
        "class_probability": 1.0,
        "start_pos": 9,  # the emoji is two UTF-16 code units
        "end_pos": 17,
    }
    units = text.encode("utf-16-le")
    assert units[2 * first["start_pos"] : 2 * first["end_pos"]].decode("utf-16-le") == "12345678"


def test_ner_results_field(http: Http) -> None:
    body = {
        "docs": [{"text": "order 12345678"}],
        "inference_config": {"ner": {"results_field": "tagged"}},
    }
    result = infer(http, body, model="retail-inbox-ner").json()["inference_results"][0]
    assert result["tagged"] == "order [12345678](order_number&12345678)"
    assert "predicted_value" not in result


def test_deprecated_deployment_path_still_answers(http: Http) -> None:
    response = http.post(
        "/_ml/trained_models/retail-inbox-v1/deployment/_infer", json={"docs": [{"text_field": "x"}]}
    )
    assert response.status_code == 200
    assert "inference_results" in response.json()


def test_openapi_documents_the_routes(http: Http) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    assert "requestBody" in paths["/_ml/trained_models/{model_id}/_infer"]["post"]


# --- the official Elasticsearch Python client -------------------------------------------


@pytest.fixture
def es(server_url: str) -> Iterator[elasticsearch.Elasticsearch]:
    client = elasticsearch.Elasticsearch(server_url, api_key=TOKEN)
    yield client
    client.close()


def test_official_client_infers(es: elasticsearch.Elasticsearch) -> None:
    assert es.info()["version"]["number"] == "9.1.0"
    assert es.ping()
    response = es.ml.infer_trained_model(
        model_id="retail-inbox-v1", docs=[{"text_field": "My parcel never arrived"}]
    )
    assert response["inference_results"][0] == {"predicted_value": "Order", "prediction_probability": 0.92}
    ner = es.ml.infer_trained_model(
        model_id="retail-inbox-ner", docs=[{"text": "Order 12345678"}], inference_config={"ner": {}}
    )
    assert ner["inference_results"][0]["entities"][0]["entity"] == "12345678"
    models = es.ml.get_trained_models(model_id="retail-inbox-v1")
    assert models["trained_model_configs"][0]["inference_config"]["text_classification"][
        "classification_labels"
    ]


def test_official_client_sees_es_errors(es: elasticsearch.Elasticsearch, server_url: str) -> None:
    with pytest.raises(elasticsearch.NotFoundError) as missing:
        es.ml.infer_trained_model(model_id="nope", docs=[{"text_field": "x"}])
    assert missing.value.meta.status == 404
    assert missing.value.message == "resource_not_found_exception"
    assert missing.value.body["error"]["reason"] == "Could not find trained model [nope]"
    with pytest.raises(elasticsearch.AuthorizationException):
        es.ml.infer_trained_model(
            model_id="retail-inbox-v1",
            docs=[{"text_field": "x"}],
            inference_config={"zero_shot_classification": {"labels": ["a"]}},
        )
    stranger = elasticsearch.Elasticsearch(server_url, api_key="wrong")
    with stranger, pytest.raises(elasticsearch.AuthenticationException):
        stranger.ml.infer_trained_model(model_id="retail-inbox-v1", docs=[{"text_field": "x"}])


# --- the library's own client and keywords over real HTTP -----------------------------


def test_library_client_round_trip(server_url: str) -> None:
    client = ElasticsearchClient(ElasticsearchSettings(url=server_url, api_key=TOKEN))
    try:
        (item,) = client.infer_items("retail-inbox-v1", ["My parcel never arrived"], num_top_classes=-1)
        assert [label.name for label in item.labels][:2] == ["Order", "Order > Missing"]
        text = "😀 Order 12345678"
        (ner,) = client.infer_items("retail-inbox-ner", [text], InferenceTask.ner)
        (entity,) = ner.entities
        span = entity.spans[0]
        assert (entity.name, entity.formatted_value) == ("order_number", "12345678")
        assert text[span.char_start : span.char_end] == "12345678"  # type: ignore[misc]
        assert (span.utf16_byte_start, span.utf16_byte_end) == (18, 34)
        # The model's configuration is read first (input field, tokenizer): an unknown id fails there.
        with pytest.raises(
            NotFoundError, match=r"GET /_ml/trained_models/nope returned 404.*model_id \[nope\]"
        ):
            client.infer_items("nope", ["x"])
        (cut,) = client.infer_items("retail-inbox-v1", ["x " * 600], truncate="first")
        assert cut.is_truncated is True  # type: ignore[attr-defined]
        (ner_cut,) = client.infer_items(
            "retail-inbox-ner", ["Order 12345678"], InferenceTask.ner, truncate="second"
        )
        assert ner_cut.entities[0].formatted_value == "12345678"
        with pytest.raises(BadRequestError, match="called with task \\[zero_shot_classification\\]"):
            client.infer_items("retail-inbox-v1", ["x"], InferenceTask.zero_shot_classification, labels=["a"])
        assert client.get_trained_model("retail-inbox-ner").task == "ner"
    finally:
        client.close()


SUITE = """
*** Settings ***
Library    EsOnly.py

*** Variables ***
${KEY: Secret}    %{ELASTICSEARCH_API_KEY}

*** Test Cases ***
Classify And Extract
    Connect To Elasticsearch    api_key=${KEY}    timeout=10 s
    ${item}=    Infer With Trained Model    retail-inbox-v1    My parcel never arrived    num_top_classes=-1
    Should Be Equal    ${item.origin}    elasticsearch
    Should Be Equal    ${item.labels}[0][name]    Order
    Should Be Equal    ${item.comment.messages}[0][body][text]    My parcel never arrived
    ${ner}=    Infer With Trained Model    retail-inbox-ner    Order 12345678    task=ner    timeout=5s
    Should Be Equal    ${ner.entities}[0][formatted_value]    12345678
    @{items}=    Infer With Trained Model    retail-inbox-v1    ${{["a missing parcel", "thank you"]}}
    Length Should Be    ${items}    2
    Should Be Equal    ${items}[1][labels][0][name]    Praise
    ${model}=    Get Trained Model    retail-inbox-v1
    Should Be Equal    ${model.task}    text_classification

Errors Read Well
    Connect To Elasticsearch    api_key=${KEY}
    Run Keyword And Expect Error
    ...    STARTS: Business error (not found): GET /_ml/trained_models/nope returned 404:
    ...    Infer With Trained Model    nope    hello
    Run Keyword And Expect Error
    ...    Task ner does not take labels; it takes results_field, span, truncate.
    ...    Infer With Trained Model    retail-inbox-ner    hello    task=ner    labels=${{["a"]}}
    [Teardown]    Close All Elasticsearch Connections
"""

LIBRARY = """
from robotlibcore import DynamicCore

from ReinferLibrary.keywords.base import LibraryContext
from ReinferLibrary.keywords.options import ConnectionOptions
from ReinferLibrary.keywords.elasticsearch import ElasticsearchKeywords


class EsOnly(DynamicCore):
    ROBOT_LIBRARY_SCOPE = "GLOBAL"

    def __init__(self) -> None:
        super().__init__([ElasticsearchKeywords(LibraryContext(ConnectionOptions()))])
"""


def test_keywords_in_a_robot_run_keep_the_key_secret(
    server_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "EsOnly.py").write_text(LIBRARY)
    (tmp_path / "es.robot").write_text(SUITE)
    monkeypatch.setenv("ELASTICSEARCH_URL", server_url)
    monkeypatch.setenv("ELASTICSEARCH_API_KEY", TOKEN)
    rc = run_robot(
        str(tmp_path / "es.robot"),
        outputdir=str(tmp_path),
        loglevel="TRACE",
        report="NONE",
        console="none",
        pythonpath=[str(tmp_path)],
    )
    output = (tmp_path / "output.xml").read_text()
    assert rc == 0, re.findall(r'<status status="FAIL"[^>]*>([^<]*)', output)
    assert TOKEN not in output
    assert TOKEN not in (tmp_path / "log.html").read_text()
    assert "POST /_ml/trained_models/retail-inbox-v1/_infer -&gt; 200 in" in output
