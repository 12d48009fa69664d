"""Model versions as robots and files write them: a pinned number, or the tag ``live``/``staging``.

The one reader of a model version, used by the client (path segments), the thresholds file,
`Create Trigger`, the Predict keywords and the drift guard, so ``livee`` fails the same
way everywhere, before any call. It lives in ``models`` because the client may import
models but not logic.
"""

from __future__ import annotations

import difflib
from typing import Any, Literal, get_args

from ..errors import ReinferConfigurationError

ModelTagName = Literal["live", "staging"]
MODEL_TAGS: tuple[str, ...] = get_args(ModelTagName)
"""The model tags the platform sets; any other text is refused (with a suggestion when close)."""
ModelVersion = int | ModelTagName
"""A pinned version number or a model tag, as :func:`parse_model_version` returns it."""
_SIMILARITY = 0.6


def parse_model_version(value: Any) -> int | str:
    """A pinned version number, or ``"live"``/``"staging"`` (any case, spaces ignored).

    ``"3"`` becomes ``3``. Anything else (``"livee"``, ``-1``, ``True``, ``""``, ``None``)
    raises ``ReinferConfigurationError`` with one message everywhere, suggesting the tag
    the text is close to.
    """
    if isinstance(value, bool):
        raise _bad_version(value)
    if isinstance(value, int):
        if value < 0:
            raise _bad_version(value)
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text.isdigit():
            return int(text)
        if text in MODEL_TAGS:
            return text
        raise _bad_version(value, difflib.get_close_matches(text, MODEL_TAGS, n=1, cutoff=_SIMILARITY))
    raise _bad_version(value)


def _bad_version(value: Any, close: list[str] | None = None) -> ReinferConfigurationError:
    hint = f" Did you mean '{close[0]}'?" if close else ""
    return ReinferConfigurationError(
        f"Model version {value!r} is not valid: give a pinned version number (such as 3) or a model tag "
        f"(live or staging).{hint}"
    )
