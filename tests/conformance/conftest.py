"""One demo sandbox for the conformance suite, plus a small HTTP helper.

The demo tenant (project ``acme``, dataset and source ``retail-inbox``, pinned versions 1
and 2) is where official request bodies are sent; a stream ``conformance`` (and a legacy
trigger of the same name) exists for operations that change or delete a stream, so the
demo's own ``routing`` stream is never touched.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from ReinferLibrary.sandbox.runner import SandboxServer

OWNER = "acme"
NAME = "retail-inbox"
DATASET = f"/api/v1/datasets/{OWNER}/{NAME}"
SOURCE = f"/api/v1/sources/{OWNER}/{NAME}"
STREAM = "conformance"


class Api:
    """requests with the sandbox's URL and bearer token."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> requests.Response:
        return self.session.request(method, self.url + path, json=body, params=params or None, timeout=60)

    def ok(self, method: str, path: str, body: Any = None, **params: Any) -> dict[str, Any]:
        response = self.call(method, path, body, **params)
        assert response.status_code == 200, response.text
        payload: dict[str, Any] = response.json()
        assert payload["status"] == "ok"
        return payload

    def ensure_streams(self) -> None:
        """Creates the ``conformance`` stream and trigger if a test deleted them (409 = exists)."""
        for kind, noun in (("streams", "stream"), ("triggers", "trigger")):
            body = {noun: {"name": STREAM, "model": {"version": 1, "label_thresholds": []}}}
            response = self.call("PUT", f"{DATASET}/{kind}", body)
            assert response.status_code in (200, 409), response.text


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Api]:
    with SandboxServer(seed="demo") as server:
        assert server.url is not None
        api = Api(server.url, server.token)
        api.ensure_streams()
        yield api
