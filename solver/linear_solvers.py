"""Deprecated: moved to :mod:`solver.numerics.linear_solvers`.

This name is the moved module itself (sys.modules entry), so attributes set on it, e.g. by
tests' monkeypatching, reach the code that uses them.
"""

import sys
import warnings

from solver.numerics import linear_solvers as _moved

warnings.warn("solver.linear_solvers is deprecated and will be removed after release 0.2: import "
              "solver.numerics.linear_solvers (docs/architecture.md, Deprecated paths)",
              DeprecationWarning, stacklevel=2)

sys.modules[__name__] = _moved
