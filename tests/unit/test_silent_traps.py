"""Issue 13's silent traps: mistakes a newcomer makes that used to pass without a word."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import responses
from robot import run
from robot.api.types import Secret

from ReinferLibrary import ReinferLibrary
from ReinferLibrary.errors import NotFoundError, ReinferConfigurationError

TENANT = "http://reinfer.test"
DS = f"{TENANT}/api/v1/datasets/acme/retail-inbox"
PREDICT = {
    "status": "ok",
    "model": {"version": 1, "time": "2025-09-01T10:00:00Z"},
    "predictions": [[{"name": ["Order", "Missing"], "probability": 0.9}]],
}


@pytest.fixture
def connected(lib: ReinferLibrary, api: responses.RequestsMock) -> ReinferLibrary:
    lib.connect_to_reinfer(
        url=TENANT, token=Secret("tok-unit-test-1618"), dataset="acme/retail-inbox", retries=0
    )
    return lib


def sent(api: responses.RequestsMock) -> Any:
    return json.loads(api.calls[-1].request.body or "null")


# --- 1. positional arguments ----------------------------------------------------------------


POSITIONAL = """
*** Settings ***
Library    ReinferLibrary

*** Test Cases ***
A Config Given By Position To Predict Text Is Refused
    VAR    &{config}    Order=${0.5}
    Run Keyword And Expect Error
    ...    Keyword 'ReinferLibrary.Predict Text' expected 1 non-named argument, got 2.
    ...    Predict Text    My parcel never arrived    ${config}

A Config Given By Position To The Other Predict Keywords Is Refused
    VAR    &{config}    Order=${0.5}
    Run Keyword And Expect Error
    ...    Keyword 'ReinferLibrary.Predict Comments' expected 1 non-named argument, got 2.
    ...    Predict Comments    src.c1    ${config}
    Run Keyword And Expect Error
    ...    Keyword 'ReinferLibrary.Predict Emails' expected 1 non-named argument, got 2.
    ...    Predict Emails    mail.eml    ${config}

Fetch Trigger Batch Takes Only The Trigger And The Size By Position
    VAR    &{config}    Order=${0.5}
    Run Keyword And Expect Error
    ...    Keyword 'ReinferLibrary.Fetch Trigger Batch' expected 1 to 2 non-named arguments, got 3.
    ...    Fetch Trigger Batch    routing    32    ${config}
