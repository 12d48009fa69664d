"""`make chaos`: kill robots and the sandbox under injected faults; count what was lost or done twice.

Scenario 1 (crashes): a sandbox with the demo tenant grown to ``--comments`` comments and
about ``--fault-rate`` of its API answers faulty (503, 429, dropped connections, slow answers).
``consumer.robot`` (fetch, work, `Mark Item Done`, advance) runs at TRACE; the harness kills it
with SIGKILL ``--kills`` times at random moments, kills the sandbox with SIGKILL once while the
robot runs (and restarts it on the same port and data), and restarts the robot until it reads
the stream to its end. The work is one line per comment in a log, so a comment done twice is
counted, not hidden by an idempotent write.

Scenario 2 (two consumers): two robots started together on one new stream; prints how many
comments both processed.

Prints: lost (neither processed nor set aside as interrupted), processed twice, stream at
end, leaks of the token in every output file, double consumed; exits 1 if any of those is not
0 (or the stream is not at its end). A comment whose work a kill interrupted (started, never
recorded done) is set aside by `Run Once For Item` rather than done again, and counted apart.

    python tests/chaos/run.py                      # the full run (make chaos)
    python tests/chaos/run.py --comments 400 --kills 3 --outputdir results/chaos-short
"""

from __future__ import annotations

import argparse
import contextlib
import html
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DATASET = "acme/retail-inbox"
SOURCE = "acme/retail-inbox"
DEMO = ROOT / "ReinferLibrary" / "sandbox" / "demo"


def fault_spec(rate: float, seed: int) -> str:
    """About ``rate`` of the fetch and advance calls meet a fault, spread over the kinds."""
    share = rate / 5
    kinds = ["503", "429", "drop", "502", "slow=300ms"]
    rules = [f"{route}:{kind}@{share:.4f}" for route in ("fetch", "advance") for kind in kinds]
    return ",".join([*rules, f"seed={seed}"])


class Sandbox:
    """The sandbox subprocess, killable with SIGKILL and restartable on the same port and data."""

    def __init__(self, data_dir: Path) -> None:
        sys.path.insert(0, str(ROOT))
        from ReinferLibrary.sandbox.runner import SandboxServer

        self.server = SandboxServer(data_dir=data_dir, seed="demo")
        self.url = self.server.start()
        self.token = self.server.token
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {self.token}"

    def call(self, method: str, path: str, body: Any = None) -> Any:
        for _ in range(20):  # the harness's own calls ride out the faults it injected
            try:
                answer = self.http.request(method, self.url + path, json=body, timeout=30)
            except requests.ConnectionError:
                time.sleep(0.2)
                continue
            if answer.status_code < 500 and answer.status_code != 429:
                answer.raise_for_status()
                return answer.json()
            time.sleep(0.2)
        raise RuntimeError(f"{method} {path} kept failing")

    def faults(self, spec: str) -> None:
        self.call("PUT", "/api/_sandbox/faults", {"spec": spec})

    def kill(self) -> None:
        """SIGKILL the server process (no clean shutdown), then start it again on the same port."""
        process = self.server._process  # the harness's own subprocess; SandboxServer has no kill()
        assert process is not None
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        self.url = self.server.restart()

    def stop(self) -> None:
        self.server.stop()


def grow(sandbox: Sandbox, total: int) -> int:
    """Add copies of the demo comments (new ids) until the dataset holds ``total``; return the count."""
    demo = [
        json.loads(line)["comment"] for path in sorted(DEMO.glob("comments_*.jsonl")) for line in path.open()
    ]
    extra = []
    for n in range(max(0, total - len(demo))):
        comment = json.loads(json.dumps(demo[n % len(demo)]))
        comment["id"] = f"chaos{n:05d}"
        comment["thread_id"] = f"t-chaos{n:05d}"
        extra.append(comment)
    for start in range(0, len(extra), 200):
        sandbox.call("POST", f"/api/v1/sources/{SOURCE}/sync", {"comments": extra[start : start + 200]})
    return len(demo) + len(extra)


