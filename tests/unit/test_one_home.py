"""One home per concept: model versions, threshold numbers, validation messages, argument types.

Each concept used to be written several ways, so the same mistake failed differently
depending on the keyword. These tests hold every entry point to the one function.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
import responses
from pydantic import BaseModel, Field, ValidationError
from robot import run
from robot.api.types import Secret
from robot.libdocpkg import LibraryDocumentation

from ReinferLibrary import ReinferLibrary
from ReinferLibrary.client.routes import Routes
from ReinferLibrary.errors import ReinferConfigurationError, ThresholdFileError
from ReinferLibrary.logic import thresholds as thresholds_module
from ReinferLibrary.logic.model_versions import thresholds_from_validation
from ReinferLibrary.logic.thresholds import as_config, check_threshold, read_threshold, threshold_problems
from ReinferLibrary.logic.thresholds_file import load_thresholds, save_thresholds
from ReinferLibrary.models import ThresholdConfig, parse_model_version
from ReinferLibrary.models.base import validation_problems

FAKE_TENANT = "http://reinfer.test"
FAKE_DATASET = "acme/retail-inbox"
FAKE_TOKEN = "tok-unit-test-1618"

LIVEE = (
    "Model version 'livee' is not valid: give a pinned version number (such as 3) or a model tag "
    "(live or staging). Did you mean 'live'?"
)
PACKAGE = Path(__file__).resolve().parents[2] / "ReinferLibrary"


@pytest.fixture
def connected(lib: ReinferLibrary, api: responses.RequestsMock) -> ReinferLibrary:
    """The library connected to the fake tenant; ``api`` fails the test on any unexpected call."""
    lib.connect_to_reinfer(url=FAKE_TENANT, token=Secret(FAKE_TOKEN), dataset=FAKE_DATASET, retries=0)
    return lib


# --- model versions ----------------------------------------------------------------------


def test_livee_fails_the_same_way_from_every_keyword_before_any_call(
    connected: ReinferLibrary, api: responses.RequestsMock, tmp_path: Path
) -> None:
    attempts = {
        "Create Trigger": lambda: connected.create_trigger("routing", model_version="livee"),
        "Predict Text": lambda: connected.predict_text("Where is my parcel?", model_version="livee"),
        "Predict Comments": lambda: connected.predict_comments("src.c1", model_version="livee"),
        "Verify Model Configuration": lambda: connected.verify_model_configuration(
            {"Order": 0.5}, model_version="livee"
        ),
        "Get Model Version Details": lambda: connected.get_model_version_details("livee"),
        "Thresholds From Model": lambda: connected.thresholds_from_model("livee"),
        "Load Thresholds from_model": lambda: connected.load_thresholds(from_model="livee"),
        "the client's routes": lambda: Routes().predict(FAKE_DATASET, "livee"),
    }
    for where, attempt in attempts.items():
        with pytest.raises(ReinferConfigurationError) as failure:
            attempt()
        assert str(failure.value) == LIVEE, where
    assert len(api.calls) == 0
    # The thresholds file says where, then the same sentence.
    path = tmp_path / "t.yaml"
    path.write_text("model_version: livee\ndefault: 0.5\n", encoding="utf-8")
    with pytest.raises(ThresholdFileError) as failure:
        load_thresholds(path)
    assert str(failure.value) == f"Thresholds file '{path}', key model_version: {LIVEE}"


@pytest.mark.parametrize(
    ("value", "expected"), [(3, 3), ("3", 3), (" Live ", "live"), ("STAGING", "staging")]
)
def test_parse_model_version_reads_numbers_and_tags(value: Any, expected: int | str) -> None:
    assert parse_model_version(value) == expected


def test_only_one_module_reads_model_versions() -> None:
    """The tags ``live``/``staging`` are spelled out once, in models/versions.py."""
    spelled = [
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if "sandbox" not in path.parts
        and any(
            isinstance(node, ast.Tuple)
            and [getattr(element, "value", None) for element in node.elts][:2] == ["live", "staging"]
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        )
    ]
    assert spelled == ["models/versions.py"]


# --- threshold numbers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (1.5, "must be a number from 0 to 1, got 1.5"),
        (-0.1, "must be a number from 0 to 1, got -0.1"),
        ("high", "must be a number from 0 to 1, got 'high'"),
        (True, "must be a number from 0 to 1, got True"),
        (float("nan"), "must be a number from 0 to 1, got nan"),
        (None, "must be a number from 0 to 1, got None"),
    ],
)
def test_one_threshold_check_and_one_phrase(value: Any, problem: str) -> None:
    with pytest.raises(ValueError) as bare:
        read_threshold(value)
    assert str(bare.value) == problem
    with pytest.raises(ReinferConfigurationError) as full:
        check_threshold(value, "The default")
    assert str(full.value) == f"The default {problem}."


@pytest.mark.parametrize(("value", "number"), [(0, 0.0), (1, 1.0), ("0.25", 0.25), (0.5, 0.5)])
def test_threshold_numbers_that_are_fine(value: Any, number: float) -> None:
    assert read_threshold(value) == number


def test_a_bad_threshold_reads_the_same_from_every_entry_point(
    connected: ReinferLibrary, api: responses.RequestsMock, tmp_path: Path
) -> None:
    phrase = "must be a number from 0 to 1, got 1.5"
    item = {"uid": "src.c1", "labels": [{"name": "Order", "probability": 0.9}]}
    failures = {}
    for where, attempt in {
        "Has Label threshold=": lambda: connected.has_label(item, "Order", threshold=1.5),
        "Labels Above Threshold": lambda: connected.labels_above_threshold(item, {"Order": 1.5}),
        "default=": lambda: connected.labels_above_threshold(item, default=1.5),
        "Predict Text threshold=": lambda: connected.predict_text("text", threshold=1.5),
        "Create Trigger default=": lambda: connected.create_trigger("routing", model_version=1, default=1.5),
    }.items():
        with pytest.raises(ReinferConfigurationError) as failure:
            attempt()
        failures[where] = str(failure.value)
    assert all(phrase in text for text in failures.values()), failures
    path = tmp_path / "t.yaml"
    path.write_text("thresholds:\n  Order: 1.5\n", encoding="utf-8")
    with pytest.raises(ThresholdFileError, match=f"key thresholds\\['Order'\\]: {phrase}\\.$"):
        load_thresholds(path)
    assert threshold_problems({"Order": 1.5}, None) == [f"threshold of 'Order' {phrase}"]
    assert len(api.calls) == 0


def test_several_bad_thresholds_are_listed_in_one_line() -> None:
    with pytest.raises(ReinferConfigurationError) as failure:
        as_config({"Order": 2, "": 0.5, "Praise": "x"})
    assert str(failure.value) == (
        "Threshold for 'Order' must be a number from 0 to 1, got 2; Threshold label name '' is not valid: "
        "Label name '' is empty or has an empty level; Threshold for 'Praise' must be a number from 0 "
        "to 1, got 'x'."
    )


# --- validation messages -------------------------------------------------------------------


class _Shape(BaseModel):
    a: int
    b: int = Field(ge=0)
    c: int
    d: int


def test_validation_problems_is_the_one_way_a_pydantic_error_becomes_text() -> None:
    with pytest.raises(ValidationError) as caught:
        _Shape.model_validate({"a": "x", "b": -1, "c": "y", "d": "z"})
    error = caught.value
    assert validation_problems(error) == (
        "a: Input should be a valid integer, unable to parse string as an integer; "
        "b: Input should be greater than or equal to 0; "
        "c: Input should be a valid integer, unable to parse string as an integer and 1 more"
    )
    assert validation_problems(error, limit=1, inputs=True) == (
        "a: Input should be a valid integer, unable to parse string as an integer (got 'x') and 3 more"
    )
    with pytest.raises(ValidationError) as whole:
        _Shape.model_validate([1])
    assert validation_problems(whole.value, top="body").startswith("body: Input should be")
    assert validation_problems(error, limit=1, skip=("a",), top="options").startswith("options: ")


def test_no_module_formats_pydantic_errors_by_hand() -> None:
    """``.errors()`` of a ValidationError is read in models/base.py only (and the transport's type check)."""
    readers = sorted(
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if "sandbox" not in path.parts
        and any(key in path.read_text(encoding="utf-8") for key in ("['msg']", '["msg"]'))
    )
    assert readers == ["models/base.py"]


# --- thresholds as one argument type ---------------------------------------------------------


def test_a_config_written_out_as_data_is_the_same_config_again(tmp_path: Path) -> None:
    config = ThresholdConfig(
        model_version=2, thresholds={"Order > Missing": 0.6}, default=0.8, auto="balanced", source="x"
    )
    assert as_config(config.model_dump()) == config
    assert as_config({"thresholds": [{"name": ["Order", "Missing"], "threshold": 0.6}]}).thresholds == {
        "Order > Missing": 0.6
    }
    # What Load Thresholds returns, saved again: the file round-trips.
    path = tmp_path / "t.yaml"
    save_thresholds(as_config(config.model_dump(mode="json")), path)
    assert load_thresholds(path).model_dump(exclude={"source"}) == config.model_dump(exclude={"source"})


def test_a_dictionary_is_converted_once_while_it_is_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real = thresholds_module.canonical_thresholds
    monkeypatch.setattr(
        thresholds_module, "canonical_thresholds", lambda value: calls.append(value) or real(value)
    )
    mapping = {"Order": 0.5}
    first = as_config(mapping)
    assert as_config(mapping) is first
    assert len(calls) == 1
    mapping["Order"] = 0.7
    assert as_config(mapping).thresholds == {"Order": 0.7}
    assert len(calls) == 2


def test_thresholds_from_validation_refuses_an_unknown_optimal_like_every_auto_name() -> None:
    with pytest.raises(ReinferConfigurationError, match=r"^optimal 'best' is not one of high_recall"):
        thresholds_from_validation({}, "best", 1)


def test_libdoc_documents_the_item_and_thresholds_types() -> None:
    types = {doc.name: doc for doc in LibraryDocumentation("ReinferLibrary").type_docs}
    assert types["ThresholdConfig"].type == "Custom"
    assert types["ThresholdConfig"].doc.startswith("Thresholds: which label confidences count.")
    assert {
        "Labels Above Threshold",
        "Has Label",
        "Create Trigger",
        "Predict Text",
        "Save Thresholds",
    } <= set(types["ThresholdConfig"].usages)
    assert types["Item"].type == "Custom"
    assert {"Labels Above Threshold", "Get Entities", "Get Entity Value"} <= set(types["Item"].usages)


def test_infer_with_trained_model_documents_its_failures_in_the_body() -> None:
    """A Google-style ``Raises:`` section was read as exception names and its entries were lost."""
    keyword = next(
        kw for kw in LibraryDocumentation("ReinferLibrary").keywords if kw.name == "Infer With Trained Model"
    )
    for start in (
        "Business error (inference warning)",
        "Technical error (rate limited)",
        "Technical error (timeout)",
    ):
        assert f"``{start}``" in keyword.doc
    assert not keyword.args.raises


ROBOT = """
*** Settings ***
Library    ReinferLibrary

*** Variables ***
${LABELS}    [{"name": ["Order", "Missing"], "probability": 0.7}, {"name": "Praise", "probability": 0.2}]
&{ITEM}    uid=src.c1    labels=${{json.loads($LABELS)}}

*** Test Cases ***
Every Thresholds Form Is Accepted The Same Way
    VAR    &{flat}    [Order, Missing]=${0.5}
    ${labels}=    Labels Above Threshold    ${ITEM}    thresholds=${flat}
    Should Be Equal    ${labels}    ${{["Order > Missing"]}}
    VAR    @{entries}    ${{{"name": ["Praise"], "threshold": 0.1}}}
    ${labels}=    Labels Above Threshold    ${ITEM}    thresholds=${entries}
    Should Be Equal    ${labels}    ${{["Praise"]}}
    VAR    &{as_data}    thresholds=${flat}    default=${0.1}
    ${labels}=    Labels Above Threshold    ${ITEM}    thresholds=${as_data}
    Should Be Equal    ${labels}    ${{["Order > Missing", "Praise"]}}
    ${has}=    Has Label    ${ITEM}    Praise    thresholds=${entries}
    Should Be True    ${has}

A Path Or A Bad Number Fails In The Library's Words
    Run Keyword And Expect Error
    ...    STARTS:Thresholds got the text 'thresholds.yaml': load a thresholds file once
    ...    Labels Above Threshold    ${ITEM}    thresholds=thresholds.yaml
    VAR    &{bad}    Order=${2}
    Run Keyword And Expect Error    EQUALS:Threshold for 'Order' must be a number from 0 to 1, got 2.
    ...    Has Label    ${ITEM}    Order    thresholds=${bad}
    Run Keyword And Expect Error
    ...    EQUALS:Expected an item (one of \\${batch.results}, a dictionary or an Item), got str.
    ...    Get Entities    not an item
"""


def test_robot_converts_thresholds_and_items_the_same_way_for_every_keyword(tmp_path: Path) -> None:
    suite = tmp_path / "arguments.robot"
    suite.write_text(ROBOT, encoding="utf-8")
    rc = run(
        str(suite), outputdir=str(tmp_path), output="output.xml", log="NONE", report="NONE", console="none"
    )
    assert rc == 0, (tmp_path / "output.xml").read_text(encoding="utf-8")[-3000:]
