"""The error raised when an item lacks data a robot asked for."""

from __future__ import annotations

from ..errors import ReinferError


class ItemDataError(ReinferError):
    """The comment does not carry what was asked (an entity, a label property).

    A *business* error: the data is what it is, so retrying will not help; a robot
    typically tags a trigger exception and moves on. The message starts with
    ``Business error (...)`` like the API's business errors, so one ``TRY/EXCEPT``
    pattern catches both.
    """

    category = "business"

    def __init__(self, title: str, message: str) -> None:
        self.title = title
        super().__init__(f"Business error ({title}): {message}")
