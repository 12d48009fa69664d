"""A fast local stream server for the benchmarks: fetch and advance, nothing else.

Serves ``count`` realistic items (``payloads.items``) on every stream name (each name has
its own position, starting at 0), so each benchmark run reads its own stream from the
start. Answers are pre-encoded JSON written with one ``sendall`` per response on sockets
with ``TCP_NODELAY``: without it, keep-alive answers wait ~40 ms for delayed ACKs and
hide every client-side cost. HTTP/1.1 keep-alive, one thread per connection.

    python -m benchmarks.stream_server --count 2000 --token TOKEN   # prints "ready at http://..."
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from benchmarks.payloads import items

ROUTE = re.compile(r"^/api/v1/datasets/[^/]+/[^/]+/(?:streams|triggers)/([^/]+)/(fetch|advance)$")
STREAM = re.compile(r"^/api/v1/datasets/[^/]+/[^/]+/(?:streams|triggers)/([^/]+)$")


def sequence_id(position: int) -> str:
    return f"b{position:015d}"


class StreamData:
    def __init__(self, count: int) -> None:
        self.encoded = [
            json.dumps({**item, "sequence_id": sequence_id(index + 1)}, separators=(",", ":")).encode()
            for index, item in enumerate(items(count))
        ]
        self.positions: dict[str, int] = {}
        self.lock = threading.Lock()

    def fetch(self, stream: str, size: int) -> bytes:
        with self.lock:
            start = self.positions.setdefault(stream, 0)
        end = min(start + size, len(self.encoded))
        tail = json.dumps(
            {"sequence_id": sequence_id(end), "filtered": 0, "is_end_sequence": end >= len(self.encoded)}
        ).encode()
        return b'{"status":"ok","results":[' + b",".join(self.encoded[start:end]) + b"]," + tail[1:]

    def advance(self, stream: str, position: str) -> bytes:
        with self.lock:
            self.positions[stream] = int(position[1:])
        return b'{"status":"ok"}'


def _post_answer(data: StreamData, path: str, request: dict[str, Any]) -> tuple[int, bytes]:
    """(status, body) of a fetch or an advance."""
    found = ROUTE.match(path.split("?")[0])
    if not found:
        return 404, b'{"status":"error","message":"not a benchmark route"}'
    stream, action = found.groups()
    if action == "fetch":
        return 200, data.fetch(stream, int(request.get("size", 16)))
    return 200, data.advance(stream, str(request["sequence_id"]))


def make_handler(data: StreamData, token: str) -> type[BaseHTTPRequestHandler]:
    expected = f"Bearer {token}"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def answer(self, status: int, body: bytes) -> None:
            head = (
                f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode()
            self.wfile.write(head + body)  # one send: headers and body together

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = json.loads(self.rfile.read(length) or b"{}")
            if self.headers.get("Authorization") != expected:
                self.answer(401, b'{"status":"error","message":"bad token"}')
                return
            self.answer(*_post_answer(data, self.path, request))

        def do_GET(self) -> None:
            # The stream's definition: the library reads its id once (lease and ledger).
            found = STREAM.match(self.path.split("?")[0])
            if self.headers.get("Authorization") != expected or not found:
                self.answer(404, b'{"status":"error","message":"not a benchmark route"}')
                return
            name = found.group(1)
            stream = {"id": f"{abs(hash(name)) % 16**16:016x}", "name": name, "title": "", "model": None}
            self.answer(200, json.dumps({"status": "ok", "stream": stream}).encode())

    return Handler


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=os.environ.get("BENCH_TOKEN", "bench-token"))
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(StreamData(args.count), args.token))
    server.daemon_threads = True
    print(f"stream server ready at http://127.0.0.1:{server.server_address[1]}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
