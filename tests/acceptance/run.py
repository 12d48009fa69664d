"""Run the acceptance robots against a fresh sandbox.

Starts the sandbox (``SandboxServer``: fresh temporary data directory, demo seed, random
token), runs ``robot`` on every suite in this folder with ``REINFER_URL`` and
``REINFER_TOKEN`` in the robot process's environment (never on its command line, where
logs and other users could read the token), stops the sandbox and exits with robot's
return code.

    python tests/acceptance/run.py --outputdir results/acceptance
    python tests/acceptance/run.py --include core --loglevel TRACE
    python tests/acceptance/run.py tests/acceptance/core_keywords.robot

Unknown options go to ``robot`` unchanged. When the last argument is an existing file
or folder, it replaces this folder as what robot runs (robot wants its data last).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DEFAULT_OUTPUT = ROOT / "results" / "acceptance"


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str], list[str]]:
    """(own options, options for robot, data sources for robot)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--outputdir", default=str(DEFAULT_OUTPUT), help="robot's output folder")
    parser.add_argument("--loglevel", default="DEBUG", help="robot's log level (default DEBUG)")
    parser.add_argument("--faults", default=None, help="sandbox fault spec, e.g. for chaos runs")
    parser.add_argument(
        "--processes",
        type=int,
        default=default_processes(),
        help="suites run in parallel with pabot in this many processes (1 = plain robot; default: CPU count)",
    )
    own, passthrough = parser.parse_known_args(argv)
    sources: list[str] = []
    while passthrough and Path(passthrough[-1]).exists() and not passthrough[-1].startswith("-"):
        sources.insert(0, passthrough.pop())
    return own, passthrough, sources or [str(HERE)]


def default_processes() -> int:
    """One pabot process per CPU (at least 2): the suites mostly wait on HTTP and subprocesses."""
    return max(2, os.cpu_count() or 1)


def robot_command(processes: int, sources: list[str]) -> list[str]:
    """``robot``, or ``pabot`` running whole suites in parallel (users run pabot: the suites must be safe).

    One suite file runs with plain ``robot``: there is nothing to run beside it, and pabot's
    ordering file names suites by their place in this folder, which a single file does not have.
    """
    whole_folder = sources == [str(HERE)]
    if processes <= 1 or (len(sources) == 1 and not whole_folder and Path(sources[0]).is_file()):
        return [sys.executable, "-m", "robot"]
    # Suites that change the shared sandbox's fault spec run one after another (in one
    # group); each scopes its rules to its own streams, so the suites beside them never
    # meet a fault. See pabot-ordering.txt; its suite names exist only when the whole
    # folder runs.
    ordering = ("--ordering", str(HERE / "pabot-ordering.txt")) if whole_folder else ()
    return [
        *(sys.executable, "-m", "pabot.pabot", "--processes", str(processes), "--no-pabotlib"),
        *ordering,
        *("--command", sys.executable, "-m", "robot", "--end-command"),  # this Python's robot, not PATH's
    ]


def robot_environment(url: str, token: str, outputdir: str, state_dir: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["REINFER_URL"] = url
    env["REINFER_TOKEN"] = token
    if state_dir:  # leases and ledgers go with the sandbox's data, not the user's cache
        env["REINFER_STATE_DIR"] = state_dir
    # Robots that suites start write their outputs here, outside pabot's own result folders
    # (pabot merges every output.xml it finds there, also a killed robot's truncated one).
    env["ACCEPTANCE_WORK_DIR"] = str(Path(outputdir).resolve() / "work")
    # Importable without installing the project (a fresh clone before `make venv`).
    paths = [str(ROOT), *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env


def main(argv: list[str] | None = None) -> int:
    own, robot_options, sources = parse(sys.argv[1:] if argv is None else argv)
    sys.path.insert(0, str(ROOT))
    from ReinferLibrary.sandbox.runner import SandboxServer  # after the path tweak above

    server = SandboxServer(seed="demo", faults=own.faults)
    url = server.start()
    print(f"Sandbox ready at {url} (data in {server.data_dir})", flush=True)
    try:
        command = [
            *robot_command(own.processes, sources),
            "--outputdir",
            own.outputdir,
            "--loglevel",
            own.loglevel,
            *robot_options,
            *sources,
        ]
        return subprocess.run(
            command,
            env=robot_environment(url, server.token, own.outputdir, str(Path(server.data_dir) / "state")),
            cwd=ROOT,
            check=False,
        ).returncode
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
