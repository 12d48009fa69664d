"""Is the ``sandbox`` extra installed? One line telling the user what to install when not.

The keyword library needs only the core dependencies; the sandbox server needs the
``robotframework-reinfer[sandbox]`` extra (FastAPI, uvicorn, scikit-learn, ...). Without it,
``reinfer-sandbox`` and ``Library    ReinferLibrary.sandbox.SandboxLibrary`` stop with one
line naming the extra instead of a traceback about a module the user never heard of.
This module imports only the standard library, so it can run before any of them.
"""

from __future__ import annotations

from importlib.util import find_spec

DISTRIBUTION = "robotframework-reinfer"
INSTALL = f"pip install '{DISTRIBUTION}[sandbox]'"

# import name -> distribution name, for every dependency of the sandbox extra in pyproject.toml
SANDBOX_MODULES = {
    "fastapi": "fastapi",
    "uvicorn": "uvicorn",
    "sklearn": "scikit-learn",
    "numpy": "numpy",
    "dateparser": "dateparser",
    "pycountry": "pycountry",
    "price_parser": "price-parser",
}


class SandboxExtraMissingError(ImportError):
    """The sandbox's optional dependencies are not installed."""

    ROBOT_SUPPRESS_NAME = True


def missing_distributions() -> list[str]:
    """The distributions of the ``sandbox`` extra that cannot be imported, in pyproject order."""
    return [dist for module, dist in SANDBOX_MODULES.items() if find_spec(module) is None]


def missing_message(missing: list[str]) -> str:
    return (
        f"The ReinferLibrary sandbox needs the 'sandbox' extra, which is not installed "
        f"(missing: {', '.join(missing)}); install it with: {INSTALL}"
    )


def require_sandbox_extra() -> None:
    """Raise :class:`SandboxExtraMissingError` (one line) when a sandbox dependency is missing."""
    missing = missing_distributions()
    if missing:
        raise SandboxExtraMissingError(missing_message(missing))
