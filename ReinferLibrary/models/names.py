"""Label names: ``["Order", "Missing"]`` and ``"Order > Missing"`` are the same label.

Lives in ``models`` (not ``logic``) because the models normalise names while parsing.
"""

from __future__ import annotations

from collections.abc import Sequence

SEPARATOR = " > "


def label_parts(name: str | Sequence[str]) -> tuple[str, ...]:
    """Split a label name in either form into its hierarchy parts, stripped of spaces."""
    raw = name.split(">") if isinstance(name, str) else list(name)
    parts = tuple(part.strip() for part in raw)
    if not parts or any(not part for part in parts):
        raise ValueError(f"Label name {name!r} is empty or has an empty level.")
    return parts


def label_name(name: str | Sequence[str]) -> str:
    """Return the canonical ``"Parent > Child"`` string form of a label name."""
    if isinstance(name, str) and " >" not in name and "> " not in name and ">" not in name:
        stripped = name.strip()
        if stripped:
            return stripped  # fast path: a top-level label given as a plain string
    elif type(name) is list:
        try:
            parts = [part.strip() for part in name]  # fast path: the API's list of levels
        except (AttributeError, TypeError):
            parts = []
        if parts and all(parts):
            return SEPARATOR.join(parts)
    return SEPARATOR.join(label_parts(name))
