"""The stream fast path answers well-formed fetch/advance requests itself, with exactly the
text FastAPI's routes give, and hands everything else (errors included) to FastAPI."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.types import Receive, Scope, Send

from ReinferLibrary.sandbox.app import create_app
from ReinferLibrary.sandbox.context import Sandbox
from ReinferLibrary.sandbox.fastpath import StreamFastPath

with warnings.catch_warnings():
    # Starlette's test client over httpx (the project has no httpx2); the requests are what count.
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.sandbox

TOKEN = "fast-path-token"
BASE = "/api/v1/datasets/acme/retail-inbox"


class Counting:
    """FastAPI behind the fast path, counting the requests that reach it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.calls = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def sandbox(demo_sandbox: Sandbox) -> Sandbox:
    return demo_sandbox


@pytest.fixture(scope="module")
def clients(sandbox: Sandbox) -> Iterator[tuple[TestClient, TestClient, Counting]]:
    served = create_app(sandbox, TOKEN)
    behind = Counting(served.api)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with (
        TestClient(StreamFastPath(behind, sandbox), headers=headers) as fast,
        TestClient(served.api, headers=headers) as plain,
    ):
        yield fast, plain, behind


def _same(clients: tuple[TestClient, TestClient, Counting], path: str, body: Any, **kwargs: Any) -> Any:
    fast, plain, _ = clients
    sent = {"json": body} if "content" not in kwargs else {}
    first = fast.post(path, **sent, **kwargs)
    second = plain.post(path, **sent, **kwargs)
    assert (first.status_code, first.content) == (second.status_code, second.content)
    assert first.headers["content-type"] == second.headers["content-type"]
    return first


def _raw(clients: tuple[TestClient, TestClient, Counting], content: bytes, content_type: str) -> Any:
    headers = {"Content-Type": content_type}
    return _same(clients, f"{BASE}/streams/routing/fetch", None, content=content, headers=headers)


@pytest.mark.parametrize("collection", ["streams", "triggers"])
def test_fetch_and_advance_answer_as_fastapi_does_without_reaching_it(
    clients: tuple[TestClient, TestClient, Counting], collection: str
) -> None:
    behind = clients[2]
    before = behind.calls
    fetched = _same(clients, f"{BASE}/{collection}/routing/fetch", {"size": 5})
    assert behind.calls == before
    answer = fetched.json()
    assert answer["status"] == "ok" and len(answer["results"]) == 5
    assert answer["results"][0]["labels"]  # scored, with labels
    token = answer["results"][2]["sequence_id"]
    advanced = clients[0].post(f"{BASE}/{collection}/routing/advance", json={"sequence_id": token})
    assert advanced.json() == {"status": "ok", "sequence_id": token}
    assert behind.calls == before
    again = _same(clients, f"{BASE}/{collection}/routing/fetch", {"size": 3, "max_filtered": 4})
    assert again.json()["results"][0]["comment"] == answer["results"][3]["comment"]
    # Back to the start for the other collection (the same stream under both names).
    reset = clients[0].post(
        f"{BASE}/{collection}/routing/reset", json={"to_comment_created_at": "2000-01-01T00:00:00Z"}
    )
    assert reset.status_code == 200


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("fetch", {"size": 0}),
        ("fetch", {"size": 5, "extra": 1}),
        ("fetch", {}),
        ("fetch", [1]),
        ("advance", {"sequence_id": ""}),
        ("advance", {"sequence_id": "not-a-token"}),
        ("advance", {"sequence_id": 5}),
    ],
)
def test_refused_bodies_get_fastapis_own_errors(
    clients: tuple[TestClient, TestClient, Counting], action: str, body: Any
) -> None:
    answer = _same(clients, f"{BASE}/streams/routing/{action}", body)
    assert answer.status_code == 400 and answer.json()["status"] == "error"


def test_unknown_names_invalid_json_and_other_content_types(
    clients: tuple[TestClient, TestClient, Counting],
) -> None:
    missing = _same(clients, f"{BASE}/streams/no-such-stream/fetch", {"size": 1})
    assert missing.status_code == 404 and "no-such-stream" in missing.json()["message"]
    assert _same(clients, "/api/v1/datasets/acme/nope/streams/routing/fetch", {"size": 1}).status_code == 404
    broken = _raw(clients, b'{"size": 1', "application/json")
    assert broken.status_code == 400
    behind = clients[2]
    before = behind.calls
    plain_text = _raw(clients, b'{"size": 1}', "text/plain")
    assert behind.calls == before + 1  # not taken: FastAPI decides what a text body means
    assert plain_text.status_code in (200, 400)


def test_the_served_app_takes_the_fast_path_behind_auth_and_id_aliases(sandbox: Sandbox) -> None:
    with TestClient(create_app(sandbox, TOKEN)) as client:
        path = f"{BASE}/streams/routing/fetch"
        assert client.post(path, json={"size": 1}).status_code == 401
        headers = {"Authorization": f"Bearer {TOKEN}"}
        dataset = sandbox.dataset("acme", "retail-inbox")
        by_id = client.post(
            f"/api/v1/datasets/id:{dataset['id']}/streams/routing/fetch", json={"size": 2}, headers=headers
        )
        assert by_id.status_code == 200
        assert by_id.content == client.post(path, json={"size": 2}, headers=headers).content
