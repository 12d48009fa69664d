"""``reinfer-sandbox import``: a user's labelled file trains the sandbox, bad files fail in one line."""

from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ReinferLibrary.sandbox.context import Sandbox
from ReinferLibrary.sandbox.importer import LabelledFileError, import_labelled

DATA = Path(__file__).resolve().parents[1] / "acceptance" / "data"
CLAIMS = DATA / "claims.csv"
sys.path.insert(0, str(DATA))
import make_claims  # noqa: E402  (the generator of claims.csv, next to it)


def _claims() -> list[dict[str, str]]:
    with CLAIMS.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("import")
    sandbox = Sandbox.open(root / "data")
    report = import_labelled(sandbox, CLAIMS, "insure/claims", thresholds_out=root / "thresholds.yaml")
    yield {"sandbox": sandbox, "report": report, "root": root}
    sandbox.store.close()


def test_the_claims_file_is_the_one_its_generator_writes() -> None:
    assert _claims() == make_claims.rows()


def test_import_trains_a_version_with_validation_tags_and_a_stream(trained: dict[str, Any]) -> None:
    report, sandbox = trained["report"], trained["sandbox"]
    assert report.comments == report.reviewed == 240
    assert len(report.labels) == 8 and report.version == 1 and report.tags == ["live"]
    dataset = sandbox.store.get_dataset("insure", "claims")
    model = sandbox.predictor.require(dataset, "live")
    assert model.validation["test_size"] > 40  # held out from the model it validated
    assert {"Claim", "Policy", "Payment"} <= set(model.labels)  # parents exist, as on the platform
    stream, _ = sandbox.store.get_stream(dataset["id"], "routing")
    assert stream["model"]["version"] == 1 and len(stream["model"]["label_thresholds"]) == 11
    written = json.loads((trained["root"] / "thresholds.yaml").read_text(encoding="utf-8"))
    assert written["model_version"] == 1 and written["thresholds"] == report.thresholds
    assert all(0 < value < 1 for value in report.thresholds.values())
    print(report.summary())  # the training time, for the issue note


def test_clear_new_examples_clear_their_labels_balanced_threshold(trained: dict[str, Any]) -> None:
    sandbox, thresholds = trained["sandbox"], trained["report"].thresholds
    model = sandbox.predictor.require(sandbox.store.get_dataset("insure", "claims"), 1)
    seen = {row["text"] for row in _claims()}
    generator = random.Random(2024)
    checked = 0
    for label in make_claims.PHRASES:
        texts = [make_claims.comment(generator, label, index, mixed=0.0)[0] for index in range(12)]
        texts = [text for text in texts if text not in seen]  # new comments, not training ones
        for text, scores in zip(texts, model.score(texts), strict=True):
            probability = dict(zip(model.labels, scores, strict=True))
            assert probability[label] >= thresholds[label], (label, text)
            cleared = [name for name in make_claims.PHRASES if probability[name] >= thresholds[name]]
            assert cleared == [label], (text, cleared)
            checked += 1
    assert checked > 80


def test_re_cli_json_lines_import_with_both_labelling_shapes(tmp_path: Path) -> None:
    lines = []
    for index, row in enumerate(_claims()):
        assigned = [{"name": name} for name in row["label"].split(";")]
        labelling: Any = {"assigned": assigned} if index % 2 else [{"group": "default", "assigned": assigned}]
        comment = {
            "id": row["id"],
            "timestamp": "2024-02-01T10:00:00Z",
            "messages": [{"body": {"text": row["text"]}}],
        }
        lines.append(json.dumps({"comment": comment, "labelling": labelling}))
    lines.append(
        json.dumps(
            {
                "comment": {
                    "id": "unlabelled",
                    "timestamp": "2024-02-01T10:00:00Z",
                    "messages": [{"body": {"text": "Where is my claim form?"}}],
                }
            }
        )
    )
    path = tmp_path / "comments.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sandbox = Sandbox.open(tmp_path / "data")
    try:
        report = import_labelled(sandbox, path, "insure/claims", stream=None, tags=("staging",))
        assert report.comments == 241 and report.reviewed == 240 and len(report.labels) == 8
        dataset = sandbox.store.get_dataset("insure", "claims")
        assert [tag["name"] for tag in sandbox.store.tags(dataset["id"])] == ["staging"]
        assert sandbox.store.list_streams(dataset["id"]) == []
        # A second import into the same dataset adds a version, on the same taxonomy.
        again = import_labelled(sandbox, path, "insure/claims", stream=None)
        assert again.version == 2
    finally:
        sandbox.store.close()


