"""Prescribed temperature fields (solver/model/temperature_field.py): verification against
closed forms and an independent ODE integration, validation against seed 003's numbers."""

import itertools
import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from solver.model.protocols import Piece, Schedule, TemperatureProtocol
from solver.model.temperature_field import (
    SEED003_SUBSTRATE,
    LaserHeating,
    SubstrateModes,
    SubstrateResponse,
    TableTemperature,
    UniformTemperature,
)

C0 = 273.15


def _ode_reference(heater: Schedule, modes: SubstrateModes, times):
    """T(t) by integrating tau_i du_i/dt = h(t) - u_i numerically, interval by interval
    between the heater's switch times (so that the integrator never steps over a jump)."""
    t_end = float(np.max(times))
    edges = sorted({0.0, t_end, *heater.milestones(t_end)})
    taus = np.array([modes.fast_tau_s, modes.slow_tau_s])
    u, out = np.zeros(2), {}
    for a, b in itertools.pairwise(edges):
        level = heater.value(0.5 * (a + b))
        inside = [t for t in times if a < t <= b]
        sol = solve_ivp(lambda _t, y, h=level: (h - y) / taus, (a, b), u, rtol=1e-11,
                        atol=1e-13, t_eval=sorted(set(inside) | {b}), method="DOP853")
        for k, t in enumerate(sol.t):
            out[t] = sol.y[:, k]
        u = sol.y[:, -1]
    return np.array([modes.ambient_K + modes.fast_rise_K * out[t][0]
                     + modes.slow_rise_K * out[t][1] if t > 0 else modes.ambient_K
                     for t in times])


