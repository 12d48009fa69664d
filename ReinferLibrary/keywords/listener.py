"""The library's listener: a bounded result model for every robot, and outcome-driven advance.

Robot Framework calls it (listener API 3) because the library class names it in
``ROBOT_LIBRARY_LISTENER``. It does two things:

*Bounded memory* (always on; ``bounded_memory=False`` on the import turns it off).
Robot Framework keeps every keyword, iteration and message of a running task in memory
until the task ends, although output.xml already holds them (it is written as the run
goes, and log.html is built from it afterwards). At the end of each FOR or WHILE
iteration the listener removes that iteration from its loop's in-memory result, so a
WHILE loop that runs for a million comments holds one iteration at a time. Nothing in
output.xml, log.html or report.html changes; other listeners still get the whole
iteration in their own ``end_*_iteration``.

*Outcome-driven advance* (``advance_on_outcome=True`` on the import). For robots written
as a WHILE / FOR loop (the README's shape) it gives what `Process Trigger` gives: it
follows the batch of the last `Fetch Trigger Batch` whose result the robot assigned
(``${batch}=    Fetch Trigger Batch    ...``) and the item in hand (a FOR loop variable
holding one of that batch's items). An item whose FOR iteration passes is *done*; when the
iteration fails for the item (any failure other than a technical, authentication or fatal
one) the comment is tagged as an exception, like `Process Trigger` does, and counts as
handled. When the batch's WHILE iteration passes, or the task ends (passed or failed), the
trigger is advanced past what was handled: past the whole batch when every item was,
else up to the last item of the unbroken run of handled items from the start. Nothing
is advanced past an item whose work did not finish. A robot that calls `Advance Trigger`
itself is left alone for that batch. Each handled item is recorded in this machine's
ledger as it ends (as `Mark Item Done` does), so after a crash the next fetch skips it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from robot.api import logger
from robot.libraries.BuiltIn import BuiltIn

from ..errors import ReinferError
from ..logic.processing import FailureKind, classify_failure, exception_type_for, first_line
from .ledger import stream_guard, stream_id

if TYPE_CHECKING:
    from .base import LibraryComponent

Outcome = Literal["done", "exception"]
FETCH = "fetchtriggerbatch"
ADVANCE = "advancetrigger"


def _normalised(name: str) -> str:
    return str(name).replace(" ", "").replace("_", "").lower().rsplit(".", 1)[-1]


@dataclass
class _Followed:
    """The batch the robot is working on."""

    dataset: str
    stream: str
    batch: Mapping[str, Any]
    uids: list[str]
    handled: set[str] = field(default_factory=set)
    done_by_robot: bool = False


class ReinferListener:
    """Listener API 3 of ReinferLibrary (see the module documentation)."""

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(
        self, component: LibraryComponent, bounded_memory: bool = True, outcome: bool = False
    ) -> None:
        self.component = component
        self.bounded_memory = bounded_memory
        self.outcome = outcome
        self.followed: _Followed | None = None
        self.in_hand: Mapping[str, Any] | None = None

    # --- bounded memory ------------------------------------------------------------

    @staticmethod
    def _forget(result: Any) -> None:
        parent = getattr(result, "parent", None)
        body = getattr(parent, "body", None)
        if body is None:
            return
        # The iteration that just ended is the last one (messages logged in it sit inside it).
        for index in range(len(body) - 1, max(len(body) - 3, -1), -1):
            if body[index] is result:
                del body[index]
                return

    def end_while_iteration(self, data: Any, result: Any) -> None:
        if self.outcome and self.followed is not None and result.passed:
            self._advance("the loop iteration passed")
        if self.bounded_memory:
            self._forget(result)

    def start_for_iteration(self, data: Any, result: Any) -> None:
        if not self.outcome or self.followed is None:
            return
        self.in_hand = None
        uids = self.followed.uids
        for value in getattr(data, "assign", {}).values():
            if isinstance(value, Mapping) and value.get("uid") in uids:
                self.in_hand = value
                return

    def end_for_iteration(self, data: Any, result: Any) -> None:
        if self.outcome and self.in_hand is not None and self.followed is not None:
            self._item_ended(self.in_hand, result)
            self.in_hand = None
        if self.bounded_memory:
            self._forget(result)

    # --- outcome-driven advance --------------------------------------------------------

    def end_library_keyword(self, data: Any, implementation: Any, result: Any) -> None:
        if not self.outcome or not result.passed:
            return
        name = _normalised(result.name)
        if name == FETCH:
            self._follow(result)
        elif name == ADVANCE and self.followed is not None:
            self._robot_advanced()

    def end_test(self, data: Any, result: Any) -> None:
        if self.outcome and self.followed is not None:
            self._advance(f"the task {'passed' if result.passed else 'ended'}")
            self.followed = None

    def _follow(self, result: Any) -> None:
        if not result.assign:
            logger.warn(
                "advance_on_outcome: assign the batch (${batch}=    Fetch Trigger Batch    ...) so the "
                "listener can advance it; this batch is not followed."
            )
            self.followed = None
            return
        builtin = BuiltIn()
        batch = builtin.get_variable_value(result.assign[0].rstrip("= "))
        if not isinstance(batch, Mapping) or "sequence_id" not in batch:
            self.followed = None
            return
        trigger, dataset = self._fetch_arguments(result.args, builtin)
        dataset_name, stream = self.component.stream(trigger, dataset)
        uids = [str(item.get("uid")) for item in batch.get("results") or () if isinstance(item, Mapping)]
        self.followed = _Followed(dataset_name, stream, batch, uids)

    @staticmethod
    def _fetch_arguments(args: Any, builtin: BuiltIn) -> tuple[str, str | None]:
        trigger: str | None = None
        dataset: str | None = None
        for arg in args:
            text = str(arg)
            if text.startswith("dataset="):
                dataset = str(builtin.replace_variables(text[len("dataset=") :]))
            elif text.startswith("trigger="):
                trigger = str(builtin.replace_variables(text[len("trigger=") :]))
            elif trigger is None and "=" not in text.split("}")[-1]:
                trigger = str(builtin.replace_variables(text))
        return trigger or "", dataset

    def _robot_advanced(self) -> None:
        followed = self.followed
        assert followed is not None
        position = self.component.connection.positions.get((followed.dataset, followed.stream))
        if position == followed.batch.get("sequence_id"):
            followed.done_by_robot = True

    def _item_ended(self, item: Mapping[str, Any], result: Any) -> None:
        followed = self.followed
        assert followed is not None
        uid = str(item.get("uid"))
        if result.passed:
            self._mark(followed, item, "done")
            followed.handled.add(uid)
            return
        if result.status != "FAIL":
            return
        message = str(result.message or "")
        if classify_failure(message) is not FailureKind.ITEM:
            return
        exception_type = exception_type_for(message)
        try:
            self.component.client.tag_exceptions(followed.dataset, followed.stream, [(uid, exception_type)])
        except ReinferError as error:
            logger.warn(
                f"Comment {uid} failed and could not be tagged as {exception_type!r}: "
                f"{first_line(str(error))}"
            )
            return
        self._mark(followed, item, "exception")
        followed.handled.add(uid)
        logger.info(
            f"Comment {uid} failed: {first_line(message).rstrip('.')}; "
            f"tagged as exception {exception_type!r}."
        )

    def _mark(
        self, followed: _Followed, item: Mapping[str, Any], outcome: Literal["done", "exception"]
    ) -> None:
        """Record the item's outcome in this machine's ledger (a crash before the advance skips it)."""
        guard = stream_guard(self.component, followed.dataset, followed.stream)
        sequence_id = str(item.get("sequence_id") or "") or None
        guard.mark(
            str(item.get("uid")),
            outcome,
            sequence_id,
            stream_id(self.component, followed.dataset, followed.stream),
            logger.warn,
        )

    def _advance(self, why: str) -> None:
        followed = self.followed
        if followed is None or followed.done_by_robot:
            return
        results = [item for item in followed.batch.get("results") or () if isinstance(item, Mapping)]
        target: str | None = None
        words = ""
        if all(str(item.get("uid")) in followed.handled for item in results):
            target, words = str(followed.batch["sequence_id"]), f"past the batch ({len(results)} handled)"
        else:
            count = 0
            for item in results:
                if str(item.get("uid")) not in followed.handled:
                    break
                target, count = str(item.get("sequence_id") or "") or target, count + 1
            words = f"up to the {count} item(s) handled of {len(results)}"
        if not target:
            logger.info(
                f"Trigger {followed.stream!r} not advanced: no item of the batch was handled ({why})."
            )
            return
        connection = self.component.connection
        guard = stream_guard(self.component, followed.dataset, followed.stream)
        try:
            guard.before_advance(target, False, logger.warn)
            connection.client.advance(followed.dataset, followed.stream, target)
            guard.after_advance(target)
        except ReinferError as error:
            logger.warn(
                f"Trigger {followed.stream!r} could not be advanced ({why}): {first_line(str(error))}"
            )
            return
        connection.positions[(followed.dataset, followed.stream)] = target
        followed.done_by_robot = True
        logger.info(f"Advanced trigger {followed.stream!r} {words} because {why}.")
