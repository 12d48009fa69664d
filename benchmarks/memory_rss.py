"""Peak memory of a long robot run, for both ways of writing a bot (issue 9; docs/adr, bounded memory).

Runs each idiom in its own ``robot`` process against a fast local stream server
(:mod:`fast_stream`, TCP_NODELAY, realistic items, no model) and prints, per number of
comments, the process's peak RSS (``ru_maxrss`` of the finished child), the size of its
output.xml and the time taken:

- ``while``: the README's hand-written loop (fetch 64, `Labels Above Threshold`,
  `Get Entities By Capture Group`, a user keyword per comment, advance).
- ``process``: the same work with `Process Trigger` (defaults: ``item_log=failures``).
- ``while-flat``: the README loop whose FOR body is one user keyword tagged
  ``robot:flatten`` (smaller output.xml; see the ADR).
- ``while-unbounded`` (with ``--baseline``): the README loop with ``bounded_memory=False``,
  Robot Framework's own behaviour, measured in the same run for comparison.

The goal: peak RSS grows by less than 25 MB between the smallest and the largest count,
with output.xml written (log.html and report.html are not made: building them reads all
of output.xml back, a separate step; see the ADR). Robot runs with ``--loglevel INFO``.

    python benchmarks/memory_rss.py                       # 10k, 100k, 1M comments (long!)
    python benchmarks/memory_rss.py --counts 10000 100000 --baseline
    python benchmarks/memory_rss.py --counts 2000 --idioms process --repeat 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from fast_stream import serve  # noqa: E402

GOAL_MB = 25.0
DEFAULT_COUNTS = (10_000, 100_000, 1_000_000)
IDIOMS = ("while", "process")
EXTRA = ("while-flat", "while-unbounded")

SETTINGS = """*** Settings ***
Library    ReinferLibrary{import_args}

*** Variables ***
${{TOKEN: Secret}}    %{{REINFER_TOKEN}}

"""
KEYWORDS = """
*** Keywords ***
Handle Comment
    [Arguments]    ${item}    ${config}
    ${labels}=    Labels Above Threshold    ${item}    thresholds=${config}
    ${orders}=    Get Entities By Capture Group    ${item}
    Route Comment    ${item}    ${labels}    ${orders}

Handle Comment Flat
    [Arguments]    ${item}    ${config}
    [Tags]    robot:flatten
    Handle Comment    ${item}    ${config}

Route Comment
    [Arguments]    ${item}    ${labels}    ${orders}
    No Operation
"""
WHILE_TASK = """*** Tasks ***
Triage The Inbox
    Connect To Reinfer    token=${TOKEN}    dataset=bench/inbox
    ${config}=    Load Thresholds    ${THRESHOLDS}
    WHILE    True    limit=NONE
        ${batch}=    Fetch Trigger Batch    ${TRIGGER}    size=64
        FOR    ${item}    IN    @{batch.results}
            ${labels}=    Labels Above Threshold    ${item}    thresholds=${config}
            ${orders}=    Get Entities By Capture Group    ${item}
            Route Comment    ${item}    ${labels}    ${orders}
        END
        Advance Trigger    ${TRIGGER}    ${batch}
        IF    ${batch.is_end_sequence}    BREAK
    END
"""
FLAT_TASK = WHILE_TASK.replace(
    """            ${labels}=    Labels Above Threshold    ${item}    thresholds=${config}
            ${orders}=    Get Entities By Capture Group    ${item}
            Route Comment    ${item}    ${labels}    ${orders}
""",
    """            Handle Comment Flat    ${item}    ${config}
""",
)
PROCESS_TASK = """*** Tasks ***
Triage The Inbox
    Connect To Reinfer    token=${TOKEN}    dataset=bench/inbox
    ${config}=    Load Thresholds    ${THRESHOLDS}
    ${summary}=    Process Trigger    ${TRIGGER}    Handle Comment    ${config}    size=64
    Should Be Equal As Integers    ${summary.processed}    ${COUNT}
"""
THRESHOLDS = """model_version: 1
thresholds:
  Order > Missing: 0.5
  Refund > Request: 0.5
  Complaint: 0.6