def robot(outputdir: Path, env: dict[str, str], *variables: str) -> subprocess.Popen[bytes]:
    outputdir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "robot", "--outputdir", str(outputdir), "--loglevel", "TRACE"]
    command += ["--console", "quiet"]
    for variable in variables:
        command += ["--variable", variable]
    command.append(str(HERE / "consumer.robot"))
    out = (outputdir / "stdout.txt").open("wb")
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)


def lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def wait_for_lines(
    work_log: Path, count: int, process: subprocess.Popen[bytes], timeout: float = 300
) -> None:
    deadline = time.monotonic() + timeout
    while len(lines(work_log)) < count and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)


def crashes(
    sandbox: Sandbox,
    out: Path,
    env: dict[str, str],
    total: int,
    kills: int,
    rng: random.Random,
    extra: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Run the robot until it reads the stream to its end, killing it at ``kills`` points spread
    over the stream (and the sandbox once, under the second run)."""
    work_log = out / "work.log"
    step = total / (kills + 1)
    kill_at = [int(step * (n + 1) + rng.uniform(-0.2, 0.2) * step) for n in range(kills)]
    sandbox_at = (kill_at[0] + kill_at[1]) // 2 if kills > 1 else kill_at[0] // 2
    killed = sandbox_killed = runs = failed_runs = 0
    while True:
        runs += 1
        if runs > 60:
            raise RuntimeError("the robot did not reach the end of the stream in 60 runs")
        process = robot(out / f"run-{runs:02d}", env, f"WORK_LOG:{work_log}", *extra)
        if killed < kills:
            if killed == 1 and not sandbox_killed:
                wait_for_lines(work_log, sandbox_at, process)
                if process.poll() is None:
                    sandbox.kill()  # under the running robot
                    sandbox.faults(env["CHAOS_FAULTS"])
                    sandbox_killed = 1
                    print(
                        f"  run {runs}: killed the sandbox (SIGKILL) at {len(lines(work_log))} work lines, "
                        f"restarted at {sandbox.url}",
                        flush=True,
                    )
            wait_for_lines(work_log, kill_at[killed], process)
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait()
                killed += 1
                print(
                    f"  run {runs}: killed the robot (SIGKILL) at {len(lines(work_log))} work lines",
                    flush=True,
                )
                continue
        code = process.wait(timeout=900)
        print(f"  run {runs}: robot exited with {code} at {len(lines(work_log))} work lines", flush=True)
        if code == 0:
            break
        failed_runs += 1
    done = Counter(lines(work_log))
    interrupted = set()
    for ledger in (Path(env["REINFER_STATE_DIR"]) / "ledgers").glob("*.sqlite3"):
        with contextlib.closing(sqlite3.connect(ledger)) as db:
            rows = db.execute("SELECT uid FROM started WHERE uid NOT IN (SELECT uid FROM items)")
            interrupted.update(uid for (uid,) in rows)
    return {
        "interrupted": len(interrupted),
        "unaccounted": total - len(set(done) | interrupted),
        "runs": runs,
        "robot_kills": killed,
        "sandbox_kills": sandbox_killed,
        "failed_runs": failed_runs,
        "processed": len(done),
        "twice": sum(1 for count in done.values() if count > 1),
    }


def two_consumers(sandbox: Sandbox, out: Path, env: dict[str, str]) -> dict[str, Any]:
    sandbox.call("PUT", f"/api/v1/datasets/{DATASET}/streams", {"stream": {"name": "chaos-two"}})
    logs = [out / "two" / f"robot-{n}.log" for n in (1, 2)]
    processes = [
        robot(out / "two" / f"robot-{n}", env, "TRIGGER:chaos-two", f"WORK_LOG:{log}")
        for n, log in zip((1, 2), logs, strict=True)
    ]
    codes = [process.wait(timeout=900) for process in processes]
    seen = [set(lines(log)) for log in logs]
    refusal = ""
    for n in (1, 2):
        output = out / "two" / f"robot-{n}" / "output.xml"
        text = output.read_text(errors="replace") if output.exists() else ""
        found = re.search(r'level="FAIL"[^>]*>([^<]*is leased by[^<]*)<', text)
        if found:
            refusal = html.unescape(found.group(1))
    return {
        "codes": codes,
        "processed": [len(s) for s in seen],
        "both": len(seen[0] & seen[1]),
        "refusal": refusal,
    }


def leaks(out: Path, token: str) -> tuple[int, int]:
    files = [path for path in out.rglob("*") if path.is_file()]
    found = sum(path.read_bytes().count(token.encode()) for path in files)
    return found, len(files)


def stream_at_end(sandbox: Sandbox, stream: str) -> tuple[bool, int]:
    batch = sandbox.call("POST", f"/api/v1/datasets/{DATASET}/streams/{stream}/fetch", {"size": 1024})
    return bool(batch.get("is_end_sequence")) and not batch["results"], len(batch["results"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--comments", type=int, default=2000)
    parser.add_argument(
        "--kills", type=int, default=3, help="SIGKILLs of the robot (at least 3 for the issue)"
    )
    parser.add_argument("--fault-rate", type=float, default=0.10)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--outputdir", default=str(ROOT / "results" / "chaos"))
    parser.add_argument(
        "--no-ledger",
        action="store_true",
        help="baseline: the robot does not call Mark Item Done (shows what the ledger prevents)",
    )
    args = parser.parse_args(argv)
    out = Path(args.outputdir).resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    rng = random.Random(args.seed)
    started = time.perf_counter()
    sandbox = Sandbox(out / "sandbox-data")
    try:
        total = grow(sandbox, args.comments)
        spec = fault_spec(args.fault_rate, args.seed)
        sandbox.faults(spec)
        print(f"Sandbox at {sandbox.url}: {total} comments, faults {spec}", flush=True)
        env = dict(os.environ, REINFER_URL=sandbox.url, REINFER_TOKEN=sandbox.token, CHAOS_FAULTS=spec)
        env["REINFER_STATE_DIR"] = str(out / "state")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        print("Scenario 1: robot and sandbox killed under faults", flush=True)
        extra = ("MARK:False",) if args.no_ledger else ()
        one = crashes(sandbox, out / "crashes", env, total, args.kills, rng, extra)
        print("Scenario 2: two robots started together on one stream", flush=True)
        two = two_consumers(sandbox, out, env)
        sandbox.faults("")
        at_end, unread = stream_at_end(sandbox, "routing")
    finally:
        sandbox.stop()
    found, files = leaks(out, env["REINFER_TOKEN"])
    lost = one["unaccounted"]
    print()
    print(f"comments:            {total}{' (baseline: no Mark Item Done)' if args.no_ledger else ''}")
    kills = f"{one['robot_kills']} killed with SIGKILL, {one['failed_runs']} failed"
    print(f"robot runs:          {one['runs']} ({kills})")
    print(f"sandbox kills:       {one['sandbox_kills']}")
    print(f"lost:                {lost}")
    print(
        f"set aside:           {one['interrupted']} (work a kill interrupted: not done again, for a person)"
    )
    print(f"processed twice:     {one['twice']}")
    print(f"stream at end:       {'yes' if at_end else f'no ({unread} unread)'}")
    print(f"leaks at TRACE:      {found} in {files} output files")
    first, second = two["processed"]
    print(f"two consumers:       processed {first} and {second}, exit codes {two['codes']}")
    print(f"double consumed:     {two['both']}")
    print(f"refusal:             {two['refusal'] or '(none)'}")
    print(f"took:                {time.perf_counter() - started:.0f} s")
    bad = lost or one["twice"] or not at_end or found or two["both"] or not two["refusal"]
    bad = bad or one["robot_kills"] < args.kills or not one["sandbox_kills"]
    if args.no_ledger:
        print("(baseline without Mark Item Done: processed twice is expected above 0)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
