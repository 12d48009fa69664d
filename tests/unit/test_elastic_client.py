"""The Elasticsearch client over mocked HTTP: request shape, auth, retries and error mapping."""

from __future__ import annotations

import base64
import email.utils
import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
import urllib3
from responses import matchers

from ReinferLibrary.client import CallRecord
from ReinferLibrary.client.elasticsearch import (
    ElasticsearchClient,
    ElasticsearchSettings,
    format_timeout,
)
from ReinferLibrary.errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InferenceWarningError,
    NotFoundError,
    ProtocolError,
    RateLimitedError,
    ReinferConfigurationError,
    ReinferConnectionError,
    ReinferTimeoutError,
    ServerError,
)
from ReinferLibrary.models.elastic import InferenceTask

URL = "https://es.example.com:9200"
KEY = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="
INFER = f"{URL}/_ml/trained_models/retail-inbox-v1/_infer"
OK = {"inference_results": [{"predicted_value": "Order", "prediction_probability": 0.9}]}


def es_error(status: int, kind: str, reason: str) -> dict[str, Any]:
    cause = {"type": kind, "reason": reason}
    return {"error": {"root_cause": [cause], **cause}, "status": status}


@pytest.fixture
def calls() -> list[CallRecord]:
    return []


@pytest.fixture
def sleeps() -> list[float]:
    return []


def model_config(model_id: str, task: str = "text_classification", tokenizer: str = "bert") -> dict[str, Any]:
    """A ``GET /_ml/trained_models/{id}`` answer as Elasticsearch writes it (one config)."""
    options = {"tokenization": {tokenizer: {"truncate": "first", "max_sequence_length": 512}}}
    config = {
        "model_id": model_id,
        "input": {"field_names": ["text_field"]},
        "inference_config": {task: options},
    }
    return {"count": 1, "trained_model_configs": [config]}


def warm(es: ElasticsearchClient, *model_ids: str) -> None:
    """Reads the models' configurations once, as the first inference would, so the tests below
    see only their own calls (the client keeps a model's configuration per connection)."""
    with responses.RequestsMock() as mock:
        for model_id in model_ids:
            mock.get(f"{URL}/_ml/trained_models/{model_id.replace('/', '%2F')}", json=model_config(model_id))
            es.model_config(model_id)


@pytest.fixture
def client(calls: list[CallRecord], sleeps: list[float]) -> Iterator[ElasticsearchClient]:
    settings = ElasticsearchSettings(url=URL + "/", api_key=KEY, retries=2, backoff=0.1)
    es = ElasticsearchClient(settings, on_call=calls.append, sleep=sleeps.append)
    warm(es, "retail-inbox-v1", "a/b", "nope", "x")
    calls.clear()
    yield es
    es.close()


@responses.activate
def test_request_is_shaped_exactly_as_the_seed(client: ElasticsearchClient) -> None:
    responses.post(
        INFER,
        json={
            "inference_results": [
                {
                    "predicted_value": "Order",
                    "prediction_probability": 0.9,
                    "top_classes": [
                        {"class_name": "Order", "class_probability": 0.9, "class_score": 0.9},
                        {"class_name": "Order > Missing", "class_probability": 0.8, "class_score": 0.8},
                    ],
                }
            ]
        },
        match=[
            matchers.query_param_matcher({"timeout": "30s"}),
            matchers.header_matcher({"Authorization": f"ApiKey {KEY}", "Content-Type": "application/json"}),
        ],
    )
    items = client.infer_items(
        "retail-inbox-v1",
        ["My parcel never arrived"],
        InferenceTask.text_classification,
        num_top_classes=2,
        timeout=30,
    )
    body = json.loads(responses.calls[0].request.body)  # type: ignore[arg-type]
    assert body == {
        "docs": [{"text_field": "My parcel never arrived"}],
        "inference_config": {"text_classification": {"num_top_classes": 2}},
    }
    assert [(label.name, label.probability) for label in items[0].labels] == [
        ("Order", 0.9),
        ("Order > Missing", 0.8),
    ]
    assert items[0].origin == "elasticsearch"


