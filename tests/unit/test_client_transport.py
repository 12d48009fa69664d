"""Transport: retries, Retry-After, jitter, error mapping, redaction and the on_call hook."""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import pytest
import requests
import responses
import urllib3

from ReinferLibrary.client import (
    RETRY_POLICY,
    CallRecord,
    ConnectionSettings,
    ReinferClient,
    backoff_delay,
    parse_retry_after,
    redact,
)
from ReinferLibrary.client import transport as transport_module
from ReinferLibrary.client.envelopes import FetchDataEnvelope
from ReinferLibrary.client.transport import MAX_BACKOFF, clip, one_line
from ReinferLibrary.errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    ProtocolError,
    RateLimitedError,
    ReinferApiError,
    ReinferConnectionError,
    ReinferTimeoutError,
    Repeat,
    ServerError,
)
from ReinferLibrary.models.streams import StreamNew

BASE = "https://tenant.example/org/tenant/reinfer_"
TOKEN = "tok-SECRET-1234"
DATASET = "acme/retail-inbox"
STREAM_PATH = "/api/v1/datasets/acme/retail-inbox/streams/routing"
STREAM_URL = BASE + STREAM_PATH
STREAMS_URL = BASE + "/api/v1/datasets/acme/retail-inbox/streams"
STREAM = {"id": "0123456789abcdef", "name": "routing", "title": "", "description": ""}


