"""`make test-matrix`: the unit and acceptance suites on every supported Python installed here.

For each supported version (``SUPPORTED``) it looks for an interpreter the usual ways: a
``pythonX.Y`` on PATH, pyenv's versions (``$PYENV_ROOT`` or ``~/.pyenv``), ``/usr/bin``,
``/usr/local/bin`` and ``py -X.Y`` on Windows. A candidate counts only if it runs, really is
that version and can create a virtual environment (pyenv shims of versions not installed,
and Debian Pythons without ``venv``, are passed over). A version with no such interpreter is
reported as ``skipped: not installed``, nothing else is skipped.

Each version gets its own virtual environment in ``.venv-matrix/pyX.Y`` (the project
installed with ``[sandbox,dev]``, reused while pyproject.toml is unchanged), then runs
``pytest tests/unit`` and ``tests/acceptance/run.py`` into ``results/matrix/pyX.Y``.
Prints one line per version and exits 1 if any installed version fails.

    python tools/test_matrix.py [--versions 3.12,3.13] [--unit-only]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUPPORTED = ("3.10", "3.11", "3.12", "3.13", "3.14")
VENVS = ROOT / ".venv-matrix"
RESULTS = ROOT / "results" / "matrix"


def candidates(version: str) -> list[str]:
    found: list[str] = []
    on_path = shutil.which(f"python{version}")
    if on_path:
        found.append(on_path)
    roots = [os.environ.get("PYENV_ROOT"), str(Path.home() / ".pyenv")]
    for root in filter(None, roots):
        versions = Path(root) / "versions"
        if versions.is_dir():
            pattern = re.compile(rf"^{re.escape(version)}\.\d+$")
            for entry in sorted(versions.iterdir(), reverse=True):
                if pattern.match(entry.name):
                    found.append(str(entry / "bin" / "python"))
    found += [f"/usr/local/bin/python{version}", f"/usr/bin/python{version}"]
    if os.name == "nt" and shutil.which("py"):
        found.append(f"py -{version}")
    return list(dict.fromkeys(found))


def usable(command: str, version: str) -> str | None:
    """The full version when ``command`` runs as ``version`` and has venv with pip, else None."""
    probe = "import sys, venv, ensurepip; print('.'.join(map(str, sys.version_info[:3])))"
    try:
        done = subprocess.run(
            [*command.split(" ", 1), "-c", probe] if command.startswith("py -") else [command, "-c", probe],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    full = done.stdout.strip()
    return full if done.returncode == 0 and full.startswith(f"{version}.") else None


def find(version: str) -> tuple[str, str] | None:
    for command in candidates(version):
        full = usable(command, version)
        if full:
            return command, full
    return None


def run(command: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    log.write_text(f"$ {' '.join(command)}\n{done.stdout}\n{done.stderr}", encoding="utf-8")
    return done


def environment(interpreter: str, version: str, out: Path) -> tuple[Path | None, float, str]:
    """A venv with the project installed; (python, seconds spent installing, problem)."""
    where = VENVS / f"py{version}"
    python = where / ("Scripts" if os.name == "nt" else "bin") / "python"
    stamp = where / ".installed"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text(encoding="utf-8") == wanted:
        return python, 0.0, ""
    started = time.monotonic()
    shutil.rmtree(where, ignore_errors=True)
    done = run([*interpreter.split(" "), "-m", "venv", str(where)], out / "venv.log")
    if done.returncode != 0:
        return None, 0.0, "cannot create a virtual environment (see venv.log)"
    done = run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-e",
            ".[sandbox,dev]",
        ],
        out / "install.log",
    )
    if done.returncode != 0:
        return None, time.monotonic() - started, "pip install failed (see install.log)"
    stamp.write_text(wanted, encoding="utf-8")
    return python, time.monotonic() - started, ""


def unit(python: Path, out: Path) -> tuple[bool, str]:
    done = run([str(python), "-m", "pytest", "tests/unit", "-q", "-p", "no:cacheprovider"], out / "unit.log")
    summary = next((line for line in reversed(done.stdout.splitlines()) if " in " in line), "no summary")
    return done.returncode == 0, re.sub(r"=+", "", summary).strip()


def acceptance(python: Path, out: Path) -> tuple[bool, str]:
    done = run(
        [
            str(python),
            "tests/acceptance/run.py",
            "--outputdir",
            str(out / "acceptance"),
            "--loglevel",
            "INFO",
        ],
        out / "acceptance.log",
    )
    totals = re.findall(
        r"^(\d+ (?:tests|tasks), \d+ passed, \d+ failed(?:, \d+ skipped)?)", done.stdout, re.M
    )
    return done.returncode == 0, totals[-1] if totals else "no summary"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--versions", default=",".join(SUPPORTED), help="comma-separated X.Y versions")
    parser.add_argument("--unit-only", action="store_true", help="skip the acceptance robots")
    args = parser.parse_args()
    lines: list[str] = []
    failed = tested = 0
    for version in args.versions.split(","):
        found = find(version)
        if found is None:
            lines.append(
                f"Python {version}: skipped: not installed (looked on PATH, in pyenv, /usr/bin, /usr/local/bin)"
            )
            print(lines[-1], flush=True)
            continue
        interpreter, full = found
        out = RESULTS / f"py{version}"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        print(f"Python {full} ({interpreter}): installing and testing ...", flush=True)
        python, seconds, problem = environment(interpreter, version, out)
        install = f"install {seconds:.0f} s" if seconds else "venv reused"
        tested += 1
        if python is None:
            failed += 1
            lines.append(f"Python {full}: FAIL  {problem}; logs in {out}")
        else:
            started = time.monotonic()
            unit_ok, unit_summary = unit(python, out)
            parts = [f"unit {unit_summary}"]
            ok = unit_ok
            if not args.unit_only:
                acc_ok, acc_summary = acceptance(python, out)
                parts.append(f"acceptance {acc_summary}")
                ok = ok and acc_ok
            failed += not ok
            took = time.monotonic() - started
            lines.append(
                f"Python {full}: {'PASS' if ok else 'FAIL'}  {'; '.join(parts)}; {install}, tests {took:.0f} s"
                f" ({interpreter})"
            )
        print(lines[-1], flush=True)
    print("\ntest matrix:")
    for line in lines:
        print(f"  {line}")
    if not tested:
        print("no supported Python is installed")
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
