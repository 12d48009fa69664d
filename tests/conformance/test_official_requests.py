"""Official request bodies, verbatim, sent to the sandbox.

Every body comes from ``reference/fixtures/`` (copied from /work/shared/reference/fixtures;
``reference/fixtures/README.md`` names the page or file each one was copied from). Where a
body names things of its author's tenant (labels ``Some Label``, model version 8, a source
id in comment uids), the test builds that tenant in the sandbox first, or checks that the
sandbox refuses the *value* the way a tenant without it would, never the shape.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sandbox_api import DATASET, NAME, OWNER, SOURCE, Api
from spec_faults import REFERENCE

FIXTURES = REFERENCE / "fixtures"
# The tenant of the stream-create example: its labels, and a model version 8 pinned.
EXAMPLE_DATASET = f"/api/v1/datasets/{OWNER}/collateral"
EXAMPLE_SOURCE = f"/api/v1/sources/{OWNER}/collateral"
EXAMPLE_LABELS = ["Some Label", "Another Label", "Parent Label > Child Label"]


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def example_tenant(sandbox: Api) -> Iterator[str]:
    """Dataset ``acme/collateral`` with the example's labels and eight trained versions."""
    source = sandbox.ok("PUT", EXAMPLE_SOURCE, {"source": {"title": "Collateral"}})["source"]
    dataset = {"source_ids": [source["id"]], "label_defs": [{"name": name} for name in EXAMPLE_LABELS]}
    sandbox.ok("PUT", EXAMPLE_DATASET, {"dataset": dataset})
    comments = [
        {
            "id": f"x{index}",
            "timestamp": f"2020-06-0{1 + index % 5}T10:00:00Z",
            "messages": [{"body": {"text": f"{EXAMPLE_LABELS[index % 3]} example number {index}"}}],
        }
        for index in range(12)
    ]
    sandbox.ok("POST", f"{EXAMPLE_SOURCE}/sync", {"comments": comments})
    labellings = [
        {"uid": f"{source['id']}.{comment['id']}", "labels": [EXAMPLE_LABELS[index % 3]]}
        for index, comment in enumerate(comments)
    ]
    admin = f"/api/_sandbox/datasets/{OWNER}/collateral"
    sandbox.ok("PUT", f"{admin}/labellings", {"labellings": labellings})
    for seed in range(8):
        version = sandbox.ok("POST", f"{admin}/train", {"seed": seed})["version"]
    assert version == 8
    yield "dispute"


def test_predict_request_from_the_developer_guide(sandbox: Api) -> None:
    # Source: reference/fixtures/predict-request.json (developer guide, "predictions").
    body = fixture("predict-request.json")
    answer = sandbox.ok("POST", f"{DATASET}/labellers/live/predict", body)
    assert len(answer["predictions"]) == len(body["documents"]) == 2
    assert len(answer["entities"]) == 2 and answer["model"]["version"] == 1


def test_create_fetch_reset_a_stream_as_the_guide_does(sandbox: Api, example_tenant: str) -> None:
    # Source: reference/fixtures/stream-create-request.json (developer guide, "create a stream").
    body = fixture("stream-create-request.json")
    stream = sandbox.ok("PUT", f"{EXAMPLE_DATASET}/streams", body)["stream"]
    assert stream["name"] == example_tenant == body["stream"]["name"]
    assert stream["model"]["version"] == 8
    assert [item["name"] for item in stream["model"]["label_thresholds"]] == [
        item["name"] for item in body["stream"]["model"]["label_thresholds"]
    ]
    assert stream["comment_filter"]["user_properties"] == body["stream"]["comment_filter"]["user_properties"]
    base = f"{EXAMPLE_DATASET}/streams/{example_tenant}"
    # Source: reference/fixtures/stream-fetch-request.json (user guide, "fetch comments ... (legacy)").
    batch = sandbox.ok("POST", f"{base}/fetch", fixture("stream-fetch-request.json"))
    assert {"results", "filtered", "sequence_id", "is_end_sequence"} <= set(batch)
    # Source: reference/fixtures/stream-reset-request.json (user guide, "reset a stream"): no zone.
    reset = sandbox.ok("POST", f"{base}/reset", fixture("stream-reset-request.json"))
    assert reset["sequence_id"]
    # Source: reference/fixtures/stream-advance-request.json (user guide, "advance a stream"): the
    # guide's id was issued by its author's server; the body's shape is taken, the id is refused.
    response = sandbox.call("POST", f"{base}/advance", fixture("stream-advance-request.json"))
    assert response.status_code == 400
    assert "not a sequence id issued by this server" in response.json()["message"]
    sandbox.ok("POST", f"{base}/advance", {"sequence_id": reset["sequence_id"]})


