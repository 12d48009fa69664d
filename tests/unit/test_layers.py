"""The layers of DESIGN.md, checked on every import statement of the package.

Each rule names a layer and what it must never import. Every form of import counts:
``import ReinferLibrary.client``, ``from ReinferLibrary.client import X``,
``from ..client import X``, ``from .. import client`` and ``from ReinferLibrary import client``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "ReinferLibrary"
ROBOT = "robot"  # Robot Framework's own package (robotlibcore is a separate top-level name)

RULES: dict[str, tuple[str, ...]] = {
    # layer (folder under ReinferLibrary/) -> modules it must never import
    "client": ("ReinferLibrary.keywords", "ReinferLibrary.logic", "ReinferLibrary.sandbox", ROBOT),
    "models": (
        "ReinferLibrary.keywords",
        "ReinferLibrary.client",
        "ReinferLibrary.logic",
        "ReinferLibrary.sandbox",
        ROBOT,
    ),
    "logic": ("ReinferLibrary.client", "ReinferLibrary.keywords", "ReinferLibrary.sandbox", ROBOT),
    "state": ("ReinferLibrary.keywords", "ReinferLibrary.sandbox", ROBOT),
    "queues": ("ReinferLibrary.keywords", "ReinferLibrary.sandbox", ROBOT),
    # The sandbox is an independent implementation of the API: a robot passing against it
    # means something only if the server did not borrow the library's models or logic.
    "sandbox": (
        "ReinferLibrary.client",
        "ReinferLibrary.models",
        "ReinferLibrary.logic",
        "ReinferLibrary.keywords",
        "ReinferLibrary.state",
        "ReinferLibrary.queues",
    ),
}
SANDBOX_MAY_USE_ROBOT = {"library.py"}
"""SandboxLibrary (sandbox/library.py) is a Robot Framework library by design; the server is not."""


def package_of(path: Path) -> list[str]:
    return ["ReinferLibrary", *path.parent.relative_to(PACKAGE).parts]


def imported_names(path: Path, tree: ast.AST) -> Iterator[str]:
    """Every module an import statement in ``tree`` may load, with relative imports resolved."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = (node.module or "").split(".")
            else:
                package = package_of(path)
                base = package[: len(package) - (node.level - 1)] + (
                    node.module.split(".") if node.module else []
                )
            module = ".".join(base)
            yield module
            # `from .. import client` and `from ReinferLibrary import client` load submodules by name.
            for alias in node.names:
                yield f"{module}.{alias.name}"


def violates(name: str, forbidden: tuple[str, ...]) -> bool:
    return any(name == bad or name.startswith(bad + ".") for bad in forbidden)


def layer_files(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(RULES))
def test_layer_imports_nothing_it_must_not(layer: str) -> None:
    problems = []
    for path in layer_files(layer):
        forbidden = RULES[layer]
        if layer == "sandbox" and path.name in SANDBOX_MAY_USE_ROBOT:
            forbidden = tuple(bad for bad in forbidden if bad != ROBOT)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        problems += [
            f"{path.relative_to(PACKAGE)} imports {name}"
            for name in imported_names(path, tree)
            if violates(name, forbidden)
        ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("source", "where", "expected"),
    [
        ("from ReinferLibrary.client import ReinferClient", "logic/x.py", "ReinferLibrary.client"),
        ("from .. import client", "logic/x.py", "ReinferLibrary.client"),
        ("from ReinferLibrary import client", "models/x.py", "ReinferLibrary.client"),
        ("from ..client import ReinferClient", "sandbox/app.py", "ReinferLibrary.client"),
        ("from ...keywords.base import x", "sandbox/nlp/x.py", "ReinferLibrary.keywords.base"),
        ("import ReinferLibrary.keywords.base", "client/x.py", "ReinferLibrary.keywords.base"),
        ("from robot.api import logger", "client/x.py", "robot.api"),
    ],
)
def test_the_check_sees_every_form_of_import(source: str, where: str, expected: str) -> None:
    names = set(imported_names(PACKAGE / where, ast.parse(source)))
    assert expected in names
    layer = where.split("/")[0]
    assert any(violates(name, RULES[layer]) for name in names)


def test_allowed_imports_are_not_flagged() -> None:
    names = set(imported_names(PACKAGE / "sandbox" / "nlp" / "x.py", ast.parse("from ..store import Store")))
    assert "ReinferLibrary.sandbox.store" in names
    assert not any(violates(name, RULES["sandbox"]) for name in names)
    assert not violates("robotlibcore", RULES["client"])


@pytest.mark.slow
def test_starting_the_server_loads_neither_the_library_nor_robot_framework() -> None:
    forbidden = (*RULES["sandbox"], ROBOT)
    modules = "sorted(m for m in sys.modules if m.split('.')[0] == 'robot' or m.startswith(FORBIDDEN))"
    code = (
        f"import sys, ReinferLibrary.sandbox.cli, ReinferLibrary.sandbox.app, ReinferLibrary.sandbox.elastic;"
        f"FORBIDDEN = {forbidden!r}; print({modules})"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout.strip()
    assert out == "[]", out
