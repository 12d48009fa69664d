"""Every endless ``WHILE`` loop users copy says how long it may run.

Robot Framework fails a ``WHILE`` loop after 10,000 iterations unless it has ``limit=``;
a robot copied from the README that drains a long backlog (10,000 batches) would die in
the middle of an unattended run. Loops meant to run until the stream is caught up say
``limit=NONE``; bounded ones (tests) give a number.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENDLESS = re.compile(r"\bWHILE(?: {2,}|\t)\s*(?:True|\$\{True\}|\$\{TRUE\}|1)\s*$", re.IGNORECASE)
"""``WHILE    True`` with nothing after the condition: no ``limit=``."""


def user_facing_files() -> list[Path]:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    for folder, patterns in (
        ("robots", ("*.robot", "*.resource")),
        ("tests/bots", ("*.robot", "*.resource")),
        ("ReinferLibrary", ("*.py",)),
    ):
        for pattern in patterns:
            files += sorted((ROOT / folder).rglob(pattern))
    return files


def endless_loops(text: str) -> list[int]:
    return [number for number, line in enumerate(text.splitlines(), 1) if ENDLESS.search(line)]


def test_the_pattern_finds_a_loop_without_a_limit() -> None:
    assert endless_loops("    WHILE    True\n    |     WHILE    True\n") == [1, 2]
    assert endless_loops("    WHILE    True    limit=NONE\n    WHILE    $x < 3\n") == []


def test_every_endless_while_loop_in_docs_robots_and_keyword_docs_has_a_limit() -> None:
    files = user_facing_files()
    assert len(files) > 10  # the README, the guide, the robots and the library's modules
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in files
        for line in endless_loops(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, (
        "WHILE True without limit= (Robot Framework stops it after 10,000 iterations; "
        f"add limit=NONE or a number): {offenders}"
    )
