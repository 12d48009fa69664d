"""Save Thresholds round-trips through Load Thresholds; thresholds from a model's validation."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import responses

from ReinferLibrary.errors import ReinferConfigurationError, ThresholdFileError
from ReinferLibrary.keywords.base import LibraryContext
from ReinferLibrary.keywords.thresholds import ThresholdKeywords
from ReinferLibrary.logic.model_versions import thresholds_from_validation
from ReinferLibrary.logic.thresholds_file import load_thresholds, render_thresholds, save_thresholds
from ReinferLibrary.models import LabelValidation, ThresholdConfig

if TYPE_CHECKING:
    from conftest import LogRecorder

WRITTEN_AT = datetime(2025, 9, 1, 8, 0, tzinfo=timezone.utc)
CONFIG = ThresholdConfig(
    model_version=3,
    thresholds={
        "Order > Missing": 0.62,
        "Refund > Request": 0.1 + 0.2,  # a float without a short decimal form
        "Billing: VAT": 0.5,
        "2024": 1.0,
        "Zoë > Café": 0.0,
    },
    default=0.8,
    auto="balanced",
    source="the balanced optimal thresholds of acme/retail-inbox model version 3",
)


def same(a: ThresholdConfig, b: ThresholdConfig) -> bool:
    return a.model_dump(exclude={"source"}) == b.model_dump(exclude={"source"})


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".json"])
def test_save_then_load_gives_the_same_config(tmp_path: Path, suffix: str) -> None:
    path = save_thresholds(CONFIG, tmp_path / f"thresholds{suffix}")
    loaded = load_thresholds(path)
    assert same(loaded, CONFIG)
    assert list(loaded.thresholds) == list(CONFIG.thresholds)  # the order the business sees
    assert loaded.source == str(path)


@pytest.mark.parametrize(
    "config",
    [
        ThresholdConfig(model_version="live", thresholds={"Order": 0.5}),
        ThresholdConfig(default=0.4),
        ThresholdConfig(auto="high_precision"),
        ThresholdConfig(model_version=0, thresholds={"[Order]": 0.5}),
    ],
)
def test_round_trip_of_smaller_configs(tmp_path: Path, config: ThresholdConfig) -> None:
    assert same(load_thresholds(save_thresholds(config, tmp_path / "t.yaml")), config)
    assert same(load_thresholds(save_thresholds(config, tmp_path / "t.json")), config)


def test_yaml_starts_with_a_header_saying_where_it_came_from() -> None:
    text = render_thresholds(CONFIG, ".yaml", WRITTEN_AT)
    lines = text.splitlines()
    assert lines[:3] == [
        "# Label thresholds, read by ReinferLibrary's `Load Thresholds`.",
        "# Written by `Save Thresholds` at 2025-09-01T08:00:00Z from: the balanced optimal thresholds of "
        "acme/retail-inbox model version 3.",
        "# A label counts when its confidence is at or above its threshold (0..1). Review and edit freely.",
    ]
    assert lines[3:6] == ["model_version: 3", "thresholds:", "  Order > Missing: 0.62"]
    assert "default: 0.8" in lines
    assert lines[-1] == "auto: balanced"


def test_json_is_plain_json_in_the_documented_order() -> None:
    data = json.loads(render_thresholds(ThresholdConfig(model_version=1, thresholds={"Order": 0.5}), ".json"))
    assert data == {"model_version": 1, "thresholds": {"Order": 0.5}}


def test_saving_replaces_atomically_and_keeps_permissions(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "thresholds.yaml"
    save_thresholds(CONFIG, target)
    assert (target.stat().st_mode & 0o777) == 0o644
    target.chmod(0o640)
    inode = target.stat().st_ino
    save_thresholds(ThresholdConfig(thresholds={"Order": 0.5}), target)
    assert target.stat().st_ino != inode  # a new file took the old one's place
    assert (target.stat().st_mode & 0o777) == 0o640
    assert load_thresholds(target).thresholds == {"Order": 0.5}
    assert sorted(p.name for p in target.parent.iterdir()) == ["thresholds.yaml"]  # no temp file left


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "thresholds.yaml"
    save_thresholds(CONFIG, target)
    before = target.read_text(encoding="utf-8")

    def broken(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(ThresholdFileError, match=r"cannot be written: .*No space left on device"):
        save_thresholds(ThresholdConfig(thresholds={"Order": 0.5}), target)
    assert target.read_text(encoding="utf-8") == before
    assert [p.name for p in tmp_path.iterdir()] == ["thresholds.yaml"]


@pytest.mark.parametrize("below", ["t.yaml", "sub/t.yaml"])
def test_a_path_under_a_file_names_the_file_not_the_os_error(tmp_path: Path, below: str) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder", encoding="utf-8")
    target = blocker / below
    with pytest.raises(ThresholdFileError) as failure:
        save_thresholds(CONFIG, target)
    assert str(failure.value) == (
        f"Thresholds file '{target}': cannot be written: '{blocker}' is a file, not a folder; "
        "choose a path in a folder this robot can write to."
    )


def test_a_failed_write_does_not_name_the_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*args: Any, **kwargs: Any) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied", str(tmp_path / ".t.yaml.x1y2.tmp"))

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    with pytest.raises(ThresholdFileError) as failure:
        save_thresholds(CONFIG, tmp_path / "t.yaml")
    assert str(failure.value) == (
        f"Thresholds file '{tmp_path / 't.yaml'}': cannot be written: Permission denied; "
        "choose a path in a folder this robot can write to."
    )


def test_configs_load_would_refuse_are_not_written(tmp_path: Path) -> None:
    with pytest.raises(ReinferConfigurationError, match="set no label thresholds, default or auto"):
        save_thresholds(ThresholdConfig(model_version=1), tmp_path / "t.yaml")
    with pytest.raises(ReinferConfigurationError, match=r"use \.yaml, \.yml or \.json"):
        save_thresholds(CONFIG, tmp_path / "t.txt")
    assert list(tmp_path.iterdir()) == []


# --- thresholds from validation ----------------------------------------------------------


def validation(**fields: Any) -> LabelValidation:
    figures: dict[str, Any] = {
        "optimal_thresholds": {"high_recall": 0.2, "balanced": 0.4, "high_precision": 0.7},
        "health": "good",
        "test_size": 12,
    }
    figures.update(fields)
    return LabelValidation.model_validate(figures)


def test_thresholds_from_validation_picks_the_optimal_and_skips_unreliable_labels() -> None:
    validations: dict[Any, LabelValidation] = {
        "Order > Missing": validation(),
        ("Refund", "Request"): validation(optimal_thresholds={"high_recall": 0.1, "balanced": 0.3}),
        "Praise": validation(optimal_thresholds=None, health="unreliable"),
        "Complaint": validation(health="poor"),
        "Billing": validation(optimal_thresholds={"balanced": 0.5, "high_precision": None}),
        "Account": validation(test_size=1),
    }
    config, skipped = thresholds_from_validation(validations, "high_precision", 4)
    assert config.thresholds == {"Order > Missing": 0.7}  # Account: 1 held-out example, fewer than 5
    assert skipped == ["Refund > Request", "Praise", "Complaint", "Billing", "Account"]
    trusting, _ = thresholds_from_validation(validations, "high_precision", 4, min_test_examples=0)
    assert trusting.thresholds == {"Order > Missing": 0.7, "Account": 0.7}
    assert config.model_version == 4
    assert config.source == "the high_precision optimal thresholds of model version 4's validation"
    balanced, skipped = thresholds_from_validation(validations, "balanced", 4, min_test_examples=2)
    assert balanced.thresholds == {"Order > Missing": 0.4, "Refund > Request": 0.3, "Billing": 0.5}
    assert skipped == ["Praise", "Complaint", "Account"]


def test_thresholds_from_validation_refuses_unknown_names() -> None:
    with pytest.raises(ReinferConfigurationError, match="optimal 'precise' is not one of high_recall"):
        thresholds_from_validation({}, "precise", 1)


# --- the keywords -------------------------------------------------------------------------

BASE = "http://reinfer.test"
DS = BASE + "/api/v1/datasets/acme/retail-inbox"
PRIVATE = BASE + "/api/_private/datasets/acme/retail-inbox"


@pytest.fixture
def kw(log: LogRecorder, context: LibraryContext) -> ThresholdKeywords:
    return ThresholdKeywords(context)


def test_thresholds_from_model_then_save_and_load(
    kw: ThresholdKeywords, log: LogRecorder, tmp_path: Path
) -> None:
    labels = [
        {"name": "Order > Missing", "parts": ["Order", "Missing"]},
        {"name": "Praise", "parts": ["Praise"]},
    ]
    figures = {
        "Order > Missing": validation().model_dump(),
        "Praise": validation(optimal_thresholds=None, health="unreliable").model_dump(),
    }
    with responses.RequestsMock() as api:
        api.get(
            DS + "/labellers/live/validation",
            json={"status": "ok", "validation": {"version": 7, "labels": labels}},
        )
        for name, value in figures.items():
            api.post(
                PRIVATE + "/labellers/7/label-validation",
                json={"status": "ok", "label_validation": value},
                match=[responses.matchers.json_params_matcher({"label": name})],
            )
        config = kw.thresholds_from_model("live", optimal="balanced")
    assert config.model_version == 7
    assert config.thresholds == {"Order > Missing": 0.4}
    assert config.source == "the balanced optimal thresholds of acme/retail-inbox model version 7"
    assert log.texts("WARN") == [
        "Left out 1 label(s) of acme/retail-inbox model version 7 without a reliable balanced threshold: "
        "'Praise': validation has no optimal thresholds for it."
    ]
    written = kw.save_thresholds(config, tmp_path / "from-model.yaml")
    assert written == str(tmp_path / "from-model.yaml")
    text = Path(written).read_text(encoding="utf-8")
    assert "from: the balanced optimal thresholds of acme/retail-inbox model version 7." in text
    assert same(load_thresholds(written), config)


def test_thresholds_from_model_checks_label_names_first(kw: ThresholdKeywords) -> None:
    labels = [{"name": "Order > Missing"}, {"name": "Refund"}]
    with responses.RequestsMock() as api:
        api.get(
            DS + "/labellers/2/validation",
            json={"status": "ok", "validation": {"version": 2, "labels": labels}},
        )
        with pytest.raises(
            ReinferConfigurationError,
            match=r"Model version 2 of acme/retail-inbox has no label named 'Order > Mising' "
            r"\(did you mean 'Order > Missing'\?\), 'Refnd' \(did you mean 'Refund'\?\); "
            "give labels of its taxonomy.",
        ):
            kw.thresholds_from_model(2, labels=["Order > Mising", "Refnd"])


def test_thresholds_from_model_fails_when_no_label_is_reliable(kw: ThresholdKeywords) -> None:
    with responses.RequestsMock() as api:
        api.get(
            DS + "/labellers/2/validation",
            json={"status": "ok", "validation": {"version": 2, "labels": [{"name": "Praise"}]}},
        )
        api.post(
            PRIVATE + "/labellers/2/label-validation",
            json={"status": "ok", "label_validation": validation(health="poor").model_dump()},
        )
        with pytest.raises(
            ReinferConfigurationError, match="has no label with a reliable balanced threshold"
        ):
            kw.thresholds_from_model(2)


def test_save_thresholds_takes_a_dictionary_and_refuses_a_path(kw: ThresholdKeywords, tmp_path: Path) -> None:
    path = kw.save_thresholds({"Order>Missing": "0.5"}, tmp_path / "t.json")
    assert json.loads(Path(path).read_text(encoding="utf-8")) == {"thresholds": {"Order > Missing": 0.5}}
    with pytest.raises(ReinferConfigurationError, match="load a thresholds file once"):
        kw.save_thresholds("thresholds.yaml", tmp_path / "t.yaml")