@responses.activate
def test_no_options_means_no_inference_config_and_no_timeout(client: ElasticsearchClient) -> None:
    responses.post(INFER, json=OK, match=[matchers.query_string_matcher("")])
    client.infer_items("retail-inbox-v1", ["hello"])
    assert json.loads(responses.calls[0].request.body) == {"docs": [{"text_field": "hello"}]}  # type: ignore[arg-type]


@responses.activate
def test_several_texts_are_several_docs_in_one_call(client: ElasticsearchClient) -> None:
    responses.post(INFER, json={"inference_results": [OK["inference_results"][0]] * 3})
    items = client.infer_items("retail-inbox-v1", ["a", "b", "c"])
    assert len(responses.calls) == 1
    assert json.loads(responses.calls[0].request.body)["docs"] == [  # type: ignore[arg-type]
        {"text_field": "a"},
        {"text_field": "b"},
        {"text_field": "c"},
    ]
    assert [item.uid for item in items] == [
        "es:retail-inbox-v1:0",
        "es:retail-inbox-v1:1",
        "es:retail-inbox-v1:2",
    ]


@responses.activate
def test_model_id_is_quoted_in_the_path(client: ElasticsearchClient) -> None:
    responses.post(f"{URL}/_ml/trained_models/a%2Fb/_infer", json=OK)
    client.infer_items("a/b", ["x"])
    assert responses.calls[0].request.url == f"{URL}/_ml/trained_models/a%2Fb/_infer"


@responses.activate
def test_basic_authentication() -> None:
    responses.post(INFER, json=OK)
    es = ElasticsearchClient(ElasticsearchSettings(url=URL, username="robot", password="pw"))
    warm(es, "retail-inbox-v1")
    es.infer_items("retail-inbox-v1", ["x"])
    expected = "Basic " + base64.b64encode(b"robot:pw").decode()
    assert responses.calls[0].request.headers["Authorization"] == expected


def test_settings_refuse_bad_combinations() -> None:
    with pytest.raises(ReinferConfigurationError, match="one way to authenticate"):
        ElasticsearchSettings(url=URL, api_key="k", username="u", password="p")
    with pytest.raises(ReinferConfigurationError, match="one way to authenticate"):
        ElasticsearchSettings(url=URL, api_key="k", bearer_token="t")
    with pytest.raises(ReinferConfigurationError, match="bearer token is empty"):
        ElasticsearchSettings(url=URL, bearer_token=" ")
    with pytest.raises(ReinferConfigurationError, match="needs both username and password"):
        ElasticsearchSettings(url=URL, username="u")
    with pytest.raises(ReinferConfigurationError, match="must start with http"):
        ElasticsearchSettings(url="es.example.com:9200")
    assert KEY not in repr(ElasticsearchSettings(url=URL, api_key=KEY))


def test_timeout_values() -> None:
    assert format_timeout(30) == "30s"
    assert format_timeout(1.5) == "1500ms"
    with pytest.raises(ReinferConfigurationError):
        format_timeout(0)


