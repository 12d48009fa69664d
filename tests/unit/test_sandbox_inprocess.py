"""The in-process sandbox: real HTTP from a thread, state kept across a restart."""

from __future__ import annotations

import pytest
import requests

from ReinferLibrary.sandbox.inprocess import InProcessSandbox


@pytest.mark.slow
def test_in_process_sandbox_serves_the_demo_tenant_and_keeps_positions(tmp_path) -> None:
    sandbox = InProcessSandbox(data_dir=tmp_path / "data")
    with sandbox:
        headers = {"Authorization": f"Bearer {sandbox.token}"}
        base = f"{sandbox.url}/api/v1/datasets/acme/retail-inbox/streams/routing"
        batch = requests.post(f"{base}/fetch", json={"size": 3}, headers=headers, timeout=30).json()
        assert batch["status"] == "ok" and len(batch["results"]) == 3
        moved = requests.post(
            f"{base}/advance", json={"sequence_id": batch["sequence_id"]}, headers=headers, timeout=30
        )
        assert moved.status_code == 200
        assert requests.get(f"{sandbox.url}/api/v1/projects", timeout=30).status_code == 401

        url = sandbox.restart()
        again = requests.post(
            f"{url}/api/v1/datasets/acme/retail-inbox/streams/routing/fetch",
            json={"size": 1},
            headers=headers,
            timeout=30,
        ).json()
        fourth = again["results"][0]["comment"]["uid"]
        assert fourth not in {result["comment"]["uid"] for result in batch["results"]}
    assert not sandbox.running
    assert (tmp_path / "data").exists()  # a data directory the caller gave is kept
