"""Deprecated: moved to :mod:`solver.numerics.edge_assembly`.

This name is the moved module itself (sys.modules entry), so attributes set on it, e.g. by
tests' monkeypatching, reach the code that uses them.
"""

import sys
import warnings

from solver.numerics import edge_assembly as _moved

warnings.warn("solver.edge_assembly is deprecated and will be removed after release 0.2: import "
              "solver.numerics.edge_assembly (docs/architecture.md, Deprecated paths)",
              DeprecationWarning, stacklevel=2)

sys.modules[__name__] = _moved
