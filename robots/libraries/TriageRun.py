"""The triage run's own files: work items as JSON files (a folder per queue), and the run's report.

Named apart from ``ReinferLibrary.WorkQueues`` (the work-queue library performers take work from):
this one writes the triage robot's folders when no work queue is given (``WORK_QUEUE_URL``), and
counts and reports every run either way.

Why files named by comment uid: the triage robot is at-least-once (a crash before
``Advance Trigger`` delivers the same batch again), so routing a comment twice must leave
exactly one work item. Why atomic writes (temporary file, fsync, ``os.replace``): a
performer robot reading the queue never sees half a file, and a crash never leaves a
truncated file under the real name.

The library also keeps the run's numbers (per queue, batches, filtered, re-deliveries)
and writes them as ``report.json``, ``report.csv`` and ``run-report.html`` (the numbers with
charts, for the process owners; see :mod:`ReinferLibrary.run_report`) at the end, and reads the few fields
of a comment a work item needs (who wrote, the subject) and the exception type of an error.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import socket
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from robot.api import logger
from robot.api.deco import keyword, library

from ReinferLibrary.logic.processing import exception_type_for as library_exception_type
from ReinferLibrary.logic.thresholds_file import load_thresholds
from ReinferLibrary.run_report import RunRecorder, render_run_report

UNSAFE_IN_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]")
SUFFIX = ".json"
TEMPORARY_SUFFIX = ".tmp"
# A write takes milliseconds; a temporary file this old was left by a killed process. Younger
# ones may belong to another robot writing into the same queue folders right now, unless their
# name says which process wrote them and that process is gone (see `writer_tag`).
STALE_TEMPORARY_SECONDS = 60.0
# ".<name>.<pid>-<host>.<random>.tmp": the writer of a temporary file, so a restarted robot can
# remove at once what a killed one left, whatever its age.
WRITER_TAG = re.compile(r"\.(\d+)-([A-Za-z0-9_-]+)\.[^.]+\.tmp$")
# Robot Framework writes its own report.html into the output folder after the run, so the
# run report needs a name of its own.
RUN_REPORT = "run-report.html"
# "Business error (missing entity): ..." -> "missing entity"
ERROR_CATEGORY = re.compile(r"^\s*Business error \(([^)]+)\)")
# mkstemp creates files readable by their owner only; work items are read by other robots
# and people, so they get the usual permissions (0666 less the umask) like any new file.
_UMASK = os.umask(0)
os.umask(_UMASK)
FILE_MODE = 0o666 & ~_UMASK


def work_item_file_name(uid: str) -> str:
    """``<uid>.json`` with anything unsafe in a file name replaced by ``_``."""
    if not uid:
        raise ValueError("A work item needs the comment uid (key 'uid'); this one has none.")
    return UNSAFE_IN_FILE_NAME.sub("_", uid) + SUFFIX


def _host_tag() -> str:
    return UNSAFE_IN_FILE_NAME.sub("_", socket.gethostname()).replace(".", "_").replace("-", "_") or "host"


def writer_tag() -> str:
    """``<pid>-<host>``: names the process that writes a temporary file (see ``WRITER_TAG``)."""
    return f"{os.getpid()}-{_host_tag()}"


def _writer_gone(name: str) -> bool:
    """True when a temporary file's name says it was written on this machine by a process that is gone."""
    match = WRITER_TAG.search(name)
    if match is None or match.group(2) != _host_tag():
        return False
    pid = int(match.group(1))
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive (another user's), or no way to tell: keep it
        return False
    return False


def write_text_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.{writer_tag()}.", suffix=".tmp", dir=path.parent
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).chmod(FILE_MODE)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_json_atomically(path: Path, data: Any) -> None:
    """JSON (UTF-8, indented) written with :func:`write_text_atomically`."""
    write_text_atomically(path, json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def remove_stale_temporary_files(folder: Path, older_than: float = STALE_TEMPORARY_SECONDS) -> int:
    """Delete ``.<name>.tmp`` files a killed writer left in ``folder``; return how many.

    A process killed between creating its temporary file and renaming it leaves one behind.
    It is never a work item (the real name appears only on rename), so it is only clutter.
    A file goes when its name says its writer ran on this machine and is gone (a robot
    killed and restarted within the minute), or when it is older than ``older_than`` seconds.
    """
    removed = 0
    deadline = time.time() - older_than
    for entry in folder.iterdir():
        if not (entry.name.startswith(".") and entry.name.endswith(TEMPORARY_SUFFIX)):
            continue
        try:
            if entry.is_file() and (_writer_gone(entry.name) or entry.stat().st_mtime < deadline):
                entry.unlink()
                removed += 1
        except FileNotFoundError:  # its writer renamed or removed it meanwhile
            continue
    return removed


def exception_type_for(error: str) -> str:
    """``Missing Entity`` from ``Business error (missing entity): ...``; ``Business Error`` otherwise.

    The same rule as `Process Trigger`'s (:func:`ReinferLibrary.logic.processing.exception_type_for`).
    """
    if not ERROR_CATEGORY.match(str(error)):
        return "Business Error"
    return library_exception_type(str(error))


def _field(value: Any, name: str) -> Any:
    return value.get(name) if isinstance(value, Mapping) else None


@library(scope="GLOBAL", auto_keywords=False)
class TriageRun:
    """Write work items into queue folders and report what one robot run did."""

    def __init__(self) -> None:
        self._root: Path | None = None
        self._queues: list[str] = []
        self._exceptions_queue = "exceptions"
        self._written: Counter[str] = Counter()
        self._moved = 0
        self._redelivered = 0
        self._batches = 0
        self._filtered = 0
        self._end_of_stream = False
        self._details: dict[str, Any] = {}
        self._started = time.perf_counter()
        self._started_at = _now()
        self._run = RunRecorder()

    @property
    def root(self) -> Path:
        if self._root is None:
            raise RuntimeError("No work queue folder yet: call 'Open Work Queues' first.")
        return self._root

    @keyword
    def open_work_queues(self, root: str, *queues: str, exceptions: str = "exceptions") -> None:
        """Create a folder per queue under ``root`` and start counting this run.

        ``queues`` may repeat names (the routing table's values); each folder is made once.
        ``exceptions`` is the queue for comments set aside for a person; it is reported apart.
        Temporary files a killed run left in the queue folders are deleted: those whose
        writer process on this machine is gone, and any more than a minute old.
        """
        self._root = Path(root).resolve()
        self._exceptions_queue = exceptions
        self._queues = sorted({*queues, exceptions})
        for queue in self._queues:
            (self._root / queue).mkdir(parents=True, exist_ok=True)
        removed = sum(remove_stale_temporary_files(folder) for folder in self._queue_folders())
        if removed:
            logger.info(f"Removed {removed} temporary file(s) an earlier, interrupted run left behind.")
        self._written.clear()
        self._moved = self._redelivered = self._batches = self._filtered = 0
        self._end_of_stream = False
        self._details = {"queue_dir": str(self._root)}
        self._started = time.perf_counter()
        self._started_at = _now()
        self._run = RunRecorder()
        logger.info(f"Work queues in {self._root}: {', '.join(self._queues)}.")

    @keyword
    def add_report_details(self, **details: Any) -> None:
        """Remember ``details`` (the model version, ...) for the report of this run.

        Given as they become known, so a report written after a failure still has them.
        """
        self._details.update(details)

    @keyword
    def get_comment_header(self, item: Mapping[str, Any]) -> dict[str, str]:
        """``received``, ``from`` and ``subject`` of an item's comment (its first message).

        Empty text for whatever the comment does not have.
        """
        comment = _field(item, "comment")
        messages = _field(comment, "messages") or []
        message = messages[0] if messages else {}
        return {
            "received": str(_field(comment, "timestamp") or ""),
            "from": str(_field(message, "from") or ""),
            "subject": str(_field(_field(message, "subject"), "text") or ""),
        }

    @keyword
    def get_exception_type(self, error: str) -> str:
        """The exception type to tag for a business error: its category, capitalised.

        ``Business error (missing entity): ...`` gives ``Missing Entity``; a message
        without a category gives ``Business Error``.
        """
        return exception_type_for(error)

    @keyword
    def write_work_item(self, queue: str, work_item: Mapping[str, Any]) -> str:
        """Write ``work_item`` as ``<root>/<queue>/<uid>.json`` atomically; return the path.

        Writing the same comment again replaces its file, so a batch delivered twice (a
        restart after a crash) leaves one work item per comment. If the comment sits in
        another queue (the thresholds changed between the two deliveries), that copy is
        removed: a comment is in exactly one queue.
        """
        name = work_item_file_name(str(work_item.get("uid") or ""))
        path = self.root / queue / name
        if path.exists():
            self._redelivered += 1
        else:
            for other in self._queue_folders():
                stale = other / name
                if other.name != queue and stale.exists():
                    stale.unlink()
                    self._moved += 1
                    self._redelivered += 1
                    logger.info(f"Comment {work_item['uid']} moved from queue {other.name} to {queue}.")
        write_json_atomically(path, dict(work_item))
        self._written[queue] += 1
        self._chart(work_item)
        return str(path)

    def _chart(self, work_item: Mapping[str, Any]) -> None:
        """Feed the run report: confidences of cleared labels, near misses, exception types."""
        for label in work_item.get("labels") or []:
            name, confidence = _field(label, "name"), _field(label, "confidence")
            if name is not None and confidence is not None:
                self._run.confidence(str(name), float(confidence), cleared=True)
        if work_item.get("exception_type"):
            self._run.exception(str(work_item["exception_type"]))
            for label in work_item.get("predicted") or []:
                name, probability = _field(label, "name"), _field(label, "probability")
                if name is not None and probability is not None:
                    self._run.confidence(str(name), float(probability), cleared=False)

    @keyword
    def count_work_item(self, queue: str, work_item: Mapping[str, Any]) -> None:
        """Count a work item this run handed to a work queue (``Add Work Item``) for the reports.

        Only `Write Work Item` counts by itself; a work queue keeps its own counts (``Get Work
        Queue Stats``), so ``redelivered`` and ``on_disk`` of the report cover folders only.
        """
        self._written[queue] += 1
        self._chart(work_item)

    @keyword
    def record_batch(self, batch: Mapping[str, Any]) -> int:
        """Count a fetched batch (its filtered comments, whether it reached the end).

        Returns how many batches this run has recorded, this one included.
        """
        self._batches += 1
        self._filtered += int(batch.get("filtered") or 0)
        self._end_of_stream = bool(batch.get("is_end_sequence"))
        self._run.batch(sum(self._written.values()))
        return self._batches

    @keyword
    def work_queue_sizes(self) -> dict[str, int]:
        """Queue name -> number of work items on disk now (all runs, not only this one)."""
        if self._root is None:  # the run failed before its queues were opened
            return {}
        return {folder.name: _count_items(folder) for folder in self._queue_folders()}

    @keyword
    def write_triage_report(self, directory: str, **details: Any) -> dict[str, Any]:
        """Write ``report.json``, ``report.csv`` and ``run-report.html`` into ``directory``; return it.

        ``run-report.html`` is one self-contained page with charts: comments per queue,
        exceptions by type, label confidences against the thresholds of ``thresholds_file``
        (when given and readable), and throughput over the run.

        ``details`` (trigger, dataset, ...) and those of `Add Report Details` (model
        version, ...) are copied into the JSON as given, with ``queue_dir``. Counts are of
        this run; ``on_disk`` is what the queue folders hold now.
        """
        seconds = max(time.perf_counter() - self._started, 1e-9)
        on_disk = self.work_queue_sizes()
        exceptions = self._written[self._exceptions_queue]
        comments = sum(self._written.values())
        queues = sorted({*self._queues, *on_disk})
        report: dict[str, Any] = {
            **self._details,
            **details,
            "started_at": self._started_at,
            "finished_at": _now(),
            "seconds": round(seconds, 3),
            "batches": self._batches,
            "filtered": self._filtered,
            "comments": comments,
            "routed": comments - exceptions,
            "exceptions": exceptions,
            "redelivered": self._redelivered,
            "moved": self._moved,
            "comments_per_second": round(comments / seconds, 1),
            "end_of_stream": self._end_of_stream,
            "queues": {
                queue: {"this_run": self._written[queue], "on_disk": on_disk.get(queue, 0)}
                for queue in queues
            },
        }
        folder = Path(directory)
        write_json_atomically(folder / "report.json", report)
        write_text_atomically(folder / "report.csv", _csv(report))
        write_text_atomically(folder / RUN_REPORT, render_run_report(report, self._run, _thresholds(details)))
        logger.info(_html_summary(report), html=True)
        return report

    def _queue_folders(self) -> list[Path]:
        return sorted(entry for entry in self.root.iterdir() if entry.is_dir())


def _thresholds(details: Mapping[str, Any]) -> dict[str, float]:
    """The thresholds to draw, from ``thresholds_file``; none when it cannot be read (the run
    may be ending because of that very file, and its report must still be written)."""
    path = details.get("thresholds_file")
    if not path:
        return {}
    try:
        return dict(load_thresholds(str(path)).thresholds)
    except Exception as error:  # noqa: BLE001 - any problem with the file only costs the threshold marks
        logger.info(f"The run report shows no thresholds: {error}")
        return {}


def _count_items(folder: Path) -> int:
    return sum(
        1 for entry in folder.iterdir() if entry.name.endswith(SUFFIX) and not entry.name.startswith(".")
    )


def _csv(report: Mapping[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["queue", "this_run", "on_disk"])
    for queue, counts in report["queues"].items():
        writer.writerow([queue, counts["this_run"], counts["on_disk"]])
    total_on_disk = sum(counts["on_disk"] for counts in report["queues"].values())
    writer.writerow(["TOTAL", report["comments"], total_on_disk])
    return buffer.getvalue()


def _html_summary(report: Mapping[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{queue}</td><td>{counts['this_run']}</td><td>{counts['on_disk']}</td></tr>"
        for queue, counts in report["queues"].items()
    )
    version = report.get("model_version")
    model = f" by model version {version}" if version is not None else ""
    return (
        f"<b>{report['comments']} comments in {report['seconds']} s "
        f"({report['comments_per_second']} per second)</b>{model}: {report['routed']} routed, "
        f"{report['exceptions']} exceptions, {report['redelivered']} delivered again, "
        f"{report['filtered']} filtered, {report['batches']} batches, "
        f"end of stream: {report['end_of_stream']}."
        '<table border="1" style="border-collapse:collapse">'
        f"<tr><th>queue</th><th>this run</th><th>on disk</th></tr>{rows}</table>"
    )
