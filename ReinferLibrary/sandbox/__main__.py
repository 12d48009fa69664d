"""``python -m ReinferLibrary.sandbox serve ...`` (same as ``reinfer-sandbox``)."""

import sys

from .entry import main

sys.exit(main())
