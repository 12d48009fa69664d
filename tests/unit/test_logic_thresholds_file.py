"""Load Thresholds: good files in both formats, and one clear line for each kind of bad file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ReinferLibrary.errors import ThresholdFileError
from ReinferLibrary.logic import canonical_thresholds, labels_above_threshold, load_thresholds


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def python_json_error(text: str) -> str:
    """Where and why Python's own json module rejects ``text``: its wording and column
    differ between Python versions (3.13 words a trailing comma differently), so the test
    asks the running Python instead of hard-coding one version's words."""
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        return f"not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}."
    raise AssertionError(f"{text!r} is valid JSON")


GOOD_YAML = """\
# the business edits this file
model_version: 3
thresholds:
  Order > Missing: 0.62
  [Refund, Request]: 0.5
  Complaint: 1
default: 0.8
auto: balanced
"""


def test_yaml_file_with_both_name_forms(tmp_path: Path) -> None:
    path = write(tmp_path, "thresholds.yaml", GOOD_YAML)
    config = load_thresholds(path)
    assert config.model_version == 3
    assert config.thresholds == {"Order > Missing": 0.62, "Refund > Request": 0.5, "Complaint": 1.0}
    assert config.default == 0.8
    assert config.auto == "balanced"
    assert config.source == str(path)


def test_json_file_and_list_of_entries(tmp_path: Path) -> None:
    data = {
        "model_version": "live",
        "thresholds": [{"name": ["Order", "Missing"], "threshold": 0.4}, {"name": "Praise", "threshold": 0}],
    }
    config = load_thresholds(write(tmp_path, "t.json", json.dumps(data)))
    assert config.model_version == "live"
    assert config.thresholds == {"Order > Missing": 0.4, "Praise": 0.0}
    assert config.default is None


def test_yml_suffix_auto_only_and_string_version(tmp_path: Path) -> None:
    config = load_thresholds(write(tmp_path, "t.yml", "model_version: '7'\nauto: high_recall\n"))
    assert config.model_version == 7
    assert config.thresholds == {}
    assert config.auto == "high_recall"


