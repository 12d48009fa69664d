"""The sandbox is an independent implementation of the API: it must not lean on the library.

A robot passing against the sandbox means something only if the server did not borrow the
client's models or logic; importing them would also slow the server's start.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SANDBOX = Path(__file__).resolve().parents[2] / "ReinferLibrary" / "sandbox"
FORBIDDEN = (
    "ReinferLibrary.client",
    "ReinferLibrary.models",
    "ReinferLibrary.logic",
    "ReinferLibrary.keywords",
)


def _absolute(path: Path, node: ast.ImportFrom) -> str:
    """The module an ``import from`` names, with relative imports resolved from the file's package."""
    if node.level == 0:
        return node.module or ""
    package = ["ReinferLibrary", *path.parent.relative_to(SANDBOX.parent).parts]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def test_no_sandbox_module_imports_the_library_layers() -> None:
    for path in SANDBOX.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [_absolute(path, node)]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                assert not name.startswith(FORBIDDEN), f"{path.relative_to(SANDBOX)} imports {name}"


def test_the_import_check_sees_relative_imports() -> None:
    bad = ast.parse("from ..client import ReinferClient").body[0]
    ok = ast.parse("from ..store import Store").body[0]
    assert isinstance(bad, ast.ImportFrom) and isinstance(ok, ast.ImportFrom)
    assert _absolute(SANDBOX / "app.py", bad) == "ReinferLibrary.client"
    assert _absolute(SANDBOX / "nlp" / "x.py", ok) == "ReinferLibrary.sandbox.store"


def test_starting_the_server_loads_neither_the_library_nor_robot_framework() -> None:
    modules = "sorted(m for m in sys.modules if m.split('.')[0] == 'robot' or m.startswith(FORBIDDEN))"
    code = (
        f"import sys, ReinferLibrary.sandbox.cli, ReinferLibrary.sandbox.app, ReinferLibrary.sandbox.elastic;"
        f"FORBIDDEN = {FORBIDDEN!r}; print({modules})"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]", out.stdout
