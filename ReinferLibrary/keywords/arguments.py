"""Argument types every keyword shares, with the converters Robot Framework runs for them.

Registered on the library class (``@library(converters=CONVERTERS)``), so each keyword
that takes ``thresholds=`` or an item accepts the same inputs the same way, and libdoc
documents both types once (their docstrings below are that documentation).
Conversion is cheap: an item is passed on as it is, and a thresholds dictionary is
converted once and reused while it is unchanged. A value that cannot be converted is
passed on as it is, and the keyword refuses it with the library's one-line message
(Robot Framework's "cannot be converted" would hide the reason, and inside a union such
as Predict Text's ``threshold`` it would say nothing at all).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from robot.utils import getshortdoc

from ..errors import ReinferConfigurationError
from ..logic.thresholds import as_config
from ..models import Batch, Item, ThresholdConfig


def to_threshold_config(value: dict | list | str) -> Any:
    """Thresholds: which label confidences count.

    One of:
    - the result of `Load Thresholds` or `Thresholds From Model` (model version,
      per-label thresholds, ``default``, ``auto``);
    - a dictionary of label name -> threshold (0..1), names written ``Order > Missing``
      or ``[Order, Missing]``, e.g. ``&{th}    Order > Missing=${0.62}``;
    - the API's list of ``{name, threshold}`` entries, e.g.
      ``${trigger.model.label_thresholds}`` from `Get Trigger`;
    - a `Load Thresholds` result written out as a dictionary (``thresholds``, and any of
      ``model_version``, ``default``, ``auto``, ``source``), e.g. read back from JSON.

    A file path is refused: load the file once with `Load Thresholds` and pass its result,
    rather than reading the file for every comment. A dictionary is validated when it is
    first passed and again only after it changed (``Set To Dictionary`` takes effect).
    """
    try:
        return as_config(value)
    except ReinferConfigurationError:
        return value  # refused by the keyword, in the library's words


def to_item(value: object) -> object:
    """Item: one comment with its predictions.

    One of ``${batch.results}`` from `Fetch Trigger Batch`, or an item of a Predict keyword
    or of `Infer With Trained Model`: a dictionary with ``uid``, ``comment``, ``labels``
    (``name``, ``probability``, ``auto_thresholds``), ``entities`` and
    ``label_properties``. Any dictionary of that shape works (an item read back from JSON,
    or built by hand for a test); it is used as it is, nothing is copied. Anything else
    fails with ``Expected an item (...)``.
    """
    return value  # checked by the keyword (logic.items.check_item), in the library's words


CONVERTERS: dict[type, Callable[..., Any]] = {ThresholdConfig: to_threshold_config, Item: to_item}
"""``@library(converters=...)`` of the library class."""


class ConvertersOutsideRuns:
    """``ROBOT_LIBRARY_CONVERTERS`` that libdoc sees and a running robot does not.

    Robot Framework 7.5 rebuilds a library's custom converters, parsing each converter's
    signature, on *every* keyword call: measured at 0.3-1 ms per call, which was most of
    what the library cost per comment (`make bench`). The converters above convert nothing
    a keyword needs (an item is passed on as it is; a thresholds dictionary is read by the
    keyword either way), so during a run there are none: Robot Framework then passes both
    types on unchanged. Outside a run (libdoc, editors) they are there, so the documentation
    of ``Item`` and ``ThresholdConfig`` stays in the keyword documentation.
    """

    def __get__(self, instance: object, owner: type | None = None) -> dict[type, Callable[..., Any]] | None:
        from robot.running.context import EXECUTION_CONTEXTS

        return None if EXECUTION_CONTEXTS.current is not None else CONVERTERS


UNCONVERTED: frozenset[Any] = frozenset(
    {Item, ThresholdConfig, Item | None, ThresholdConfig | None, dict | Batch | list}
)
"""Argument types Robot Framework passes on unchanged during a run anyway (no converter for them)."""


def types_in_runs(types: Any) -> Any:
    """A keyword's argument types as Robot Framework should see them: ``UNCONVERTED`` as ``Any`` during a run.

    Robot Framework 7.5 looks up a converter for every typed argument on every call, and for
    a class it has no converter for (``Item``, ``ThresholdConfig``) it asks each of its ~25
    converters whether it handles it (measured ~20 us per argument) before passing the
    value on unchanged. ``Any`` is found at once and passes the value on (no type at all
    would make it try a conversion by the default value's type). Outside runs (libdoc) the
    types stay, so the documentation still names them.
    """
    from robot.running.context import EXECUTION_CONTEXTS

    if EXECUTION_CONTEXTS.current is None or not isinstance(types, dict):
        return types
    return {name: Any if hint in UNCONVERTED else hint for name, hint in types.items()}


_DOC_TAGS = re.compile(r"^Tags:|\nTags:", re.IGNORECASE).search
"""How Robot Framework finds tags written in a keyword's documentation."""


def doc_in_runs(doc: str) -> str:
    """A keyword's documentation as Robot Framework should see it: its first paragraph during a run.

    Robot Framework 7.5 reads a library keyword's documentation on every call, twice: it
    searches all of it for a ``Tags:`` line (a case-insensitive regular expression) and
    splits it into lines for the short doc that output.xml and the log show. On this
    library's documentation (1-4 KB a keyword, with examples) that cost up to ~0.1 ms a
    call, more than many keywords' own work. During a run the first paragraph is all
    Robot Framework shows, so that is what it gets; a documentation with ``Tags:`` in it
    stays whole (Robot Framework reads the tags from it). Outside runs (libdoc, editors)
    every keyword keeps its whole documentation.
    """
    from robot.running.context import EXECUTION_CONTEXTS

    if EXECUTION_CONTEXTS.current is None or not doc or _DOC_TAGS(doc):
        return doc
    return getshortdoc(doc)
