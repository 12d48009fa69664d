"""One demo sandbox for the conformance suite.

The demo tenant (project ``acme``, dataset and source ``retail-inbox``, pinned versions 1
and 2) is where official request bodies are sent; a stream ``conformance`` (and a legacy
trigger of the same name) exists for operations that change or delete a stream, so the
demo's own ``routing`` stream is never touched.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sandbox_api import Api

from ReinferLibrary.sandbox.runner import SandboxServer


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Api]:
    with SandboxServer(seed="demo") as server:
        assert server.url is not None
        api = Api(server.url, server.token)
        api.ensure_streams()
        yield api