def _csv(path: Path, rows: list[tuple[str, str]], header: str = "text,label") -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header.split(","))
        writer.writerows(rows)
    return path


BAD = {
    "empty text": (
        [("My car was hit", "Motor"), ("   ", "Home"), ("The roof leaks", "Home")],
        r"line 3: comment 'row-3' has no text \(empty subject and body\); give it text or remove it",
    ),
    "one label": (
        [("My car was hit", "Motor"), ("Another car hit me", "Motor")],
        r"1 label \('Motor'\) assigned; a model needs at least 2 labels to tell apart",
    ),
    "ten thousand labels": (
        [(f"comment number {index}", f"Label {index}") for index in range(10_000)],
        r"10000 different labels; the sandbox trains at most 1000 \(is the label column the right one\?\)",
    ),
    "bad label name": (
        [("My car was hit", "Claim > "), ("The roof leaks", "Home")],
        r"line 2: label name 'Claim >' has an empty part",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_files_fail_in_one_line_and_write_nothing(case: str, tmp_path: Path) -> None:
    rows, message = BAD[case]
    path = _csv(tmp_path / "labelled.csv", rows)
    sandbox = Sandbox.open(tmp_path / "data")
    try:
        with pytest.raises(LabelledFileError, match=message) as error:
            import_labelled(sandbox, path, "insure/claims")
        assert "\n" not in str(error.value) and str(path) in str(error.value)
        assert sandbox.store.is_empty()
    finally:
        sandbox.store.close()


def test_unknown_labels_duplicates_and_other_formats(tmp_path: Path) -> None:
    taxonomy = tmp_path / "labels.txt"
    taxonomy.write_text("# the taxonomy\nClaim > Motor\nClaim > Home\n", encoding="utf-8")
    sandbox = Sandbox.open(tmp_path / "data")
    try:
        unknown = _csv(
            tmp_path / "unknown.csv", [("car hit", "Claim > Motor"), ("boat sank", "Claim > Boat")]
        )
        with pytest.raises(LabelledFileError, match=r"line 3: label 'Claim > Boat' is not in the taxonomy"):
            import_labelled(sandbox, unknown, "insure/claims", taxonomy_file=taxonomy)
        twice = _csv(tmp_path / "twice.csv", [("a", "A"), ("b", "B")], header="text,label")
        twice.write_text("id,text,label\nx,car hit,A\nx,roof leaks,B\n", encoding="utf-8")
        with pytest.raises(LabelledFileError, match=r"line 3: comment id 'x' was already given on line 2"):
            import_labelled(sandbox, twice, "insure/claims")
        columns = _csv(tmp_path / "columns.csv", [("a", "A")], header="comment,category")
        with pytest.raises(LabelledFileError, match=r"line 1: the header needs a text column"):
            import_labelled(sandbox, columns, "insure/claims")
        cassette = tmp_path / "cassette.jsonl"
        cassette.write_text('{"kind": "header", "format": "reinfer-cassette"}\n', encoding="utf-8")
        with pytest.raises(LabelledFileError, match=r"line 1: no 'comment' object"):
            import_labelled(sandbox, cassette, "insure/claims")
        assert sandbox.store.is_empty()
    finally:
        sandbox.store.close()


@pytest.mark.slow
def test_the_command_prints_one_line_and_exits_2_on_a_bad_file(tmp_path: Path) -> None:
    path = _csv(tmp_path / "one.csv", [("My car was hit", "Motor"), ("Another", "Motor")])
    command = [
        sys.executable,
        "-m",
        "ReinferLibrary.sandbox",
        "import",
        "--data-dir",
        str(tmp_path / "d"),
        "--dataset",
        "insure/claims",
        str(path),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "at least 2 labels" in done.stderr
