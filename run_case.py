#!/usr/bin/env python3
"""Run one case: ``python run_case.py CASE.yaml [--set key.sub=value ...]`` (see ``--help``)."""
import sys

from solver.cli import main

sys.exit(main())
