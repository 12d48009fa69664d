"""The summary of a `make bench` run: medians, ratios against the targets, a table and a chart."""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import time
from pathlib import Path
from typing import Any

TITLES = {
    "plain": "(a) plain Python requests loop",
    "requests_library": "(b) RequestsLibrary + Collections robot",
    "readme": "(c) README-shaped ReinferLibrary robot",
    "floor": "(d) Robot Framework floor (no-op keywords, no HTTP)",
    "batch": "(e) batch idiom (Group Batch By Label)",
    "readme_baseline": "(c') README-shaped robot, --baseline checkout's library",
    "batch_baseline": "(e') batch idiom, --baseline checkout's library",
}


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def medians(runs: list[dict[str, Any]]) -> dict[str, float]:
    good = [r for r in runs if r.get("status") == "PASS" and r.get("wall")]
    return {
        "rate": _median([r["count"] / r["wall"] for r in good]),
        "cpu_ms": _median([1000 * r["cpu"] / r["count"] for r in good]),
        "runs": len(good),
        "failed": len(runs) - len(good),
    }


def _ratio(a: float, b: float) -> float:
    return a / b if b and b == b and a == a else float("nan")


def _target_checks(target: str, per: dict[str, dict[str, float]]) -> list[tuple[str, float, str, bool]]:
    """The ratios and targets of one server (stream server or sandbox)."""
    checks: list[tuple[str, float, str, bool]] = []

    def check(name: str, value: float, target: str, ok: bool) -> None:
        checks.append((name, value, target, ok))

    def get(contender: str, key: str = "rate", per: dict[str, dict[str, float]] = per) -> float:
        return per.get(contender, {}).get(key, float("nan"))

    check(f"{target}: README robot / floor robot", _ratio(get("readme"), get("floor")), ">= 0.8", False)
    check(
        f"{target}: README robot / RequestsLibrary robot",
        _ratio(get("readme"), get("requests_library")),
        ">= 20",
        False,
    )
    check(f"{target}: batch idiom / plain Python loop", _ratio(get("batch"), get("plain")), ">= 0.5", False)
    check(f"{target}: README robot / plain Python loop", _ratio(get("readme"), get("plain")), "(info)", True)
    check(f"{target}: README robot client CPU per comment (ms)", get("readme", "cpu_ms"), "<= 0.6", False)
    # Client CPU per comment does not depend on what else the machine runs; wall-clock
    # rates do (the load average is in the machine line).
    cpu = lambda a, b: _ratio(get(b, "cpu_ms"), get(a, "cpu_ms"))  # noqa: E731
    check(f"{target}: by client CPU: README robot / floor robot", cpu("readme", "floor"), "(info)", True)
    check(
        f"{target}: by client CPU: README robot / RequestsLibrary robot",
        cpu("readme", "requests_library"),
        "(info)",
        True,
    )
    check(f"{target}: by client CPU: batch idiom / plain Python loop", cpu("batch", "plain"), "(info)", True)
    for robot, words in (("readme", "README robot"), ("batch", "batch idiom")):
        if f"{robot}_baseline" in per:  # --baseline: this checkout against another, same run
            base = f"{robot}_baseline"
            check(
                f"{target}: {words} / the same with the baseline library",
                _ratio(get(robot), get(base)),
                "(info)",
                True,
            )
            check(f"{target}: by client CPU: {words} / baseline", cpu(robot, base), "(info)", True)
    return checks


def verdict(value: float, target: str) -> str:
    if target == "(info)" or value != value:
        return "" if target == "(info)" else "not measured"
    op, number = target.split()
    return "met" if (value >= float(number) if op == ">=" else value <= float(number)) else "NOT met"


SANDBOX_ROWS = {
    "first": ("sandbox fetch+advance first pass, scored at fetch (comments/s)", ">= 5000"),
    "ahead": ("sandbox fetch+advance first pass, scored ahead at sync (comments/s)", ">= 5000"),
    "cached": ("sandbox fetch+advance cached (comments/s)", "(info)"),
    "sync": ("sandbox sync of the new comments (comments/s)", "(info)"),
}
"""The sandbox rows of the ratio table, by the keys of ``benchmarks.run.sandbox_rep``'s answer."""
SANDBOX_WORDS = {
    "first": "first pass scored at fetch",
    "ahead": "first pass scored ahead at sync",
    "cached": "cached",
    "sync": "sync",
}


def _sandbox_lines(passes: dict[str, list[float]]) -> list[str]:
    shown = [
        f"{SANDBOX_WORDS[kind]} " + ", ".join(f"{v:,.0f}" for v in passes[kind])
        for kind in SANDBOX_ROWS
        if passes.get(kind)
    ]
    if not shown:
        return []
    return [
        "Sandbox (plain loop, new comments each repetition), comments/s per repetition: "
        + "; ".join(shown)
        + "."
    ]


