"""Shared pytest setup: make ``import solver`` work from a source checkout.

The package is normally installed in editable mode (``make venv``); putting the repository root
first on ``sys.path`` also covers a plain ``pytest`` run from a fresh clone.
"""

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

os.environ.setdefault("MPLBACKEND", "Agg")  # never open a display from tests

import solver  # noqa: E402,F401  (imports dolfinx_solver before any dolfinx import)
