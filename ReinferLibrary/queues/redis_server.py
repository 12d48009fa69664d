"""A throw-away ``redis-server`` on 127.0.0.1 for tests, benchmarks and demos.

Starts the real engine (the ``redis-server`` program; ``make venv`` installs Debian's
package when it is missing) on a free port with its data in a folder, persistence on
(``appendonly yes``), and stops it again. Not for production: there Redis is run by
its operators (see the guide, "Scaling out").

    with RedisServer(Path("/tmp/redis-data")) as server:
        queue = open_queue(server.url)
        ...
        server.kill()        # SIGKILL, as a crash would
        server.start()       # same folder, same port: the append-only file is replayed
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from ..errors import WorkQueueConfigurationError, WorkQueueUnavailableError

START_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def redis_server_program() -> str:
    """The path of ``redis-server``, or a configuration error saying how to install it."""
    found = shutil.which("redis-server")
    if found is None:
        raise WorkQueueConfigurationError(
            "redis-server is not installed: run `make venv` (it installs Debian's redis-server package "
            "with apt-get) or `apt-get install redis-server`."
        )
    return found


class RedisServer:
    """One ``redis-server`` process with its data in ``folder``; ``url`` once started."""

    def __init__(self, folder: Path, *, appendonly: bool = True, port: int | None = None) -> None:
        self.folder = folder
        self.appendonly = appendonly
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> str:
        """Start (or restart) the server and wait until it answers; return its URL."""
        self.folder.mkdir(parents=True, exist_ok=True)
        command = [
            redis_server_program(),
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--dir",
            str(self.folder),
            "--appendonly",
            "yes" if self.appendonly else "no",
            "--appendfsync",
            "everysec",
            "--save",
            "",
            "--daemonize",
            "no",
            "--protected-mode",
            "yes",
            "--logfile",
            str(self.folder / "redis.log"),
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if self._answers():
                return self.url
            time.sleep(0.02)
        log = self.folder / "redis.log"
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] if log.exists() else []
        self.stop()
        raise WorkQueueUnavailableError(
            "work queue unreachable",
            f"redis-server on port {self.port} did not start: {' '.join(tail) or 'no log'}.",
        )

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL the server, as a crash would (nothing is flushed on the way out)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