def test_tag_exceptions_body_from_the_developer_guide(sandbox: Api, example_tenant: str) -> None:
    # Source: reference/fixtures/stream-tag-exceptions-request.json (developer guide, "tag an exception").
    # Its uids belong to the author's source: the body is read, and the unknown uids are named.
    response = sandbox.call(
        "PUT",
        f"{EXAMPLE_DATASET}/streams/{example_tenant}/exceptions",
        fixture("stream-tag-exceptions-request.json"),
    )
    assert response.status_code == 404
    message = response.json()["message"]
    assert "'18ba5ce699f8da1f.abcdef0123456789'" in message and "nothing was tagged" in message


@pytest.mark.parametrize(
    "name",
    [
        # Source: reinfer/cli, cli/tests/samples/basic.jsonl lines 1 and 2 (with text_markup).
        "cli-sample-annotated-comment-basic-1.json",
        "cli-sample-annotated-comment-basic-2.json",
        # Source: reinfer/cli, cli/tests/samples/{labelling,legacy_labelling,moon_forms}.jsonl line 2.
        "cli-sample-annotated-comment-labelling-2.json",
        "cli-sample-annotated-comment-legacy-labelling-2.json",
        "cli-sample-annotated-comment-moon-forms-2.json",
    ],
)
def test_cli_sample_comments_sync_and_read_back(sandbox: Api, name: str) -> None:
    comment = fixture(name)["comment"]  # the sync body holds the wrapper's `comment` member
    source = f"/api/v1/sources/{OWNER}/cli-samples"
    sandbox.call("PUT", source, {"source": {"title": "CLI samples"}})
    sync = sandbox.ok("POST", f"{source}/sync", {"comments": [comment]})
    assert sync["new"] + sync["updated"] + sync["unchanged"] == 1
    stored = sandbox.ok("GET", f"{source}/comments/{comment['id']}")["comment"]
    assert [message["body"]["text"] for message in stored["messages"]] == [
        message["body"]["text"] for message in comment["messages"]
    ]


def test_error_envelope_has_the_documented_shape(sandbox: Api) -> None:
    # Source: reference/fixtures/error-response.json (OpenAPI 3.1 description, section "Errors").
    documented = fixture("error-response.json")
    response = sandbox.call("GET", f"/api/v1/datasets/{OWNER}/no-such-dataset")
    assert response.status_code == 404
    answer = response.json()
    assert set(answer) == set(documented)
    assert answer["status"] == documented["status"]
    assert answer["message"].startswith(documented["message"])


def test_sync_of_the_guides_source_accepts_the_documented_comment(sandbox: Api) -> None:
    # Source: reference/fixtures/predict-request.json documents are "the same shape as an uploaded
    # comment without id" (developer guide): with an id, each is a valid sync comment.
    documents = fixture("predict-request.json")["documents"]
    comments = [{"id": f"guide-{index}", **document} for index, document in enumerate(documents)]
    sync = sandbox.ok("POST", f"{SOURCE}/sync", {"comments": comments})
    assert sync["new"] + sync["unchanged"] == 2


def test_elasticsearch_infer_example_from_the_specification(sandbox: Api) -> None:
    # Source: elastic/elasticsearch-specification, specification/ml/infer_trained_model/examples/
    # request/MlInferTrainedModelExample1.yaml (the body of `POST _ml/trained_models/<id>/_infer`).
    body = {
        "docs": [{"text": "The fool doth think he is wise, but the wise man knows himself to be a fool."}]
    }
    model = f"{NAME}-v1"
    headers = {"Authorization": f"ApiKey {sandbox.token}"}
    response = sandbox.session.post(
        f"{sandbox.url}/_ml/trained_models/{model}/_infer", json=body, headers=headers
    )
    assert response.status_code == 200
    # The example's model reads `text`; a model whose input field is another answers, as
    # Elasticsearch does, with a warning for the document instead of failing the request.
    configs = sandbox.session.get(f"{sandbox.url}/_ml/trained_models/{model}", headers=headers).json()
    field = configs["trained_model_configs"][0]["input"]["field_names"][0]
    (result,) = response.json()["inference_results"]
    if field == "text":
        assert "predicted_value" in result
    else:
        assert result == {"warning": f"Input field [{field}] does not exist in the source document"}
