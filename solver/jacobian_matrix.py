"""Deprecated: moved to :mod:`solver.numerics.jacobian_matrix`.

This name is the moved module itself (sys.modules entry), so attributes set on it, e.g. by
tests' monkeypatching, reach the code that uses them.
"""

import sys

from solver.numerics import jacobian_matrix as _moved

sys.modules[__name__] = _moved