def test_loaded_config_drives_labels_above_threshold(tmp_path: Path) -> None:
    config = load_thresholds(write(tmp_path, "t.yaml", GOOD_YAML))
    item = {
        "labels": [
            {"name": ["Order", "Missing"], "probability": 0.62},
            {"name": ["Refund", "Request"], "probability": 0.49},
            {"name": ["Praise"], "probability": 0.81},
        ]
    }
    assert labels_above_threshold(item, config) == ["Praise", "Order > Missing"]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "t.yaml",
            "thresholds:\n  Order: 0.5\ncolour: blue\n",
            "key 'colour': unknown key; allowed keys are model_version, thresholds, default, auto.",
        ),
        (
            "t.yaml",
            "thresholds:\n  Order > Missing: 1.5\n",
            "key thresholds['Order > Missing']: must be a number from 0 to 1, got 1.5.",
        ),
        (
            "t.yaml",
            "thresholds:\n  Order: -0.2\n",
            "key thresholds['Order']: must be a number from 0 to 1, got -0.2.",
        ),
        (
            "t.yaml",
            "thresholds:\n  [Order, Missing]: 2\n",
            "key thresholds[['Order', 'Missing']]: must be a number from 0 to 1, got 2.",
        ),
        (
            "t.yaml",
            "thresholds:\n  '': 0.5\n",
            "key thresholds['']: empty label name (or an empty level in it).",
        ),
        (
            "t.yaml",
            "thresholds:\n  Order >  : 0.5\n",
            "key thresholds['Order >']: empty label name (or an empty level in it).",
        ),
        (
            "t.yaml",
            "thresholds:\n  Order: high\n",
            "key thresholds['Order']: must be a number from 0 to 1, got 'high'.",
        ),
        (
            "t.yaml",
            "thresholds:\n  Order: true\n",
            "key thresholds['Order']: must be a number from 0 to 1, got True.",
        ),
        ("t.yaml", "default: 0.5\nthresholds: 0.3\n", "key thresholds: must be a mapping of label -> 0..1"),
        ("t.yaml", "default: 2\n", "key default: must be a number from 0 to 1, got 2."),
        (
            "t.yaml",
            "auto: medium\n",
            "key auto: auto 'medium' is not one of high_recall, balanced, high_precision (lowest to highest "
            "precision).",
        ),
        (
            "t.yaml",
            "model_version: latest\ndefault: 0.5\n",
            "key model_version: Model version 'latest' is not valid: give a pinned version number "
            "(such as 3) or a model tag (live or staging).",
        ),
        (
            "t.yaml",
            "thresholds:\n  Order > Missing: 0.5\n  [Order, Missing]: 0.6\n",
            "key thresholds[['Order', 'Missing']]: label 'Order > Missing' is given twice, "
            "as 'Order > Missing' and ['Order', 'Missing']; keep one.",
        ),
        (
            "t.yaml",
            "thresholds:\n  Order: 0.5\n  Order: 0.6\n",
            "key 'Order': appears twice (line 3); keep one.",
        ),
        ("t.yaml", "thresholds:\n  Order: [0.5\n", "not valid YAML at line 3, column 1"),
        ("t.yaml", "", "the file is empty; give thresholds, default or auto."),
        ("t.yaml", "model_version: 3\n", "sets no thresholds, default or auto"),
        ("t.yaml", "- Order\n", "the top level must be a mapping"),
        ("t.json", '{"default": 0.5,}', python_json_error('{"default": 0.5,}')),
        ("t.json", '{"default": 0.5, "default": 0.6}', "key 'default': appears twice; keep one."),
        (
            "t.yaml",
            "thresholds:\n  - name: Order\n    threshold: 0.5\n    colour: red\n",
            "key thresholds[0].colour: unknown key; an entry has only name and threshold.",
        ),
        ("t.yaml", "thresholds:\n  - name: Order\n", "key thresholds[0]: needs both name and threshold."),
        ("t.yaml", "thresholds:\n  - name: [Order, 3]\n    threshold: 0.1\n", "must hold only text"),
        ("t.txt", "default: 0.5\n", "unsupported file type '.txt'; use .yaml, .yml or .json."),
    ],
)
def test_bad_file_fails_with_one_line_naming_file_key_and_problem(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    path = write(tmp_path, name, text)
    with pytest.raises(ThresholdFileError) as caught:
        load_thresholds(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"Thresholds file '{path}'")
    assert expected in message


def test_the_list_form_means_the_same_label_in_a_file_and_in_a_robot(tmp_path: Path) -> None:
    # In YAML `[Order, Missing]` is a list; a robot writes the same thing as text.
    config = load_thresholds(write(tmp_path, "t.yaml", "thresholds:\n  [Order, Missing]: 0.4\n"))
    assert config.thresholds == canonical_thresholds({"[Order, Missing]": 0.4}) == {"Order > Missing": 0.4}
    # Quoted, it is text: a label whose name has brackets (what Save Thresholds writes for one).
    quoted = load_thresholds(write(tmp_path, "q.yaml", "thresholds:\n  '[Beta]': 0.4\n"))
    assert quoted.thresholds == {"[Beta]": 0.4}
    item = {"labels": [{"name": ["[Beta]"], "probability": 0.5}, {"name": ["Beta"], "probability": 0.5}]}
    assert labels_above_threshold(item, quoted) == ["[Beta]"]


def test_the_same_label_twice_names_both_original_spellings(tmp_path: Path) -> None:
    data = {
        "thresholds": [
            {"name": ["Order", "Missing"], "threshold": 0.4},
            {"name": "Order > Missing", "threshold": 0.5},
        ]
    }
    with pytest.raises(ThresholdFileError) as caught:
        load_thresholds(write(tmp_path, "t.json", json.dumps(data)))
    assert str(caught.value).endswith(
        "key thresholds[1]: label 'Order > Missing' is given twice, as ['Order', 'Missing'] and "
        "'Order > Missing'; keep one."
    )


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(ThresholdFileError, match=r"nope\.yaml': file not found; check the path"):
        load_thresholds(path)
