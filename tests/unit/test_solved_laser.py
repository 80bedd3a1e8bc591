"""temperature.laser model heat_equation (issue #28 item 2): the case keys and their rules
(solver/config/drive.py Laser, check_solved_laser), their defaults against
solver/physics/heat.py's HeatParameters, and the model object
(solver/model/solved_laser.py SolvedLaserHeating) without a mesh."""

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from solver.config import CaseError, case_from_dict
from solver.config.drive import Laser
from solver.model.parameters import from_case
from solver.model.solved_laser import SolvedLaserHeating
from solver.model.temperature_field import LaserOnSubstrate

REPO_ROOT = Path(__file__).resolve().parents[2]
FILM = {"kind": "film", "radius_um": 8.0, "y_initial": 0.4}
MATERIAL = {"halides": "Br/I", "hop_ratio_br_i": 1.0, "x_v_br": 1e-6, "x_v_i": 1e-6}
BEAM = {"profile": "gaussian", "power_uW": 50.0, "waist_um": 1.0, "transmittance": 0.76}


def _case(laser, body=FILM, light=BEAM):
    data = {"name": "t", "material": MATERIAL, "light": light,
            "temperature": {"T_K": 293.0, "laser": laser},
            "mesh": {"h_min_nm": 2.0, "h_max_um": 0.5}}
    if body is not None:
        data["body"] = body
    return case_from_dict(data)


def _rejects(laser, **kw) -> str:
    with pytest.raises(CaseError) as info:
        _case(laser, **kw)
    text = str(info.value)
    assert "\n" not in text
    return text


def test_defaults_are_heat_parameters_defaults():
    """The case's thermal defaults give HeatParameters' k, ρc and h = G/l (at l = 40 nm)."""
    from solver.physics.heat import HeatParameters

    las = Laser(model="heat_equation")
    ref = HeatParameters()
    assert las.conductivity_W_per_m_K == ref.conductivity_W_per_m_K
    assert las.heat_capacity_J_per_m3_K == ref.heat_capacity_J_per_m3_K
    assert las.conductance_W_per_m2_K / 40e-9 == pytest.approx(ref.sink_W_per_m3_K, rel=1e-12)
    model = _case({"model": "heat_equation"}).temperature.laser
    assert model.thickness_nm is None and model.heat_fraction == 1.0


def test_prescribed_is_unchanged_and_needs_its_keys():
    case = _case({"rise_K": 10.0, "rate_per_s": 5.0})
    assert case.temperature.laser.model == "prescribed"
    assert isinstance(from_case(case).temperature_field, LaserOnSubstrate)
    assert _rejects({"rate_per_s": 5.0}).startswith(
        "temperature.laser.rise_K: required with model prescribed")
    assert _rejects({"rise_K": 1.0}).startswith("temperature.laser.rate_per_s: required")
    text = _rejects({"rise_K": 1.0, "rate_per_s": 5.0, "conductivity_W_per_m_K": 1.0})
    assert text.startswith("temperature.laser.conductivity_W_per_m_K: only used with model "
                           "heat_equation"), text


@pytest.mark.parametrize("laser, kw, start", [
    ({"model": "heat_equation", "rise_K": 5.0}, {}, "temperature.laser.rise_K: not used"),
    ({"model": "heat_equation"}, {"body": None}, "temperature.laser.model: heat_equation "
     "solves the heat on a film"),
    ({"model": "heat_equation"}, {"body": {"kind": "nanocrystal", "edge_nm": 23.0,
                                           "y_initial": 0.4}},
     "temperature.laser.model: heat_equation solves the heat on a film"),
    ({"model": "heat_equation"}, {"light": {"irradiance_W_per_cm2": 50.0}},
     "temperature.laser.model: heat_equation takes its source from the light's Gaussian"),
    ({"model": "heat_equation"}, {"light": {}}, "temperature.laser.model: heat_equation takes"),
    ({"model": "heat_equation", "waist_um": 2.0}, {},
     "temperature.laser.waist_um: 2 µm differs from light.waist_um = 1 µm"),
    ({"model": "heat_equation", "heat_fraction": 1.5}, {}, "temperature.laser.heat_fraction"),
    ({"model": "solved"}, {}, "temperature.laser.model"),
])
def test_heat_equation_rules_name_the_key(laser, kw, start):
    text = _rejects(laser, **kw)
    assert text.startswith(start), text