class Harness:
    """A client whose sleeps and jitter are recorded instead of waited for."""

    def __init__(self, **settings: Any) -> None:
        self.records: list[CallRecord] = []
        self.sleeps: list[float] = []
        self.client = ReinferClient(
            ConnectionSettings(url=BASE + "/", token=TOKEN, **settings), on_call=self.records.append
        )
        self.client.sleep = self.sleeps.append
        # The upper bound of each jitter draw, so the waits are deterministic.
        self.client.transport.uniform = lambda low, high: high


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    """Unlike the shared ``api``: tests here register answers (catch-alls per method) they need not use."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def h() -> Harness:
    return Harness()


def ok_stream() -> dict[str, Any]:
    return {"status": "ok", "stream": STREAM}


def error(message: str) -> dict[str, str]:
    return {"status": "error", "message": message}


# --- retries -------------------------------------------------------------------------


def test_request_carries_bearer_token_timeout_and_json_accept(
    api: responses.RequestsMock, h: Harness
) -> None:
    api.get(STREAM_URL, json=ok_stream())
    h.client.get_stream(DATASET, "routing")
    request = api.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Accept"] == "application/json"
    kwargs: dict[str, Any] = request.req_kwargs  # type: ignore[attr-defined]  # added by responses
    assert kwargs["timeout"] == (10.0, 60.0)


def test_netrc_credentials_never_replace_the_bearer_token(
    api: responses.RequestsMock, h: Harness, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine tenant.example login someone password hunter2\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    api.get(STREAM_URL, json=ok_stream())
    h.client.get_stream(DATASET, "routing")
    assert api.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in repr(h.client.transport.session.auth)


def test_explicit_verify_and_proxies_are_sent_with_every_request(api: responses.RequestsMock) -> None:
    harness = Harness(
        verify="/etc/corp-ca.pem", proxies={"https": "http://proxy.local:3128"}, timeout=(2.0, 5.0)
    )
    api.get(STREAM_URL, json=ok_stream())
    harness.client.get_stream(DATASET, "routing")
    kwargs: dict[str, Any] = api.calls[0].request.req_kwargs  # type: ignore[attr-defined]
    assert kwargs["verify"] == "/etc/corp-ca.pem"
    assert kwargs["proxies"]["https"] == "http://proxy.local:3128"
    assert kwargs["timeout"] == (2.0, 5.0)


def test_429_with_retry_after_seconds_waits_that_long(api: responses.RequestsMock, h: Harness) -> None:
    api.get(STREAM_URL, status=429, json=error("Too many requests"), headers={"Retry-After": "7"})
    api.get(STREAM_URL, json=ok_stream())
    stream = h.client.get_stream(DATASET, "routing")
    assert stream.name == "routing"
    assert h.sleeps == [7.0]
    assert [r.status for r in h.records] == [429, 200]
    assert [r.retry_in for r in h.records] == [7.0, None]
    assert [r.attempt for r in h.records] == [1, 2]


def test_429_with_retry_after_http_date(api: responses.RequestsMock, h: Harness) -> None:
    when = datetime.now(timezone.utc) + timedelta(seconds=20)
    api.get(
        STREAM_URL, status=429, json=error("slow down"), headers={"Retry-After": format_datetime(when, True)}
    )
    api.get(STREAM_URL, json=ok_stream())
    h.client.get_stream(DATASET, "routing")
    assert len(h.sleeps) == 1
    assert 15.0 < h.sleeps[0] <= 20.0


def test_429_without_retry_after_uses_exponential_backoff(api: responses.RequestsMock, h: Harness) -> None:
    api.get(STREAM_URL, status=429, json=error("slow down"))
    api.get(STREAM_URL, status=429, json=error("slow down"))
    api.get(STREAM_URL, json=ok_stream())
    h.client.get_stream(DATASET, "routing")
    assert h.sleeps == [0.5, 1.0]  # backoff * 2**0, backoff * 2**1 (jitter at its upper bound)


def test_retry_after_above_max_retry_after_fails_at_once(api: responses.RequestsMock) -> None:
    harness = Harness(max_retry_after=5.0)
    api.get(STREAM_URL, status=429, json=error("come back in an hour"), headers={"Retry-After": "3600"})
    api.get(STREAM_URL, json=ok_stream())
    with pytest.raises(RateLimitedError) as caught:
        harness.client.get_stream(DATASET, "routing")
    assert harness.sleeps == []  # neither the cap nor the server's hour: no second 429
    assert len(api.calls) == 1
    assert harness.records[0].retry_in is None
    assert str(caught.value) == (
        f"Technical error (rate limited): GET {STREAM_PATH} returned 429: come back in an hour; "
        "the server asked to wait 3600 s before retrying, more than max_retry_after (5 s). "
        "Retry after that wait, or raise max_retry_after= (Connect To Reinfer) to let the library wait."
    )


def test_retry_after_above_the_cap_on_a_503_gateway_page(api: responses.RequestsMock, h: Harness) -> None:
    api.get(
        STREAM_URL,
        status=503,
        body="<html>Maintenance</html>",
        content_type="text/html",
        headers={"Retry-After": "600"},
    )
    with pytest.raises(
        ServerError, match=r"returned 503: expected the API's JSON .*; the server asked to wait 600 s"
    ):
        h.client.get_stream(DATASET, "routing")
    assert len(api.calls) == 1


def test_retry_after_within_the_cap_is_waited_for(api: responses.RequestsMock) -> None:
    harness = Harness(max_retry_after=5.0)
    api.get(STREAM_URL, status=429, json=error("slow down"), headers={"Retry-After": "5"})
    api.get(STREAM_URL, json=ok_stream())
    harness.client.get_stream(DATASET, "routing")
    assert harness.sleeps == [5.0]


def test_retry_after_does_not_matter_for_a_call_that_is_never_retried(
    api: responses.RequestsMock, h: Harness
) -> None:
    api.put(STREAMS_URL, status=429, json=error("slow down"), headers={"Retry-After": "3600"})
    with pytest.raises(RateLimitedError) as caught:
        h.client.create_stream(DATASET, StreamNew(name="routing"))
    assert "asked to wait" not in str(caught.value)


def test_503_then_200_succeeds(api: responses.RequestsMock, h: Harness) -> None:
    api.post(STREAM_URL + "/fetch", status=503, json=error("Service Unavailable"))
    api.post(STREAM_URL + "/fetch", json={"status": "ok", "results": [], "sequence_id": "s1", "filtered": 0})
    batch = h.client.fetch(DATASET, "routing")
    assert batch.sequence_id == "s1"
    assert len(api.calls) == 2
    assert h.sleeps == [0.5]


def test_exhausted_429_raises_rate_limited_with_attempts(api: responses.RequestsMock, h: Harness) -> None:
    api.get(STREAM_URL, status=429, json=error("Too many requests"))
    with pytest.raises(RateLimitedError) as caught:
        h.client.get_stream(DATASET, "routing")
    assert len(api.calls) == 4  # 1 + retries=3
    assert caught.value.attempts == 4
    assert "Tried 4 times" in str(caught.value)
    assert h.sleeps == [0.5, 1.0, 2.0]
    assert h.records[-1].retry_in is None


def test_exhausted_500_raises_server_error(api: responses.RequestsMock, h: Harness) -> None:
    api.get(STREAM_URL, status=500, json=error("Internal error"))
    with pytest.raises(ServerError) as caught:
        h.client.get_stream(DATASET, "routing")
    message = str(caught.value)
    assert message.startswith(
        "Technical error (server): GET " + STREAM_PATH + " returned 500: Internal error."
    )
    assert "Tried 4 times" in message


def test_connection_error_is_retried(api: responses.RequestsMock, h: Harness) -> None:
    api.get(STREAM_URL, body=requests.ConnectionError("Connection refused"))
    api.get(STREAM_URL, json=ok_stream())
    assert h.client.get_stream(DATASET, "routing").id == STREAM["id"]
    assert h.records[0].status is None
    assert h.records[0].response_body is None
    assert h.records[0].retry_in == 0.5


def test_exhausted_connection_errors_raise_connection_error(api: responses.RequestsMock, h: Harness) -> None:
    api.get(STREAM_URL, body=requests.ConnectionError("Connection refused"))
    with pytest.raises(ReinferConnectionError) as caught:
        h.client.get_stream(DATASET, "routing")
    assert caught.value.status is None
    assert "no connection to tenant.example: Connection refused" in str(caught.value)
    assert "Tried 4 times" in str(caught.value)


def test_read_timeout_is_retried_then_raises_timeout_error(api: responses.RequestsMock, h: Harness) -> None:
    api.get(STREAM_URL, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(ReinferTimeoutError) as caught:
        h.client.get_stream(DATASET, "routing")
    assert len(api.calls) == 4
    assert caught.value.status is None
    assert f"GET {STREAM_PATH} failed: no answer within 60 s (the per-read timeout=)." in str(caught.value)


def test_timeout_then_success(api: responses.RequestsMock, h: Harness) -> None:
    api.get(STREAM_URL, body=requests.ReadTimeout("read timed out"))
    api.get(STREAM_URL, json=ok_stream())
    h.client.get_stream(DATASET, "routing")
    assert [r.status for r in h.records] == [None, 200]


def test_connect_timeout_says_connect(api: responses.RequestsMock) -> None:
    harness = Harness(retries=0)
    api.get(STREAM_URL, body=requests.ConnectTimeout("connect timed out"))
    with pytest.raises(ReinferTimeoutError, match=r"could not connect within 10 s"):
        harness.client.get_stream(DATASET, "routing")


def test_tls_failure_is_not_retried(api: responses.RequestsMock, h: Harness) -> None:
    api.get(STREAM_URL, body=requests.exceptions.SSLError("certificate verify failed"))
    with pytest.raises(ReinferConnectionError, match="TLS/SSL failed"):
        h.client.get_stream(DATASET, "routing")
    assert len(api.calls) == 1
    assert h.sleeps == []


def test_create_stream_is_not_retried_on_503(api: responses.RequestsMock, h: Harness) -> None:
    api.put(STREAMS_URL, status=503, json=error("Service Unavailable"))
    with pytest.raises(ServerError) as caught:
        h.client.create_stream(DATASET, StreamNew(name="routing"))
    assert len(api.calls) == 1
    assert caught.value.attempts == 1
    assert "Tried" not in str(caught.value)
    assert h.sleeps == []
    assert h.records[0].retry_in is None


def test_create_stream_timeout_is_not_retried(api: responses.RequestsMock, h: Harness) -> None:
    api.put(STREAMS_URL, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(ReinferTimeoutError):
        h.client.create_stream(DATASET, StreamNew(name="routing"))
    assert len(api.calls) == 1


def test_client_errors_are_not_retried(api: responses.RequestsMock, h: Harness) -> None:
    api.get(STREAM_URL, status=404, json=error("404 Not Found"))
    with pytest.raises(NotFoundError):
        h.client.get_stream(DATASET, "routing")
    assert len(api.calls) == 1


def test_retries_zero_means_one_attempt(api: responses.RequestsMock) -> None:
    harness = Harness(retries=0)
    api.get(STREAM_URL, status=503, json=error("down"))
    with pytest.raises(ServerError):
        harness.client.get_stream(DATASET, "routing")
    assert len(api.calls) == 1


# --- jitter and Retry-After parsing --------------------------------------------------


@pytest.mark.parametrize("retry_number", [0, 1, 2, 3, 6])
def test_backoff_jitter_stays_within_bounds(retry_number: int) -> None:
    bound = min(MAX_BACKOFF, 0.5 * 2**retry_number)
    draws = [backoff_delay(retry_number, 0.5) for _ in range(300)]
    assert all(0.0 <= draw <= bound for draw in draws)
    assert max(draws) > bound / 2  # really spread over the range, not stuck at 0
    assert min(draws) < bound / 2


def test_backoff_bound_doubles_and_is_capped() -> None:
    upper = [backoff_delay(n, 0.5, uniform=lambda low, high: high) for n in range(8)]
    assert upper == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert backoff_delay(5000, 0.5, uniform=lambda low, high: high) == MAX_BACKOFF
    assert backoff_delay(3, 0.5, uniform=lambda low, high: low) == 0.0


def test_parse_retry_after_forms() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after("Wed, 01 Jan 2025 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now=now) == 0.0  # in the past: go now
    assert parse_retry_after("-5") == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("nan") is None
    assert parse_retry_after("") is None
    assert parse_retry_after(None) is None


def test_unparseable_retry_after_falls_back_to_backoff(api: responses.RequestsMock, h: Harness) -> None:
    api.get(STREAM_URL, status=503, json=error("down"), headers={"Retry-After": "later"})
    api.get(STREAM_URL, json=ok_stream())
    h.client.get_stream(DATASET, "routing")
    assert h.sleeps == [0.5]


# --- error mapping -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls", "category"),
    [
        (400, BadRequestError, "Business"),
        (401, AuthenticationError, "Business"),
        (403, AuthenticationError, "Business"),
        (404, NotFoundError, "Business"),
        (409, ConflictError, "Business"),
        (422, BadRequestError, "Business"),
        (429, RateLimitedError, "Technical"),
        (500, ServerError, "Technical"),
    ],
)
def test_status_maps_to_error_class_with_readable_message(
    api: responses.RequestsMock, status: int, cls: type[ReinferApiError], category: str
) -> None:
    harness = Harness(retries=0)
    api.get(STREAM_URL, status=status, json=error(f"Server says no\n(token {TOKEN} rejected)"))
    with pytest.raises(cls) as caught:
        harness.client.get_stream(DATASET, "routing")
    message = str(caught.value)
    assert type(caught.value) is cls
    assert message.startswith(f"{category} error (")
    assert f"GET {STREAM_PATH} returned {status}: Server says no (token *** rejected)." in message
    assert TOKEN not in message
    assert "\n" not in message
    assert caught.value.status == status
    assert caught.value.server_message == "Server says no (token *** rejected)"


def test_error_body_without_message_still_names_the_call(api: responses.RequestsMock, h: Harness) -> None:
    api.get(STREAM_URL, status=404, json={"detail": "Not Found"})
    with pytest.raises(NotFoundError, match=r"GET .*/streams/routing returned 404: Not Found\."):
        h.client.get_stream(DATASET, "routing")


def test_html_page_on_200_is_a_protocol_error(api: responses.RequestsMock, h: Harness) -> None:
    page = "<html><head><title>Sign in</title></head><body>" + "x" * 200 + "</body></html>"
    api.get(STREAM_URL, body=page, content_type="text/html")
    with pytest.raises(ProtocolError) as caught:
        h.client.get_stream(DATASET, "routing")
    message = str(caught.value)
    assert "expected the API's JSON but got text/html (first 80 chars: <html><head><title>Sign in" in message
    assert "x" * 100 not in message
    assert message.startswith("Technical error (protocol): GET ")
    assert len(api.calls) == 1


def test_html_page_on_404_is_still_not_found_the_body_only_adds_detail(
    api: responses.RequestsMock, h: Harness
) -> None:
    api.get(STREAM_URL, status=404, body="<html>Not here</html>", content_type="text/html")
    with pytest.raises(NotFoundError, match=r"returned 404: expected the API's JSON but got text/html"):
        h.client.get_stream(DATASET, "routing")
    assert len(api.calls) == 1


@pytest.mark.parametrize("status", [401, 403])
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("<html><body>Access denied by the gateway</body></html>", "text/html"),
        ("Unauthorized", "text/plain"),
        ("", "text/plain"),
        ('{"error": "invalid_token", "error_description": "The access token expired"}', "application/json"),
    ],
)
def test_a_gateway_401_or_403_is_an_authentication_error_whatever_its_body(
    api: responses.RequestsMock, h: Harness, status: int, body: str, content_type: str
) -> None:
    # The cloud gateway in front of the API answers with its own bodies, not the API's envelope.
    api.get(STREAM_URL, status=status, body=body, content_type=content_type)
    with pytest.raises(AuthenticationError) as caught:
        h.client.get_stream(DATASET, "routing")
    message = str(caught.value)
    assert message.startswith(f"Business error (authentication): GET {STREAM_PATH} returned {status}")
    assert "Check the token (REINFER_TOKEN)" in message
    assert len(api.calls) == 1  # never retried: a revoked token stays revoked


def test_gateway_html_on_502_stays_a_retried_server_error(api: responses.RequestsMock, h: Harness) -> None:
    api.get(STREAM_URL, status=502, body="<html>Bad Gateway</html>", content_type="text/html")
    with pytest.raises(ServerError, match=r"returned 502: expected the API's JSON but got text/html"):
        h.client.get_stream(DATASET, "routing")
    assert len(api.calls) == 4


def test_status_error_in_a_200_body_is_a_protocol_error(api: responses.RequestsMock, h: Harness) -> None:
    api.get(STREAM_URL, json=error("something broke"))
    with pytest.raises(ProtocolError, match=r"returned 200: the answer says status 'error' with HTTP 200"):
        h.client.get_stream(DATASET, "routing")


def test_status_error_in_a_200_body_without_payload_is_a_protocol_error(
    api: responses.RequestsMock, h: Harness
) -> None:
    api.post(STREAM_URL + "/advance", json=error("could not advance"))
    with pytest.raises(ProtocolError, match="could not advance"):
        h.client.advance(DATASET, "routing", "seq-1")


def test_json_of_the_wrong_shape_is_a_protocol_error(api: responses.RequestsMock, h: Harness) -> None:
    api.post(STREAM_URL + "/fetch", json={"status": "ok", "results": []})
    with pytest.raises(
        ProtocolError, match=r"does not have the expected shape \(sequence_id: Field required\)"
    ):
        h.client.fetch(DATASET, "routing")


def test_the_garbage_collector_is_held_off_while_an_answer_is_parsed_and_back_after(
    api: responses.RequestsMock, h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    parse = FetchDataEnvelope.model_validate_json

    def watched(data: Any) -> Any:
        seen.append(gc.isenabled())
        return parse(data)

    monkeypatch.setattr(FetchDataEnvelope, "model_validate_json", watched)
    item = {"comment": {"id": "c1", "uid": "s.c1", "messages": []}, "labels": [], "sequence_id": "s1"}
    api.post(STREAM_URL + "/fetch", json={"status": "ok", "results": [item], "sequence_id": "s1"})
    api.post(STREAM_URL + "/fetch", json={"status": "ok", "results": [{"labels": "no"}], "sequence_id": "s"})
    assert gc.isenabled()
    assert h.client.fetch_data(DATASET, "routing").results[0]["uid"] == "s.c1"
    assert gc.isenabled()
    with pytest.raises(ProtocolError, match="expected shape"):
        h.client.fetch_data(DATASET, "routing")
    assert seen == [False, False]
    assert gc.isenabled()  # back on after a good answer and after a refused one


def test_a_collector_the_caller_turned_off_stays_off() -> None:
    gc.disable()
    try:
        with transport_module.gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(ValueError, match="boom"), transport_module.gc_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_empty_body_where_a_payload_is_expected(api: responses.RequestsMock, h: Harness) -> None:
    api.get(STREAM_URL, body="", content_type="application/json")
    with pytest.raises(ProtocolError, match="got an empty body"):
        h.client.get_stream(DATASET, "routing")


def test_empty_body_where_nothing_is_expected_is_fine(api: responses.RequestsMock, h: Harness) -> None:
    api.post(STREAM_URL + "/advance", status=204, body="")
    h.client.advance(DATASET, "routing", "seq-1")


def test_token_never_appears_in_protocol_error(api: responses.RequestsMock, h: Harness) -> None:
    api.get(STREAM_URL, body=f"<html>your token {TOKEN} is wrong</html>", content_type="text/html")
    with pytest.raises(ProtocolError) as caught:
        h.client.get_stream(DATASET, "routing")
    assert TOKEN not in str(caught.value)
    assert "***" in str(caught.value)


def test_token_echoed_in_a_successful_answer_is_refused_not_changed(
    api: responses.RequestsMock, h: Harness
) -> None:
    echoed = {**STREAM, "description": f"made with {TOKEN}", "debug": {"auth": f"Bearer {TOKEN}"}}
    api.get(STREAM_URL, json={"status": "ok", "stream": echoed})
    with pytest.raises(ProtocolError) as caught:
        h.client.get_stream(DATASET, "routing")
    message = str(caught.value)
    assert message.startswith(
        f"Technical error (protocol): GET {STREAM_PATH} returned 200: the answer contains"
    )
    assert "echoes credentials back is not the API" in message
    assert TOKEN not in message
    assert TOKEN not in (h.records[0].response_body or "")
    assert "made with ***" in (h.records[0].response_body or "")


ANSWER = {
    "status": "ok",
    "sequence_id": "SEQ-a",
    "is_end_sequence": True,
    "filtered": 0,
    "results": [
        {
            "comment": {"id": "c1", "uid": "s.c1", "messages": [{"body": {"text": "a parcel, ACM-104233"}}]},
            "sequence_id": "SEQ-a",
            "labels": [{"name": ["Order", "Missing"], "probability": 0.9}],
            "entities": [{"name": "order_number", "formatted_value": "ACM-104233"}],
        }
    ],
}


@pytest.mark.parametrize("token", ["a", "0", "Missing", "ACM-104233", '"', "}"])
def test_a_token_that_occurs_in_the_payload_never_changes_the_data(
    api: responses.RequestsMock, token: str
) -> None:
    records: list[CallRecord] = []
    client = ReinferClient(ConnectionSettings(url=BASE, token=token), on_call=records.append)
    api.post(STREAM_URL + "/fetch", json=ANSWER)
    batch = client.fetch(DATASET, "routing")
    item = batch.results[0]
    assert batch.sequence_id == "SEQ-a"
    assert item.comment.messages[0].body.text == "a parcel, ACM-104233"
    assert item.labels[0].name == "Order > Missing"
    assert item.entities[0].formatted_value == "ACM-104233"
    # What is logged is redacted: the token never appears in the record of the call.
    assert token not in (records[0].response_body or "").replace("***", "")


@pytest.mark.parametrize("token", ["a", "Missing"])
def test_a_short_token_is_still_redacted_from_error_messages(api: responses.RequestsMock, token: str) -> None:
    client = ReinferClient(ConnectionSettings(url=BASE, token=token, retries=0))
    api.post(STREAM_URL + "/fetch", status=400, json=error(f"label Missing is unknown to {token}"))
    with pytest.raises(BadRequestError) as caught:
        client.fetch(DATASET, "routing")
    said = caught.value.server_message or ""
    assert token not in said.replace("***", "")
    assert said.endswith("to ***")


def test_token_echoed_in_a_badly_shaped_answer_stays_out_of_the_error(
    api: responses.RequestsMock, h: Harness
) -> None:
    api.post(STREAM_URL + "/fetch", json={"status": "ok", "results": [], "note": TOKEN})
    with pytest.raises(ProtocolError) as caught:
        h.client.fetch(DATASET, "routing")
    assert TOKEN not in str(caught.value)


# --- advice that fits the call -------------------------------------------------------


def test_server_error_advice_depends_on_whether_the_call_is_safe_to_repeat(
    api: responses.RequestsMock,
) -> None:
    harness = Harness(retries=0)
    api.post(STREAM_URL + "/fetch", status=500, json=error("boom"))
    api.post(STREAM_URL + "/reset", status=500, json=error("boom"))
    with pytest.raises(ServerError) as fetch:
        harness.client.fetch(DATASET, "routing")
    with pytest.raises(ServerError) as reset:
        harness.client.reset(DATASET, "routing", datetime(2025, 9, 1))
    assert str(fetch.value).endswith("The platform failed; this call is safe to repeat, so retry later.")
    assert str(reset.value).endswith(
        "The platform failed; this call changes data and may have taken effect, so check the result "
        "(e.g. Get Trigger, or where the trigger now is) before repeating it."
    )
    assert "fetch never moves" not in str(reset.value)


def test_status_error_in_a_200_is_not_called_a_wrong_url(api: responses.RequestsMock, h: Harness) -> None:
    api.post(STREAM_URL + "/reset", json=error("reset failed half way"))
    api.get(STREAM_URL, json=error("something broke"))
    with pytest.raises(ProtocolError) as reset:
        h.client.reset(DATASET, "routing", datetime(2025, 9, 1))
    with pytest.raises(ProtocolError) as get:
        h.client.get_stream(DATASET, "routing")
    for caught in (reset, get):
        assert "not the API's JSON" not in str(caught.value)
        assert "answered with success but reported an error" in str(caught.value)
    assert "may have taken effect" in str(reset.value)
    assert str(get.value).endswith("this call is safe to repeat, so retry later.")


def test_protocol_error_kinds_get_their_own_advice(api: responses.RequestsMock, h: Harness) -> None:
    api.get(STREAM_URL, body="<html>Sign in</html>", content_type="text/html")
    api.post(STREAM_URL + "/fetch", json={"status": "ok", "results": []})
    api.put(STREAMS_URL, json={"status": "ok", "unexpected": True})
    with pytest.raises(ProtocolError) as page:
        h.client.get_stream(DATASET, "routing")
    with pytest.raises(ProtocolError) as shape:
        h.client.fetch(DATASET, "routing")
    with pytest.raises(ProtocolError) as write:
        h.client.create_stream(DATASET, StreamNew(name="routing"))
    assert str(page.value).endswith(
        "The answer is not the API's JSON; check REINFER_URL (everything before /api) and any proxy."
    )
    assert "not in the shape this library expects" in str(shape.value)
    assert "--loglevel DEBUG" in str(shape.value)
    assert "check the result before repeating" not in str(shape.value)
    assert "check the result before repeating the call" in str(write.value)


def test_timeout_advice_fits_the_call_and_the_kind(api: responses.RequestsMock) -> None:
    harness = Harness(retries=0)
    api.post(STREAM_URL + "/reset", body=requests.ReadTimeout("read timed out"))
    api.post(STREAM_URL + "/fetch", body=requests.ReadTimeout("read timed out"))
    api.get(STREAM_URL, body=requests.ConnectTimeout("connect timed out"))
    with pytest.raises(ReinferTimeoutError) as reset:
        harness.client.reset(DATASET, "routing", datetime(2025, 9, 1))
    with pytest.raises(ReinferTimeoutError) as fetch:
        harness.client.fetch(DATASET, "routing")
    with pytest.raises(ReinferTimeoutError) as connect:
        harness.client.get_stream(DATASET, "routing")
    assert "No answer in time; this call changes data and may have taken effect" in str(reset.value)
    assert "No answer in time; this call is safe to repeat, so retry later" in str(fetch.value)
    assert str(connect.value).endswith(
        "Nothing was sent: check REINFER_URL, the network and proxies, or raise connect_timeout=."
    )
    for caught in (reset, fetch, connect):
        assert "\n" not in str(caught.value)


def test_connection_advice_fits_the_call_and_the_kind(api: responses.RequestsMock) -> None:
    harness = Harness(retries=0)
    api.put(STREAMS_URL, body=requests.ConnectionError("Connection aborted"))
    api.get(STREAM_URL, body=requests.exceptions.SSLError("certificate verify failed"))
    with pytest.raises(ReinferConnectionError) as write:
        harness.client.create_stream(DATASET, StreamNew(name="routing"))
    with pytest.raises(ReinferConnectionError) as tls:
        harness.client.get_stream(DATASET, "routing")
    assert "may have taken effect" in str(write.value)
    assert "Nothing was sent, and retrying fails the same way until it is fixed: check verify=" in str(
        tls.value
    )


def test_not_found_advice_mentions_the_url(api: responses.RequestsMock, h: Harness) -> None:
    api.get(STREAM_URL, status=404, json=error("Stream not found"))
    with pytest.raises(NotFoundError, match=r"and REINFER_URL \(everything before /api\)\.$"):
        h.client.get_stream(DATASET, "routing")


# --- credentials in the URL ----------------------------------------------------------


def test_credentials_in_the_url_stay_out_of_connection_errors() -> None:
    # No mock: port 1 on loopback refuses at once; requests' own error text is checked too.
    client = ReinferClient(
        ConnectionSettings(url="http://robot:pa55w0rd@127.0.0.1:1", token=TOKEN, retries=0)
    )
    with pytest.raises(ReinferConnectionError) as caught:
        client.get_stream(DATASET, "routing")
    message = str(caught.value)
    assert "no connection to 127.0.0.1:1:" in message
    assert "pa55w0rd" not in message
    assert "robot:" not in message
    assert "pa55w0rd" not in repr(client.settings)
    assert "***@127.0.0.1:1" in repr(client.settings)


# --- the on_call hook ----------------------------------------------------------------


def test_call_records_are_redacted(api: responses.RequestsMock, h: Harness) -> None:
    api.post(
        BASE + "/api/v1/sources/acme/retail-inbox/sync",
        json={"status": "ok", "new": 1, "updated": 0, "unchanged": 0, "echo": TOKEN},
    )
    comment = {"id": "c1", "messages": [{"body": {"text": f"my token is {TOKEN}"}}]}
    with pytest.raises(ProtocolError, match="check the result before repeating"):
        h.client.sync_comments("acme/retail-inbox", [comment])  # the answer echoes the token
    record = h.records[0]
    assert record.method == "POST"
    assert record.path == "/api/v1/sources/acme/retail-inbox/sync"
    assert record.request_body is not None
    assert record.response_body is not None
    assert TOKEN not in record.request_body
    assert TOKEN not in record.response_body
    assert "my token is ***" in record.request_body
    assert record.elapsed_ms >= 0.0
    assert TOKEN not in repr(record)
    # the exact bytes sent are what is logged (no second serialisation)
    sent = api.calls[0].request.body
    assert isinstance(sent, bytes)
    assert sent.decode() == record.request_body.replace("***", TOKEN)


def test_call_record_bodies_are_made_only_when_a_hook_reads_them(
    api: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded: list[bytes] = []
    decode = transport_module._body_text

    def counted(response: requests.Response) -> str:
        decoded.append(response.content)
        return decode(response)

    monkeypatch.setattr(transport_module, "_body_text", counted)
    records: list[CallRecord] = []
    client = ReinferClient(ConnectionSettings(url=BASE + "/", token=TOKEN), on_call=records.append)
    api.get(STREAM_URL, json={"status": "ok", "stream": {**STREAM, "description": "the inbox"}})
    client.get_stream(DATASET, "routing")
    assert decoded == []  # nobody read the body: the 250 KB of a fetch answer are not decoded
    body = records[0].response_body
    assert body is not None and '"description": "the inbox"' in body
    assert records[0].response_body is body and len(decoded) == 1  # made once, then kept


def test_call_records_compare_and_hash_by_value_whether_bodies_were_made_yet() -> None:
    made_later = CallRecord("GET", "/p", 200, 1.0, 1, None, lambda: "body", None)
    given = CallRecord("GET", "/p", 200, 1.0, 1, None, "body", None)
    assert made_later == given and hash(made_later) == hash(given) and len({made_later, given}) == 1
    assert made_later != CallRecord("GET", "/p", 200, 1.0, 1, None, "other", None)
    assert repr(given) == (
        "CallRecord(method='GET', path='/p', status=200, elapsed_ms=1.0, attempt=1, "
        "request_body=None, response_body='body', retry_in=None)"
    )


def test_call_record_bodies_are_truncated(api: responses.RequestsMock, h: Harness) -> None:
    huge = {"status": "ok", "stream": {**STREAM, "description": "d" * 25_000}}
    api.get(STREAM_URL, json=huge)
    h.client.get_stream(DATASET, "routing")
    body = h.records[0].response_body
    assert body is not None
    assert len(body) < 10_100
    assert body.endswith("more characters]")
    assert h.records[0].request_body is None


def test_call_record_path_shows_the_query(api: responses.RequestsMock, h: Harness) -> None:
    api.get(
        STREAM_URL + "/results",
        json={"status": "ok", "results": [], "num_filtered": 0, "more_results": False, "continuation": "c"},
    )
    h.client.results(DATASET, "routing", max_results=5, max_filtered=15)
    assert h.records[0].path == STREAM_PATH + "/results?max_results=5&max_filtered=15"


def test_no_hook_means_no_records(api: responses.RequestsMock) -> None:
    client = ReinferClient(ConnectionSettings(url=BASE, token=TOKEN))
    api.get(STREAM_URL, json=ok_stream())
    assert client.on_call is None
    assert client.get_stream(DATASET, "routing").name == "routing"


# --- helpers -------------------------------------------------------------------------


def test_redact_replaces_every_occurrence_and_ignores_empty_tokens() -> None:
    assert redact(f"a {TOKEN} b {TOKEN}", TOKEN) == "a *** b ***"
    assert redact("nothing here", TOKEN) == "nothing here"
    assert redact("text", "") == "text"


def test_one_line_and_clip() -> None:
    assert one_line("a\n  b\tc ") == "a b c"
    assert one_line("x" * 50, 10) == "xxxxxxx..."
    assert clip("abc", 5) == "abc"
    assert clip("abcdefgh", 5) == "abcde... [3 more characters]"


# --- the policy: documented table == code --------------------------------------------


def test_retry_policy_table_in_docstring_matches_the_dict() -> None:
    doc = transport_module.__doc__ or ""
    rows = re.findall(
        r"^\| `(\w+)`\s*\|\s*(\w+)\s*\|[^|]*\|\s*(yes|no|unsent only)\s*\|", doc, flags=re.MULTILINE
    )
    table = {name: retried for name, _method, retried in rows}
    assert table == {operation: repeat.retried for operation, repeat in RETRY_POLICY.items()}


def test_every_policy_entry_is_a_client_method() -> None:
    for operation in RETRY_POLICY:
        assert callable(getattr(ReinferClient, operation))


def _operations(client: ReinferClient) -> dict[str, Any]:
    return {
        "list_streams": lambda: client.list_streams(DATASET),
        "get_stream": lambda: client.get_stream(DATASET, "routing"),
        "create_stream": lambda: client.create_stream(DATASET, StreamNew(name="routing")),
        "update_stream": lambda: client.update_stream(DATASET, StreamNew(name="routing")),
        "delete_stream": lambda: client.delete_stream(DATASET, "routing"),
        "fetch": lambda: client.fetch(DATASET, "routing"),
        "results": lambda: client.results(DATASET, "routing"),
        "advance": lambda: client.advance(DATASET, "routing", "seq"),
        "reset": lambda: client.reset(DATASET, "routing", datetime(2024, 1, 1)),
        "tag_exceptions": lambda: client.tag_exceptions(DATASET, "routing", [("s.c1", "No Prediction")]),
        "untag_exceptions": lambda: client.untag_exceptions(DATASET, "routing", ["s.c1"]),
        "get_dataset": lambda: client.get_dataset(DATASET),
        "get_comment": lambda: client.get_comment("acme/retail-inbox", "c1"),
        "sync_comments": lambda: client.sync_comments("acme/retail-inbox", [{"id": "c1"}]),
        "delete_comments": lambda: client.delete_comments("acme/retail-inbox", ["c1"]),
        "download_attachment": lambda: client.download_attachment("ref-1"),
        "predict": lambda: client.predict(DATASET, 3, [{"messages": [{"body": {"text": "hi"}}]}]),
        "predict_comments": lambda: client.predict_comments(DATASET, "live", ["s.c1"]),
        "predict_raw_emails": lambda: client.predict_raw_emails(DATASET, 3, [{"raw_email": {"body": {}}}]),
        "get_model_tags": lambda: client.get_model_tags(DATASET),
        "get_validation": lambda: client.get_validation(DATASET, 3),
        "get_full_validation": lambda: client.get_full_validation(DATASET, 3),
        "get_label_validation": lambda: client.get_label_validation(DATASET, 3, "Order > Missing"),
    }


@pytest.mark.parametrize("operation", sorted(RETRY_POLICY))
def test_each_operation_follows_its_retry_policy(api: responses.RequestsMock, operation: str) -> None:
    harness = Harness(retries=2)
    for method in ("GET", "POST", "PUT", "DELETE"):
        api.add(method, re.compile(re.escape(BASE) + "/api/.*"), status=503, json=error("down"))
    with pytest.raises(ServerError):
        _operations(harness.client)[operation]()
    expected = 1 if RETRY_POLICY[operation] is Repeat.NEVER else 3  # 503 is retried for both others
    assert len(api.calls) == expected
    assert len(harness.sleeps) == expected - 1


def test_real_refused_connection_gives_a_short_reason() -> None:
    # No mock: port 1 on loopback refuses at once, so this exercises requests' real error chain.
    client = ReinferClient(ConnectionSettings(url="http://127.0.0.1:1", token=TOKEN, retries=1))
    sleeps: list[float] = []
    client.sleep = sleeps.append
    with pytest.raises(ReinferConnectionError) as caught:
        client.get_stream(DATASET, "routing")
    message = str(caught.value)
    assert "no connection to 127.0.0.1:1:" in message
    assert "object at 0x" not in message
    assert "Tried 2 times" in message
    assert len(sleeps) == 1


# --- predictions are billable: repeat only what certainly did not reach the server ---------

PREDICT_URL = BASE + "/api/v1/datasets/acme/retail-inbox/labellers/live/predict"
PREDICTED = {"status": "ok", "predictions": [[]], "model": {"version": 3, "time": "2025-01-01T00:00:00Z"}}


def _predict(harness: Harness) -> Any:
    return harness.client.predict(DATASET, "live", [{"messages": [{"body": {"text": "hi"}}]}])


def _refused() -> requests.ConnectionError:
    cause = urllib3.exceptions.NewConnectionError(None, "Connection refused")  # type: ignore[arg-type]
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/", cause))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "failure",
    [
        {"body": requests.ReadTimeout("read timed out")},
        {"body": requests.ConnectionError(urllib3.exceptions.ProtocolError("Connection aborted."))},
        {"status": 502, "json": error("bad gateway")},
        {"status": 504, "json": error("gateway timeout")},
        {"status": 500, "json": error("boom")},
    ],
)
def test_a_predict_call_that_may_have_been_processed_is_never_repeated(
    api: responses.RequestsMock, h: Harness, failure: dict[str, Any]
) -> None:
    api.post(PREDICT_URL, **failure)
    api.post(PREDICT_URL, json=PREDICTED)
    with pytest.raises(ReinferApiError) as caught:
        _predict(h)
    assert len(api.calls) == 1
    assert h.sleeps == []
    assert "predictions are billable (1 AI unit per comment), so it was not repeated" in str(caught.value)


@pytest.mark.parametrize(
    "failure",
    [
        {"body": _refused()},
        {"status": 429, "json": error("slow down")},
        {"status": 503, "json": error("busy")},
    ],
)
def test_a_predict_call_that_certainly_did_not_reach_processing_is_retried(
    api: responses.RequestsMock, h: Harness, failure: dict[str, Any]
) -> None:
    api.post(PREDICT_URL, **failure)
    api.post(PREDICT_URL, json=PREDICTED)
    _predict(h)
    assert len(api.calls) == 2


def test_predict_calls_wait_at_least_predict_timeout_for_an_answer(api: responses.RequestsMock) -> None:
    seen: list[Any] = []

    def recording(body: dict[str, Any]) -> Any:
        def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
            seen.append(request.req_kwargs["timeout"])  # type: ignore[attr-defined]
            return 200, {}, json.dumps(body)

        return answer

    api.add_callback(responses.POST, PREDICT_URL, callback=recording(PREDICTED))
    api.add_callback(responses.GET, STREAM_URL, callback=recording(ok_stream()))
    _predict(Harness())
    _predict(Harness(predict_timeout=30.0, timeout=(5.0, 90.0)))
    Harness().client.get_stream(DATASET, "routing")
    # At least predict_timeout for predictions (a longer timeout wins); other calls keep timeout.
    assert seen == [(10.0, 240.0), (5.0, 90.0), (10.0, 60.0)]
