"""A distinctive token never reaches output.xml, log.html, report.html, the debug file or the console.

A robot runs at TRACE level against a small local HTTP server: a successful fetch, a
404, a 401 whose server message *echoes the token back*, a *successful* answer that
echoes it in fields the models keep (refused: Robot Framework logs return values at TRACE), a
failing test, and a connection that takes the token from ``REINFER_TOKEN``. (A token passed as plain text is
refused by the library, but Robot Framework has logged the argument at TRACE before any
keyword runs, so that case is covered by the keyword unit tests, not here.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "Zq9-UNMISTAKABLE-token-7c1f4e"
DATASET_PATH = "/api/v1/datasets/acme/retail-inbox/streams"

BATCH = {
    "status": "ok",
    "filtered": 0,
    "is_end_sequence": True,
    "sequence_id": "SEQ-1",
    "results": [
        {
            "comment": {"id": "c1", "uid": "src.c1", "messages": [{"body": {"text": "Where is ACM-1?"}}]},
            "sequence_id": "SEQ-1",
            "labels": [{"name": ["Order", "Missing"], "probability": 0.9}],
            "entities": [{"name": "order_number", "formatted_value": "ACM-1", "capture_ids": [0]}],
        }
    ],
}


class Handler(BaseHTTPRequestHandler):
    def _answer(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _route(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        auth = self.headers.get("Authorization", "")
        if auth != f"Bearer {TOKEN}":
            self._answer(401, {"status": "error", "message": "Unauthorised"})
        elif self.path == f"{DATASET_PATH}/echo-ok":
            # A successful answer quoting the credentials, in a known and an unknown field.
            token = auth.split()[-1]
            stream = {"id": "2", "name": "echo-ok", "description": f"made by {token}", "debug": token}
            self._answer(200, {"status": "ok", "stream": stream})
        elif self.path.startswith(f"{DATASET_PATH}/echo"):
            # A careless server (or proxy) that quotes the credentials back.
            self._answer(
                401, {"status": "error", "message": f"Token {auth.split()[-1]} lacks Consume streams"}
            )
        elif self.path == f"{DATASET_PATH}/routing/fetch":
            self._answer(200, BATCH)
        elif self.path == f"{DATASET_PATH}/routing/advance":
            self._answer(200, {"status": "ok", "sequence_id": "SEQ-1"})
        elif self.path == DATASET_PATH:
            self._answer(200, {"status": "ok", "streams": [{"id": "1", "name": "routing"}]})
        else:
            self._answer(404, {"status": "error", "message": f"No route {self.path}"})

    do_GET = do_POST = do_PUT = do_DELETE = _route  # noqa: N815  # http.server's method names

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


SUITE = """\
*** Settings ***
Library    ReinferLibrary

*** Variables ***
${TOKEN: Secret}    %{SECRETS_TEST_TOKEN}

*** Test Cases ***
Fetch With A Secret Token
    Connect To Reinfer    url=%{SECRETS_TEST_URL}    token=${TOKEN}    dataset=acme/retail-inbox    retries=0
    ${batch}=    Fetch Trigger Batch    routing
    Log    ${batch}
    ${labels}=    Labels Above Threshold    ${batch.results}[0]    default=0.5
    Should Be Equal    ${labels}[0]    Order > Missing
    Advance Trigger    routing    ${batch}

Wrong Path Is A Business Error
    Run Keyword And Expect Error    Business error (not found)*    Get Trigger    nope

Echoed Token Is Redacted
    Run Keyword And Expect Error    Business error (authentication)*    Fetch Trigger Batch    echo

Echoed Token In A Successful Answer Is Refused
    Run Keyword And Expect Error    Technical error (protocol)*echoed*    Get Trigger    echo-ok

Failing Test
    Fetch Trigger Batch    echo

Token From The Environment
    Connect To Reinfer    url=%{SECRETS_TEST_URL}    dataset=acme/retail-inbox    retries=0
    ${triggers}=    List Triggers
    Log Many    @{triggers}
"""


@pytest.mark.slow
def test_token_never_reaches_any_output(server_url: str, tmp_path: Path) -> None:
    suite = tmp_path / "secrets.robot"
    suite.write_text(SUITE, encoding="utf-8")
    out = tmp_path / "out"
    env = dict(os.environ)
    env.update(
        SECRETS_TEST_TOKEN=TOKEN,
        SECRETS_TEST_URL=server_url,
        REINFER_TOKEN=TOKEN,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    env.pop("REINFER_URL", None)
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "robot",
            "--loglevel",
            "TRACE",
            "--outputdir",
            str(out),
            "--debugfile",
            "debug.txt",
            "--console",
            "verbose",
            str(suite),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # Exactly one test fails on purpose; the others prove the calls really happened.
    assert completed.returncode == 1, completed.stdout + completed.stderr
    outputs = {
        "stdout": completed.stdout,
        "stderr": completed.stderr,
        **{
            name: (out / name).read_text(encoding="utf-8")
            for name in ("output.xml", "log.html", "report.html")
        },
        "debug.txt": (out / "debug.txt").read_text(encoding="utf-8"),
    }
    for name, text in outputs.items():
        assert TOKEN not in text, f"the token leaked into {name}"
    xml = outputs["output.xml"]
    assert "/streams/routing/fetch -&gt; 200 in" in xml
    assert "/streams/echo/fetch -&gt; 401 in" in xml
    assert "/streams/echo-ok -&gt; 200 in" in xml
    assert "made by ***" in xml
    assert "Business error (authentication)" in xml
    assert "Response body:" in xml  # bodies were logged (at DEBUG), redacted
    assert "***" in xml
    assert "Failing Test" in completed.stdout
    assert "| FAIL |" in completed.stdout
