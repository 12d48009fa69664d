"""The client's side: what it sends validates against the official specification, and what the
specification documents it reads.

Each client call is captured with ``responses`` (no server) and its body checked against the
request schema of the repaired OpenAPI 3.1 specification (``spec_faults.repaired_spec``: the
specification plus the rules its generator lost, each with its source). The official error
envelope (``reference/fixtures/error-response.json``, from the specification's "Errors"
section) must become the library's error with the server's message; and the client reads the
sandbox's answers to the developer guide's own predict request.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import jsonschema_rs  # comes with the pinned schemathesis
import pytest
import responses
from sandbox_api import NAME, OWNER, Api
from spec_faults import REFERENCE, repaired_spec

from ReinferLibrary.client import ConnectionSettings, ReinferClient
from ReinferLibrary.errors import NotFoundError
from ReinferLibrary.models import StreamNew

BASE = "http://tenant.test"
DATASET = f"{OWNER}/{NAME}"
SPEC = repaired_spec()
OK = {"status": "ok"}


def request_schema(name: str) -> Any:
    """A JSON Schema 2020-12 validator for ``components/schemas/<name>``, references resolved."""
    return jsonschema_rs.Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": SPEC["components"]}
    )


@pytest.fixture
def client() -> Iterator[ReinferClient]:
    made = ReinferClient(ConnectionSettings(url=BASE, token="conformance-token-0123", retries=0))
    yield made
    made.close()


def _stream(path: str = "") -> str:
    return f"{BASE}/api/v1/datasets/{DATASET}/streams/routing{path}"


BATCH = {"status": "ok", "results": [], "filtered": 0, "sequence_id": "s", "is_end_sequence": True}
STREAM = {"status": "ok", "stream": {"id": "1", "name": "routing"}}
PREDICT = {"status": "ok", "predictions": [[]], "model": {"version": 1, "time": "2024-01-01T00:00:00Z"}}
RAW_EMAIL = {"raw_email": {"headers": {"raw": "Subject: Hi"}, "body": {"plain": "Where is ACM-1?"}}}
Call = Callable[[ReinferClient], Any]
CASES: list[tuple[str, str, str, dict[str, Any], Call]] = [
    ("FetchFromStreamRequest", "POST", _stream("/fetch"), BATCH, lambda c: c.fetch(DATASET, "routing", 8, 4)),
    ("AdvanceStreamRequest", "POST", _stream("/advance"), OK, lambda c: c.advance(DATASET, "routing", "abc")),
    (
        "ResetStreamRequest",
        "POST",
        _stream("/reset"),
        {"status": "ok", "sequence_id": "s"},
        lambda c: c.reset(DATASET, "routing", "2020-06-03T16:05:00"),
    ),
    (
        "StoreExceptionRequest",
        "PUT",
        _stream("/exceptions"),
        OK,
        lambda c: c.tag_exceptions(DATASET, "routing", [("18ba5ce699f8da1f.abc", "No Prediction")]),
    ),
    (
        "CreateStreamRequest",
        "PUT",
        f"{BASE}/api/v1/datasets/{DATASET}/streams",
        STREAM,
        lambda c: c.create_stream(
            DATASET,
            StreamNew(
                name="routing",
                title="Routing",
                model={"version": 1, "label_thresholds": [{"name": "Order > Missing", "threshold": 0.4}]},
            ),
        ),
    ),
    (
        "CreateStreamRequest",  # the specification's update_stream body is the create body
        "POST",
        _stream(),
        STREAM,
        lambda c: c.update_stream(DATASET, StreamNew(name="routing"), remove_model=True),
    ),
    (
        "PredictRequest",
        "POST",
        f"{BASE}/api/v1/datasets/{DATASET}/labellers/live/predict",
        PREDICT,
        lambda c: c.predict(DATASET, "live", [{"messages": [{"body": {"text": "Hello"}}]}], threshold="auto"),
    ),
    (
        "PredictRawEmailsRequest",
        "POST",
        f"{BASE}/api/v1/datasets/{DATASET}/labellers/2/predict-raw-emails",
        PREDICT,
        lambda c: c.predict_raw_emails(DATASET, 2, [RAW_EMAIL], threshold=0.3, transform_tag="generic.0.X"),
    ),
    (
        "GetCommentPredictionsRequest",
        "POST",
        f"{BASE}/api/v1/datasets/{DATASET}/labellers/1/predict-comments",
        {"status": "ok", "predictions": [], "model": None},
        lambda c: c.predict_comments(DATASET, 1, ["a.b"]),
    ),
]


@pytest.mark.parametrize(
    ("schema", "method", "url", "answer", "call"), CASES, ids=[case[0] for case in CASES]
)
def test_client_requests_validate_against_the_specification(
    client: ReinferClient, schema: str, method: str, url: str, answer: dict[str, Any], call: Call
) -> None:
    with responses.RequestsMock() as mock:
        mock.add(method, url, json=answer)
        call(client)
        body = json.loads(mock.calls[0].request.body or "null")
    errors = [error.message for error in request_schema(schema).iter_errors(body)]
    assert not errors, f"{schema}: {errors} in {body}"


def test_the_documented_error_envelope_becomes_the_librarys_error(client: ReinferClient) -> None:
    # Source: reference/fixtures/error-response.json (OpenAPI 3.1 description, section "Errors").
    envelope = json.loads((REFERENCE / "fixtures" / "error-response.json").read_text(encoding="utf-8"))
    with responses.RequestsMock() as mock:
        mock.get(f"{BASE}/api/v1/datasets/{DATASET}", json=envelope, status=404)
        with pytest.raises(NotFoundError) as caught:
            client.get_dataset(DATASET)
    assert str(caught.value).startswith("Business error (not found)")
    assert envelope["message"] in str(caught.value)


def test_the_client_reads_the_sandboxs_answer_to_the_guides_predict_request(sandbox: Api) -> None:
    # Source: reference/fixtures/predict-request.json (developer guide, "predictions").
    documents = json.loads((REFERENCE / "fixtures" / "predict-request.json").read_text(encoding="utf-8"))[
        "documents"
    ]
    client = ReinferClient(ConnectionSettings(url=sandbox.url, token=sandbox.token))
    try:
        items = client.predict(DATASET, "live", documents, threshold=0.25)
    finally:
        client.close()
    assert len(items) == 2
    assert all(item.model is not None and item.model.version == 1 for item in items)
