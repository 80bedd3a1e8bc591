"""What every section model of a case shares.

The strict model configuration and the output-time rule.

``_MODEL_CONFIG``: unknown keys are refused, models are immutable, numbers must be YAML numbers
(not quoted strings, not booleans) and ``inf``/``nan`` are refused.
"""

import itertools

from pydantic import ConfigDict

from solver.config.errors import _rule, apart

_MODEL_CONFIG = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


def _check_output_times(times, end: float, end_name: str, note: str = "") -> None:
    """Output times within [0, ``end``] and strictly increasing (``output_times_s`` of the time
    section and of protocol segments); raises the one-line rule error naming the entry."""
    for i, t in enumerate(times):
        if not 0.0 <= t <= end:
            value, bound = apart(t, end)
            raise _rule(f"output_times_s[{i}]", f"{value} not in [0, {end_name} = {bound}]{note}")
    if any(b <= a for a, b in itertools.pairwise(times)):
        raise _rule("output_times_s", "must be strictly increasing")
