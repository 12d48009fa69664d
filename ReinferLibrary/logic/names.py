"""Label names as robots, files and the API write them, and "did you mean" for unknown ones.

``"Order > Missing"``, ``["Order", "Missing"]`` and the text ``"[Order, Missing]"`` (how a
robot writes the list form as a dictionary key or plain argument) are the same label.
:func:`canonical_name` turns any of them into ``"Order > Missing"``; the splitting itself
(:func:`~ReinferLibrary.models.label_name`) lives in ``models`` because the models
normalise names while parsing.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from ..errors import ReinferConfigurationError
from ..models import label_name

SUGGESTIONS = 3
SIMILARITY = 0.6
CLOSE_TO_BEST = 0.1


def label_text_parts(text: str) -> str | list[str]:
    """``"[Order, Missing]"`` as ``["Order", "Missing"]``; any other text unchanged.

    A robot cannot write a list as a dictionary key or a plain argument, so the list form
    of a name arrives as text. Quotes around a level (``['Order', 'Missing']``) are removed.
    """
    stripped = text.strip()
    if len(stripped) < 2 or stripped[0] != "[" or stripped[-1] != "]":
        return text
    parts = []
    for part in stripped[1:-1].split(","):
        part = part.strip()
        if len(part) >= 2 and part[0] == part[-1] and part[0] in "'\"":
            part = part[1:-1]
        parts.append(part)
    return parts


@lru_cache(maxsize=4096)
def _canonical_text(name: str) -> str:
    return label_name(label_text_parts(name))


def parse_name(name: Any, text_lists: bool = True) -> str:
    """``"A > B"`` from text (``A > B``, or ``[A, B]`` unless ``text_lists`` is False) or a list of levels.

    Raises ``ValueError`` for anything else, or an empty name or level. ``text_lists=False``
    is for names already canonical (a loaded file), where text in brackets is a name as it stands.
    """
    if isinstance(name, str):
        return _canonical_text(name) if text_lists else label_name(name)
    if isinstance(name, (list, tuple)) and all(isinstance(part, str) for part in name):
        return label_name(name)
    raise ValueError("a label name is text (A > B or [A, B]) or a list of text levels")


def canonical_name(name: Any) -> str:
    """``"A > B"`` form of a label name given in any form, with a clear error when invalid."""
    try:
        return parse_name(name)
    except ValueError as error:
        raise ReinferConfigurationError(f"Label name {name!r} is not valid: {error}") from None


def spelling(name: Any) -> str:
    """How a label name was written, for messages: ``'Order > Missing'`` or ``['Order', 'Missing']``."""
    return repr(list(name)) if isinstance(name, (list, tuple)) else repr(name)


def suggestions(name: str, known: Sequence[str], count: int = SUGGESTIONS) -> list[str]:
    """Known label names close to ``name``, best first, compared without regard to case.

    Only names about as close as the best one are kept (``Order > Mising`` suggests
    ``Order > Missing``, not every ``Order > ...`` label); a name that differs only in
    case is the one suggestion. Names are returned in their canonical spelling.
    """
    by_lower: dict[str, str] = {}
    for candidate in known:
        by_lower.setdefault(candidate.lower(), candidate)
    wanted = name.lower()
    if wanted in by_lower:
        return [by_lower[wanted]]
    found = difflib.get_close_matches(wanted, list(by_lower), n=count, cutoff=SIMILARITY)
    scores = [difflib.SequenceMatcher(None, wanted, match).ratio() for match in found]
    return [
        by_lower[match]
        for match, score in zip(found, scores, strict=True)
        if score >= scores[0] - CLOSE_TO_BEST
    ]


def did_you_mean(name: str, known: Sequence[str]) -> str:
    """`` (did you mean 'A' or 'B'?)`` for an unknown label, or ``""`` with no close name."""
    close = suggestions(name, known)
    if not close:
        return ""
    quoted = [f"'{candidate}'" for candidate in close]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return f" (did you mean {listed}?)"


def unknown_labels(names: Iterable[str], known: Sequence[str]) -> list[str]:
    """``'Name' (did you mean ...?)`` for every name not in ``known``, in the given order."""
    present = set(known)
    return [f"'{name}'{did_you_mean(name, known)}" for name in names if name not in present]


def check_label_names(
    names: Iterable[str], known: Sequence[str], where: str, fix: str = "fix the names"
) -> None:
    """Fail listing every name of ``names`` that is not in ``known``, with suggestions."""
    unknown = unknown_labels(names, known)
    if unknown:
        raise ReinferConfigurationError(f"{where} has no label named {', '.join(unknown)}; {fix}.")
