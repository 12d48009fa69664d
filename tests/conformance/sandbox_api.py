"""The demo tenant's names and a small HTTP helper for the conformance suite."""

from __future__ import annotations

from typing import Any

import requests

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
