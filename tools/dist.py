"""`make dist`: build the sdist and the wheel, check them, install the wheel where users will.

1. Copies the tracked files (``git ls-files``) to ``results/dist/src``, makes the README's
   relative links absolute (``[project.urls] Source`` + ``/blob/v<version>/``) so it renders
   on PyPI, and writes the libspecs into the package so editors get them from the wheel.
2. ``python -m build`` (sdist and wheel, in ``results/dist/artifacts``) and ``twine check``.
3. Checks the wheel's file list: the demo tenant, ``py.typed``, the libspecs and the LICENSE
   are in; tests, results, benchmarks and robots are not; the metadata has the version,
   keywords and project URLs, and the description has no relative link left.
4. Installs the wheel into two fresh virtual environments, with and without ``[sandbox]``,
   timing each install; with the extra, a smoke robot starts the installed sandbox and runs
   the README's loop; without it, ``reinfer-sandbox`` and ``Library
   ReinferLibrary.sandbox.SandboxLibrary`` must fail with one line naming the extra, while
   ``Library    ReinferLibrary`` runs the same loop against the other environment's sandbox.

Every robot runs from a temporary folder, so it imports the installed wheel, never this
checkout. Prints one line per check and ends with the install times; exit code 1 on any
failure.

    python tools/dist.py [--python PYTHON] [--keep]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "results" / "dist"
SMOKE = ROOT / "tests" / "packaging"
EXTRA_HINT = "robotframework-reinfer[sandbox]"
# A markdown link or image whose target is neither absolute nor an anchor in the same page.
RELATIVE_LINK = re.compile(r"(\]\()(?!https?://|mailto:|#)([^)\s]+)(\))")


class DistCheckError(Exception):
    pass


def say(message: str) -> None:
    print(message, flush=True)


def run(command: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-25:])
        raise DistCheckError(f"{' '.join(command[:4])} ... exited {done.returncode}:\n{tail}")
    return done.stdout


def version() -> str:
    text = (ROOT / "ReinferLibrary" / "version.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    if not found:
        raise DistCheckError("ReinferLibrary/version.py has no __version__")
    return found.group(1)


def absolute_links(readme: str, base: str) -> str:
    """The README with every relative link pointing at ``base`` (anchors kept)."""
    return RELATIVE_LINK.sub(
        lambda m: f"{m.group(1)}{base}{m.group(2).removeprefix('./')}{m.group(3)}", readme
    )


def stage(python: str, release: str) -> Path:
    source = OUT / "src"
    shutil.rmtree(source, ignore_errors=True)
    files = run(["git", "ls-files", "-z"], cwd=ROOT).split("\0")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    found = re.search(r'^Source = "([^"]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M)
    if not found:
        raise DistCheckError("pyproject.toml has no [project.urls] Source")
    base = f"{found.group(1).rstrip('/')}/blob/v{release}/"
    readme = source / "README.md"
    readme.write_text(absolute_links(readme.read_text(encoding="utf-8"), base), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(source)}
    for library, target in (
        ("ReinferLibrary", source / "ReinferLibrary" / "ReinferLibrary.libspec"),
        (
            "ReinferLibrary.sandbox.SandboxLibrary",
            source / "ReinferLibrary" / "sandbox" / "SandboxLibrary.libspec",
        ),
    ):
        run([python, "-m", "robot.libdoc", "--format", "LIBSPEC", library, str(target)], env=env)
    say(f"ok    staged {len(files) - 1} tracked files, README links absolute at {base}, libspecs written")
    return source


def build(python: str, source: Path) -> tuple[Path, Path]:
    artifacts = OUT / "artifacts"
    shutil.rmtree(artifacts, ignore_errors=True)
    started = time.monotonic()
    run([python, "-m", "build", "--sdist", "--wheel", "--outdir", str(artifacts), str(source)])
    wheels, sdists = sorted(artifacts.glob("*.whl")), sorted(artifacts.glob("*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        raise DistCheckError(f"expected one wheel and one sdist in {artifacts}, got {wheels + sdists}")
    say(f"ok    built {sdists[0].name} and {wheels[0].name} in {time.monotonic() - started:.0f} s")
    out = run([python, "-m", "twine", "check", "--strict", str(wheels[0]), str(sdists[0])])
    if out.count("PASSED") != 2:
        raise DistCheckError(f"twine check did not pass both artifacts:\n{out}")
    say("ok    twine check --strict: both artifacts PASSED")
    return wheels[0], sdists[0]


def metadata_problems(metadata: Message, release: str) -> tuple[list[str], list[str]]:
    """(what is wrong with the wheel's metadata, its project URLs)."""
    problems: list[str] = []
    if metadata["Version"] != release:
        problems.append(f"Version {metadata['Version']} != {release}")
    if not metadata.get("Keywords"):
        problems.append("no Keywords")
    urls = metadata.get_all("Project-URL") or []
    if not any(u.startswith("Source,") for u in urls):
        problems.append(f"no Source among Project-URL {urls}")
    if metadata.get("License-Expression") != "Apache-2.0":
        problems.append(f"License-Expression is {metadata.get('License-Expression')!r}")
    description = metadata.get_payload()
    relative = RELATIVE_LINK.findall(str(description))
    if relative:
        problems.append(f"relative links left in the description: {[r[1] for r in relative][:5]}")
    return problems, urls


def check_wheel(wheel: Path, release: str) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(metadata_name).decode("utf-8"))
    required = [
        "ReinferLibrary/py.typed",
        "ReinferLibrary/version.py",
        "ReinferLibrary/ReinferLibrary.libspec",
        "ReinferLibrary/sandbox/SandboxLibrary.libspec",
        "ReinferLibrary/sandbox/demo/tenant.json",
    ]
    missing = [name for name in required if name not in names]
    if not any(n.startswith("ReinferLibrary/sandbox/demo/") and n.endswith(".jsonl") for n in names):
        missing.append("ReinferLibrary/sandbox/demo/*.jsonl")
    if not any(n.endswith(".dist-info/licenses/LICENSE") for n in names):
        missing.append("*.dist-info/licenses/LICENSE")
    if missing:
        raise DistCheckError(f"the wheel lacks {missing}")
    unwanted = [
        n for n in names if n.split("/")[0] in {"tests", "results", "benchmarks", "robots", "docs", "tools"}
    ]
    unwanted += [n for n in names if "/tests/" in n or n.endswith((".pyc", ".db", ".sqlite"))]
    if unwanted:
        raise DistCheckError(f"the wheel holds files users must not get: {unwanted[:10]}")
    problems, urls = metadata_problems(metadata, release)
    if problems:
        raise DistCheckError("wheel metadata: " + "; ".join(problems))
    say(
        f"ok    wheel holds {len(names)} files: demo tenant, py.typed, libspecs, LICENSE; "
        f"no tests/results; metadata {release}, {len(urls)} project URLs, keywords, absolute links"
    )


