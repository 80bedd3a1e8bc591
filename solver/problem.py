"""Deprecated: moved to :mod:`solver.numerics.problem`.

This name is the moved module itself (sys.modules entry), so attributes set on it, e.g. by
tests' monkeypatching, reach the code that uses them.
"""

import sys
import warnings

from solver.numerics import problem as _moved

warnings.warn("solver.problem is deprecated and will be removed after release 0.2: import "
              "solver.numerics.problem (docs/architecture.md, Deprecated paths)",
              DeprecationWarning, stacklevel=2)

sys.modules[__name__] = _moved
