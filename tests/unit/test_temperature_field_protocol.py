"""The ``table`` kind of ``temperature.protocol`` (solver/config/drive.py,
solver/model/protocols.py): validation with one-line errors, interpolation, and the seed 003
pulse trains as ``square`` segments (kind reused, no new key)."""

import math

import numpy as np
import pytest

from solver.config import CaseError, case_from_dict, case_to_dict
from solver.model.protocols import TemperatureProtocol
from solver.model.temperature_field import SubstrateResponse, UniformTemperature


def _case(*segments, T_K=296.65):
    return case_from_dict({"name": "t", "temperature": {"T_K": T_K, "protocol": list(segments)}})


def _rejects(*segments) -> str:
    with pytest.raises(CaseError) as info:
        _case(*segments)
    text = str(info.value)
    assert "\n" not in text
    return text


def test_table_segment_interpolates_and_holds_its_ends():
    """Seed 003 Fig. 2c/f-like points (line 70): 24 -> 31 °C in 4 s, then held."""
    case = _case({"kind": "hold", "duration_s": 10.0},
                 {"kind": "table", "duration_s": 20.0, "times_s": [2.0, 6.0, 16.0],
                  "T_table_K": [297.15, 304.15, 305.15]},
                 {"kind": "hold", "duration_s": 5.0})
    protocol = TemperatureProtocol.from_config(case.temperature)
    T = [protocol.T_K(t) for t in (5.0, 10.0, 11.0, 12.0, 14.0, 21.0, 26.0, 30.0, 40.0)]
    np.testing.assert_allclose(T, [296.65, 296.65, 297.15, 297.15, 300.65, 304.65, 305.15,
                                   305.15, 305.15], rtol=1e-15)
    # Jumps where the table starts away from the previous level; none inside the table.
    assert protocol.jumps(40.0) == [10.0]
    assert protocol.milestones(40.0) == [10.0, 30.0, 35.0]  # segment ends only
    assert not protocol.is_constant
    # The resolved case validates again (a round trip through the dict).
    assert case_from_dict(case_to_dict(case)) == case
    field = UniformTemperature(protocol)
    assert field(np.zeros((2, 3)), 14.0).tolist() == [300.65, 300.65]


@pytest.mark.parametrize("segment, message", [
    ({"kind": "table", "duration_s": 5.0, "times_s": [0.0, 1.0]},
     "temperature.protocol[0].T_table_K: required for kind table"),
    ({"kind": "table", "duration_s": 5.0, "times_s": [0.0, 1.0], "T_table_K": [300.0]},
     "temperature.protocol[0].T_table_K: 1 values for 2 times_s"),
    ({"kind": "table", "duration_s": 5.0, "times_s": [0.0, 2.0, 2.0],
      "T_table_K": [300.0, 301.0, 302.0]},
     "temperature.protocol[0].times_s: not strictly increasing: [2] = 2 s after 2 s"),
    ({"kind": "table", "duration_s": 5.0, "times_s": [0.0, 6.0], "T_table_K": [300.0, 301.0]},
     "temperature.protocol[0].times_s: [1] = 6 s is outside [0, duration_s = 5 s]"),
    ({"kind": "table", "duration_s": 5.0, "times_s": [0.0, 1.0], "T_table_K": [300.0, 1e4]},
     "temperature.protocol[0].T_table_K: [1] = 10000 K is outside (0, 900] K"),
    ({"kind": "hold", "duration_s": 5.0, "times_s": [0.0]},
     "temperature.protocol[0].times_s: not used by kind hold"),
])
def test_table_segment_errors_name_the_key(segment, message):
    assert _rejects(segment).startswith(message)


@pytest.mark.parametrize("width_s, period_s", [(0.1, 1.0), (0.5, 5.0), (1.0, 10.0),
                                               (2.0, 10.0), (5.0, 10.0)])
def test_seed003_pulse_trains_are_square_segments(width_s, period_s):
    """Seed 003 Fig. 3 (line 79): heater on for t every T is a square wave with duty t/T; the
    heater level of :class:`SubstrateResponse` and the square segment agree at every time."""
    case = _case({"kind": "square", "duration_s": 3600.0, "period_s": period_s,
                  "duty": width_s / period_s, "T_high_K": 1.0, "T_low_K": 1e-9}, T_K=1e-9)
    protocol = TemperatureProtocol.from_config(case.temperature)
    heater = SubstrateResponse.pulse_train(width_s, period_s).heater
    for t in np.linspace(0.013, 3599.0, 997):
        assert math.isclose(round(protocol.T_K(t)), heater.value(t))
