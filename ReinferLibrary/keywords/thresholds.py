"""The thresholds the business owns: load them from a file or a model, save them for review."""

from __future__ import annotations

from pathlib import Path

from robot.api.deco import keyword

from ..errors import ReinferConfigurationError
from ..logic.model_versions import MIN_TEST_EXAMPLES, left_out_message
from ..logic.thresholds import as_config, config_text
from ..logic.thresholds_file import load_thresholds, save_thresholds
from ..models import AutoThreshold, ThresholdConfig
from .base import LibraryComponent
from .model_reads import thresholds_from_model


class ThresholdKeywords(LibraryComponent):
    """Keywords of the ``Thresholds`` area."""

    def _from_model(
        self,
        model_version: int | str,
        optimal: str,
        dataset: str | None,
        labels: list | None,
        min_test_examples: int,
    ) -> ThresholdConfig:
        """The body of `Thresholds From Model` and of `Load Thresholds` with ``from_model=``."""
        chosen = self.dataset(dataset)
        config, skipped = thresholds_from_model(
            self.client, chosen, model_version, optimal, labels, min_test_examples
        )
        if skipped:
            self.warn(left_out_message(chosen, config, optimal, skipped))
        self.info(f"Thresholds from {config.source}: {config_text(config)}.")
        return config

    @keyword(tags=("Thresholds",))
    def load_thresholds(
        self,
        path: Path | None = None,
        from_model: int | str | None = None,
        optimal: AutoThreshold = "balanced",
        dataset: str | None = None,
        min_test_examples: int = MIN_TEST_EXAMPLES,
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
        from that pinned model version's validation, exactly as `Thresholds From Model`
        does (unreliable labels are left out, with a warning naming them); `Save Thresholds`
        writes the result to a file the business can review and edit.

        Args:
            path: ``.yaml``, ``.yml`` or ``.json`` file.
            from_model: Instead of ``path``: a pinned model version number, ``live`` or
                ``staging`` whose validation gives the thresholds.
            optimal: With ``from_model``: which of the platform's thresholds to take,
                ``high_recall``, ``balanced`` (default) or ``high_precision``.
            dataset: With ``from_model``: ``owner/name``; defaults to the connection's dataset.
            min_test_examples: With ``from_model``: fewest held-out examples for a label to
                be kept (as in `Verify Model Configuration`).

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
            return self._from_model(from_model, optimal, dataset, None, min_test_examples)
        assert path is not None  # for mypy: exactly one of the two is set
        config = load_thresholds(path)
        self.info(f"Loaded thresholds from {path}: {config_text(config)}.")
        return config

    @keyword(tags=("Thresholds",))
    def thresholds_from_model(
        self,
        model_version: int | str = "live",
        optimal: AutoThreshold = "balanced",
        dataset: str | None = None,
        labels: list | None = None,
        min_test_examples: int = MIN_TEST_EXAMPLES,
    ) -> ThresholdConfig:
        """Take each label's optimal threshold from a pinned model's validation.

        The platform computes three thresholds per label from its validation:
        ``high_recall``, ``balanced`` and ``high_precision`` (increasing confidence).
        A starting point where nobody has picked numbers yet: save it with
        `Save Thresholds` for the business to review. Labels whose validation is not
        reliable are left out, with a warning naming them: no such threshold, health not
        good or average, or fewer than ``min_test_examples`` held-out examples. That is the
        rule `Verify Model Configuration` warns by, so it has nothing to say about the result.

        Args:
            model_version: A pinned version number, ``live`` or ``staging``; the result
                names the number, so it does not move with the tag.
            optimal: ``high_recall``, ``balanced`` or ``high_precision``.
            dataset: ``owner/name``; default: the connection's dataset.
            labels: Only these labels; default: every label of the model.
            min_test_examples: Fewest held-out examples for a label to be kept.

        Returns:
            A thresholds config, as `Load Thresholds` returns one.

        Example:
        | ${config} = | Thresholds From Model | live | optimal=high_precision |
        | ${labels} = | Labels Above Threshold | ${item} | thresholds=${config} |
        | Save Thresholds | ${config} | ${OUTPUT_DIR}/thresholds.yaml |
        """
        return self._from_model(model_version, optimal, dataset, labels, min_test_examples)

    @keyword(tags=("Thresholds",))
    def save_thresholds(self, config: ThresholdConfig, path: Path) -> str:
        """Write thresholds to a YAML or JSON file that `Load Thresholds` reads back.

        For the business to review and edit (see `Thresholds`). YAML files start with a
        comment saying when and from what they were written. The file is replaced in one
        step, so a robot loading it at the same moment reads the old or the new file,
        never a half-written one. Folders are created as needed.

        Args:
            config: The result of `Load Thresholds` or `Thresholds From Model`, a
                dictionary of label -> 0..1, or such a result written out as data (read
                back from JSON): every form ``thresholds=`` takes elsewhere.
            path: ``.yaml``, ``.yml`` or ``.json`` file.

        Returns:
            The path written.

        Example:
        | ${config} = | Thresholds From Model | live |
        | Save Thresholds | ${config} | ${CURDIR}/thresholds.yaml |
        | ${again} = | Load Thresholds | ${CURDIR}/thresholds.yaml |
        """
        chosen = as_config(config)
        written = save_thresholds(chosen, path)
        self.info(f"Saved thresholds to {written}: {config_text(chosen)}.")
        return str(written)
