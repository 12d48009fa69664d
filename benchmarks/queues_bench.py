"""Work-queue benchmark: throughput with 1, 2, 4 and 8 performers, and the queue's cost per item.

Prints figures; asserts nothing (speed is measured here, never in timed tests). Runs on
both engines in one run, interleaved: the embedded SQLite queue in a temporary file and
a real ``redis-server`` started on 127.0.0.1 with a free port (``appendonly yes``).

1. **Overhead per item**: one performer, no work: ``claim + complete`` of pre-added
   items, in ms per item (the goal: under 2 ms on both engines).
2. **Scaling**: N performer processes (as pabot runs robots; one connection each) with
   ``--work`` seconds of simulated work per item (default 0.2), items/s, and the
   ratio to N x the single performer's rate of the same engine in the same run (the
   goal: at least 0.8 up to 8 performers).

Each figure is the median of ``--repeats`` runs; the engines take turns.

    python benchmarks/queues_bench.py [--repeats 3] [--work 0.2] [--items-per-performer 20]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ReinferLibrary.queues import open_queue  # noqa: E402
from ReinferLibrary.queues.redis_server import RedisServer  # noqa: E402

PERFORMERS = (1, 2, 4, 8)
LEASE = 60.0


def fill(url: str, queue: str, count: int) -> None:
    with open_queue(url) as dispatcher:
        for n in range(count):
            dispatcher.add(queue, {"n": n, "text": "x" * 200}, reference=f"r{n}")


def overhead_ms(url: str, items: int) -> float:
    """Milliseconds per claim + complete, one performer, no work."""
    queue = f"overhead-{uuid.uuid4().hex[:8]}"
    fill(url, queue, items)
    with open_queue(url) as performer:
        started = time.perf_counter()
        done = 0
        while (item := performer.try_claim(queue, LEASE)) is not None:
            performer.complete(item)
            done += 1
        elapsed = time.perf_counter() - started
    assert done == items, f"{done} of {items} items claimed"
    return elapsed / items * 1000


def _perform(url: str, queue: str, work: float, ready: Any, start: Any, done: Any) -> None:
    """One performer process: claim, wait ``work`` seconds, complete, until the queue is empty."""
    with open_queue(url) as connection:
        ready.put(True)
        start.wait()
        handled = 0
        while (item := connection.try_claim(queue, LEASE)) is not None:
            time.sleep(work)
            connection.complete(item)
            handled += 1
    done.put(handled)


def throughput(url: str, performers: int, items: int, work: float) -> float:
    """Items per second with ``performers`` processes (as pabot runs them), each with its own connection."""
    queue = f"scale-{uuid.uuid4().hex[:8]}"
    fill(url, queue, items)
    context = multiprocessing.get_context("spawn")
    ready, start, done = context.Queue(), context.Event(), context.Queue()
    processes = [
        context.Process(target=_perform, args=(url, queue, work, ready, start, done))
        for _ in range(performers)
    ]
    for process in processes:
        process.start()
    for _ in processes:  # every process imported and connected before the clock starts
        ready.get(timeout=120)
    started = time.perf_counter()
    start.set()
    handled = sum(done.get(timeout=600) for _ in processes)
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join(timeout=60)
    assert handled == items, f"{handled} of {items} items handled"
    return items / elapsed


def median_of(repeats: int, engines: dict[str, str], measure: Callable[[str], float]) -> dict[str, float]:
    """Median per engine of ``repeats`` measurements, the engines taking turns."""
    runs: dict[str, list[float]] = {name: [] for name in engines}
    for _ in range(repeats):
        for name, url in engines.items():
            runs[name].append(measure(url))
    return {name: statistics.median(values) for name, values in runs.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", type=float, default=0.2, help="simulated work per item, seconds")
    parser.add_argument("--items-per-performer", type=int, default=20)
    parser.add_argument("--overhead-items", type=int, default=2000)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="queues-bench-") as folder:
        redis = RedisServer(Path(folder) / "redis")
        redis.start()
        try:
            engines = {"sqlite": f"sqlite://{folder}/queues.db", "redis": redis.url}
            print(f"Work queues benchmark: {args.repeats} repeats (median), engines interleaved")
            print(f"  sqlite: {engines['sqlite']} (WAL, synchronous=NORMAL)")
            print(f"  redis:  {engines['redis']} (redis-server, appendonly yes, appendfsync everysec)")
            print()
            overhead = median_of(args.repeats, engines, lambda url: overhead_ms(url, args.overhead_items))
            print(f"Queue overhead per item (claim + complete, {args.overhead_items} items, no work):")
            for name, value in overhead.items():
                verdict = "meets" if value < 2.0 else "MISSES"
                print(f"  {name:<7}{value:7.3f} ms/item   ({verdict} the goal < 2 ms)")
            print()
            print(f"Throughput with {args.work * 1000:.0f} ms simulated work per item (items/s):")
            print(f"  {'performers':>10} " + " ".join(f"{name:>10} {'ratio':>6}" for name in engines))
            single: dict[str, float] = {}
            for performers in PERFORMERS:
                items = performers * args.items_per_performer
                rates = median_of(
                    args.repeats, engines, lambda url, n=performers, i=items: throughput(url, n, i, args.work)
                )
                if performers == 1:
                    single = rates
                cells = []
                for name, rate in rates.items():
                    ratio = rate / (performers * single[name])
                    cells.append(f"{rate:10.2f} {ratio:6.2f}")
                print(f"  {performers:>10} " + " ".join(cells))
            print()
            print(
                "ratio = items/s / (performers x the single performer's items/s, same engine, same run); "
                "goal >= 0.80 up to 8 performers. Ideal rate: performers / work seconds "
                f"= {1 / args.work:.1f} items/s per performer."
            )
        finally:
            redis.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