@responses.activate
def test_a_long_inference_timeout_extends_the_read_timeout(client: ElasticsearchClient) -> None:
    seen: dict[str, Any] = {}

    def callback(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        seen["timeout"] = request.req_kwargs["timeout"]  # type: ignore[attr-defined]
        return 200, {}, json.dumps(OK)

    responses.add_callback(responses.POST, INFER, callback=callback)
    client.infer_items("retail-inbox-v1", ["x"], timeout=120)
    assert seen["timeout"] == (10.0, 125.0)


@responses.activate
def test_warning_becomes_a_business_error_naming_model_and_warning(client: ElasticsearchClient) -> None:
    responses.post(
        INFER,
        json={
            "inference_results": [
                {"warning": "Input field [text_field] does not exist in the source document"}
            ]
        },
    )
    with pytest.raises(InferenceWarningError) as caught:
        client.infer_items("retail-inbox-v1", ["x"])
    assert isinstance(caught.value, BadRequestError)
    assert str(caught.value) == (
        "Business error (inference warning): POST /_ml/trained_models/retail-inbox-v1/_infer returned 200: "
        "model [retail-inbox-v1] could not infer document 1 of 1: "
        "Input field [text_field] does not exist in the source document. "
        "The document could not be inferred; check the text and the model's input field and task."
    )


@responses.activate
def test_429_is_retried_with_retry_after_then_rate_limited(
    client: ElasticsearchClient, calls: list[CallRecord], sleeps: list[float]
) -> None:
    body = es_error(429, "status_exception", "Inference queue is full")
    responses.post(INFER, json=body, status=429, headers={"Retry-After": "2"})
    with pytest.raises(RateLimitedError) as caught:
        client.infer_items("retail-inbox-v1", ["x"])
    assert isinstance(caught.value, RateLimitedError)
    assert caught.value.category == "technical"
    assert len(responses.calls) == 3
    assert sleeps == [2.0, 2.0]
    assert [(call.status, call.attempt, call.retry_in) for call in calls] == [
        (429, 1, 2.0),
        (429, 2, 2.0),
        (429, 3, None),
    ]
    assert str(caught.value).startswith(
        "Technical error (rate limited): POST /_ml/trained_models/retail-inbox-v1/_infer returned 429: "
        "status_exception: Inference queue is full. Tried 3 times."
    )


@responses.activate
def test_a_retry_after_over_the_cap_fails_at_once_as_for_reinfer(
    client: ElasticsearchClient, sleeps: list[float]
) -> None:
    responses.post(INFER, status=503, headers={"Retry-After": "3600"})
    responses.post(INFER, json=OK)
    with pytest.raises(ServerError, match=r"asked to wait 3600 s before retrying, more than max_retry_after"):
        client.infer_items("retail-inbox-v1", ["x"])
    assert sleeps == []


@responses.activate
def test_503_then_success_is_retried_with_backoff(client: ElasticsearchClient, sleeps: list[float]) -> None:
    responses.post(INFER, json=es_error(503, "status_exception", "not allocated"), status=503)
    responses.post(INFER, json=OK)
    items = client.infer_items("retail-inbox-v1", ["x"])
    assert items[0].labels[0].name == "Order"
    assert len(sleeps) == 1
    assert 0.0 <= sleeps[0] <= 0.1


@responses.activate
def test_500_is_not_retried(client: ElasticsearchClient) -> None:
    responses.post(INFER, json=es_error(500, "null_pointer_exception", "boom"), status=500)
    with pytest.raises(ServerError, match="null_pointer_exception: boom"):
        client.infer_items("retail-inbox-v1", ["x"])
    assert len(responses.calls) == 1


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (408, es_error(408, "status_exception", "timeout [10s] waiting for inference result")),
        (500, es_error(500, "status_exception", "timeout [10s] waiting for inference result")),
        (500, es_error(500, "timeout_exception", "Timed out after [10s]")),
    ],
)
@responses.activate
def test_inference_timeouts_become_timeout_errors(
    client: ElasticsearchClient, status: int, body: dict[str, Any]
) -> None:
    responses.post(INFER, json=body, status=status)
    with pytest.raises(ReinferTimeoutError) as caught:
        client.infer_items("retail-inbox-v1", ["x"])
    assert isinstance(caught.value, ReinferTimeoutError)
    assert body["error"]["reason"] in str(caught.value)


@responses.activate
def test_read_timeout_is_a_timeout_error_not_retried(client: ElasticsearchClient) -> None:
    responses.post(INFER, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(
        ReinferTimeoutError,
        match=r"no answer within 30 s \(the per-read timeout=\)\. .*so it was not repeated",
    ):
        client.infer_items("retail-inbox-v1", ["x"])
    assert len(responses.calls) == 1


@responses.activate
def test_connection_errors_are_retried_then_reported(
    client: ElasticsearchClient, sleeps: list[float]
) -> None:
    refused = urllib3.exceptions.NewConnectionError(None, f"refused; key {KEY}")  # type: ignore[arg-type]
    responses.post(INFER, body=requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/", refused)))  # type: ignore[arg-type]
    with pytest.raises(ReinferConnectionError) as caught:
        client.infer_items("retail-inbox-v1", ["x"])
    assert len(responses.calls) == 3
    assert len(sleeps) == 2
    assert KEY not in str(caught.value)
    assert "Tried 3 times" in str(caught.value)
    assert "Nothing was sent" in str(caught.value)


@responses.activate
def test_a_connection_broken_after_sending_is_not_repeated_for_inference(
    client: ElasticsearchClient, sleeps: list[float]
) -> None:
    aborted = urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))
    responses.post(INFER, body=requests.ConnectionError(aborted))
    with pytest.raises(ReinferConnectionError) as caught:
        client.infer_items("retail-inbox-v1", ["x"])
    assert (len(responses.calls), sleeps) == (1, [])
    assert "so it was not repeated" in str(caught.value)


