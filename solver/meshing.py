"""Deprecated: moved to :mod:`solver.mesh.build`."""

import warnings

from solver.mesh.build import build_mesh  # noqa: F401

warnings.warn("solver.meshing is deprecated and will be removed after release 0.2: import "
              "solver.mesh.build (docs/architecture.md, Deprecated paths)",
              DeprecationWarning, stacklevel=2)
