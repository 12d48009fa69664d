"""The sandbox over real HTTP, in-process: dates read in the comment's own timezone, keep-alive
connections surviving an unexpected 500, faults on the Elasticsearch inference route, the
offline /docs page and the OpenAPI security scheme.

One in-process server (no seed) for the module, with a small dataset of its own whose source
has no configured timezone, so the offset written in each timestamp is what counts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sandbox_http import Api

from ReinferLibrary.sandbox.inprocess import InProcessSandbox
from ReinferLibrary.sandbox.store import Store

pytestmark = pytest.mark.sandbox

OWNER = "zones"
PLAIN = "plain"  # a source and dataset without a configured timezone
LONDON = "london"  # a source and dataset configured with Europe/London
CALL_ME = "Please call me tomorrow at 4pm about order ACM-100001."
SENT = "2020-05-01T10:00:00+02:00"


def _comments(prefix: str) -> list[tuple[dict[str, Any], list[str]]]:
    texts = [
        ("Please call me back tomorrow", ["Call"]),
        ("Ring me on my mobile please", ["Call"]),
        ("Can someone phone me today", ["Call"]),
        ("Give me a call when you can", ["Call"]),
        ("Where is my parcel", ["Parcel"]),
        ("My parcel has not arrived", ["Parcel"]),
        ("The parcel is lost", ["Parcel"]),
        ("Tracking for my parcel is stuck", ["Parcel"]),
    ]
    made = [
        (
            {
                "id": f"{prefix}{index}",
                "timestamp": "2020-04-01T09:00:00Z",
                "messages": [{"body": {"text": text}}],
            },
            labels,
        )
        for index, (text, labels) in enumerate(texts)
    ]
    made.append(
        ({"id": f"{prefix}-call", "timestamp": SENT, "messages": [{"body": {"text": CALL_ME}}]}, ["Call"])
    )
    return made


def _tenant(api: Api, name: str, timezone: str | None) -> str:
    """A source and a dataset called ``name``, synced, labelled and trained; the source id."""
    fields: dict[str, Any] = {"title": name}
    if timezone:
        fields["_timezone"] = timezone
    source = api.ok("PUT", f"/api/v1/sources/{OWNER}/{name}", {"source": fields})["source"]
    dataset = {"source_ids": [source["id"]], "label_defs": [{"name": "Call"}, {"name": "Parcel"}]}
    api.ok("PUT", f"/api/v1/datasets/{OWNER}/{name}", {"dataset": dataset})
    made = _comments(name)
    api.ok("POST", f"/api/v1/sources/{OWNER}/{name}/sync", {"comments": [comment for comment, _ in made]})
    labellings = [{"uid": f"{source['id']}.{comment['id']}", "labels": labels} for comment, labels in made]
    api.ok("PUT", f"/api/_sandbox/datasets/{OWNER}/{name}/labellings", {"labellings": labellings})
    api.ok("POST", f"/api/_sandbox/datasets/{OWNER}/{name}/train", {"tags": ["live"]})
    source_id: str = source["id"]
    return source_id


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessSandbox]:
    with InProcessSandbox(data_dir=tmp_path_factory.mktemp("edges"), seed="none") as running:
        yield running


@pytest.fixture(scope="module")
def api(sandbox: InProcessSandbox) -> Api:
    assert sandbox.url is not None
    client = Api(sandbox.url, sandbox.token)
    client.ok("PUT", f"/api/_private/projects/{OWNER}", {"project": {}})
    return client


@pytest.fixture(scope="module")
def tenants(api: Api) -> dict[str, str]:
    return {PLAIN: _tenant(api, PLAIN, None), LONDON: _tenant(api, LONDON, "Europe/London")}


def _dates(entities: list[dict[str, Any]]) -> list[str]:
    return [entity["formatted_value"] for entity in entities if entity["kind"] == "date"]


# --- finding: dates in the comment's own timezone ------------------------------------------------


def test_a_dataset_without_a_configured_timezone_has_none(api: Api, tenants: dict[str, str]) -> None:
    # "" rather than null: the OpenAPI 3.1 Dataset model requires a string.
    assert api.ok("GET", f"/api/v1/datasets/{OWNER}/{PLAIN}")["dataset"]["_timezone"] == ""
    assert api.ok("GET", f"/api/v1/datasets/{OWNER}/{LONDON}")["dataset"]["_timezone"] == "Europe/London"


def test_synced_comments_read_times_in_their_own_offset(api: Api, tenants: dict[str, str]) -> None:
    uid = f"{tenants[PLAIN]}.{PLAIN}-call"
    answer = api.ok(
        "POST", f"/api/v1/datasets/{OWNER}/{PLAIN}/labellers/live/predict-comments", {"uids": [uid]}
    )
    # 4pm at +02:00 is 14:00 UTC (it was 16:00 UTC when the offset was lost on the way in).
    assert _dates(answer["predictions"][0]["entities"]) == ["2020-05-02 14:00 UTC"]
    # The served timestamp is still normalised to UTC.
    comment = api.ok("GET", f"/api/v1/sources/{OWNER}/{PLAIN}/comments/{PLAIN}-call")["comment"]
    assert comment["timestamp"] == "2020-05-01T08:00:00Z"


def test_a_configured_source_timezone_wins_over_the_offset(api: Api, tenants: dict[str, str]) -> None:
    uid = f"{tenants[LONDON]}.{LONDON}-call"
    answer = api.ok(
        "POST", f"/api/v1/datasets/{OWNER}/{LONDON}/labellers/live/predict-comments", {"uids": [uid]}
    )
    assert _dates(answer["predictions"][0]["entities"]) == ["2020-05-02 15:00 UTC"]  # 4pm BST


def test_predicted_documents_read_times_in_their_own_offset(api: Api, tenants: dict[str, str]) -> None:
    document = {"timestamp": SENT, "messages": [{"body": {"text": CALL_ME}}]}
    answer = api.ok(
        "POST",
        f"/api/v1/datasets/{OWNER}/{PLAIN}/labellers/live/predict",
        {"documents": [document], "_include_comments": True},
    )
    assert _dates(answer["entities"][0]) == ["2020-05-02 14:00 UTC"]
    assert answer["comments"][0]["timestamp"] == "2020-05-01T08:00:00Z"
    london = api.ok(
        "POST", f"/api/v1/datasets/{OWNER}/{LONDON}/labellers/live/predict", {"documents": [document]}
    )
    assert _dates(london["entities"][0]) == ["2020-05-02 15:00 UTC"]


def test_raw_emails_read_times_in_the_date_header_offset(api: Api, tenants: dict[str, str]) -> None:
    raw = {
        "raw_email": {
            "headers": {"raw": "From: a@x.example\nSubject: Call\nDate: Fri, 1 May 2020 10:00:00 +0200"},
            "body": {"plain": CALL_ME},
        }
    }
    answer = api.ok(
        "POST",
        f"/api/v1/datasets/{OWNER}/{PLAIN}/labellers/live/predict-raw-emails",
        {"documents": [raw], "include_comments": True},
    )
    assert _dates(answer["entities"][0]) == ["2020-05-02 14:00 UTC"]
    assert answer["comments"][0]["timestamp"] == "2020-05-01T08:00:00Z"


def test_an_absurd_amount_does_not_fail_the_sync(api: Api, tenants: dict[str, str]) -> None:
    comment = {
        "id": "huge",
        "timestamp": "2020-05-01T10:00:00Z",
        "messages": [{"body": {"text": "You charged me £" + "1" * 27 + " and £12.50 for ACM-100002"}}],
    }
    assert api.ok("POST", f"/api/v1/sources/{OWNER}/{PLAIN}/sync", {"comments": [comment]})["new"] == 1
    answer = api.ok(
        "POST",
        f"/api/v1/datasets/{OWNER}/{PLAIN}/labellers/live/predict-comments",
        {"uids": [f"{tenants[PLAIN]}.huge"]},
    )
    money = [
        e["formatted_value"] for e in answer["predictions"][0]["entities"] if e["kind"] == "monetary_quantity"
    ]
    assert money == ["12.50 GBP"]


# --- finding: an unexpected 500 keeps the keep-alive connection usable ------------------------------


def test_the_connection_survives_an_unexpected_error(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: Store, owner: str | None = None) -> list[dict[str, Any]]:
        raise RuntimeError("injected bug")

    monkeypatch.setattr(Store, "list_projects", broken)
    session = requests.Session()
    session.headers.update(api.session.headers)
    for _ in range(20):  # before the fix about half of these follow-up requests were reset
        failed = session.get(f"{api.url}/api/v1/projects", timeout=10)
        assert failed.status_code == 500
        assert failed.json() == {
            "status": "error",
            "message": "500 Internal Server Error: RuntimeError: injected bug",
        }
        assert session.get(f"{api.url}/api/_sandbox/health", timeout=10).status_code == 200


def test_an_error_in_an_outer_layer_is_a_500_envelope(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: Store, table: str, object_id: str) -> tuple[str, str] | None:
        raise RuntimeError("lookup failed")

    monkeypatch.setattr(Store, "name_for_id", broken)
    session = requests.Session()
    session.headers.update(api.session.headers)
    for _ in range(10):
        failed = session.get(f"{api.url}/api/v1/datasets/id:00000000000000aa", timeout=10)
        assert failed.status_code == 500
        assert failed.json()["message"] == "500 Internal Server Error: RuntimeError: lookup failed"
        assert session.get(f"{api.url}/api/_sandbox/health", timeout=10).status_code == 200


# --- finding: faults on the Elasticsearch inference route -----------------------------------------


def test_faults_reach_the_elasticsearch_infer_route(api: Api, tenants: dict[str, str]) -> None:
    infer = f"{api.url}/_ml/trained_models/{PLAIN}-v1/_infer"
    compatible = "application/vnd.elasticsearch+json; compatible-with=8"  # as the official client sends
    headers = {
        "Authorization": api.session.headers["Authorization"],
        "Accept": compatible,
        "Content-Type": compatible,
    }
    body = {"docs": [{"text_field": "call me"}]}
    try:
        api.ok("PUT", "/api/_sandbox/faults", {"spec": "infer:429"})
        limited = requests.post(infer, json=body, headers=headers, timeout=10)
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
        assert limited.headers["X-elastic-product"] == "Elasticsearch"
        assert limited.headers["content-type"].startswith("application/vnd.elasticsearch+json")
        reason = "injected by the sandbox fault 'infer:429'"
        cause = {"type": "es_rejected_execution_exception", "reason": reason}
        assert limited.json() == {"error": {"root_cause": [cause], **cause}, "status": 429}
        api.ok("PUT", "/api/_sandbox/faults", {"spec": "infer:503"})
        broken = requests.post(infer, json=body, headers=headers, timeout=10)
        assert broken.status_code == 503 and broken.json()["error"]["type"] == "status_exception"
        # "*" and method rules stay with the Communications Mining API.
        api.ok("PUT", "/api/_sandbox/faults", {"spec": "*:500,post:500"})
        assert requests.post(infer, json=body, headers=headers, timeout=30).status_code == 200
        assert api.call("GET", "/api/v1/projects").status_code == 500
        api.ok("PUT", "/api/_sandbox/faults", {"spec": "infer:drop"})
        with pytest.raises(requests.ConnectionError):
            requests.post(infer, json=body, headers=headers, timeout=10)
    finally:
        api.ok("PUT", "/api/_sandbox/faults", {"spec": ""})
    assert requests.post(infer, json=body, headers=headers, timeout=30).status_code == 200


def test_injected_messages_name_the_rule_as_written(api: Api) -> None:
    try:
        api.ok("PUT", "/api/_sandbox/faults", {"spec": "projects:503@1.0"})
        message = api.call("GET", "/api/v1/projects").json()["message"]
        assert message == "503 Service Unavailable: injected by the sandbox fault 'projects:503@1.0'"
    finally:
        api.ok("PUT", "/api/_sandbox/faults", {"spec": ""})


# --- finding: offline docs and the bearer scheme ----------------------------------------------------


def test_docs_page_works_offline_and_lists_the_routes(sandbox: InProcessSandbox) -> None:
    response = requests.get(f"{sandbox.url}/docs", timeout=10)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page, re.IGNORECASE) == []
    for external in ("<script", "<link", "http://", "https://", "@import"):
        assert external not in page.lower(), external
    assert 'href="/openapi.json"' in page and 'href="/docs/swagger"' in page
    assert "/api/v1/datasets/{owner}/{dataset}/streams/{name}/fetch" in page
    assert "Fetch a batch from a stream (does not move it)" in page
    # Swagger UI is still there for those with internet access.
    assert requests.get(f"{sandbox.url}/docs/swagger", timeout=10).status_code == 200


def test_openapi_declares_bearer_auth_and_the_real_error_answers(sandbox: InProcessSandbox) -> None:
    spec = requests.get(f"{sandbox.url}/openapi.json", timeout=10).json()
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    assert spec["security"] == [{"bearerAuth": []}]
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, item in spec["paths"].items():
        for operation in item.values():
            assert "422" not in operation["responses"], path
    fetch = spec["paths"]["/api/v1/datasets/{owner}/{dataset}/streams/{name}/fetch"]["post"]
    assert set(fetch["responses"]) == {"200", "400", "401", "404"}
    assert fetch["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorEnvelope"
    }
    assert spec["paths"]["/api/_sandbox/health"]["get"]["security"] == []
    infer = spec["paths"]["/_ml/trained_models/{model_id}/_infer"]["post"]
    assert infer["responses"]["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ElasticError"
    }


def test_the_auth_scheme_name_is_case_insensitive(sandbox: InProcessSandbox) -> None:
    for scheme in ("bearer", "BEARER", "Bearer"):
        headers = {"Authorization": f"{scheme} {sandbox.token}"}
        assert requests.get(f"{sandbox.url}/api/v1/projects", headers=headers, timeout=10).status_code == 200
    for wrong in (f"Basic {sandbox.token}", f"bearer{sandbox.token}", "bearer nope"):
        headers = {"Authorization": wrong}
        assert requests.get(f"{sandbox.url}/api/v1/projects", headers=headers, timeout=10).status_code == 401


# --- smaller findings ---------------------------------------------------------------------------


def test_exceptions_for_unknown_uids_are_404s_naming_them(api: Api, tenants: dict[str, str]) -> None:
    dataset = f"/api/v1/datasets/{OWNER}/{PLAIN}"
    api.ok("PUT", f"{dataset}/streams", {"stream": {"name": "exceptions"}})
    known = f"{tenants[PLAIN]}.{PLAIN}0"
    body = {
        "exceptions": [
            {"uid": known, "metadata": {"type": "x"}},
            {"uid": f"{tenants[PLAIN]}.nope", "metadata": {"type": "x"}},
            {"uid": "0000000000000000.c1", "metadata": {"type": "x"}},
        ]
    }
    response = api.call("PUT", f"{dataset}/streams/exceptions/exceptions", body)
    assert response.status_code == 404
    assert response.json()["message"] == (
        f"404 Not Found: exceptions: comment uid '{tenants[PLAIN]}.nope', '0000000000000000.c1' do not "
        f"exist in dataset '{OWNER}/{PLAIN}'; nothing was tagged"
    )
    listed = api.ok("GET", f"/api/_sandbox/datasets/{OWNER}/{PLAIN}/streams/exceptions/exceptions")
    assert listed["exceptions"] == []
    api.ok("PUT", f"{dataset}/streams/exceptions/exceptions", {"exceptions": body["exceptions"][:1]})


def test_deleting_a_source_takes_it_out_of_its_datasets(api: Api) -> None:
    source = api.ok("PUT", f"/api/v1/sources/{OWNER}/gone", {"source": {}})["source"]
    api.ok("PUT", f"/api/v1/datasets/{OWNER}/gone", {"dataset": {"source_ids": [source["id"]]}})
    api.ok("DELETE", f"/api/v1/sources/{OWNER}/gone")
    assert api.ok("GET", f"/api/v1/datasets/{OWNER}/gone")["dataset"]["source_ids"] == []


def test_invalid_json_says_where(api: Api) -> None:
    body = '{\n  "spec": }'
    response = api.session.put(
        f"{api.url}/api/_sandbox/faults", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    # Python words and places JSON errors differently between versions: ask the running one.
    with pytest.raises(json.JSONDecodeError) as python:
        json.loads(body)
    where = f"line {python.value.lineno} column {python.value.colno}: {python.value.msg}"
    assert response.json()["message"] == (f"400 Bad Request: request body is not valid JSON ({where})")


def test_stream_model_errors_name_the_field_from_the_top(api: Api, tenants: dict[str, str]) -> None:
    dataset = f"/api/v1/datasets/{OWNER}/{PLAIN}"
    api.ok("PUT", f"{dataset}/streams", {"stream": {"name": "versions"}})
    for collection, noun in (("streams", "stream"), ("triggers", "trigger")):
        response = api.call("POST", f"{dataset}/{collection}/versions", {noun: {"model": {"version": 9}}})
        assert response.status_code == 400
        assert response.json()["message"] == (
            f"400 Bad Request: {noun}.model.version: version 9 of dataset {OWNER}/{PLAIN} is not pinned"
        )
    bad_label = {"model": {"version": 1, "label_thresholds": [{"name": "Nope", "threshold": 0.5}]}}
    response = api.call("PUT", f"{dataset}/triggers", {"trigger": {"name": "other", **bad_label}})
    assert response.json()["message"] == (
        "400 Bad Request: trigger.model.label_thresholds[0].name: label 'Nope' is not in model version 1"
    )