"""


def test_a_positional_config_is_refused_before_any_call(tmp_path: Path, clean_env: None) -> None:
    suite = tmp_path / "positional.robot"
    suite.write_text(POSITIONAL, encoding="utf-8")
    rc = run(
        str(suite), outputdir=str(tmp_path), output="output.xml", log="NONE", report="NONE", console="none"
    )
    assert rc == 0, (tmp_path / "output.xml").read_text(encoding="utf-8")[-3000:]


def test_predict_text_takes_thresholds_as_every_other_keyword_spells_it(
    connected: ReinferLibrary, api: responses.RequestsMock
) -> None:
    api.post(DS + "/labellers/live/predict", json=PREDICT)
    item = connected.predict_text("My parcel never arrived", thresholds={"Order > Missing": 0.5})
    assert sent(api)["labels"] == [{"name": ["Order", "Missing"], "threshold": 0.5}]
    assert "subject" not in sent(api)["documents"][0]["messages"][0]
    assert item.labels[0].name == "Order > Missing"


def test_thresholds_and_threshold_together_are_refused(
    connected: ReinferLibrary, api: responses.RequestsMock
) -> None:
    with pytest.raises(ReinferConfigurationError, match="threshold= or thresholds=, not both"):
        connected.predict_text("text", threshold=0.5, thresholds={"Order": 0.5})
    with pytest.raises(ReinferConfigurationError, match="threshold= or thresholds=, not both"):
        connected.predict_comments("src.c1", threshold="auto", thresholds={"Order": 0.5})
    assert len(api.calls) == 0


# --- 3. one meaning of "unreliable" ---------------------------------------------------------


PRIVATE = f"{TENANT}/api/_private/datasets/acme/retail-inbox"


def _validations(api: responses.RequestsMock, version: int, figures: dict[str, dict[str, Any]]) -> None:
    for name, value in figures.items():
        api.post(
            f"{PRIVATE}/labellers/{version}/label-validation",
            json={"status": "ok", "label_validation": value},
            match=[responses.matchers.json_params_matcher({"label": name})],
        )


def test_thresholds_from_model_leaves_out_what_verify_would_warn_about(
    connected: ReinferLibrary, api: responses.RequestsMock
) -> None:
    good = {"optimal_thresholds": {"balanced": 0.4}, "health": "good", "test_size": 12}
    thin = {"optimal_thresholds": {"balanced": 0.3}, "health": "good", "test_size": 2}
    labels = [{"name": "Order > Missing"}, {"name": "Praise"}]
    api.get(
        DS + "/labellers/live/validation",
        json={"status": "ok", "validation": {"version": 1, "labels": labels}},
    )
    _validations(api, 1, {"Order > Missing": good, "Praise": thin})
    config = connected.thresholds_from_model("live")
    assert config.thresholds == {"Order > Missing": 0.4}  # 'Praise': 2 held-out examples only
    # The drift guard agrees: nothing it would warn about was kept.
    api.get(DS + "/model-tags", json={"status": "ok", "model_tags": [{"name": "live", "version": 1}]})
    api.get(
        DS + "/labellers/1/validation", json={"status": "ok", "validation": {"version": 1, "labels": labels}}
    )
    _validations(api, 1, {"Order > Missing": good})
    assert connected.verify_model_configuration(config).warnings == []
    # Asked to trust fewer examples, both keywords keep the label.
    _validations(api, 1, {"Order > Missing": good, "Praise": thin})
    assert list(connected.thresholds_from_model(1, labels=None, min_test_examples=1).thresholds) == [
        "Order > Missing",
        "Praise",
    ]


# --- 6. inconsistencies ---------------------------------------------------------------------

NOT_PINNED = {"status": "error", "message": "model version 7 of dataset acme/retail-inbox is not pinned"}
TAGS = {"status": "ok", "model_tags": [{"name": "live", "version": 1}, {"name": "staging", "version": 2}]}
UNPINNED = (
    "Model version 7 of acme/retail-inbox is not pinned (pinned: 1, 2; tags: live=1, staging=2); "
    "pin it on the dataset's Models page, or set model_version to a pinned version."
)


def test_an_unpinned_version_is_a_configuration_error_in_every_keyword(
    connected: ReinferLibrary, api: responses.RequestsMock
) -> None:
    api.post(DS + "/labellers/7/predict", status=404, json=NOT_PINNED)
    api.get(DS + "/labellers/7/validation", status=404, json=NOT_PINNED)
    api.get(DS + "/model-tags", json=TAGS)
    with pytest.raises(ReinferConfigurationError) as predicted:
        connected.predict_text("My parcel never arrived", model_version=7)
    assert str(predicted.value) == UNPINNED
    with pytest.raises(ReinferConfigurationError) as detailed:
        connected.get_model_version_details(7, labels=False)
    assert str(detailed.value) == UNPINNED


def test_a_missing_comment_stays_a_business_error_when_the_version_is_pinned(
    connected: ReinferLibrary, api: responses.RequestsMock
) -> None:
    missing = {"status": "error", "message": "comment uid 'no.such' does not exist"}
    api.post(DS + "/labellers/live/predict-comments", status=404, json=missing)
    api.get(
        DS + "/labellers/live/validation", json={"status": "ok", "validation": {"version": 1, "labels": []}}
    )
    with pytest.raises(NotFoundError, match=r"comment uid 'no\.such' does not exist"):
        connected.predict_comments("no.such")


def test_a_plain_text_token_error_says_it_is_already_in_the_output_and_to_rotate_it(
    lib: ReinferLibrary,
) -> None:
    with pytest.raises(ReinferConfigurationError) as failure:
        lib.connect_to_reinfer(url=TENANT, token="abc")  # type: ignore[arg-type]
    text = str(failure.value)
    assert "would be written" not in text
    assert "already" in text and "output.xml" in text and "rotate" in text.lower()


def test_save_thresholds_takes_what_load_thresholds_returns_written_out_as_data(
    lib: ReinferLibrary, tmp_path: Path
) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("model_version: 2\nthresholds:\n  Order > Missing: 0.6\ndefault: 0.8\n", encoding="utf-8")
    loaded = lib.load_thresholds(path)
    written = lib.save_thresholds(json.loads(loaded.model_dump_json()), tmp_path / "again.json")
    again = lib.load_thresholds(written)
    assert again.model_dump(exclude={"source"}) == loaded.model_dump(exclude={"source"})


def test_predict_text_items_have_an_identifier(
    connected: ReinferLibrary, api: responses.RequestsMock
) -> None:
    api.post(DS + "/labellers/live/predict", json=PREDICT)
    api.post(DS + "/labellers/live/predict", json=PREDICT)
    api.post(DS + "/labellers/live/predict", json=PREDICT)
    first = connected.predict_text("My parcel never arrived")
    again = connected.predict_text("My parcel never arrived")
    other = connected.predict_text("My parcel arrived broken")
    assert first.uid.startswith("text:")
    assert first.uid == again.uid != other.uid


def test_reset_trigger_to_the_start(connected: ReinferLibrary, api: responses.RequestsMock) -> None:
    api.post(
        DS + "/streams/routing/reset",
        json={"status": "ok", "sequence_id": "SEQ-0"},
        match=[
            responses.matchers.json_params_matcher({"to_comment_created_at": "1970-01-01T00:00:00.000000Z"})
        ],
    )
    assert connected.reset_trigger("routing", "start") == "SEQ-0"


def test_the_readme_connection_table_has_max_retry_after() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert any(line.startswith("| `max_retry_after`") for line in readme.splitlines())
