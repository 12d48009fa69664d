"""Loading the thresholds file the business edits."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from robot.api.deco import keyword

from ..errors import ReinferConfigurationError
from ..logic.thresholds_file import load_thresholds
from ..models import AutoThreshold, ThresholdConfig
from .base import LibraryComponent

T = TypeVar("T")


def reject_path(value: T, argument: str) -> T:
    """Refuse a file path where loaded thresholds are expected, saying what to do instead.

    Robot Framework passes text through unchanged for this argument; reading the file on
    every comment would be slow, so the file is loaded once with ``Load Thresholds``.
    """
    if isinstance(value, (str, Path)):
        raise ReinferConfigurationError(
            f"{argument}= got the text {str(value)[:80]!r}: load a thresholds file once with "
            f"`${{config}} =  Load Thresholds  path` and pass {argument}=${{config}}, or pass a dictionary."
        )
    return value


def describe(config: ThresholdConfig) -> str:
    """One line about a loaded config, for the log."""
    version = config.model_version if config.model_version is not None else "not set"
    default = f"{config.default:g}" if config.default is not None else "none"
    return (
        f"model version {version}, {len(config.thresholds)} label threshold(s), "
        f"default {default}, auto {config.auto or 'none'}"
    )


class ThresholdKeywords(LibraryComponent):
    """Keywords of the ``Thresholds`` area."""

    @keyword(tags=("Thresholds",))
    def load_thresholds(
        self,
        path: Path | None = None,
        from_model: int | str | None = None,
        optimal: AutoThreshold = "balanced",
        dataset: str | None = None,
    ) -> ThresholdConfig:
        """Read the model version and per-label thresholds from a YAML or JSON file, or a model.

        Keeps thresholds out of the robot's code: the business changes the file, not the
        robot (see `Thresholds`). The file, every key optional but at least one of
        ``thresholds``, ``default`` and ``auto`` needed:

        | model_version: 3        # pinned number, or live / staging
        | thresholds:             # label -> 0..1, names as "A > B" or [A, B]
        |   Order > Missing: 0.62
        |   [Refund, Request]: 0.5
        | default: 0.8            # a label not named above counts at or above this,
        | auto: balanced          # or when it carries this auto-threshold name

        A label named under ``thresholds`` counts only at or above its own number. A label
        not named counts when it clears ``default`` *or* carries the ``auto`` name; with
        only one of the two, that one decides; with neither, it is dropped. Auto-threshold
        names come only with ``api=results`` items of `Fetch Trigger Batch` and with
        predictions made with ``threshold=auto``: a file with ``auto`` and no ``default``
        fails on other items (see `Labels Above Threshold`), so give such a file a
        ``default`` or numbers for every label it must decide.

        ``thresholds`` may also be a list of ``{name: ..., threshold: ...}`` entries.
        A bad file fails with one line naming the file, the key and the problem:
        unknown key, a threshold outside 0..1, an empty label name, a wrong type, the
        same label twice (``Order > Missing`` and ``[Order, Missing]``), a missing
        file, or a YAML/JSON syntax error with its line.

        With ``from_model=`` instead of a path, each label's ``optimal`` threshold is taken
        from that pinned model version's validation (labels the platform flags as
        unreliable are left out, with a warning naming them); `Save Thresholds` writes the
        result to a file the business can review and edit.

        Args:
            path: ``.yaml``, ``.yml`` or ``.json`` file.
            from_model: Instead of ``path``: a pinned model version number, ``live`` or
                ``staging`` whose validation gives the thresholds.
            optimal: With ``from_model``: which of the platform's thresholds to take,
                ``high_recall``, ``balanced`` (default) or ``high_precision``.
            dataset: With ``from_model``: ``owner/name``; defaults to the connection's dataset.

        Returns:
            The config, for ``thresholds=`` of `Labels Above Threshold`, `Has Label`,
            `Create Trigger` and `Fetch Trigger Batch`. Its fields are readable as
            ``${config.model_version}``, ``${config.thresholds}``, ``${config.default}``.

        Example:
        | ${config} = | Load Thresholds | ${CURDIR}/thresholds.yaml |
        | ${labels} = | Labels Above Threshold | ${item} | thresholds=${config} |
        | ${config} = | Load Thresholds | from_model=live | optimal=high_precision |
        """
        if (path is None) == (from_model is None):
            raise ReinferConfigurationError(
                "Load Thresholds needs exactly one of a file path or from_model=<version|live|staging>."
            )
        if from_model is not None:
            # Imported here: keywords/models.py imports this module for `describe`.
            from .models import left_out_message, thresholds_from_model

            chosen = self.dataset(dataset)
            config, skipped = thresholds_from_model(self.client, chosen, from_model, optimal)
            if skipped:
                self.warn(left_out_message(chosen, config, optimal, skipped))
            self.info(f"Thresholds from {config.source}: {describe(config)}.")
            return config
        assert path is not None  # for mypy: exactly one of the two is set
        config = load_thresholds(path)
        self.info(f"Loaded thresholds from {path}: {describe(config)}.")
        return config


def as_thresholds(value: Any) -> Any:
    """Thresholds argument as given, with text paths refused (see :func:`reject_path`)."""
    return reject_path(value, "thresholds")