@responses.activate
def test_not_found_uses_the_es_type_and_reason(client: ElasticsearchClient) -> None:
    responses.post(
        f"{URL}/_ml/trained_models/nope/_infer",
        json=es_error(404, "resource_not_found_exception", "Could not find trained model [nope]"),
        status=404,
    )
    with pytest.raises(NotFoundError) as caught:
        client.infer_items("nope", ["x"])
    assert str(caught.value) == (
        "Business error (not found): POST /_ml/trained_models/nope/_infer returned 404: "
        "resource_not_found_exception: Could not find trained model [nope]. "
        "Check the model id (Get Trained Model lists what the cluster knows) and "
        "ELASTICSEARCH_URL (the cluster, not Kibana)."
    )


@responses.activate
def test_403_for_a_wrong_task_is_a_bad_request_not_an_auth_error(client: ElasticsearchClient) -> None:
    reason = (
        "Trained model [retail-inbox-v1] is configured for task [text_classification] "
        "but called with task [zero_shot_classification]"
    )
    responses.post(INFER, json=es_error(403, "status_exception", reason), status=403)
    with pytest.raises(BadRequestError) as caught:
        client.infer_items("retail-inbox-v1", ["x"], InferenceTask.zero_shot_classification, labels=["a"])
    assert not isinstance(caught.value, AuthenticationError)
    assert reason in str(caught.value)


@pytest.mark.parametrize("status", [401, 403])
@responses.activate
def test_security_exceptions_are_authentication_errors_without_the_key(
    client: ElasticsearchClient, status: int
) -> None:
    reason = f"unable to authenticate with provided credentials [{KEY}]"
    responses.post(INFER, json=es_error(status, "security_exception", reason), status=status)
    with pytest.raises(AuthenticationError) as caught:
        client.infer_items("retail-inbox-v1", ["x"])
    assert KEY not in str(caught.value)
    assert "[***]" in str(caught.value)
    assert "ELASTICSEARCH_API_KEY" in str(caught.value)


@responses.activate
def test_conflict_says_the_deployment_is_not_ready(client: ElasticsearchClient) -> None:
    responses.post(
        INFER, json=es_error(409, "status_exception", "Trained model [m] is not initialized"), status=409
    )
    with pytest.raises(ConflictError, match="deployment not started"):
        client.infer_items("retail-inbox-v1", ["x"])


@responses.activate
def test_html_answer_is_a_protocol_error(client: ElasticsearchClient) -> None:
    responses.post(INFER, body="<html>Kibana</html>", status=200, content_type="text/html")
    with pytest.raises(ProtocolError, match="expected Elasticsearch's JSON but got text/html"):
        client.infer_items("retail-inbox-v1", ["x"])


@responses.activate
def test_html_error_page_is_quoted_briefly(client: ElasticsearchClient) -> None:
    # A gateway's 502 may come after the model did the work: inference is not repeated on it.
    responses.post(INFER, body="<html>\n  Bad   gateway\n</html>", status=502)
    with pytest.raises(
        ServerError, match=r"returned 502: .*\(first 80 chars: <html> Bad gateway </html>\)\. "
    ):
        client.infer_items("retail-inbox-v1", ["x"])
    assert len(responses.calls) == 1


@responses.activate
def test_get_calls_are_reads_retried_like_any_safe_call(client: ElasticsearchClient) -> None:
    responses.get(f"{URL}/", body="<html>Bad gateway</html>", status=502)
    responses.get(f"{URL}/", json={"cluster_name": "c"})
    assert client.info() == {"cluster_name": "c"}
    assert len(responses.calls) == 2


@responses.activate
def test_result_count_mismatch_is_a_protocol_error(client: ElasticsearchClient) -> None:
    responses.post(INFER, json=OK)
    with pytest.raises(ProtocolError, match="2 document"):
        client.infer_items("retail-inbox-v1", ["a", "b"])


