"""Starting, seeding, restarting and steering the sandbox: the demo tenant contract, persistence
across restarts, the command line, the Python runner and the Robot keywords."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from robot.api.types import Secret

from ReinferLibrary.sandbox import SandboxLibrary, SandboxServer
from ReinferLibrary.sandbox.runner import SandboxStartError
from ReinferLibrary.sandbox.seed import demo_available

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

DATASET = "/api/v1/datasets/acme/retail-inbox"
ROUTING = f"{DATASET}/streams/routing"
needs_demo = pytest.mark.skipif(not demo_available(), reason="the demo data (sandbox/demo) is not there yet")


def call(server: SandboxServer, method: str, path: str, body: Any = None, **params: Any) -> dict[str, Any]:
    response = requests.request(
        method,
        f"{server.url}{path}",
        json=body,
        params=params or None,
        headers={"Authorization": f"Bearer {server.token}"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()
    return payload


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo")


@pytest.fixture(scope="module")
def demo(demo_dir: Path) -> Iterator[SandboxServer]:
    if not demo_available():
        pytest.skip("the demo data (sandbox/demo) is not there yet")
    started = time.perf_counter()
    server = SandboxServer(data_dir=demo_dir)
    server.start()
    print(f"demo sandbox ready in {time.perf_counter() - started:.1f} s: {server.output[0]}")
    try:
        yield server
    finally:
        server.stop()


@needs_demo
def test_demo_tenant_contract(demo: SandboxServer) -> None:
    assert [p["name"] for p in call(demo, "GET", "/api/v1/projects")["projects"]] == ["acme"]
    dataset = call(demo, "GET", DATASET)["dataset"]
    labels = [label["name"] for label in dataset["label_defs"]]
    for name in (
        "Order",
        "Order > Missing",
        "Refund > Status",
        "Billing > Double Charge",
        "Complaint",
        "General Enquiry",
    ):
        assert name in labels
    assert {entity["name"] for entity in dataset["entity_defs"]} == {
        "order_number",
        "monetary_quantity",
        "date",
        "country",
        "tracking_number",
    }
    assert call(demo, "GET", "/api/v1/sources/acme/retail-inbox")["source"]["id"] == dataset["source_ids"][0]
    tags = {tag["name"]: tag["version"] for tag in call(demo, "GET", f"{DATASET}/model-tags")["model_tags"]}
    assert tags == {"live": 1, "staging": 2}
    routing = call(demo, "GET", ROUTING)["stream"]
    assert routing["model"]["version"] == 1


@needs_demo
def test_demo_routing_stream_serves_thresholded_predictions(demo: SandboxServer) -> None:
    routing = call(demo, "GET", ROUTING)["stream"]
    thresholds = {" > ".join(t["name"]): t["threshold"] for t in routing["model"]["label_thresholds"]}
    batch = call(demo, "POST", f"{ROUTING}/fetch", {"size": 32})
    assert len(batch["results"]) == 32
    created = [item["comment"]["created_at"] for item in batch["results"]]
    assert created == sorted(created)
    labelled = 0
    for item in batch["results"]:
        for label in item["labels"]:
            assert label["probability"] >= thresholds[" > ".join(label["name"])]
        labelled += bool(item["labels"])
        assert isinstance(item["entities"], list) and len(item["label_properties"]) == 2
    assert labelled >= 24, "the live model should recognise most demo comments"


@needs_demo
def test_demo_has_unreviewed_comments_that_reviewed_filters_find(demo: SandboxServer) -> None:
    from ReinferLibrary.sandbox.seed import ALWAYS_REVIEWED, seeded_unreviewed

    everything = call(demo, "POST", f"{DATASET}/streams/routing/fetch", {"size": 1024})["results"]
    ids = [item["comment"]["id"] for item in everything]
    expected = [comment_id for index, comment_id in enumerate(ids) if seeded_unreviewed(index, comment_id)]
    assert 0.12 < len(expected) / len(ids) < 0.18
    # Only comments version 1 never trains on, so the live model is the one it always was.
    assert all(ids.index(comment_id) % 5 == 4 for comment_id in expected)
    assert not ALWAYS_REVIEWED & set(expected)
    found: dict[str, list[str]] = {}
    for wanted in ("only_unreviewed", "only_reviewed"):
        name = f"filter-{wanted.replace('_', '-')}"
        stream = {"name": name, "comment_filter": {"reviewed": wanted}}
        call(demo, "PUT", f"{DATASET}/streams", {"stream": stream})
        try:
            batch = call(
                demo, "POST", f"{DATASET}/streams/{name}/fetch", {"size": 1024, "max_filtered": 1024}
            )
            found[wanted] = [item["comment"]["id"] for item in batch["results"]]
        finally:
            call(demo, "DELETE", f"{DATASET}/streams/{name}")
    assert found["only_unreviewed"] == expected
    assert found["only_reviewed"] == [comment_id for comment_id in ids if comment_id not in expected]
    by_id = {item["comment"]["id"]: item["comment"] for item in everything}
    assert not any(by_id[comment_id]["has_annotations"] for comment_id in expected)
    assert all(by_id[comment_id]["has_annotations"] for comment_id in found["only_reviewed"])


@needs_demo
def test_restart_keeps_data_and_stream_positions(demo: SandboxServer) -> None:
    batch = call(demo, "POST", f"{ROUTING}/fetch", {"size": 5})
    call(demo, "POST", f"{ROUTING}/advance", {"sequence_id": batch["sequence_id"]})
    following = call(demo, "POST", f"{ROUTING}/fetch", {"size": 3})
    old_url = demo.url
    started = time.perf_counter()
    demo.restart()
    print(f"restart took {time.perf_counter() - started:.1f} s")
    assert demo.url == old_url
    assert call(demo, "POST", f"{ROUTING}/fetch", {"size": 3}) == following
    # Sequence ids issued before the restart still work.
    call(demo, "POST", f"{ROUTING}/advance", {"sequence_id": following["sequence_id"]})
    after = call(demo, "POST", f"{ROUTING}/fetch", {"size": 1})
    assert after["results"][0]["comment"]["uid"] != following["results"][-1]["comment"]["uid"]
    call(demo, "POST", f"{ROUTING}/reset", {"to_comment_created_at": "2000-01-01T00:00:00Z"})


def test_cli_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "REINFER_SANDBOX_TOKEN"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ReinferLibrary.sandbox",
            "serve",
            "--data-dir",
            str(tmp_path),
            "--seed",
            "none",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "a token is required: pass --token or set REINFER_SANDBOX_TOKEN" in done.stderr
    assert not (tmp_path / "sandbox.sqlite3").exists()


def test_cli_help_documents_the_fault_grammar() -> None:
    from ReinferLibrary.sandbox.cli import build_parser

    serve = build_parser()._subparsers._group_actions[0].choices["serve"]  # type: ignore[union-attr]
    text = serve.format_help()
    for fragment in (
        "--data-dir",
        "--token",
        "--seed {demo,none}",
        "429-noretry",
        "slow=DURATION",
        "seed=",
        "drop",
    ):
        assert fragment in text


def test_runner_reports_a_server_that_cannot_start(tmp_path: Path) -> None:
    server = SandboxServer(data_dir=tmp_path, seed="none", faults="fetch:oops")
    with pytest.raises(SandboxStartError, match=r"exited with code 2(.|\n)*--faults: fault 'fetch:oops'"):
        server.start()
    assert not server.running


def test_a_package_shadowed_where_the_robot_runs_is_not_imported_by_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `python -m` puts the working directory first on the import path; a stray `uvicorn/`
    # folder there once made the server drop connections. The server runs in its data dir.
    workdir = tmp_path / "robot"
    (workdir / "uvicorn").mkdir(parents=True)
    (workdir / "uvicorn" / "__init__.py").write_text("raise ImportError('shadowed uvicorn')\n")
    monkeypatch.chdir(workdir)
    with SandboxServer(data_dir="sandbox-data", seed="none") as server:
        assert call(server, "GET", "/api/v1/projects")["projects"] == []
    assert (workdir / "sandbox-data" / "sandbox.sqlite3").exists()


def test_faults_given_at_start_and_the_temporary_data_dir() -> None:
    with SandboxServer(seed="none", faults="projects:503,seed=1") as server:
        data_dir = server.data_dir
        assert len(server.token) >= 32
        response = requests.get(
            f"{server.url}/api/v1/projects", headers={"Authorization": f"Bearer {server.token}"}, timeout=10
        )
        assert response.status_code == 503 and response.json()["status"] == "error"
        assert call(server, "GET", "/api/_sandbox/faults")["spec"] == "projects:503,seed=1"
        call(server, "PUT", "/api/_sandbox/faults", {"spec": ""})
        assert call(server, "GET", "/api/v1/projects")["projects"] == []
        assert (data_dir / "sandbox.sqlite3").exists()
    assert not data_dir.exists()


def _copy_database(source: Path, target: Path) -> Path:
    """A consistent copy of a (possibly running) sandbox's database."""
    target.mkdir(parents=True, exist_ok=True)
    with (
        sqlite3.connect(source / "sandbox.sqlite3") as src,
        sqlite3.connect(target / "sandbox.sqlite3") as dst,
    ):
        src.backup(dst)
    return target


