"""``python -m solver CASE.yaml ...``: the command line of ``run_case.py`` (solver/cli.py)."""

import sys

from solver.cli import main

sys.exit(main())
