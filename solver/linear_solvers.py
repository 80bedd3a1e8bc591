"""Deprecated: moved to :mod:`solver.numerics.linear_solvers`.

This name is the moved module itself (sys.modules entry), so attributes set on it, e.g. by
tests' monkeypatching, reach the code that uses them.
"""

import sys

from solver.numerics import linear_solvers as _moved

sys.modules[__name__] = _moved
