"""Deprecated: moved to :mod:`solver.pl.output` (the PL outputs of a run); re-exports its names."""

import warnings

from solver.pl.output import (
    CL_UPTAKE_MARGIN_UM,
    _pl_of,  # noqa: F401  (tests/unit/test_pl.py imports it from here)
    emission_of,
    front_metrics,
    settings_of,
    width_resolved,
    write_pl_outputs,
)

__all__ = ["CL_UPTAKE_MARGIN_UM", "emission_of", "front_metrics", "settings_of",
           "width_resolved", "write_pl_outputs"]

warnings.warn("solver.pl_output is deprecated and will be removed after release 0.2: import "
              "solver.pl.output (docs/architecture.md, Deprecated paths)",
              DeprecationWarning, stacklevel=2)
