"""A fast local stream server for benchmarks: the stream routes of the API, nothing else, no model.

Serves ``fetch``, ``advance``, ``exceptions`` and ``GET`` of a stream for any
``/api/v1/datasets/<owner>/<dataset>/streams/<name>``. A stream named ``...-<N>``
(``bench-100000``) holds N comments, others ``--comments``. Every comment is a realistic
item (an email of about 700 characters, 13 labels, 4 entities in a table row, user
properties), rendered from one template with its own uid and sequence id, so the server
costs a few microseconds per comment and the robot's side is what gets measured.

Sockets get ``TCP_NODELAY``: without it every small answer waits for a delayed ACK
(about 40 ms) and hides the costs being measured.

    python benchmarks/fast_stream.py --port 0        # prints "ready at http://127.0.0.1:PORT"
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

STREAM = re.compile(
    r"^/api/v1/datasets/([^/]+)/([^/]+)/streams/([^/]+)(?:/(fetch|advance|exceptions|results))?$"
)
COUNT_IN_NAME = re.compile(r"-(\d+)$")
SEQUENCE = re.compile(r"^s(\d+)$")

LABELS = [
    (["Order"], 0.94),
    (["Order", "Missing"], 0.91),
    (["Order", "Late Delivery"], 0.42),
    (["Order", "Damaged"], 0.12),
    (["Order", "Wrong Item"], 0.08),
    (["Refund"], 0.61),
    (["Refund", "Request"], 0.58),
    (["Refund", "Status"], 0.07),
    (["Billing"], 0.21),
    (["Billing", "Double Charge"], 0.05),
    (["Complaint"], 0.77),
    (["General Enquiry"], 0.15),
    (["Praise"], 0.02),
]
BODY = (
    "Hi,\n\nI ordered a garden bench (order ACM-104233) on 18 August and paid GBP 249.99. The tracking "
    "number 1ZXFGCV86616751365 has said 'in transit' for nine days and nobody answers the phone. "
    "I would like to know where it is, and if it cannot be delivered by Friday I want a refund to the "
    "card I paid with. This is the second time this has happened this year and frankly I expected "
    "better from ACME. Please call me on 07700 900 305 or reply to this email.\n\nKind regards,\n"
    "Jane Example\n\n-- \nSent from my phone. Please excuse typos. This email and any attachments are "
    "confidential and intended only for the addressee."
)


def _span(start: int, end: int) -> dict[str, Any]:
    return {"content_part": "body", "message_index": 0, "char_start": start, "char_end": end}


def _entity(name: str, value: str, text: str) -> dict[str, Any]:
    start = BODY.index(text)
    span = _span(start, start + len(text))
    return {
        "id": f"e-{name}",
        "name": name,
        "kind": name,
        "formatted_value": value,
        "span": span,
        "spans": [span],
        "capture_ids": [1],
    }


def item_template() -> str:
    """One item as JSON text, with ``@UID@``, ``@ID@`` and ``@SEQ@`` to fill in."""
    item = {
        "comment": {
            "id": "@ID@",
            "uid": "@UID@",
            "source_id": "bench0000source0",
            "thread_id": "t-@ID@",
            "timestamp": "2025-09-01T07:52:00Z",
            "messages": [
                {
                    "body": {"text": BODY},
                    "subject": {"text": "Where is my order ACM-104233???"},
                    "from": "jane@example.com",
                    "to": ["customerservice@acme-retail.example"],
                    "sent_at": "2025-09-01T07:52:00Z",
                }
            ],
            "user_properties": {"string:Channel": "email", "string:Country": "UK"},
            "attachments": [],
            "created_at": "2025-09-01T07:53:00.000000Z",
        },
        "sequence_id": "@SEQ@",
        "labels": [{"name": name, "probability": probability} for name, probability in LABELS],
        "entities": [
            _entity("order_number", "ACM-104233", "ACM-104233"),
            _entity("monetary_quantity", "249.99 GBP", "GBP 249.99"),
            _entity("date", "2025-08-18 00:00 UTC", "18 August"),
            _entity("tracking_number", "1ZXFGCV86616751365", "1ZXFGCV86616751365"),
        ],
    }
    return json.dumps(item, separators=(",", ":"))


class StreamState:
    """Positions of the streams (in memory) and the rendering of batches."""

    def __init__(self, comments: int) -> None:
        self.comments = comments
        self.positions: dict[str, int] = {}
        self.lock = threading.Lock()
        self.template = item_template()

    def total(self, stream: str) -> int:
        match = COUNT_IN_NAME.search(stream)
        return int(match.group(1)) if match else self.comments

    def fetch(self, stream: str, size: int) -> bytes:
        with self.lock:
            start = self.positions.get(stream, 0)
        end = min(start + size, self.total(stream))
        template = self.template
        parts = []
        for index in range(start, end):
            comment_id = f"c{index:09d}"
            parts.append(
                template.replace("@UID@", f"bench0000source0.{comment_id}")
                .replace("@ID@", comment_id)
                .replace("@SEQ@", f"s{index + 1}")
            )
        done = end >= self.total(stream)
        return (
            '{"status":"ok","results":[' + ",".join(parts) + '],"filtered":0,'
            f'"sequence_id":"s{end}","is_end_sequence":{"true" if done else "false"}}}'
        ).encode()

    def advance(self, stream: str, sequence_id: str) -> bool:
        match = SEQUENCE.match(sequence_id)
        if not match:
            return False
        with self.lock:
            self.positions[stream] = int(match.group(1))
        return True


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: StreamState

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}") if length else {}

    def _send(self, status: int, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _route(self) -> tuple[str, str | None] | None:
        match = STREAM.match(self.path.split("?", 1)[0])
        if not match:
            self._send(404, b'{"status":"error","message":"not a stream route"}')
            return None
        return match.group(3), match.group(4)

    def do_POST(self) -> None:
        route = self._route()
        if route is None:
            return
        stream, action = route
        body = self._body()
        if action == "fetch":
            self._send(200, self.state.fetch(stream, int(body.get("size") or 16)))
        elif action == "advance" and self.state.advance(stream, str(body.get("sequence_id"))):
            self._send(200, json.dumps({"status": "ok", "sequence_id": body["sequence_id"]}).encode())
        else:
            self._send(400, b'{"status":"error","message":"bad request"}')

    def do_PUT(self) -> None:
        route = self._route()
        if route is not None:
            self._body()
            self._send(200, b'{"status":"ok"}')

    def do_GET(self) -> None:
        route = self._route()
        if route is None:
            return
        stream, action = route
        if action == "results":
            size = int((re.search(r"max_results=(\d+)", self.path) or [0, "16"])[1])
            self._send(200, self.state.fetch(stream, size))
        else:
            stream_id = f"{abs(hash(stream)) % 16**16:016x}"
            answer = {"status": "ok", "stream": {"id": stream_id, "name": stream}}
            self._send(200, json.dumps(answer).encode())


def serve(port: int = 0, comments: int = 10_000) -> tuple[ThreadingHTTPServer, str]:
    """Start the server on a daemon thread; return it and its base URL."""
    handler = type("BoundHandler", (Handler,), {"state": StreamState(comments)})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--comments", type=int, default=10_000, help="comments of a stream without -N in its name"
    )
    options = parser.parse_args(argv)
    server, url = serve(options.port, options.comments)
    print(f"fast stream ready at {url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