def test_bad_laser_key_exits_2_with_one_line(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("name: c\nbody: {kind: nanocrystal, edge_nm: 23, y_initial: 0.4}\n"
                    "mesh: {h_min_nm: 1}\n"
                    "light: {profile: gaussian, power_uW: 50, waist_um: 1}\n"
                    "temperature: {laser: {model: heat_equation}}\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "run_case.py", str(path), "--check"], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "temperature.laser.model: heat_equation solves" in lines[0]


def test_from_case_takes_the_light_beam_and_absorption():
    """P from power_uW (or from the peak irradiance: the same beam), f_abs = 1 - R - T,
    l from the light, B = G/(l ρc) by default."""
    tf = from_case(_case({"model": "heat_equation", "on_s": 2.0})).temperature_field
    assert isinstance(tf, SolvedLaserHeating) and tf.needs_profile
    assert tf.power_W == pytest.approx(50e-6, rel=1e-12)
    assert tf.absorbed_fraction == pytest.approx(0.24, rel=1e-12)
    assert tf.thickness_nm == 40.0 and tf.on_s == 2.0 and tf.T_ref_K == 293.0
    assert tf.time_rate_per_s == pytest.approx(1e6 / 40e-9 / 1e6, rel=1e-12)
    peak = 2 * 50e-6 / (math.pi * 1e-8)  # [W/cm²] of the same beam
    light = {"profile": "gaussian", "irradiance_W_per_cm2": peak, "waist_um": 1.0,
             "reflectance": 0.1, "transmittance": 0.2}
    tf2 = from_case(_case({"model": "heat_equation", "thickness_nm": 80.0, "rate_per_s": 3.0},
                          light=light)).temperature_field
    assert tf2.power_W == pytest.approx(50e-6, rel=1e-12)
    assert tf2.absorbed_fraction == pytest.approx(0.7, rel=1e-12)
    assert tf2.thickness_nm == 80.0 and tf2.time_rate_per_s == 3.0


class _Step:
    """A substrate whose T is 300 K before 1 s and 310 K after."""

    @staticmethod
    def T_K(t):
        return 300.0 if t < 1.0 else 310.0


def test_field_is_eq9_time_law_on_the_profile():
    base = SolvedLaserHeating(power_W=1e-5, waist_um=1.0, absorbed_fraction=1.0,
                              thickness_nm=40.0, rate_per_s=2.0, on_s=0.5, substrate=_Step())
    with pytest.raises(RuntimeError, match="not computed"):
        base(np.zeros((1, 3)), 1.0)
    r = np.array([2.0, 0.0, 1.0])
    tf = base.with_profile(r, 10.0 - r)  # any order
    assert not tf.needs_profile and base.needs_profile  # a copy
    assert tf.centre_rise_K == 10.0
    x = np.array([[0.0, 0.0, 0.0], [0.3, 0.4, 0.0], [5.0, 0.0, 0.0]])  # r = 0, 0.5, beyond
    np.testing.assert_allclose(tf(x, 0.2), 300.0)  # before on_s
    amp = -math.expm1(-2.0 * (3.0 - 0.5))
    np.testing.assert_allclose(tf(x, 3.0), 310.0 + amp * np.array([10.0, 9.5, 8.0]),
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(tf(np.array([0.5]), 3.0), 310.0 + amp * 9.5)  # (N,) points
    with pytest.raises(ValueError, match="with_profile"):
        base.with_profile([0.0], [1.0])
    with pytest.raises(ValueError, match="absorbed_fraction"):
        SolvedLaserHeating(power_W=1e-5, waist_um=1.0, absorbed_fraction=1.2, thickness_nm=40.0)
