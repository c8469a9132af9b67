"""Entry point for ``python -m kpi``."""

from __future__ import annotations

import sys

from kpi.cli import main

if __name__ == "__main__":
    sys.exit(main())
