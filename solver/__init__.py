"""perovskite-ions: finite-element solver for halide/vacancy migration in perovskite nanowires.

Importing this package imports ``dolfinx_solver`` first, which sets up the PETSc/dolfinx
runtime shipped by the ``dolfinx-solver-real`` wheel; it must precede any ``dolfinx`` or
``petsc4py`` import.  Heavy modules (dolfinx, UFL) are imported lazily by the submodules
that need them, so ``solver.config`` stays cheap for input validation.
"""

from importlib.metadata import PackageNotFoundError, version

import dolfinx_solver  # noqa: F401  (must come before dolfinx / petsc4py)

try:
    __version__ = version("perovskite-ions")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
