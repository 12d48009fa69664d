"""The demo tenant's names and the sandbox HTTP helper for the conformance suite."""

from __future__ import annotations

from sandbox_http import Api as SandboxHttp

OWNER = "acme"
NAME = "retail-inbox"
DATASET = f"/api/v1/datasets/{OWNER}/{NAME}"
SOURCE = f"/api/v1/sources/{OWNER}/{NAME}"
STREAM = "conformance"


class Api(SandboxHttp):
    """The shared sandbox HTTP helper, plus what the conformance suite sets up on the demo tenant."""

    def ensure_streams(self) -> None:
        """Creates the ``conformance`` stream and trigger if a test deleted them (409 = exists)."""
        for kind, noun in (("streams", "stream"), ("triggers", "trigger")):
            body = {noun: {"name": STREAM, "model": {"version": 1, "label_thresholds": []}}}
            response = self.call("PUT", f"{DATASET}/{kind}", body)
            assert response.status_code in (200, 409), response.text
