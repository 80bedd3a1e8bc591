"""Deprecated: moved to :mod:`solver.model.parameters`.

This name is the moved module itself (``sys.modules`` entry), so attributes set on it, e.g. by
tests' monkeypatching, reach the code that uses them.
"""

import sys

from solver.model import parameters as _moved

sys.modules[__name__] = _moved