@responses.activate
def test_get_trained_model(client: ElasticsearchClient) -> None:
    responses.get(
        f"{URL}/_ml/trained_models/retail-inbox-v1",
        json={
            "count": 1,
            "trained_model_configs": [
                {
                    "model_id": "retail-inbox-v1",
                    "inference_config": {
                        "text_classification": {"classification_labels": ["Order", "Refund"]}
                    },
                }
            ],
        },
    )
    model = client.get_trained_model("retail-inbox-v1")
    assert (model.task, model.labels) == ("text_classification", ["Order", "Refund"])


@responses.activate
def test_get_trained_model_with_no_match_is_not_found(client: ElasticsearchClient) -> None:
    responses.get(f"{URL}/_ml/trained_models/x*", json={"count": 0, "trained_model_configs": []})
    with pytest.raises(NotFoundError, match=r"knows no trained model \[x\*\]"):
        client.get_trained_model("x*")


def test_empty_model_id_is_refused(client: ElasticsearchClient) -> None:
    with pytest.raises(ReinferConfigurationError, match="model id is empty"):
        client.infer_items(" ", ["x"])


@responses.activate
def test_password_never_appears_in_errors() -> None:
    password = "hunter2-very-secret"
    basic = base64.b64encode(f"robot:{password}".encode()).decode()
    responses.post(
        INFER, json=es_error(400, "parse_exception", f"bad header Basic {basic} / {password}"), status=400
    )
    es = ElasticsearchClient(ElasticsearchSettings(url=URL, username="robot", password=password))
    warm(es, "retail-inbox-v1")
    with pytest.raises(BadRequestError) as caught:
        es.infer_items("retail-inbox-v1", ["x"])
    assert password not in str(caught.value)
    assert basic not in str(caught.value)


@responses.activate
def test_unreadable_class_name_is_a_protocol_error(client: ElasticsearchClient) -> None:
    body = {"inference_results": [{"predicted_value": ">", "prediction_probability": 0.9}]}
    responses.post(INFER, json=body)
    with pytest.raises(ProtocolError, match="the answer cannot be read: Label name '>' is empty"):
        client.infer_items("retail-inbox-v1", ["x"])


@responses.activate
@pytest.mark.parametrize("header", ["nan", "soon", ""])
def test_an_unusable_retry_after_falls_back_to_backoff(
    client: ElasticsearchClient, sleeps: list[float], header: str
) -> None:
    responses.post(INFER, status=503, headers={"Retry-After": header})
    responses.post(INFER, json=OK)
    client.infer_items("retail-inbox-v1", ["x"])
    assert len(sleeps) == 1 and 0.0 <= sleeps[0] <= 30.0


@responses.activate
def test_retry_after_as_an_http_date_is_honoured(client: ElasticsearchClient, sleeps: list[float]) -> None:
    when = email.utils.format_datetime(datetime.now(timezone.utc) + timedelta(seconds=5), usegmt=True)
    responses.post(INFER, status=429, headers={"Retry-After": when})
    responses.post(INFER, json=OK)
    client.infer_items("retail-inbox-v1", ["x"])
    assert len(sleeps) == 1 and 3.0 <= sleeps[0] <= 5.0


# --- settings from the environment never replace explicit ones ----------------------------


def _seen_kwargs(seen: list[dict[str, Any]]) -> Any:
    def callback(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        seen.append({**request.req_kwargs, "authorization": request.headers.get("Authorization")})  # type: ignore[attr-defined]
        return 200, {}, json.dumps(OK)

    return callback


@responses.activate
@pytest.mark.parametrize("verify", ["bundle", False])
def test_explicit_verify_wins_over_requests_ca_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, verify: str | bool
) -> None:
    environment_bundle = tmp_path / "environment-ca.pem"
    environment_bundle.write_text("not the one asked for")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(environment_bundle))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(environment_bundle))
    if verify == "bundle":
        bundle = tmp_path / "cluster-ca.pem"
        bundle.write_text("the cluster's CA")
        verify = str(bundle)
    seen: list[dict[str, Any]] = []
    responses.add_callback(responses.POST, INFER, callback=_seen_kwargs(seen))
    es = ElasticsearchClient(ElasticsearchSettings(url=URL, api_key=KEY, verify=verify))
    warm(es, "retail-inbox-v1")
    es.infer_items("retail-inbox-v1", ["x"])
    assert seen[0]["verify"] == verify


