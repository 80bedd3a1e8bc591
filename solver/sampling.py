"""Deprecated: moved to :mod:`solver.mesh.sampling`."""

import warnings

from solver.mesh.sampling import LineSampler, cross_section_grid  # noqa: F401

warnings.warn("solver.sampling is deprecated and will be removed after release 0.2: import "
              "solver.mesh.sampling (docs/architecture.md, Deprecated paths)",
              DeprecationWarning, stacklevel=2)
