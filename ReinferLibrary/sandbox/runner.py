"""Start and stop a sandbox server from Python (tests, benchmarks, the Robot keywords).

The server runs as a subprocess (``python -m ReinferLibrary.sandbox serve``) so it behaves
exactly like the command-line one: same process boundary, real HTTP. The token reaches it
through the environment, never the command line (which other users can read)::

    with SandboxServer() as sandbox:          # random token, temporary data directory
        requests.get(f"{sandbox.url}/api/v1/projects",
                     headers={"Authorization": f"Bearer {sandbox.token}"})
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
from abc import ABC, abstractmethod
from collections import deque
from pathlib import Path
from types import TracebackType

TOKEN_ENV = "REINFER_SANDBOX_TOKEN"  # noqa: S105 - the name of a variable, not a secret
_READY = re.compile(r"ready at (http://\S+)")
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


class SandboxStartError(RuntimeError):
    """The server did not become ready; the message carries its last output lines."""


class SandboxBase(ABC):
    """What both ways of running a sandbox share: token, data directory, port, context manager.

    Args:
        data_dir: where the SQLite database lives; a temporary directory (removed by
            :meth:`stop`) when None.
        token: the bearer token; a random one when None.
        port: 0 picks a free port; :meth:`restart` reuses the port it got.
        seed: ``"demo"`` loads the demo tenant into an empty data directory, ``"none"`` does not.
        faults: a fault spec (see ``ReinferLibrary.sandbox.faults``), None for none.
        startup_timeout: seconds to wait for the ready line (seeding trains two models).
        replay: a cassette to serve instead of the demo tenant (``serve --replay``); the data
            directory must be empty or loaded from the same cassette before.
    """

    def __init__(
        self,
        data_dir: str | Path | None = None,
        token: str | None = None,
        port: int = 0,
        seed: str = "demo",
        faults: str | None = None,
        host: str = "127.0.0.1",
        startup_timeout: float = 90.0,
        log_level: str = "warning",
        replay: str | Path | None = None,
    ) -> None:
        self.token = token or secrets.token_urlsafe(24)
        self.port = port
        self.seed = seed
        self.faults = faults
        self.host = host
        self.startup_timeout = startup_timeout
        self.log_level = log_level
        self.replay = Path(replay) if replay is not None else None
        self._owned_dir = data_dir is None
        self.data_dir = (
            Path(data_dir) if data_dir is not None else Path(tempfile.mkdtemp(prefix="reinfer-sandbox-"))
        )
        self.url: str | None = None
        self._init_state()

    @abstractmethod
    def _init_state(self) -> None:
        """Set up what this way of running keeps between start and stop."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={self.url!r}, data_dir={str(self.data_dir)!r})"

    @abstractmethod
    def start(self) -> str:
        """Start the server and wait until it accepts requests; returns its base URL."""

    @abstractmethod
    def _terminate(self, timeout: float = 10.0) -> None:
        """Stop the server, keeping the data directory."""

    def stop(self) -> None:
        """Stop the server; a temporary data directory is removed too."""
        self._terminate()
        self.url = None
        if self._owned_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def restart(self) -> str:
        """Stop and start again on the same data directory, token and port."""
        self._terminate()
        return self.start()

    def __enter__(self) -> SandboxBase:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


class SandboxServer(SandboxBase):
    """A sandbox API server in a subprocess (see :class:`SandboxBase` for the arguments)."""

    def _init_state(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self._output: deque[str] = deque(maxlen=200)
        self._reader: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def output(self) -> list[str]:
        """The server's last output lines (stdout and stderr)."""
        return list(self._output)

    def command(self) -> list[str]:
        args = [sys.executable, "-m", "ReinferLibrary.sandbox", "serve", "--host", self.host]
        args += ["--port", str(self.port), "--data-dir", str(self.data_dir.resolve()), "--seed", self.seed]
        args += ["--log-level", self.log_level]
        if self.faults:
            args += ["--faults", self.faults]
        if self.replay is not None:
            args += ["--replay", str(self.replay.resolve())]
        return args

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env[TOKEN_ENV] = self.token
        env["PYTHONUNBUFFERED"] = "1"
        # The package may be importable here only through sys.path tweaks (e.g. pytest's).
        paths = [str(_PACKAGE_ROOT), *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]]
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
        return env

    def start(self) -> str:
        """Start the server and wait until it accepts requests; returns its base URL."""
        if self.running:
            raise SandboxStartError(f"the sandbox is already running at {self.url}")
        self._output.clear()
        ready = threading.Event()
        found: list[str] = []
        ended = threading.Event()
        # The server runs in its data directory: `python -m` puts the working directory first
        # on the import path, so a folder such as `uvicorn/` or `fastapi/` where the robot was
        # started would otherwise be imported instead of the real package.
        self.data_dir.mkdir(parents=True, exist_ok=True)
        process = subprocess.Popen(
            self.command(),
            cwd=self.data_dir,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=self._environment(),
        )
        self._process = process

        def read() -> None:
            # Keeps draining after the ready line so the server never blocks on a full pipe.
            assert process.stdout is not None
            for line in process.stdout:
                self._output.append(line.rstrip("\n"))
                match = _READY.search(line)
                if match and not found:
                    found.append(match.group(1))
                    ready.set()
            ended.set()
            ready.set()

        self._reader = threading.Thread(target=read, name="reinfer-sandbox-output", daemon=True)
        self._reader.start()
        if not ready.wait(self.startup_timeout) or not found:
            code = process.poll()
            if code is None and ended.is_set():
                # Output ended (the server quit); its exit status follows shortly.
                try:
                    code = process.wait(10)
                except subprocess.TimeoutExpired:
                    code = None
            self._terminate()
            reason = (
                f"exited with code {code}"
                if code is not None
                else f"did not become ready within {self.startup_timeout:.0f} s"
            )
            tail = "\n".join(self.output[-20:]) or "(no output)"
            raise SandboxStartError(f"the sandbox {reason}; its last output:\n{tail}")
        self.url = found[0]
        self.port = int(self.url.rsplit(":", 1)[1])
        return self.url

    def _terminate(self, timeout: float = 10.0) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        if self._reader is not None:
            self._reader.join(timeout)
            self._reader = None
        if process.stdout is not None:
            process.stdout.close()