def venv(python: str, where: Path, requirement: str) -> tuple[Path, float]:
    started = time.monotonic()
    run([python, "-m", "venv", str(where)])
    bin_dir = where / ("Scripts" if os.name == "nt" else "bin")
    run(
        [
            str(bin_dir / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            requirement,
        ]
    )
    return bin_dir, time.monotonic() - started


def robot(
    bin_dir: Path, suite: Path, output: Path, env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    command = [
        str(bin_dir / "python"),
        "-m",
        "robot",
        "--outputdir",
        str(output),
        "--consolecolors",
        "off",
        str(suite),
    ]
    clean = {k: v for k, v in env.items() if k != "PYTHONPATH"}
    return subprocess.run(command, cwd=cwd, env=clean, capture_output=True, text=True, check=False)


def with_extra(python: str, wheel: Path, work: Path) -> tuple[Path, float]:
    bin_dir, seconds = venv(python, work / "venv-sandbox", f"{wheel}[sandbox]")
    say(f"ok    fresh venv + pip install '{wheel.name}[sandbox]': {seconds:.0f} s")
    done = robot(bin_dir, SMOKE / "smoke_sandbox.robot", OUT / "smoke-sandbox", dict(os.environ), work)
    if done.returncode != 0:
        raise DistCheckError(f"smoke robot against the installed sandbox failed:\n{done.stdout[-3000:]}")
    say(
        "ok    smoke robot: installed SandboxLibrary started the sandbox, README loop fetched, routed, advanced"
    )
    return bin_dir, seconds


def start_sandbox(bin_dir: Path, work: Path) -> tuple[subprocess.Popen[str], str, str]:
    token = os.urandom(12).hex()
    env = {**os.environ, "REINFER_SANDBOX_TOKEN": token}
    env.pop("PYTHONPATH", None)
    command = [str(bin_dir / "reinfer-sandbox"), "serve", "--port", "0", "--data-dir", str(work / "data")]
    process = subprocess.Popen(
        command, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 180
    for line in process.stdout:
        found = re.search(r"ready at (http://\S+)", line)
        if found:
            return process, found.group(1), token
        if time.monotonic() > deadline:
            break
    process.kill()
    raise DistCheckError("the installed reinfer-sandbox did not print its ready line")


def without_extra(python: str, wheel: Path, work: Path, sandbox_bin: Path) -> float:
    bin_dir, seconds = venv(python, work / "venv-core", str(wheel))
    say(f"ok    fresh venv + pip install '{wheel.name}' (no extra): {seconds:.0f} s")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [str(bin_dir / "reinfer-sandbox"), "serve", "--port", "0", "--data-dir", str(work / "never")],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    lines = done.stderr.strip().splitlines()
    if done.returncode != 2 or len(lines) != 1 or EXTRA_HINT not in lines[0]:
        raise DistCheckError(
            f"reinfer-sandbox without the extra: exit {done.returncode}, stderr {done.stderr!r}"
        )
    say(f"ok    reinfer-sandbox without the extra: exit 2, one line: {lines[0]}")
    done = robot(bin_dir, SMOKE / "no_extra.robot", OUT / "no-extra", env, work)
    first = next((line for line in (done.stdout + done.stderr).splitlines() if "[ ERROR ]" in line), "")
    if (
        "Importing library 'ReinferLibrary.sandbox.SandboxLibrary' failed" not in first
        or EXTRA_HINT not in first
    ):
        raise DistCheckError(
            f"Library ReinferLibrary.sandbox.SandboxLibrary without the extra did not say which extra:\n{done.stdout}{done.stderr}"
        )
    if done.returncode != 0:
        raise DistCheckError(f"no_extra.robot failed:\n{done.stdout[-3000:]}")
    say(
        f"ok    Library ReinferLibrary.sandbox.SandboxLibrary without the extra: {first.split(': ', 1)[1][:160]}"
    )
    process, url, token = start_sandbox(sandbox_bin, work)
    try:
        done = robot(
            bin_dir,
            SMOKE / "smoke_core.robot",
            OUT / "smoke-core",
            {**env, "REINFER_URL": url, "REINFER_TOKEN": token},
            work,
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
    if done.returncode != 0:
        raise DistCheckError(f"core-only smoke robot failed:\n{done.stdout[-3000:]}")
    say(
        "ok    smoke robot with only the core install: README loop against the other venv's sandbox, no sandbox modules loaded"
    )
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--python", default=sys.executable, help="the Python that builds and that the venvs use"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary virtual environments")
    args = parser.parse_args()
    release = version()
    work = Path(tempfile.mkdtemp(prefix="reinfer-dist-"))
    try:
        source = stage(args.python, release)
        wheel, _ = build(args.python, source)
        check_wheel(wheel, release)
        sandbox_bin, with_seconds = with_extra(args.python, wheel, work)
        core_seconds = without_extra(args.python, wheel, work, sandbox_bin)
    except DistCheckError as error:
        say(f"FAIL  {error}")
        return 1
    finally:
        if args.keep:
            say(f"kept  {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    python_version = run([args.python, "-c", "import platform; print(platform.python_version())"]).strip()
    say(
        f"dist ok: {wheel.name} on Python {python_version}; install with [sandbox] {with_seconds:.0f} s, "
        f"without {core_seconds:.0f} s; artifacts in {wheel.parent}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
