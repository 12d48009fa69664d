"""The small HTTP helper every sandbox test over real HTTP shares (unit and conformance suites).

pytest puts ``tests/`` on ``sys.path`` (``pythonpath`` in pyproject.toml), so a test imports
it as ``from sandbox_http import Api``.
"""

from __future__ import annotations

from typing import Any

import requests


class Api:
    """requests with the sandbox's URL and bearer token, JSON bodies, and checked answers."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> requests.Response:
        """One request; the answer as it came."""
        return self.session.request(method, self.url + path, json=body, params=params or None, timeout=60)

    def ok(self, method: str, path: str, body: Any = None, **params: Any) -> dict[str, Any]:
        """One request that must answer 200 with ``status: ok``; its JSON body."""
        response = self.call(method, path, body, **params)
        assert response.status_code == 200, response.text
        payload: dict[str, Any] = response.json()
        assert payload["status"] == "ok", payload
        return payload

    def error(self, code: int, method: str, path: str, body: Any = None, **params: Any) -> str:
        """One request that must fail with ``code`` and ``status: error``; its message."""
        response = self.call(method, path, body, **params)
        assert response.status_code == code, response.text
        payload = response.json()
        assert payload["status"] == "error"
        message: str = payload["message"]
        assert message.startswith(str(code))
        return message