def test_laser_heating_is_eq9():
    field = LaserHeating(rise_K=40.0, rate_per_s=0.5, waist_um=2.0, T0_K=290.0,
                         centre_um=(1.0, -1.0))
    x = np.array([[1.0, -1.0, 3.0], [3.0, -1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    t = 3.0
    r2 = (x[:, 0] - 1.0) ** 2 + (x[:, 1] + 1.0) ** 2
    expected = 40.0 * (1 - math.exp(-0.5 * t)) * np.exp(-2 * r2 / 4.0) + 290.0
    np.testing.assert_allclose(field(x, t), expected, rtol=1e-14)
    assert field(x, 3.0)[1] == pytest.approx(290.0 + 40.0 * (1 - math.exp(-1.5)) * math.exp(-2))
    np.testing.assert_array_equal(field(x, 0.0), 290.0)
    assert not field.is_uniform
    # A 1-D point set: the distance along x only.
    np.testing.assert_allclose(field(np.array([1.0, 2.0]), 1e9), [330.0, 290 + 40 * math.exp(-0.5)])


@pytest.mark.parametrize("kwargs", [{"rise_K": -1.0, "rate_per_s": 1.0},
                                    {"rise_K": 1.0, "rate_per_s": 0.0},
                                    {"rise_K": 1.0, "rate_per_s": 1.0, "waist_um": math.nan}])
def test_laser_heating_rejects_bad_parameters(kwargs):
    with pytest.raises(ValueError, match="LaserHeating"):
        LaserHeating(**kwargs)


def test_uniform_temperature_follows_the_protocol():
    protocol = TemperatureProtocol(Schedule([Piece(0.0, 10.0, "ramp", 300.0, 320.0),
                                             Piece(10.0, math.inf, "constant", 330.0, 330.0)]))
    field = UniformTemperature(protocol)
    assert field.is_uniform
    np.testing.assert_allclose(field(np.zeros((4, 3)), 5.0), 310.0)
    np.testing.assert_allclose(field.history_K([0.0, 5.0, 10.0, 11.0]), [300, 310, 320, 330])


def test_table_temperature_interpolates_and_validates():
    table = TableTemperature.from_celsius([0.0, 4.0, 10.0], [24.0, 31.0, 32.0])
    np.testing.assert_allclose(table.history_K([-1.0, 2.0, 7.0, 20.0]) - C0,
                               [24.0, 27.5, 31.5, 32.0])
    assert table(np.zeros((3, 2)), 2.0).shape == (3,)
    with pytest.raises(ValueError, match="not strictly increasing at index 2"):
        TableTemperature([0.0, 1.0, 1.0], [300.0, 301.0, 302.0])
    with pytest.raises(ValueError, match="T_K: 2 values for 3 times"):
        TableTemperature([0.0, 1.0, 2.0], [300.0, 301.0])
    with pytest.raises(ValueError, match="T_K: not all finite"):
        TableTemperature([0.0, 1.0], [300.0, math.inf])


def test_substrate_step_matches_the_closed_form():
    modes = SubstrateModes(300.0, 5.0, 2.0, 3.0, 50.0)
    field = SubstrateResponse.switched([1.0, 11.0], modes=modes)
    t = np.array([0.5, 1.0, 3.0, 11.0, 15.0])
    on = np.clip(t - 1.0, 0, 10.0)

    def rise(dt, tau):
        return -np.expm1(-dt / tau)
    u_f = rise(on, 2.0) * np.exp(-np.clip(t - 11.0, 0, None) / 2.0)
    u_s = rise(on, 50.0) * np.exp(-np.clip(t - 11.0, 0, None) / 50.0)
    np.testing.assert_allclose(field.history_K(t), 300 + 5 * u_f + 3 * u_s, rtol=1e-14)


@pytest.mark.parametrize("width_s, period_s", [(0.1, 1.0), (0.5, 5.0), (2.0, 10.0)])
def test_substrate_pulse_train_matches_an_ode_integration(width_s, period_s):
    field = SubstrateResponse.pulse_train(width_s, period_s, start_s=0.3)
    times = np.array([0.2, 0.35, 0.3 + width_s, 7.77, 12.0 * period_s + 0.01,
                      25.3 * period_s + 0.3])
    expected = _ode_reference(field.heater, SEED003_SUBSTRATE, list(times))
    np.testing.assert_allclose(field.history_K(times), expected, rtol=0, atol=1e-8)


def test_substrate_periodic_state_has_the_duty_mean():
    """Long after the start, the period average of u is the duty (linear ODE averaged)."""
    field = SubstrateResponse.pulse_train(1.0, 10.0)
    t = 2.0e4 + np.linspace(0.0, 10.0, 20001)[:-1]
    mean_rise = np.mean(field.history_K(t)) - SEED003_SUBSTRATE.ambient_K
    assert mean_rise == pytest.approx(0.1 * SEED003_SUBSTRATE.steady_rise_K, rel=1e-3)


def test_seed003_substrate_numbers():
    """Seed 003 lines 61, 66, 70 (approximate temperatures, line 120: +-0.6 K)."""
    on = SubstrateResponse.switched([1.0])
    T_C = on.history_K(1.0 + np.array([4.0, 10.0, 300.0, 600.0])) - C0
    np.testing.assert_allclose(T_C, [23.5 + 7.0, 32.0, 35.0, 37.0], atol=0.6)
    cooled = SubstrateResponse.switched([1.0, 301.0]).history_K([301.0, 309.0]) - C0
    np.testing.assert_allclose(cooled, [35.0, 27.0], atol=0.6)


def test_laser_heating_follows_the_light_protocol(tmp_path):
    """With a light protocol the laser's centre rise is the first-order response of the beam's
    relative intensity s(t) (rate B): 1 - e^{-Bt} while on, then u(t_off) e^{-B(t - t_off)}
    in the dark; a square wave of the light heats in pulses. Without a protocol: eq. 9."""
    import math

    import yaml

    from solver.config import load_case
    from solver.model.parameters import from_case

    B, A0 = 2.0, 30.0
    data = {"name": "f", "body": {"kind": "film", "radius_um": 5.0, "y_initial": 0.5},
            "material": {"halides": "Br/I"},
            "temperature": {"T_K": 293.0, "laser": {"rise_K": A0, "rate_per_s": B}},
            "light": {"irradiance_W_per_cm2": 50.0,
                      "protocol": [{"kind": "light", "duration_s": 1.0},
                                   {"kind": "dark", "duration_s": 2.0},
                                   {"kind": "square", "duration_s": 4.0, "period_s": 2.0,
                                    "relative_intensity_high": 1.0}]}}
    path = tmp_path / "f.yaml"
    path.write_text(yaml.safe_dump(data))
    field = from_case(load_case(path)).temperature_field
    on = A0 * (1 - math.exp(-B * 1.0))
    assert field.amplitude_K(0.5) == pytest.approx(A0 * (1 - math.exp(-B * 0.5)), rel=1e-12)
    assert field.amplitude_K(2.5) == pytest.approx(on * math.exp(-B * 1.5), rel=1e-12)
    u3 = on * math.exp(-B * 2.0)  # start of the square wave: on for 1 s, off for 1 s
    u4 = A0 + (u3 - A0) * math.exp(-B)
    assert field.amplitude_K(4.0) == pytest.approx(u4, rel=1e-12)
    assert field.amplitude_K(5.0) == pytest.approx(u4 * math.exp(-B), rel=1e-12)
    x = np.zeros((1, 3))
    assert field(x, 2.5)[0] == pytest.approx(293.0 + on * math.exp(-B * 1.5), rel=1e-12)
    data["light"].pop("protocol")
    path.write_text(yaml.safe_dump(data))
    plain = from_case(load_case(path)).temperature_field
    assert plain.amplitude_K(2.5) == pytest.approx(A0 * (1 - math.exp(-B * 2.5)), rel=1e-12)
