"""``python -m solver CASE.yaml ...``: the command line of ``run_case.py`` (solver/cli.py)."""

import sys

from solver.cli import main

if __name__ == "__main__":  # not when a spawned worker re-imports the main module
    sys.exit(main())
