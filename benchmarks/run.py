"""`make bench`: ReinferLibrary against its baselines, measured in one run.

Everything runs in one process tree: this script starts a fast local stream server
(``benchmarks/stream_server.py``, TCP_NODELAY) and the sandbox, then runs each contender
as a child process, interleaved (the order rotates every repetition), ``--reps`` times, and
reports medians. The job is the same everywhere: ``--count`` comments (13 labels and 4
entities each), fetch 64, per-label thresholds, entities grouped by capture id, advance.

Contenders:

* ``plain``: (a) a plain Python ``requests`` loop (the ceiling);
* ``requests_library``: (b) the job hand-written with RequestsLibrary and Collections;
* ``readme``: (c) the README-shaped ReinferLibrary robot, INFO log, output.xml on;
* ``floor``: (d) Robot Framework's floor: the same loop, two no-op keywords per comment over
  plain dicts, no HTTP (it does not depend on the server, so it runs once per repetition);
* ``batch``: (e) the batch-level idiom (`Fetch Trigger Batch` with ``thresholds=`` and
  `Group Batch By Label`: O(batches) keyword calls).

Robots run with ``--log NONE --report NONE`` (output.xml is written, log.html is built after the
task and is not timed); a listener (``timing.py``) times the task itself, without Robot's
start-up. CPU is the client process's own.

Also: ``Labels Above Threshold`` on a 4,096-label item against a bare dict comprehension;
the sandbox's fetch+advance throughput on a first pass (scoring) and cached; and, when their
scripts exist, the memory benchmark (``benchmarks/memory_*.py``) and the work-queue
benchmark (``benchmarks/queues_bench.py``).

Writes ``results/bench/summary.md``, ``summary.json`` and ``summary.png``; prints the ratios last.

    python benchmarks/run.py [--reps 3] [--count 2000] [--skip-sandbox] [--only plain,readme]

Before/after a change, in one run: ``--baseline DIR`` (another checkout, e.g. ``git worktree
add /tmp/base main`` or ``git archive main | tar -x -C /tmp/base``) runs the library's
contenders (``readme``, ``batch``) a second time with that checkout's ReinferLibrary, interleaved
with the rest, as ``readme_baseline`` and ``batch_baseline`` (same robots, same server).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import statistics
import subprocess
import sys
import time
import timeit
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "benchmarks"
sys.path.insert(0, str(ROOT))

from benchmarks.payloads import LABELS, LABELS_PER_ITEM, THRESHOLDS, items, thresholds_yaml  # noqa: E402

CONTENDERS = ("plain", "requests_library", "readme", "floor", "batch")
TITLES = {
    "plain": "(a) plain Python requests loop",
    "requests_library": "(b) RequestsLibrary + Collections robot",
    "readme": "(c) README-shaped ReinferLibrary robot",
    "floor": "(d) Robot Framework floor robot (no-op keywords, no HTTP)",
    "batch": "(e) batch idiom: Fetch Trigger Batch thresholds= + Group Batch By Label",
}
ROBOTS = {
    "requests_library": "requests_library.robot",
    "readme": "readme.robot",
    "floor": "floor.robot",
    "batch": "batch.robot",
}
LIBRARY_CONTENDERS = ("readme", "batch")
"""Contenders that run ReinferLibrary: ``--baseline`` runs them with another checkout's too."""
BASELINE = "_baseline"
DEMO_DATASET = "acme/retail-inbox"
DEMO_SOURCE = "acme/retail-inbox"


