"""Allows ``python -m coopgraph`` where the console script is not on PATH."""

import sys

from coopgraph.cli.main import main

sys.exit(main())
