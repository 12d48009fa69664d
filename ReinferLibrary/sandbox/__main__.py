"""``python -m ReinferLibrary.sandbox serve ...`` (same as ``reinfer-sandbox``)."""

import sys

from .cli import main

sys.exit(main())
