"""Test-only keywords: a real redis-server on 127.0.0.1, a free port and a folder of the suite's own."""

from __future__ import annotations

from pathlib import Path

from robot.api.deco import keyword, library

from ReinferLibrary.queues.redis_server import RedisServer as Server


@library(scope="SUITE", auto_keywords=False)
class RedisServer:
    def __init__(self) -> None:
        self._server: Server | None = None

    @keyword
    def start_redis_server(self, folder: str, port: int | None = None) -> str:
        """Start redis-server (appendonly) with its data in ``folder``; return its ``redis://`` URL."""
        self._server = Server(Path(folder), port=port)
        return self._server.start()

    @keyword
    def stop_redis_server(self) -> None:
        """Stop the server this suite started (nothing when none is running)."""
        if self._server is not None:
            self._server.stop()
            self._server = None
