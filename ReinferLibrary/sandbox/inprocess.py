"""Run a sandbox inside the calling process, on a background thread.

Starts faster than :class:`~ReinferLibrary.sandbox.runner.SandboxServer` (no new
interpreter, no second import of scikit-learn) and is handy in a pytest session or a
notebook; it still answers over real HTTP on 127.0.0.1. Use the subprocess runner when
the server must survive, or be killed separately from, the caller (restart tests)::

    with InProcessSandbox() as sandbox:
        requests.get(f"{sandbox.url}/api/v1/projects",
                     headers={"Authorization": f"Bearer {sandbox.token}"})
"""

from __future__ import annotations

import threading
import time

import uvicorn

from .app import create_app
from .cli import bind
from .context import Sandbox
from .replay import load_replay
from .runner import SandboxBase, SandboxStartError
from .seed import demo_available, seed_demo


class InProcessSandbox(SandboxBase):
    """A sandbox API server on a daemon thread of this process (arguments as SandboxServer)."""

    def _init_state(self) -> None:
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sandbox: Sandbox | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> str:
        """Open the data directory (seeding it if empty), serve, and return the base URL."""
        if self.running:
            raise SandboxStartError(f"the sandbox is already running at {self.url}")
        sandbox = Sandbox.open(self.data_dir, self.faults or "")
        if self.replay is not None:
            load_replay(sandbox, self.data_dir, self.replay)
        elif self.seed == "demo" and sandbox.store.is_empty() and demo_available():
            seed_demo(sandbox)
        sock = bind(self.host, self.port)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            create_app(sandbox, self.token),
            log_level=self.log_level,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=5,
        )
        server = uvicorn.Server(config)
        # uvicorn installs signal handlers only on the main thread, so a thread is safe.
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="reinfer-sandbox", daemon=True
        )
        self._server, self._thread, self._sandbox = server, thread, sandbox
        thread.start()
        deadline = time.monotonic() + self.startup_timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self._terminate()
                raise SandboxStartError("the in-process sandbox did not start serving")
            time.sleep(0.01)
        self.url = f"http://{self.host}:{self.port}"
        return self.url

    def _terminate(self, timeout: float = 10.0) -> None:
        server, thread, sandbox = self._server, self._thread, self._sandbox
        self._server = self._thread = self._sandbox = None
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(timeout)
        if sandbox is not None:
            sandbox.store.close()
