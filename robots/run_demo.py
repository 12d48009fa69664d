"""``make demo``: run the triage robot on the whole demo inbox and say where the results are.

Usage::

    python robots/run_demo.py [--outputdir results/demo] [--trigger routing] [--faults SPEC]
                              [--data-dir DIR] [--task FILE] [robot options...]

When ``REINFER_URL`` is not set, a sandbox is started for the run and stopped afterwards;
the robot gets its URL and token through the environment, never on the command line
(command lines end up in process lists and in pabot's argument files). By default the
sandbox's data folder is temporary and the work items go to ``<outputdir>/queues``,
emptied first: every demo starts from the first comment. With ``--data-dir DIR`` the
sandbox keeps its data (stream positions included) in DIR and the work items go to
``DIR/queues``, so a demo that was killed carries on where it stopped when run again with
the same ``--data-dir``.

When ``REINFER_URL`` is set, the robot runs against that tenant with the ``REINFER_TOKEN``
from the environment, and the work items go to the robot's own queue folder
(``TRIAGE_QUEUE_DIR``, else ``robots/work/queues``), which must stay the same between
runs. ``--variable QUEUE_DIR:path`` overrides the queue folder in every case.

The exit code is Robot Framework's: 0 when the task passed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROBOTS = Path(__file__).resolve().parent
PROJECT = ROBOTS.parent
TASK = ROBOTS / "tasks" / "triage_inbox.robot"


def parse_args(argv: Sequence[str] | None) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        epilog="Other options go to robot, e.g. --variable DATASET:owner/name --loglevel DEBUG.",
    )
    parser.add_argument("--outputdir", default="results/demo", help="log.html, report and queues go here")
    parser.add_argument("--trigger", default="routing", help="the trigger (stream) to triage")
    parser.add_argument(
        "--faults",
        default=None,
        metavar="SPEC",
        help="sandbox only: inject faults, e.g. 'fetch:503@0.2,advance:drop@0.1' (reinfer-sandbox serve -h)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="sandbox only: keep the sandbox data (and the work items, in DIR/queues) in DIR, "
        "so a killed demo can be run again and carry on",
    )
    parser.add_argument(
        "--task", type=Path, default=TASK, help="the robot file to run (default: the triage task)"
    )
    return parser.parse_known_args(argv)


def given_variable(extra: Sequence[str], name: str) -> str | None:
    """The value of ``--variable NAME:value`` (or ``-v``) among the robot options, the last one winning."""
    value = None
    for index, option in enumerate(extra):
        if option in ("--variable", "-v") and index + 1 < len(extra):
            text = extra[index + 1]
        elif option.startswith("--variable="):
            text = option.split("=", 1)[1]
        else:
            continue
        if text.startswith(f"{name}:"):
            value = text.split(":", 1)[1]
    return value


def queue_dir(args: argparse.Namespace, outputdir: Path, extra: Sequence[str], on_sandbox: bool) -> Path:
    """Where the work items go: see the module documentation."""
    given = given_variable(extra, "QUEUE_DIR")
    if given:
        return Path(given).resolve()
    if on_sandbox:
        return (args.data_dir.resolve() if args.data_dir else outputdir) / "queues"
    # The robot's own default (triage_inbox.robot), stated here so it can be printed.
    return Path(os.environ.get("TRIAGE_QUEUE_DIR") or ROBOTS / "work" / "queues").resolve()


def robot_command(task: Path, outputdir: Path, trigger: str, queues: Path, extra: Sequence[str]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "robot",
        "--outputdir",
        str(outputdir),
        "--variable",
        f"TRIGGER:{trigger}",
        "--variable",
        f"QUEUE_DIR:{queues}",
        "--consolewidth",
        "100",
        *extra,
        str(task),
    ]


def run_robot(
    args: argparse.Namespace, outputdir: Path, queues: Path, extra: Sequence[str], env: dict[str, str]
) -> int:
    # The project may not be pip-installed yet (a fresh checkout): make it importable.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT), env.get("PYTHONPATH")]))
    # The command is this interpreter running robot on a robot file we were given: no shell.
    return subprocess.call(  # noqa: S603
        robot_command(args.task.resolve(), outputdir, args.trigger, queues, extra), env=env, cwd=PROJECT
    )


def run_on_sandbox(args: argparse.Namespace, outputdir: Path, queues: Path, extra: Sequence[str]) -> int:
    if str(PROJECT) not in sys.path:  # a fresh checkout where the project is not installed
        sys.path.insert(0, str(PROJECT))
    from ReinferLibrary.sandbox.runner import SandboxServer  # imported late: only this path needs it

    if args.data_dir is None and queues == outputdir / "queues":
        # A fresh sandbox starts the trigger at the first comment, so old work items from an
        # earlier demo would only blur the counts. (A folder the user chose is never emptied.)
        shutil.rmtree(queues, ignore_errors=True)
    print("Starting the Reinfer sandbox with the demo tenant ...", flush=True)
    started = time.perf_counter()
    # Without --data-dir: a temporary data folder, removed by stop().
    sandbox = SandboxServer(data_dir=args.data_dir, seed="demo", faults=args.faults)
    try:
        url = sandbox.start()
    except RuntimeError as error:  # SandboxStartError: carries the server's last output lines
        print(f"The sandbox did not start: {error}", file=sys.stderr)
        return 255
    try:
        print(f"Sandbox ready at {url} in {time.perf_counter() - started:.1f} s.", flush=True)
        env = dict(os.environ, REINFER_URL=url, REINFER_TOKEN=sandbox.token)
        # Stream leases and ledgers belong with the sandbox's data: a fresh sandbox starts its
        # streams afresh, so a ledger of an earlier one must not skip its comments.
        env["REINFER_STATE_DIR"] = str(Path(sandbox.data_dir) / "state")
        return run_robot(args, outputdir, queues, extra, env)
    finally:
        sandbox.stop()


def print_results(outputdir: Path, queues: Path, data_dir: Path | None) -> None:
    """One line per result file that exists; a killed robot leaves no log.html or report."""
    results = [
        ("Log", outputdir / "log.html"),
        ("Triage report", outputdir / "report.json"),
        ("Triage CSV", outputdir / "report.csv"),
        ("Run report", outputdir / "run-report.html"),
        ("Work items", queues),
        ("Sandbox data", data_dir),
    ]
    for label, path in results:
        if path is not None and path.exists():
            print(f"  {label + ':':<15}{path}")
    if not (outputdir / "report.json").exists():
        again = " with the same --data-dir" if data_dir else ""
        print(
            "  The robot stopped before writing its log and report (killed or crashed); "
            f"run the same command again{again} to carry on."
        )
    elif queues.exists():
        print("  Each work item is <queue>/<comment uid>.json in the work items folder.")


def main(argv: Sequence[str] | None = None) -> int:
    args, extra = parse_args(argv)
    outputdir = Path(args.outputdir).resolve()
    outputdir.mkdir(parents=True, exist_ok=True)
    # Files of an earlier demo in this folder would pass for this run's results below.
    for name in ("log.html", "report.html", "output.xml", "report.json", "report.csv", "run-report.html"):
        (outputdir / name).unlink(missing_ok=True)
    started = time.perf_counter()
    on_sandbox = not os.environ.get("REINFER_URL")
    queues = queue_dir(args, outputdir, extra, on_sandbox)
    if on_sandbox:
        rc = run_on_sandbox(args, outputdir, queues, extra)
    else:
        if not os.environ.get("REINFER_TOKEN"):
            print("REINFER_URL is set but REINFER_TOKEN is not: set both, or neither for the sandbox.")
            return 252  # Robot Framework's "invalid data or command line options"
        for option, value in (("--faults", args.faults), ("--data-dir", args.data_dir)):
            if value:
                print(f"{option} only applies to the sandbox; REINFER_URL is set, so it is ignored.")
        print(f"Triaging trigger {args.trigger!r} on {os.environ['REINFER_URL']} (from REINFER_URL).")
        rc = run_robot(args, outputdir, queues, extra, dict(os.environ))
    print()
    print(f"Demo finished in {time.perf_counter() - started:.1f} s with exit code {rc}.")
    print_results(outputdir, queues, args.data_dir.resolve() if on_sandbox and args.data_dir else None)
    return rc


if __name__ == "__main__":
    sys.exit(main())
