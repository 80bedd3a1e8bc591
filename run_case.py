#!/usr/bin/env python3
"""Run one case: ``python run_case.py CASE.yaml [--set key.sub=value ...]`` (see ``--help``)."""
import sys

from solver.cli import main

if __name__ == "__main__":  # not when a spawned worker re-imports the main module
    sys.exit(main())
