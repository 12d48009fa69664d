"""The ``reinfer-sandbox`` command: checks the ``sandbox`` extra before importing the server.

Without the extra the command prints one line naming it and exits with code 2, instead of
a traceback from importing uvicorn or FastAPI.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .extra import missing_distributions, missing_message


def main(argv: Sequence[str] | None = None) -> int:
    missing = missing_distributions()
    if missing:
        print(f"reinfer-sandbox: {missing_message(missing)}", file=sys.stderr, flush=True)
        return 2
    from .cli import main as serve_main  # only once the extra is known to be there

    return serve_main(argv)