class Target:
    """A server the contenders read from: the stream server or the sandbox."""

    def __init__(self, name: str, url: str, token: str, dataset: str, count: int) -> None:
        self.name, self.url, self.token, self.dataset, self.count = name, url, token, dataset, count
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.serial = 0
        self.reset_to: str | None = None

    def new_stream(self, label: str) -> str:
        """A stream at the start of the benchmark's comments, used by one run only."""
        self.serial += 1
        name = f"{label.replace('_', '-')}-{self.serial}"
        if self.name == "sandbox":
            base = f"{self.url}/api/v1/datasets/{self.dataset}/streams"
            stream = {
                "name": name,
                "model": {
                    "version": 1,
                    # 13 labels per comment, as on the stream server: the stream lists 13 at 0.
                    "label_thresholds": [
                        {"name": label.split(" > "), "threshold": 0.0} for label in LABELS[:LABELS_PER_ITEM]
                    ],
                },
            }
            self.session.put(base, json={"stream": stream}).raise_for_status()
            self.session.post(
                f"{base}/{name}/reset", json={"to_comment_created_at": self.reset_to}
            ).raise_for_status()
        return name


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def run_plain(target: Target, stream: str, files: dict[str, Path]) -> dict[str, Any]:
    command = [
        sys.executable,
        str(HERE / "contenders" / "plain_loop.py"),
        target.url,
        target.token,
        target.dataset,
        stream,
        str(files["json"]),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    if done.returncode != 0:
        return {"status": "FAIL", "message": done.stderr.strip().splitlines()[-1:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_robot(
    contender: str,
    target: Target | None,
    stream: str,
    files: dict[str, Path],
    out: Path,
    count: int,
    library: Path = ROOT,
) -> dict[str, Any]:
    """One robot run; ``library`` is the checkout whose ReinferLibrary it imports."""
    out.mkdir(parents=True, exist_ok=True)
    timing = out / "timing.json"
    timing.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REINFER_", "BENCH_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(library), str(HERE / "contenders")])
    if target is not None:
        env.update(
            BENCH_URL=target.url,
            BENCH_TOKEN=target.token,
            BENCH_DATASET=target.dataset,
            BENCH_STREAM=stream,
        )
    env.update(BENCH_THRESHOLDS_JSON=str(files["json"]), BENCH_THRESHOLDS_YAML=str(files["yaml"]))
    env["REINFER_STATE_DIR"] = str(out / "state")  # the stream lease and ledger of this run only
    command = [
        sys.executable,
        "-m",
        "robot",
        "--outputdir",
        str(out),
        "--log",
        "NONE",
        "--report",
        "NONE",
        "--loglevel",
        "INFO",
        "--console",
        "none",
        "--variable",
        f"EXPECTED:{count}",
        "--listener",
        f"{HERE / 'timing.py'}:{timing}",
        str(HERE / "contenders" / ROBOTS[contender]),
    ]
    # Run from the output folder: `python -m robot` puts the working directory first on the
    # path, which would import this checkout's ReinferLibrary instead of ``library``'s.
    done = subprocess.run(command, env=env, cwd=out, capture_output=True, text=True, check=False, timeout=900)
    if not timing.exists():
        return {"status": "FAIL", "message": (done.stdout + done.stderr)[-500:]}
    record = json.loads(timing.read_text(encoding="utf-8"))
    record["count"] = count
    ran = record.get("library")
    if ran is not None and Path(ran) != library.resolve():
        return {"status": "FAIL", "message": f"imported ReinferLibrary from {ran}, not {library}"}
    return record


def labels_micro(reps: int) -> dict[str, float]:
    """Labels Above Threshold vs a bare dict comprehension giving the same answer, 4,096 labels.

    The keyword is called as a robot calls it (its Python method, thresholds as a dictionary,
    with its log line) on an item as `Fetch Trigger Batch` hands it to a robot that has not
    read ``${item.labels}``: its labels are still the plain dictionaries the API sent (ADR
    0014). The baseline is a dict comprehension plus the same sort (highest confidence first)
    over those same label dictionaries, so both read the same data; ``ratio`` is against it.
    (Over label dictionaries built from the very strings that key the thresholds dictionary,
    each look-up would find its key by identity, which no fetched item does: about 50 us less
    on 4,096 labels.)

    ``ratio_read_item`` is the keyword on a second copy of the item whose labels a robot did
    read (``${item.labels}`` made them DotDicts, each read a little slower than a dict's),
    against the same baseline: the worst case. ``ratio_same_item`` is that against the
    comprehension over those same DotDicts, so it isolates the keyword's own cost (checking
    the thresholds dictionary for changes, the log line). Times are the process's CPU time
    (medians of interleaved repetitions, each the best of 5 x 20 calls).
    """
    from collections import OrderedDict

    from ReinferLibrary import ReinferLibrary
    from ReinferLibrary.keywords.base import to_robot
    from ReinferLibrary.models import Item

    names = [f"Group {i // 64} > Label {i % 64}" for i in range(4096)]
    probabilities = [(i % 97) / 97 for i in range(4096)]
    raw = {
        "uid": "src.c1",
        "labels": [
            {"name": n.split(" > "), "probability": p} for n, p in zip(names, probabilities, strict=True)
        ],
    }
    thresholds = dict.fromkeys(names, 0.5)
    item = to_robot(Item.model_validate(raw))
    read_item = to_robot(Item.model_validate(raw))
    plain = OrderedDict.__getitem__(item, "labels")  # as stored: no conversion to DotDicts
    keyword = ReinferLibrary().keywords["labels_above_threshold"]

    def library() -> Any:
        return keyword(item, thresholds=thresholds)

    def bare() -> Any:
        kept = {n: p for label in plain if (p := label["probability"]) >= thresholds[n := label["name"]]}
        return sorted(kept, key=kept.__getitem__, reverse=True)

    read_labels = read_item["labels"]  # what ${item.labels} does: the labels become DotDicts

    def library_read() -> Any:
        return keyword(read_item, thresholds=thresholds)

    def bare_item() -> Any:
        kept = {
            n: p for label in read_labels if (p := label["probability"]) >= thresholds[n := label["name"]]
        }
        return sorted(kept, key=kept.__getitem__, reverse=True)

    if not library() == bare() == library_read() == bare_item():
        raise SystemExit("Labels Above Threshold and the dict comprehension disagree")
    functions = {"library": library, "bare": bare, "library_read": library_read, "bare_item": bare_item}
    timings: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(max(reps, 3)):
        for name, function in functions.items():
            # CPU time of this process: on a shared machine, wall-clock samples also count the
            # time other processes held the CPU, which swung the ratio from 1.3 to 2.2.
            cpu = timeit.repeat(function, number=20, repeat=5, timer=time.process_time)
            timings[name].append(min(cpu) / 20)
    lib, base, read, same = (median(timings[name]) for name in functions)
    return {
        "library_ms": lib * 1000,
        "bare_ms": base * 1000,
        "ratio": lib / base,
        "library_read_ms": read * 1000,
        "ratio_read_item": read / base,
        "bare_item_ms": same * 1000,
        "ratio_same_item": read / same,
    }


def start_stream_server(count: int, token: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.stream_server", "--count", str(count), "--token", token],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    found = re.search(r"ready at (http://\S+)", line)
    if not found:
        process.kill()
        raise SystemExit(f"the stream server did not start: {line!r}")
    return process, found.group(1)


def sandbox_comments(count: int, run: str) -> list[dict[str, Any]]:
    out = []
    for item in items(count):
        comment = item["comment"]
        out.append(
            {
                "id": f"{run}-{comment['id']}",
                "timestamp": comment["timestamp"],
                "thread_id": comment["thread_id"],
                "messages": comment["messages"],
                "user_properties": comment.get("user_properties", {}),
            }
        )
    return out


def sync_run(target: Target, count: int, run: str) -> str:
    """Upload ``count`` new comments; returns the creation time of the first one."""
    comments = sandbox_comments(count, run)
    source = f"{target.url}/api/v1/sources/{DEMO_SOURCE}"
    for start in range(0, len(comments), 1000):
        target.session.post(
            f"{source}/sync", json={"comments": comments[start : start + 1000]}
        ).raise_for_status()
    first = target.session.get(f"{source}/comments/{comments[0]['id']}")
    first.raise_for_status()
    return str(first.json()["comment"]["created_at"])


AHEAD_VERSION = 1  # the demo's routing stream reads version 1: the sandbox scores it at sync
AT_FETCH_VERSION = 2  # no stream reads version 2 when the comments are synced: scored at fetch


def sandbox_stream(target: Target, name: str, version: int) -> str:
    """A stream on ``version`` at the start of the comments just synced (13 labels at 0)."""
    base = f"{target.url}/api/v1/datasets/{target.dataset}/streams"
    thresholds = [{"name": label.split(" > "), "threshold": 0.0} for label in LABELS[:LABELS_PER_ITEM]]
    stream = {"name": name, "model": {"version": version, "label_thresholds": thresholds}}
    target.session.put(base, json={"stream": stream}).raise_for_status()
    target.session.post(
        f"{base}/{name}/reset", json={"to_comment_created_at": target.reset_to}
    ).raise_for_status()
    return name


def sandbox_rep(target: Target, count: int, rep: int, files: dict[str, Path]) -> dict[str, float]:
    """One repetition on ``count`` comments synced for it (never scored, never read before).

    * ``sync``: the upload itself (the sandbox extracts entities and properties then, and
      scores the comments for the model versions its streams use);
    * ``first``: first fetch+advance pass scored **at fetch**: a stream on version 2, made
      after the sync (no stream used version 2 at sync time) and deleted after the pass;
    * ``ahead``: first fetch+advance pass of the same comments on version 1, **scored ahead**
      at sync (the demo's ``routing`` stream uses version 1);
    * ``cached``: a second pass on version 1 (the predictions are in memory).

    ``first`` and ``ahead`` alternate in order between repetitions.
    """
    started = time.perf_counter()
    target.reset_to = sync_run(target, count, f"pass{rep}")
    rates = {"sync": count / (time.perf_counter() - started)}
    kinds = ["first", "ahead"] if rep % 2 == 0 else ["ahead", "first"]
    for kind in [*kinds, "cached"]:
        target.serial += 1
        version = AT_FETCH_VERSION if kind == "first" else AHEAD_VERSION
        stream = sandbox_stream(target, f"pass-{kind}-{target.serial}", version)
        result = run_plain(target, stream, files)
        if kind == "first":
            target.session.delete(f"{target.url}/api/v1/datasets/{target.dataset}/streams/{stream}")
        if result.get("status") != "PASS" or result["count"] != count:
            raise SystemExit(f"sandbox {kind} pass failed: {result}")
        rates[kind] = result["count"] / result["wall"]
    return rates


def sandbox_passes(target: Target, count: int, reps: int, files: dict[str, Path]) -> dict[str, list[float]]:
    """Fetch+advance throughput of the sandbox on new comments: first pass scored at fetch
    (``first``), first pass scored ahead at sync (``ahead``), cached, and the sync itself."""
    rates: dict[str, list[float]] = {"first": [], "ahead": [], "cached": [], "sync": []}
    for rep in range(reps):
        found = sandbox_rep(target, count, rep, files)
        for kind, rate in found.items():
            rates[kind].append(rate)
        print(
            f"  sandbox pass {rep + 1}: first (scored at fetch) {found['first']:,.0f}, first (scored"
            f" ahead at sync) {found['ahead']:,.0f}, cached {found['cached']:,.0f} comments/s;"
            f" sync {found['sync']:,.0f} comments/s",
            flush=True,
        )
    return rates


def optional_benchmarks(out: Path, memory_counts: list[str]) -> dict[str, Any]:
    """Runs the memory and work-queue benchmarks when their scripts exist.

    ``memory_*.py`` gets ``--counts`` (10k and 100k by default: a million comments take the
    better part of an hour; pass ``--memory-counts 10000 100000 1000000`` for the full run).
    """
    found: dict[str, Any] = {}
    scripts = sorted(HERE.glob("memory_*.py")) + sorted(HERE.glob("queues_bench.py"))
    for script in scripts:
        started = time.monotonic()
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        extra = ["--counts", *memory_counts] if script.name.startswith("memory_") else []
        done = subprocess.run(
            [sys.executable, str(script), *extra],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        record: dict[str, Any] = {
            "exit": done.returncode,
            "seconds": time.monotonic() - started,
            "output": done.stdout.strip().splitlines()[-30:],
        }
        for line in reversed(done.stdout.strip().splitlines()):
            if line.startswith("{"):
                try:
                    record["data"] = json.loads(line)
                    break
                except ValueError:
                    pass
        found[script.stem] = record
        print(f"  {script.name}: exit {done.returncode} in {record['seconds']:.0f} s", flush=True)
    (out / "optional.json").write_text(json.dumps(found, indent=1), encoding="utf-8")
    return found


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load average {load:.1f} at start"
    )


def run_contender(
    contender: str,
    rep: int,
    targets: list[Target],
    results: dict[str, dict[str, list[dict[str, Any]]]],
    files: dict[str, Path],
    out: Path,
    baseline: Path | None = None,
) -> None:
    """One repetition of one contender against every server (the floor robot once: no HTTP)."""
    for target in targets:
        if contender == "floor" and target is not targets[0]:
            continue  # no HTTP: one floor run per repetition serves both servers
        stream = target.new_stream(contender)
        run_out = out / "runs" / f"{target.name.replace(' ', '-')}-{contender}-{rep + 1}"
        if contender == "plain":
            record = run_plain(target, stream, files)
        elif contender.endswith(BASELINE) and baseline is not None:
            robot = contender.removesuffix(BASELINE)
            record = run_robot(robot, target, stream, files, run_out, target.count, library=baseline)
        else:
            record = run_robot(contender, target, stream, files, run_out, target.count)
        results[target.name][contender].append(record)
        rate = record["count"] / record["wall"] if record.get("status") == "PASS" else 0
        cpu_ms = 1000 * record.get("cpu", 0) / max(record.get("count", 1), 1)
        print(
            f"  rep {rep + 1} {target.name:13} {contender:17} {record.get('status')}"
            f" {rate:8,.0f} comments/s  {cpu_ms:6.3f} ms CPU/comment {record.get('message') or ''}",
            flush=True,
        )


def chosen_contenders(only: str, baseline: Path | None) -> list[str]:
    """The contenders of ``--only``, and the library's again with ``--baseline``'s checkout."""
    contenders = [c for c in only.split(",") if c in CONTENDERS]
    if baseline is not None:
        if not (baseline / "ReinferLibrary" / "__init__.py").is_file():
            raise SystemExit(f"--baseline {baseline}: no ReinferLibrary package there")
        contenders += [c + BASELINE for c in contenders if c in LIBRARY_CONTENDERS]
    return contenders


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench")
    parser.add_argument(
        "--requests-library-count",
        type=int,
        default=512,
        help="comments the RequestsLibrary robot reads (it is ~100x slower; its rate is per comment)",
    )
    parser.add_argument("--skip-sandbox", action="store_true")
    parser.add_argument("--memory-counts", nargs="+", default=["10000", "100000"], help="for memory_*.py")
    parser.add_argument("--only", default=",".join(CONTENDERS), help="contenders to run, comma-separated")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout: run readme and batch with its ReinferLibrary too (before/after, one run)",
    )
    parser.add_argument(
        "--skip-extras",
        action="store_true",
        help="only the contenders: no Labels Above Threshold micro-benchmark, memory or work-queue runs",
    )
    args = parser.parse_args()
    started = time.monotonic()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    files = {"json": out / "thresholds.json", "yaml": out / "thresholds.yaml"}
    files["json"].write_text(json.dumps(THRESHOLDS), encoding="utf-8")
    files["yaml"].write_text(thresholds_yaml(), encoding="utf-8")
    contenders = chosen_contenders(args.only, args.baseline)
    about = machine()
    print(f"make bench on {about}", flush=True)

    token = secrets.token_urlsafe(16)
    server, server_url = start_stream_server(args.count, token)
    targets = [Target("stream server", server_url, token, "bench/inbox", args.count)]
    sandbox = None
    passes: dict[str, list[float]] = {}
    try:
        if not args.skip_sandbox:
            from ReinferLibrary.sandbox.runner import SandboxServer

            print("starting the sandbox (it trains the demo models) ...", flush=True)
            sandbox = SandboxServer(seed="demo", startup_timeout=300)
            sandbox_url = sandbox.start()
            target = Target("sandbox", sandbox_url, sandbox.token, DEMO_DATASET, args.count)
            print("sandbox fetch+advance, first pass (scoring) and cached:", flush=True)
            passes = sandbox_passes(target, args.count, args.reps, files)
            targets.append(target)

        results: dict[str, dict[str, list[dict[str, Any]]]] = {
            t.name: {c: [] for c in contenders} for t in targets
        }
        for rep in range(args.reps):
            order = contenders[rep % len(contenders) :] + contenders[: rep % len(contenders)]
            for contender in order:
                run_contender(contender, rep, targets, results, files, out, args.baseline)
        if "floor" in contenders:
            for target in targets[1:]:
                results[target.name]["floor"] = results[targets[0].name]["floor"]
    finally:
        server.terminate()
        server.wait(timeout=10)
        if sandbox is not None:
            sandbox.stop()

    micro: dict[str, float] = {}
    optional: dict[str, Any] = {}
    if not args.skip_extras:
        print("Labels Above Threshold on 4,096 labels vs a dict comprehension ...", flush=True)
        micro = labels_micro(args.reps)
        optional = optional_benchmarks(out, args.memory_counts)

    from benchmarks.report import write_report

    ratios = write_report(out, about, args, results, passes, micro, optional, time.monotonic() - started)
    print("\nratios (medians of interleaved repetitions, one run):")
    for line in ratios:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
