"""What a published distribution promises: one version, a matching LICENSE, a changelog entry,
and a keyword library that needs nothing of the sandbox extra (which fails with one line)."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import metadata
from pathlib import Path

import pytest

from ReinferLibrary import __version__
from ReinferLibrary.sandbox import entry, extra

ROOT = Path(__file__).resolve().parents[2]
SANDBOX_DEPENDENCIES = sorted({*extra.SANDBOX_MODULES, "starlette", "scipy"})


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120, cwd=ROOT
    )


def test_the_keyword_library_imports_nothing_of_the_sandbox_extra() -> None:
    code = (
        "import sys\n"
        "from ReinferLibrary import ReinferLibrary\n"
        "library = ReinferLibrary()\n"
        "for name in library.get_keyword_names(): library.get_keyword_documentation(name)\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({SANDBOX_DEPENDENCIES!r})))\n"
    )
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_extra_list_matches_pyproject() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(r"^sandbox = \[(.*?)^\]", text, re.MULTILINE | re.DOTALL)
    assert block is not None
    declared = [re.split(r"[<>=;\[ ]", line.strip().strip('",'))[0] for line in block.group(1).splitlines()]
    assert sorted(filter(None, declared)) == sorted(extra.SANDBOX_MODULES.values())


def test_reinfer_sandbox_without_the_extra_says_which_extra_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(extra, "find_spec", lambda name: None if name in {"uvicorn", "sklearn"} else object())
    monkeypatch.setattr(entry, "missing_distributions", extra.missing_distributions)
    assert entry.main(["serve", "--port", "0", "--data-dir", "unused"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("reinfer-sandbox: The ReinferLibrary sandbox needs the 'sandbox' extra")
    assert "(missing: uvicorn, scikit-learn)" in err
    assert "pip install 'robotframework-reinfer[sandbox]'" in err


def test_sandbox_library_without_the_extra_fails_on_import_with_one_line() -> None:
    # A module set to None in sys.modules cannot be found: as if fastapi were not installed.
    code = (
        "import sys\n"
        "sys.modules['fastapi'] = None\n"
        "try:\n"
        "    from ReinferLibrary.sandbox import SandboxLibrary\n"
        "except ImportError as error:\n"
        "    print(type(error).__name__, getattr(error, 'ROBOT_SUPPRESS_NAME', False), error, sep='|')\n"
    )
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    name, suppressed, message = done.stdout.rstrip("\n").split("|")
    assert (name, suppressed) == ("SandboxExtraMissingError", "True")
    assert "\n" not in message
    assert message == (
        "The ReinferLibrary sandbox needs the 'sandbox' extra, which is not installed "
        "(missing: fastapi); install it with: pip install 'robotframework-reinfer[sandbox]'"
    )


def test_the_version_lives_in_one_place() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject
    assert not re.search(r'^version = "', pyproject, re.MULTILINE)
    assert metadata("robotframework-reinfer")["Version"] == __version__
    from ReinferLibrary.library import ReinferLibrary
    from ReinferLibrary.sandbox.library import SandboxLibrary

    assert ReinferLibrary.ROBOT_LIBRARY_VERSION == SandboxLibrary.ROBOT_LIBRARY_VERSION == __version__


def test_license_changelog_and_project_metadata() -> None:
    assert 'license = "Apache-2.0"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    license_text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in license_text and "Version 2.0, January 2004" in license_text
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## \[{re.escape(__version__)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", changelog, re.MULTILINE)
    assert f"[{__version__}]: http" in changelog
    meta = metadata("robotframework-reinfer")
    assert meta["Keywords"]
    assert {url.split(",")[0] for url in meta.get_all("Project-URL") or []} >= {
        "Source",
        "Changelog",
        "Issues",
    }