@responses.activate
def test_a_netrc_entry_never_replaces_the_api_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine es.example.com login netrc-user password netrc-password\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("NETRC", raising=False)
    assert requests.utils.get_netrc_auth(INFER) == ("netrc-user", "netrc-password")  # the trap is set
    seen: list[dict[str, Any]] = []
    responses.add_callback(responses.POST, INFER, callback=_seen_kwargs(seen))
    responses.add_callback(responses.GET, f"{URL}/", callback=_seen_kwargs(seen))
    es = ElasticsearchClient(ElasticsearchSettings(url=URL, api_key=KEY))
    warm(es, "retail-inbox-v1")
    es.infer_items("retail-inbox-v1", ["x"])
    basic = ElasticsearchClient(ElasticsearchSettings(url=URL, username="robot", password="pw"))
    warm(basic, "retail-inbox-v1")
    basic.info()
    assert seen[0]["authorization"] == f"ApiKey {KEY}"
    assert seen[1]["authorization"] == "Basic " + base64.b64encode(b"robot:pw").decode()
    assert KEY not in repr(es.transport.session.auth)


def test_a_missing_ca_bundle_fails_at_connect_in_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-ca.pem"
    with pytest.raises(ReinferConfigurationError) as caught:
        ElasticsearchSettings(url=URL, api_key=KEY, verify=str(missing))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"The CA bundle '{missing}' given as verify= does not exist")


# --- TLS failures are permanent: not retried, and said so --------------------------------

SELF_SIGNED = (
    "HTTPSConnectionPool(host='es.example.com', port=9200): Max retries exceeded with url: "
    "/_ml/trained_models/retail-inbox-v1/_infer (Caused by SSLError(SSLCertVerificationError(1, "
    "'[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:1000)')))"
)


@responses.activate
def test_a_certificate_failure_is_not_retried_and_names_the_ca_bundle(
    client: ElasticsearchClient, calls: list[CallRecord], sleeps: list[float]
) -> None:
    responses.post(INFER, body=requests.exceptions.SSLError(SELF_SIGNED))
    with pytest.raises(ReinferConnectionError) as caught:
        client.infer_items("retail-inbox-v1", ["x"])
    assert len(responses.calls) == 1
    assert sleeps == []
    assert [(call.status, call.attempt, call.retry_in) for call in calls] == [(None, 1, None)]
    # The same category and title as the Communications Mining client gives the same failure.
    assert isinstance(caught.value, ReinferConnectionError)
    assert caught.value.category == "technical"
    message = str(caught.value)
    assert message.startswith(
        "Technical error (connection): POST /_ml/trained_models/retail-inbox-v1/_infer failed: "
        "TLS/SSL failed to es.example.com:9200: certificate verify failed: self-signed certificate. "
    )
    assert "retrying fails the same way until it is fixed: check verify= (the CA bundle" in message
    assert "Tried" not in message