default: 0.8
"""


def write_robot(folder: Path, idiom: str) -> Path:
    import_args = "    bounded_memory=False" if idiom == "while-unbounded" else ""
    task = {"process": PROCESS_TASK, "while-flat": FLAT_TASK}.get(idiom, WHILE_TASK)
    path = folder / f"{idiom}.robot"
    path.write_text(SETTINGS.format(import_args=import_args) + task + KEYWORDS, encoding="utf-8")
    return path


def run_once(url: str, folder: Path, idiom: str, count: int, run: int) -> tuple[float, int, float]:
    """(peak RSS in MB, output.xml bytes, seconds) of one robot process."""
    robot_file = write_robot(folder, idiom)
    out = folder / f"{idiom}-{count}-{run}"
    trigger = f"bench-{idiom}-{run}-{count}"
    command = [
        sys.executable, "-m", "robot", "--outputdir", str(out), "--log", "NONE", "--report", "NONE",
        "--loglevel", "INFO", "--console", "none", "--debugfile", str(folder / "debug.txt"),
        "--variable", f"TRIGGER:{trigger}", "--variable", f"COUNT:{count}",
        "--variable", f"THRESHOLDS:{folder / 'thresholds.yaml'}", str(robot_file),
    ]  # fmt: skip
    env = {**os.environ, "REINFER_URL": url, "REINFER_TOKEN": "bench-token", "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=ROOT)  # our own command line
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(
            f"{idiom} with {count} comments failed (rc {process.returncode}): "
            + (folder / "debug.txt").read_text()[-3000:]
        )
    size = (out / "output.xml").stat().st_size
    return usage.ru_maxrss / 1024, size, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--counts", type=int, nargs="+", default=list(DEFAULT_COUNTS))
    parser.add_argument("--idioms", nargs="+", default=list(IDIOMS), choices=[*IDIOMS, *EXTRA])
    parser.add_argument(
        "--baseline", action="store_true", help="also run while-unbounded (Robot's own behaviour)"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per point, interleaved; the median is shown"
    )
    parser.add_argument("--keep", action="store_true", help="keep the output folders")
    options = parser.parse_args(argv)
    idioms = list(options.idioms) + (["while-unbounded"] if options.baseline else [])
    counts = sorted(options.counts)
    server, url = serve()
    print(f"Fast stream server at {url}; robot --loglevel INFO, output.xml written, no log.html.", flush=True)
    figures: dict[tuple[str, int], list[tuple[float, int, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as temporary:
        folder = Path(temporary)
        (folder / "thresholds.yaml").write_text(THRESHOLDS, encoding="utf-8")
        for run in range(options.repeat):
            for count in counts:
                for idiom in idioms:
                    figure = run_once(url, folder, idiom, count, run)
                    figures.setdefault((idiom, count), []).append(figure)
                    rss, size, seconds = figure
                    print(
                        f"  {idiom:16} {count:>9,} comments: peak RSS {rss:7.1f} MB, output.xml "
                        f"{size / count:7.0f} B/comment, {seconds:7.1f} s ({count / seconds:,.0f}/s)",
                        flush=True,
                    )
        if options.keep:
            kept = Path(tempfile.mkdtemp(prefix="bench-memory-kept-"))
            shutil.copytree(folder, kept, dirs_exist_ok=True)
            print(f"Output kept in {kept}")
    server.shutdown()
    print()
    print(f"{'idiom':16} {'comments':>10} {'peak RSS MB':>12} {'growth MB':>10} {'output.xml B/comment':>21}")
    verdicts = []
    for idiom in idioms:
        first = None
        for count in counts:
            runs = figures[(idiom, count)]
            rss = statistics.median(r[0] for r in runs)
            size = statistics.median(r[1] for r in runs)
            first = rss if first is None else first
            print(f"{idiom:16} {count:>10,} {rss:>12.1f} {rss - first:>10.1f} {size / count:>21.0f}")
        growth = statistics.median(r[0] for r in figures[(idiom, counts[-1])]) - (first or 0.0)
        if len(counts) > 1:
            ok = growth < GOAL_MB
            verdicts.append(ok or idiom == "while-unbounded")
            print(
                f"{idiom}: growth {counts[0]:,} -> {counts[-1]:,} comments = {growth:.1f} MB "
                f"({'meets' if ok else 'misses'} the goal of < {GOAL_MB:.0f} MB)"
            )
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
