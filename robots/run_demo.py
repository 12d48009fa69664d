"""``make demo``: run the triage robot on the whole demo inbox and say where the results are.

Usage::

    python robots/run_demo.py [--outputdir results/demo] [--trigger routing] [--faults SPEC]
                              [--task FILE] [robot options...]

When ``REINFER_URL`` is not set, a sandbox is started for the run (a fresh data folder with
the demo tenant, a random token) and stopped afterwards; the robot gets its URL and token
through the environment, never on the command line (command lines end up in process lists
and in pabot's argument files). When ``REINFER_URL`` is set, the robot runs against that
tenant with the ``REINFER_TOKEN`` from the environment, and existing work items are kept.

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
        "--task", type=Path, default=TASK, help="the robot file to run (default: the triage task)"
    )
    return parser.parse_known_args(argv)


def robot_command(task: Path, outputdir: Path, trigger: str, extra: Sequence[str]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "robot",
        "--outputdir",
        str(outputdir),
        "--variable",
        f"TRIGGER:{trigger}",
        "--consolewidth",
        "100",
        *extra,
        str(task),
    ]


def run_robot(args: argparse.Namespace, outputdir: Path, extra: Sequence[str], env: dict[str, str]) -> int:
    # The project may not be pip-installed yet (a fresh checkout): make it importable.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT), env.get("PYTHONPATH")]))
    # The command is this interpreter running robot on a robot file we were given: no shell.
    return subprocess.call(  # noqa: S603
        robot_command(args.task.resolve(), outputdir, args.trigger, extra), env=env, cwd=PROJECT
    )


def run_on_sandbox(args: argparse.Namespace, outputdir: Path, extra: Sequence[str]) -> int:
    if str(PROJECT) not in sys.path:  # a fresh checkout where the project is not installed
        sys.path.insert(0, str(PROJECT))
    from ReinferLibrary.sandbox.runner import SandboxServer  # imported late: only this path needs it

    # A fresh sandbox starts the trigger at the first comment, so old work items from an
    # earlier demo would only blur the counts.
    shutil.rmtree(outputdir / "queues", ignore_errors=True)
    print("Starting the Reinfer sandbox with the demo tenant ...", flush=True)
    started = time.perf_counter()
    sandbox = SandboxServer(seed="demo", faults=args.faults)  # a temporary data folder, removed by stop()
    try:
        url = sandbox.start()
    except RuntimeError as error:  # SandboxStartError: carries the server's last output lines
        print(f"The sandbox did not start: {error}", file=sys.stderr)
        return 255
    try:
        print(f"Sandbox ready at {url} in {time.perf_counter() - started:.1f} s.", flush=True)
        env = dict(os.environ, REINFER_URL=url, REINFER_TOKEN=sandbox.token)
        return run_robot(args, outputdir, extra, env)
    finally:
        sandbox.stop()


def main(argv: Sequence[str] | None = None) -> int:
    args, extra = parse_args(argv)
    outputdir = Path(args.outputdir).resolve()
    outputdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if os.environ.get("REINFER_URL"):
        if not os.environ.get("REINFER_TOKEN"):
            print("REINFER_URL is set but REINFER_TOKEN is not: set both, or neither for the sandbox.")
            return 252  # Robot Framework's "invalid data or command line options"
        if args.faults:
            print("--faults only applies to the sandbox; REINFER_URL is set, so it is ignored.")
        print(f"Triaging trigger {args.trigger!r} on {os.environ['REINFER_URL']} (from REINFER_URL).")
        rc = run_robot(args, outputdir, extra, dict(os.environ))
    else:
        rc = run_on_sandbox(args, outputdir, extra)
    print()
    print(f"Demo finished in {time.perf_counter() - started:.1f} s with exit code {rc}.")
    print(f"  Log:           {outputdir / 'log.html'}")
    print(f"  Triage report: {outputdir / 'report.json'} and {outputdir / 'report.csv'}")
    print(f"  Work items:    {outputdir / 'queues'}{os.sep}<queue>{os.sep}<comment uid>.json")
    return rc


if __name__ == "__main__":
    sys.exit(main())
