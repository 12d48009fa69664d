"""Table rows in a text part, so entities in one row can share a capture id.

Two table shapes are recognised, both common in emails that went through rich-text processing:

* pipe (markdown) tables: consecutive lines containing ``|``; rows above a ``|---|---|``
  separator are headers and rows below it are data. Without a separator every row counts as
  data, as long as each line starts with ``|`` (a lone "a | b" line is just punctuation).
* tab-separated tables: two or more consecutive lines, each with the same number (two or more)
  of tab-separated cells. A header row usually holds no entities, so it costs nothing.
"""

from __future__ import annotations

import re

_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")


def data_rows(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` character ranges of the data rows of every table, in text order."""
    if "|" not in text and "\t" not in text:
        return []
    lines = _lines(text)
    rows: list[tuple[int, int]] = []
    rows.extend(_pipe_rows(lines))
    rows.extend(_tab_rows(lines))
    return sorted(set(rows))


def _lines(text: str) -> list[tuple[int, int, str]]:
    result = []
    position = 0
    for line in text.splitlines(keepends=True):
        content = line.rstrip("\r\n")
        result.append((position, position + len(content), content))
        position += len(line)
    return result


def _blocks(lines: list[tuple[int, int, str]], belongs: list[bool]) -> list[list[int]]:
    """Runs of consecutive line indexes for which ``belongs`` is true."""
    blocks: list[list[int]] = []
    current: list[int] = []
    for index, flag in enumerate(belongs):
        if flag:
            current.append(index)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _pipe_rows(lines: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    rows: list[tuple[int, int]] = []
    for block in _blocks(lines, ["|" in content for _, _, content in lines]):
        if len(block) < 2:
            continue
        separators = [i for i in block if _SEPARATOR.match(lines[i][2])]
        if separators:
            body = [i for i in block if i > separators[0] and i not in separators]
        elif all(lines[i][2].lstrip().startswith("|") for i in block):
            body = block
        else:
            continue
        rows.extend((lines[i][0], lines[i][1]) for i in body)
    return rows


def _tab_rows(lines: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    cells = [content.strip("\r\n").count("\t") + 1 if "\t" in content else 0 for _, _, content in lines]
    rows: list[tuple[int, int]] = []
    for block in _blocks(lines, [count >= 2 for count in cells]):
        # A run of tab lines with different cell counts is split where the count changes.
        start = 0
        while start < len(block):
            end = start
            while end + 1 < len(block) and cells[block[end + 1]] == cells[block[start]]:
                end += 1
            if end > start:
                rows.extend((lines[i][0], lines[i][1]) for i in block[start : end + 1])
            start = end + 1
    return rows
