"""Deprecated: moved to :mod:`solver.analysis.observables`.

This name is the moved module itself (``sys.modules`` entry), so attributes set on it, e.g. by
tests' monkeypatching, reach the code that uses them.
"""

import sys
import warnings

from solver.analysis import observables as _moved

warnings.warn("solver.observables is deprecated and will be removed after release 0.2: import "
              "solver.analysis.observables (docs/architecture.md, Deprecated paths)",
              DeprecationWarning, stacklevel=2)

sys.modules[__name__] = _moved