def test_robot_keywords_start_steer_and_stop(
    monkeypatch: pytest.MonkeyPatch, demo_dir: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    monkeypatch.setenv("REINFER_URL", "http://before")
    monkeypatch.delenv("REINFER_TOKEN", raising=False)
    keywords = SandboxLibrary()
    data_dir = None
    if demo_available():
        request.getfixturevalue("demo")  # seeded once for the module; reuse its data
        data_dir = _copy_database(demo_dir, tmp_path / "copy")
    url = keywords.start_reinfer_sandbox(data_dir=data_dir, seed="none", token=Secret("robot-token"))
    try:
        assert os.environ["REINFER_URL"] == url == keywords.get_sandbox_url()
        assert os.environ["REINFER_TOKEN"] == "robot-token"
        token = keywords.get_sandbox_token()
        assert isinstance(token, Secret) and token.value == "robot-token" and "robot-token" not in repr(token)
        keywords.set_sandbox_faults("fetch:503")
        response = requests.post(
            f"{url}{ROUTING}/fetch",
            json={"size": 1},
            headers={"Authorization": "Bearer robot-token"},
            timeout=10,
        )
        assert response.status_code == 503
        keywords.set_sandbox_faults("")
        with pytest.raises(RuntimeError, match="already running"):
            keywords.start_reinfer_sandbox(seed="none")
        if data_dir is not None:
            assert keywords.train_sandbox_model(tags=["staging"], seed=3) == 3
            tags = requests.get(
                f"{url}{DATASET}/model-tags", headers={"Authorization": "Bearer robot-token"}, timeout=10
            ).json()["model_tags"]
            assert {tag["name"]: tag["version"] for tag in tags}["staging"] == 3
    finally:
        keywords.stop_reinfer_sandbox()
    assert os.environ["REINFER_URL"] == "http://before"
    assert "REINFER_TOKEN" not in os.environ
    with pytest.raises(RuntimeError, match="No sandbox is running"):
        keywords.get_sandbox_token()


def test_every_sandbox_keyword_is_documented_with_an_example() -> None:
    from robot.libdocpkg import LibraryDocumentation

    library = LibraryDocumentation("ReinferLibrary.sandbox.SandboxLibrary")
    assert library.scope == "GLOBAL"
    names = {keyword.name for keyword in library.keywords}
    assert {
        "Start Reinfer Sandbox",
        "Stop Reinfer Sandbox",
        "Get Sandbox Token",
        "Set Sandbox Faults",
    } <= names
    for keyword in library.keywords:
        assert "Example" in keyword.doc, keyword.name


def test_cli_reports_a_taken_port_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ReinferLibrary.sandbox.cli import main

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        args = ["serve", "--port", str(port), "--data-dir", str(tmp_path), "--token", "t", "--seed", "none"]
        assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"reinfer-sandbox: cannot listen on 127.0.0.1:{port}: ")
    assert "choose another --port (0 picks a free one)" in err