@pytest.fixture(scope="module")
def https_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A real HTTPS server on 127.0.0.1 with a self-signed certificate: (url, its certificate)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a self-signed certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # the name http.server calls
            body = json.dumps({"cluster_name": "tls-test", "version": {"number": "9.1.0"}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}", cert
    server.shutdown()
    server.server_close()


def test_a_real_self_signed_cluster(https_cluster: tuple[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    url, cert = https_cluster
    # The machine-wide bundle does not hold the cluster's CA; verify= names the one that does.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", requests.certs.where())
    monkeypatch.setenv("CURL_CA_BUNDLE", requests.certs.where())
    trusted = ElasticsearchClient(ElasticsearchSettings(url=url, verify=str(cert)))
    assert trusted.info()["cluster_name"] == "tls-test"
    sleeps: list[float] = []
    calls: list[CallRecord] = []
    strict = ElasticsearchClient(
        ElasticsearchSettings(url=url, retries=2), on_call=calls.append, sleep=sleeps.append
    )
    with pytest.raises(
        ReinferConnectionError, match=r"TLS/SSL failed to 127.0.0.1:\d+: certificate verify failed"
    ):
        strict.info()
    assert (len(calls), sleeps) == (1, [])


# --- fidelity to the Elasticsearch server's parsers (issue 12 points 1 and 8) -------------------


def test_tokenization_is_sent_under_the_models_tokenizer_read_once_per_model() -> None:
    es = ElasticsearchClient(ElasticsearchSettings(url=URL, api_key=KEY))
    with responses.RequestsMock() as mock:
        config = model_config("m", tokenizer="mpnet")
        config["trained_model_configs"][0]["input"] = {"field_names": ["body"]}
        mock.get(f"{URL}/_ml/trained_models/m", json=config)
        mock.post(f"{URL}/_ml/trained_models/m/_infer", json=OK)
        mock.post(f"{URL}/_ml/trained_models/m/_infer", json=OK)
        es.infer_items("m", ["a"], truncate="none", span=64)
        es.infer_items("m", ["b"], truncate="second")
        bodies = [json.loads(call.request.body) for call in mock.calls if call.request.method == "POST"]  # type: ignore[arg-type]
        assert [call.request.method for call in mock.calls] == ["GET", "POST", "POST"]
    assert bodies[0] == {
        "docs": [{"body": "a"}],
        "inference_config": {
            "text_classification": {"tokenization": {"mpnet": {"truncate": "none", "span": 64}}}
        },
    }
    assert bodies[1]["inference_config"]["text_classification"]["tokenization"] == {
        "mpnet": {"truncate": "second"}
    }
    es.close()


def test_a_model_without_tokenization_refuses_truncate_before_inferring() -> None:
    es = ElasticsearchClient(ElasticsearchSettings(url=URL, api_key=KEY))
    with responses.RequestsMock() as mock:
        plain = {
            "count": 1,
            "trained_model_configs": [{"model_id": "tree", "inference_config": {"regression": {}}}],
        }
        mock.get(f"{URL}/_ml/trained_models/tree", json=plain)
        with pytest.raises(ReinferConfigurationError, match="tokenization type"):
            es.infer_items("tree", ["a"], truncate="first")
    es.close()


def test_zero_shot_labels_are_needed_only_when_the_model_stores_none() -> None:
    es = ElasticsearchClient(ElasticsearchSettings(url=URL, api_key=KEY))
    zero_shot = InferenceTask.zero_shot_classification
    answer = {"inference_results": [{"predicted_value": "urgent", "prediction_probability": 0.7}]}
    with responses.RequestsMock() as mock:
        stored = model_config("stored", task="zero_shot_classification")
        stored["trained_model_configs"][0]["inference_config"]["zero_shot_classification"]["labels"] = [
            "urgent",
            "calm",
        ]
        mock.get(f"{URL}/_ml/trained_models/stored", json=stored)
        mock.post(f"{URL}/_ml/trained_models/stored/_infer", json=answer)
        items = es.infer_items("stored", ["Help now"], zero_shot)
        assert json.loads(mock.calls[1].request.body) == {"docs": [{"text_field": "Help now"}]}  # type: ignore[arg-type]
        assert items[0].labels[0].name == "urgent"
        mock.get(f"{URL}/_ml/trained_models/bare", json=model_config("bare", task="zero_shot_classification"))
        with pytest.raises(ReinferConfigurationError, match=r"stores no labels: give labels="):
            es.infer_items("bare", ["Help now"], zero_shot)
    es.close()


def test_bearer_token_is_the_third_way_to_authenticate(calls: list[CallRecord]) -> None:
    token = "eyJhbGciOiJSUzI1NiJ9.service-account-token"
    es = ElasticsearchClient(ElasticsearchSettings(url=URL, bearer_token=token))
    with responses.RequestsMock() as mock:
        mock.get(f"{URL}/_ml/trained_models/m", json={"count": 0, "trained_model_configs": []}, status=200)
        with pytest.raises(NotFoundError) as caught:
            es.get_trained_model("m")
        assert mock.calls[0].request.headers["Authorization"] == f"Bearer {token}"
    assert token not in str(caught.value) and token not in repr(es.settings)
    assert token in es.settings.secrets()
    es.close()
