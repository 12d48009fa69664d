"""Hard limits against a hostile or broken server (issue 10, transport findings 3, 6, 7 and 8).

A real HTTP server on 127.0.0.1 for what needs real sockets (a body trickled byte by byte,
a body with no length, connection reuse, a CA bundle requests cannot find); ``responses``
for the rest. Each test fails on the transport before these limits existed.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import responses
from robot.api.types import Secret

from ReinferLibrary import ReinferLibrary
from ReinferLibrary.client import ConnectionSettings, ReinferClient
from ReinferLibrary.client.elasticsearch import ElasticsearchSettings
from ReinferLibrary.errors import (
    MESSAGE_CAP,
    ProtocolError,
    ReinferConfigurationError,
    ReinferError,
    ReinferTimeoutError,
    ThresholdFileError,
    summarize,
)

TOKEN = "tok-limits-test-271828"
DATASET = "acme/retail-inbox"
STREAM = "/api/v1/datasets/acme/retail-inbox/streams/routing"
BATCH = b'{"status": "ok", "sequence_id": "S1", "is_end_sequence": true, "filtered": 0, "results": []}'

Handler = Callable[[BaseHTTPRequestHandler], None]


class Server:
    """A local HTTP/1.1 server whose answer is a function of the request; counts connections."""

    def __init__(self, answer: Handler) -> None:
        self.connections = 0
        outer = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                outer.connections += 1
                super().setup()

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                answer(self)

            do_GET = do_POST = _any  # noqa: N815  # the names http.server calls

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve() -> Iterator[Callable[[Handler], Server]]:
    servers: list[Server] = []

    def start(answer: Handler) -> Server:
        servers.append(Server(answer))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def client(url: str, **settings: Any) -> ReinferClient:
    result = ReinferClient(ConnectionSettings(url=url, token=TOKEN, **settings))
    result.sleep = lambda _seconds: None
    return result


def headers(handler: BaseHTTPRequestHandler, length: int | None, status: int = 200) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    if length is not None:
        handler.send_header("Content-Length", str(length))
    else:
        handler.send_header("Connection", "close")
    handler.end_headers()


# --- 3: a deadline per call, apart from the per-read timeout ---------------------------


def trickle(handler: BaseHTTPRequestHandler) -> None:
    """The whole batch, one byte every 20 ms: each read is quick, the answer takes ~2 s."""
    headers(handler, len(BATCH))
    try:
        for byte in BATCH:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(0.02)
    except OSError:
        pass  # the client gave up, as it should


def test_a_trickled_body_is_cut_at_the_deadline_and_the_error_names_it(
    serve: Callable[[Handler], Server],
) -> None:
    server = serve(trickle)
    reinfer = client(server.url, timeout=(2.0, 1.0), deadline=0.5, retries=0)
    started = time.monotonic()
    with pytest.raises(ReinferTimeoutError) as caught:
        reinfer.fetch(DATASET, "routing")
    took = time.monotonic() - started
    message = str(caught.value)
    assert "did not arrive within the deadline of 0.5 s (deadline=)" in message
    assert "each within the per-read timeout of 1 s" in message
    assert "raise deadline=" in message
    assert took < 1.5, took  # never the ~2 s the trickle takes, let alone a multiple of it


def test_the_default_deadline_is_three_times_the_read_timeout(serve: Callable[[Handler], Server]) -> None:
    server = serve(trickle)
    reinfer = client(server.url, timeout=(2.0, 0.2), retries=0)
    assert reinfer.transport.deadline(0.2) == pytest.approx(0.6)
    with pytest.raises(ReinferTimeoutError, match=r"within the deadline of 0\.6 s"):
        reinfer.fetch(DATASET, "routing")


def test_a_silent_server_is_the_per_read_timeout_and_says_so(serve: Callable[[Handler], Server]) -> None:
    def silent(handler: BaseHTTPRequestHandler) -> None:
        headers(handler, len(BATCH))
        time.sleep(1.0)

    server = serve(silent)
    reinfer = client(server.url, timeout=(2.0, 0.3), deadline=5.0, retries=0)
    with pytest.raises(ReinferTimeoutError, match=r"no answer within 0\.3 s \(the per-read timeout=\)"):
        reinfer.fetch(DATASET, "routing")


def test_a_whole_answer_reuses_the_connection(serve: Callable[[Handler], Server]) -> None:
    def batch(handler: BaseHTTPRequestHandler) -> None:
        headers(handler, len(BATCH))
        handler.wfile.write(BATCH)

    server = serve(batch)
    reinfer = client(server.url)
    for _ in range(3):
        assert reinfer.fetch(DATASET, "routing").sequence_id == "S1"
    assert server.connections == 1


# --- 8: a size limit on answers --------------------------------------------------------


@pytest.mark.parametrize("declared", [True, False])
def test_an_answer_over_the_size_limit_is_refused(serve: Callable[[Handler], Server], declared: bool) -> None:
    big = b'{"status": "ok", "sequence_id": "S1", "results": [], "pad": "' + b"x" * 5000 + b'"}'

    def answer(handler: BaseHTTPRequestHandler) -> None:
        headers(handler, len(big) if declared else None)
        handler.wfile.write(big)

    server = serve(answer)
    reinfer = client(server.url, retries=2)
    reinfer.transport.max_body = 4096
    with pytest.raises(ProtocolError) as caught:
        reinfer.fetch(DATASET, "routing")
    message = str(caught.value)
    assert "more than the 4,096 bytes the library accepts in one answer" in message
    assert re.search(r"announces 5,0\d\d bytes" if declared else r"went past [\d,]+ bytes", message)
    assert "Tried" not in message  # a larger answer will not shrink on a retry


# --- 6: redirects are not followed --------------------------------------------------------


@responses.activate
@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_never_followed_and_the_error_names_the_target(status: int) -> None:
    base = "https://tenant.example/reinfer_"
    responses.post(
        base + STREAM + "/fetch", status=status, headers={"Location": "https://evil.example/batch"}
    )
    responses.get("https://evil.example/batch", body=BATCH)
    with pytest.raises(ProtocolError) as caught:
        client(base).fetch(DATASET, "routing")
    assert len(responses.calls) == 1  # the other host was never asked
    assert str(caught.value).startswith(
        f"Technical error (protocol): POST {STREAM}/fetch returned {status}: the server answered {status} "
        "and redirects to https://evil.example/batch; redirects are not followed for API calls. "
        "API calls do not follow redirects: if the target is the API, set REINFER_URL to it"
    )


# --- 7: an answer without results is no end of stream -----------------------------------


@responses.activate
@pytest.mark.parametrize("api", ["fetch", "results"])
def test_an_answer_without_results_is_a_protocol_error_not_the_end(api: str) -> None:
    base = "https://tenant.example/reinfer_"
    minimal = {"status": "ok", "sequence_id": "x", "continuation": "x"}
    responses.post(base + STREAM + "/fetch", json=minimal)
    responses.get(base + STREAM + "/results", json=minimal)
    reinfer = client(base)
    with pytest.raises(ProtocolError, match=r"results: Field required"):
        reinfer.fetch(DATASET, "routing") if api == "fetch" else reinfer.results(DATASET, "routing")


# --- 8: what is wrong with the configuration is a configuration error ----------------------


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://[::1", "is not a valid URL (Invalid IPv6 URL)"),
        ("http://", "has no host name"),
        ("https:///reinfer_", "has no host name"),
        ("http://tenant.example:99999", "is not a valid URL (Port out of range"),
    ],
)
def test_unusable_urls_are_configuration_errors(url: str, says: str) -> None:
    for make in (
        lambda: ConnectionSettings(url=url, token=TOKEN),
        lambda: ElasticsearchSettings(url=url, api_key=TOKEN),
    ):
        with pytest.raises(ReinferConfigurationError, match=re.escape(says)) as caught:
            make()
        assert "retry" not in str(caught.value)


def test_a_missing_ca_bundle_is_a_configuration_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-ca.pem"
    reinfer = client("https://127.0.0.1:9", verify=str(missing), retries=0)
    with pytest.raises(ReinferConfigurationError, match=r"The CA bundle cannot be read .*give verify="):
        reinfer.fetch(DATASET, "routing")


def test_a_missing_ca_bundle_from_the_environment_is_a_configuration_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "gone.pem"))
    reinfer = client("https://127.0.0.1:9", retries=0)
    with pytest.raises(ReinferConfigurationError, match=r"check REQUESTS_CA_BUNDLE"):
        reinfer.fetch(DATASET, "routing")


# --- 8: long messages are capped ---------------------------------------------------------


def test_summarize_lists_the_first_problems_then_how_many_more() -> None:
    problems = [f"label {n} is unknown" for n in range(250_000)]
    text = summarize(problems)
    assert text == "; ".join(problems[:5]) + " and 249995 more"
    assert summarize(problems[:2]) == "label 0 is unknown; label 1 is unknown"


def test_every_error_message_is_capped() -> None:
    huge = "unknown label 'x'; " * 400_000  # ~7 MB, as a thresholds file with 250k mistakes gave
    for error in (ThresholdFileError(huge), ReinferConfigurationError(huge), ReinferError(huge)):
        message = str(error)
        assert len(message) < MESSAGE_CAP + 50
        assert message.endswith("more characters]")


@responses.activate
def test_a_huge_server_message_is_capped_in_the_error() -> None:
    base = "https://tenant.example/reinfer_"
    responses.post(
        base + STREAM + "/fetch", status=400, json={"status": "error", "message": "bad " * 100_000}
    )
    with pytest.raises(ReinferError) as caught:
        client(base).fetch(DATASET, "routing")
    assert len(str(caught.value)) < MESSAGE_CAP + 50


@pytest.mark.parametrize("url", ["http://[::1", "http://", "ftp://tenant.example"])
def test_connect_to_reinfer_with_an_unusable_url_raises_a_configuration_error(url: str) -> None:
    with pytest.raises(ReinferConfigurationError) as caught:
        ReinferLibrary().connect_to_reinfer(url=url, token=Secret(TOKEN))
    assert "\n" not in str(caught.value)
    assert TOKEN not in str(caught.value)
