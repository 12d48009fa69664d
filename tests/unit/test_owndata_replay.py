"""Record a sandbox stream into a cassette and replay it in another sandbox: same batches, same
labels and probabilities, same entities; the recorded stream never moves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ReinferLibrary.client.reinfer import ReinferClient
from ReinferLibrary.client.settings import ConnectionSettings
from ReinferLibrary.errors import AuthenticationError, NotFoundError
from ReinferLibrary.recording import record_stream
from ReinferLibrary.sandbox.cassette import CassetteError, MaskSettings, read_cassette
from ReinferLibrary.sandbox.context import Sandbox
from ReinferLibrary.sandbox.inprocess import InProcessSandbox
from ReinferLibrary.sandbox.replay import load_replay

DATASET = "acme/retail-inbox"

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]


def _client(sandbox: InProcessSandbox, token: str | None = None) -> ReinferClient:
    assert sandbox.url is not None
    return ReinferClient(ConnectionSettings(url=sandbox.url, token=token or sandbox.token, retries=0))


def _walk(client: ReinferClient, stream: str, size: int) -> list[dict[str, Any]]:
    """Every batch of the stream as the robot sees it, advancing after each."""
    batches = []
    while True:
        batch = client.fetch(DATASET, stream, size=size)
        batches.append(
            {
                "uids": [item.uid for item in batch.results],
                "labels": [
                    [(label.name, label.probability) for label in item.labels] for item in batch.results
                ],
                "entities": [
                    [(e.name, e.formatted_value, [s.model_dump() for s in e.spans]) for e in item.entities]
                    for item in batch.results
                ],
                "properties": [
                    [(p.property_name, p.value) for p in item.label_properties] for item in batch.results
                ],
                "end": batch.is_end_sequence,
            }
        )
        client.advance(DATASET, stream, batch.sequence_id)
        if batch.is_end_sequence:
            return batches


def _results(client: ReinferClient) -> list[Any]:
    """The first 50 comments from ``/results``: labels with their auto-threshold names."""
    batch = client.results(DATASET, "routing", max_results=50)
    return [
        (item.uid, [(label.name, label.probability, label.auto_thresholds) for label in item.labels])
        for item in batch.results
    ]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("record")
    cassette = root / "routing.jsonl"
    with InProcessSandbox(data_dir=root / "live") as live, _client(live) as client:
        before = client.fetch(DATASET, "routing", size=3)
        result = record_stream(client, DATASET, "routing", cassette, masking=MaskSettings(enabled=False))
        record_stream(client, DATASET, "routing", root / "masked.jsonl")  # masking is on by default
        after = client.fetch(DATASET, "routing", size=3)
        streams = [stream.name for stream in client.list_streams(DATASET)]
        live_results = _results(client)
        live_batches = _walk(client, "routing", 13)
        with pytest.raises(AuthenticationError) as refused:
            record_stream(_client(live, "wrong-token"), DATASET, "routing", root / "bad.jsonl")
        assert "wrong-token" not in str(refused.value)
        token = live.token
        with pytest.raises(NotFoundError):
            record_stream(client, DATASET, "no-such-stream", root / "bad.jsonl")
    return {
        "root": root,
        "cassette": cassette,
        "result": result,
        "before": [item.uid for item in before.results],
        "after": [item.uid for item in after.results],
        "streams": streams,
        "live": live_batches,
        "results": live_results,
        "token": token,
    }


def test_recording_never_moves_the_stream_and_leaves_no_stream_behind(recorded: dict[str, Any]) -> None:
    assert recorded["before"] == recorded["after"]
    assert recorded["token"] not in recorded["cassette"].read_text(encoding="utf-8")
    assert recorded["result"].comments == 320
    assert not [name for name in recorded["streams"] if "-rec-" in name]


def test_failed_recordings_leave_no_file(recorded: dict[str, Any]) -> None:
    assert not (recorded["root"] / "bad.jsonl").exists()
    assert not list(recorded["root"].glob(".bad.jsonl.*"))


def test_replay_serves_the_same_batches_labels_and_entities(recorded: dict[str, Any], tmp_path: Path) -> None:
    data = tmp_path / "replay"
    sandbox = Sandbox.open(data)
    report = load_replay(sandbox, data, recorded["cassette"])
    sandbox.store.close()
    assert report.comments == 320 and report.version == 1
    with InProcessSandbox(data_dir=data, seed="none") as replay, _client(replay) as client:
        replayed = _walk(client, "routing", 13)
        live = recorded["live"]
        assert len(live) == 25 and sum(len(batch["uids"]) for batch in live) == 320
        assert sum(len(labels) for batch in live for labels in batch["labels"]) > 300
        assert sum(len(found) for batch in live for found in batch["entities"]) > 300
        assert replayed == live
        # Reset by creation time works on the recorded times: back to the start.
        client.reset(DATASET, "routing", "2000-01-01T00:00:00Z")
        first = client.fetch(DATASET, "routing", size=13)
        assert [item.uid for item in first.results] == recorded["live"][0]["uids"]
        # /results carries the auto-threshold names of the recorded validation.
        replayed_results = _results(client)
        for got, want in zip(replayed_results, recorded["results"], strict=True):
            assert got == want, f"{got}\n{want}"
        assert any(names for _, labels in replayed_results for _, _, names in labels)
        client.tag_exceptions(DATASET, "routing", [(first.results[0].uid, "No Prediction")])


def test_a_truncated_cassette_is_refused_with_one_line(recorded: dict[str, Any], tmp_path: Path) -> None:
    lines = recorded["cassette"].read_text(encoding="utf-8").splitlines(keepends=True)
    cut = tmp_path / "cut.jsonl"
    cut.write_text("".join(lines[:50]), encoding="utf-8")
    with pytest.raises(CassetteError, match=r"truncated: no end line after 49 comment\(s\)") as error:
        read_cassette(cut)
    assert "\n" not in str(error.value)
    half = tmp_path / "half.jsonl"
    half.write_text("".join(lines[:50]) + lines[50][:40], encoding="utf-8")
    with pytest.raises(CassetteError, match="line 51: the last line is cut off"):
        read_cassette(half)
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"comment": {"id": "1"}}) + "\n", encoding="utf-8")
    with pytest.raises(CassetteError, match="not a reinfer-cassette file"):
        read_cassette(other)
    newer = tmp_path / "newer.jsonl"
    header = json.loads(lines[0])
    header["version"] = 99
    newer.write_text(json.dumps(header) + "\n" + "".join(lines[1:]), encoding="utf-8")
    with pytest.raises(CassetteError, match="format version 99, but this ReinferLibrary reads version 1"):
        read_cassette(newer)


def _span_text(item: dict[str, Any], span: dict[str, Any]) -> str:
    message = item["comment"]["messages"][span.get("message_index") or 0]
    text = message[span["content_part"]]["text"].encode("utf-16-le")
    return str(text[span["utf16_byte_start"] : span["utf16_byte_end"]].decode("utf-16-le"))


def test_a_masked_recording_keeps_labels_and_entities_in_place(
    recorded: dict[str, Any], tmp_path: Path
) -> None:
    plain = read_cassette(recorded["cassette"])
    masked = read_cassette(recorded["root"] / "masked.jsonl")
    assert masked.header["masking"]["enabled"] is True
    text = (recorded["root"] / "masked.jsonl").read_text(encoding="utf-8")
    addresses = {
        message["from"]
        for item in plain.items
        for message in item["comment"]["messages"]
        if "@" in message["from"]
    }
    assert addresses and not [address for address in addresses if address in text]
    assert "0161 496 0732" in recorded["cassette"].read_text(encoding="utf-8") and "0161 496 0732" not in text
    moved = 0
    for before, after in zip(plain.items, masked.items, strict=True):
        assert before["labels"] == after["labels"]
        assert [e["name"] for e in before["entities"]] == [e["name"] for e in after["entities"]]
        for old, new in zip(before["entities"], after["entities"], strict=True):
            for old_span, new_span in zip(old["spans"], new["spans"], strict=True):
                moved += old_span != new_span
                assert _span_text(before, old_span) == _span_text(after, new_span)
    assert moved > 0  # some entities come after a masked address, and moved with the text