def write_report(
    out: Path,
    about: str,
    args: argparse.Namespace,
    results: dict[str, dict[str, list[dict[str, Any]]]],
    passes: dict[str, list[float]],
    micro: dict[str, float],
    optional: dict[str, Any],
    seconds: float,
) -> list[str]:
    table = {target: {c: medians(runs) for c, runs in per.items()} for target, per in results.items()}
    ratios: list[str] = []
    checks: list[tuple[str, float, str, bool]] = []

    def check(name: str, value: float, target: str, ok: bool) -> None:
        checks.append((name, value, target, ok))

    for target, per in table.items():
        checks += _target_checks(target, per)
    if micro:
        check("Labels Above Threshold (4,096 labels) / dict comprehension", micro["ratio"], "<= 1.3", False)
    for kind, (name, target) in SANDBOX_ROWS.items():
        if passes.get(kind):
            check(name, _median(passes[kind]), target, target == "(info)")

    lines = [
        "# `make bench` summary",
        "",
        f"Machine: {about}.  ",
        f"Run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {args.count:,} comments "
        f"(13 labels, 4 entities each), fetch 64, {args.reps} interleaved repetitions, medians; "
        f"took {seconds / 60:.1f} min; load average {os.getloadavg()[0]:.1f} at the end. Command: `make bench`.",
        "",
        "| contender | server | comments/s | client CPU per comment | runs |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for target, per in table.items():
        for contender, m in per.items():
            failed = f" ({m['failed']} failed)" if m["failed"] else ""
            where = "none (no HTTP)" if contender == "floor" else target
            lines.append(
                f"| {TITLES[contender]} | {where} | {m['rate']:,.0f} | {m['cpu_ms']:.3f} ms | {m['runs']}{failed} |"
            )
    lines += ["", "| ratio | value | target | |", "| --- | ---: | --- | --- |"]
    for name, value, target, _ in checks:
        shown = f"{value:,.0f}" if value > 100 else f"{value:.2f}"
        lines.append(f"| {name} | {shown} | {target} | {verdict(value, target)} |")
        ratios.append(f"{name}: {shown} (target {target}) {verdict(value, target)}".rstrip())
    lines += ["", *_micro_lines(micro)]
    lines += _sandbox_lines(passes)
    lines += _optional_lines(optional)
    (out / "summary.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "summary.json").write_text(
        json.dumps({"table": table, "passes": passes, "micro": micro, "checks": checks}, indent=1),
        encoding="utf-8",
    )
    chart(out / "summary.png", table, passes, optional)
    return ratios


def _micro_lines(micro: dict[str, float]) -> list[str]:
    if not micro:
        return []
    return [
        f"Labels Above Threshold on 4,096 labels: {micro['library_ms']:.2f} ms per call, "
        f"dict comprehension {micro['bare_ms']:.2f} ms."
    ]


def _optional_lines(optional: dict[str, Any]) -> list[str]:
    """The memory and work-queue benchmarks' own output, when they ran."""
    if not optional:
        return ["", "Memory and work-queue benchmarks: not present in this checkout (skipped)."]
    lines = ["", "## Memory and work-queue benchmarks", ""]
    for name, record in optional.items():
        lines += [f"### {name} (exit {record['exit']}, {record['seconds']:.0f} s)", "", "```"]
        lines += record["output"][-15:]
        lines += ["```", ""]
    return lines


def _memory_series(optional: dict[str, Any]) -> list[tuple[str, list[float], list[float]]]:
    """(idiom, comments, peak RSS MB) series from the memory benchmark's table
    (``idiom  comments  peak RSS MB  growth MB  output.xml B/comment`` rows)."""
    series: dict[str, tuple[list[float], list[float]]] = {}
    row = re.compile(r"^(\S+)\s+([\d,]+)\s+([\d.]+)\s+(-?[\d.]+)\s+(\d+)$")
    for name, record in optional.items():
        if not name.startswith("memory_"):
            continue
        for line in record.get("output", []):
            found = row.match(line.strip())
            if found:
                xs, ys = series.setdefault(found.group(1), ([], []))
                xs.append(float(found.group(2).replace(",", "")))
                ys.append(float(found.group(3)))
    return [(idiom, xs, ys) for idiom, (xs, ys) in series.items()]


def chart(
    path: Path,
    table: dict[str, dict[str, dict[str, float]]],
    passes: dict[str, list[float]],
    optional: dict[str, Any],
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    memory = _memory_series(optional)
    panels = 2 if memory else 1
    figure, axes = plt.subplots(1, panels, figsize=(11 if memory else 8, 4.8), squeeze=False)
    ax = axes[0][0]
    targets = list(table)
    contenders = list(next(iter(table.values()))) if table else []
    width = 0.8 / max(len(targets), 1)
    for index, target in enumerate(targets):
        values = [table[target][c]["rate"] for c in contenders]
        positions = [i + index * width for i in range(len(contenders))]
        bars = ax.bar(positions, values, width, label=target)
        ax.bar_label(bars, labels=[f"{v:,.0f}" for v in values], fontsize=7)
    if passes:
        ax.axhline(statistics.median(passes["first"]), color="grey", linestyle=":", linewidth=1)
        ax.text(len(contenders) - 0.5, statistics.median(passes["first"]), " sandbox first pass", fontsize=7)
    ax.set_xticks([i + width * (len(targets) - 1) / 2 for i in range(len(contenders))])
    ax.set_xticklabels(
        [TITLES[c].split(" ", 1)[0] + "\n" + c.replace("_", " ") for c in contenders], fontsize=8
    )
    ax.set_ylabel("comments/s (median)")
    ax.set_yscale("log")
    ax.set_title("Comments per second per contender")
    ax.legend(fontsize=8)
    if memory:
        ax = axes[0][1]
        for name, xs, ys in memory:
            ax.plot(xs, ys, marker="o", label=name)
        ax.set_xscale("log")
        ax.set_xlabel("comments processed")
        ax.set_ylabel("peak RSS (MB)")
        ax.set_title("Memory over comments processed")
        ax.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
