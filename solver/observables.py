"""Deprecated: moved to :mod:`solver.analysis.observables`.

This name is the moved module itself (``sys.modules`` entry), so attributes set on it, e.g. by
tests' monkeypatching, reach the code that uses them.
"""

import sys

from solver.analysis import observables as _moved

sys.modules[__name__] = _moved
