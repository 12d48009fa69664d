"""Test-only keywords that read what another robot run logged, from its output.xml."""

from __future__ import annotations

from robot.api import ExecutionResult, ResultVisitor
from robot.api.deco import keyword, library
from robot.result import Message


class _Messages(ResultVisitor):
    def __init__(self, level: str | None) -> None:
        self.level = level.upper() if level else None
        self.found: list[str] = []

    def visit_message(self, message: Message) -> None:
        if self.level is None or message.level == self.level:
            self.found.append(message.message)


@library(scope="GLOBAL", auto_keywords=False)
class RobotOutput:
    """Read log messages of a finished robot run."""

    @keyword
    def get_log_messages(self, output: str, level: str | None = None) -> list[str]:
        """Every message the run at ``output`` (an output.xml) logged, in order; only ``level`` ones if given.

        Messages of keywords only: the run's error section (where warnings appear a second
        time) is left out.
        """
        visitor = _Messages(level)
        ExecutionResult(output).suite.visit(visitor)
        return visitor.found
