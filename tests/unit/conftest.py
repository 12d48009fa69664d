"""Fixtures the keyword and client tests share: a recording logger, fake HTTP, a library, a context.

Tests that need a connection mock ``http://reinfer.test`` and dataset ``acme/retail-inbox``,
the tenant the ``context`` fixture connects to.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import responses
from robot.api.types import Secret

from ReinferLibrary import ReinferLibrary
from ReinferLibrary.keywords import base
from ReinferLibrary.keywords.base import LibraryContext
from ReinferLibrary.keywords.connection import ConnectionKeywords
from ReinferLibrary.keywords.options import ConnectionOptions
from ReinferLibrary.sandbox.context import Sandbox
from ReinferLibrary.sandbox.seed import seed_demo

FAKE_TENANT = "http://reinfer.test"
FAKE_DATASET = "acme/retail-inbox"
FAKE_TOKEN = "tok-unit-test-1618"


class LogRecorder:
    """Stands in for ``robot.api.logger``: keeps the level, text and HTML flag of every message."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str, bool]] = []

    def info(self, message: str, html: bool = False) -> None:
        self.entries.append(("INFO", message, html))

    def debug(self, message: str) -> None:
        self.entries.append(("DEBUG", message, False))

    def warn(self, message: str) -> None:
        self.entries.append(("WARN", message, False))

    @property
    def messages(self) -> list[tuple[str, str]]:
        """``(level, text)`` of every message in order, HTML ones included (as ``INFO``)."""
        return [(level, text) for level, text, _ in self.entries]

    def texts(self, level: str = "INFO", html: bool = False) -> list[str]:
        """The texts of one level; ``html=True`` gives the HTML ones (tables), which are INFO."""
        return [text for lv, text, is_html in self.entries if lv == level and is_html == html]


@pytest.fixture(autouse=True)
def state_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Leases and ledgers of every test in a fresh folder, never the user's cache directory."""
    folder = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("REINFER_STATE_DIR", str(folder))
    monkeypatch.delenv("REINFER_LEASE", raising=False)
    return folder


@pytest.fixture
def log(monkeypatch: pytest.MonkeyPatch) -> LogRecorder:
    """Everything the keyword components log, instead of Robot's logger."""
    recorder = LogRecorder()
    monkeypatch.setattr(base, "logger", recorder)
    return recorder


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    """Fake HTTP; every registered response must be used by the test."""
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No ``REINFER_URL`` / ``REINFER_TOKEN`` from the machine running the tests."""
    monkeypatch.delenv("REINFER_URL", raising=False)
    monkeypatch.delenv("REINFER_TOKEN", raising=False)


@pytest.fixture
def lib(clean_env: None) -> Iterator[ReinferLibrary]:
    """The library as ``Library    ReinferLibrary`` imports it, not connected; closed afterwards."""
    library = ReinferLibrary()
    yield library
    library.close_all_reinfer_connections()


@pytest.fixture
def context() -> Iterator[LibraryContext]:
    """Shared component state with one connection to the fake tenant (no retries); closed afterwards."""
    ctx = LibraryContext(ConnectionOptions())
    ConnectionKeywords(ctx).connect_to_reinfer(
        url=FAKE_TENANT, token=Secret(FAKE_TOKEN), dataset=FAKE_DATASET, retries=0
    )
    yield ctx
    ctx.connections.close_all()


@pytest.fixture(scope="module")
def demo_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """The sandbox state (store, models; no server) with the demo tenant, one per test module."""
    opened = Sandbox.open(Path(tmp_path_factory.mktemp("demo-sandbox")))
    seed_demo(opened)
    yield opened
    opened.store.close()
