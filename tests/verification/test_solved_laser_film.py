"""A film run with ``temperature.laser.model: heat_equation`` (issue #28 item 2;
solver/model/solved_laser.py, solver/numerics/heat.py laser_rise_profile, the Environment of
solver/numerics/reactions.py): the reactions' T at the beam centre after a long time is the
steady solve's rise, and the rise spreads beyond the beam as the heat equation says.

References (derived, docs/nanocrystals.md "Temperature as a field"): on the plane,
-k ∇²T + h ΔT = q has the Green's function K0(κρ)/(2πk), κ = 1/λ = √(h/k). Hence
(i) energy: h l ∫ ΔT dA = P_abs (∫ K0(x) x dx = 1); (ii) spreading: the area-weighted second
moment of ΔT is that of the source plus that of the kernel, ⟨ρ²⟩ = w0²/2 + 4λ²
(∫ K0(x) x³ dx = 4); (iii) the centre: ΔT(0) = (q0/k)(w0²/8) e^b E1(b), b = κ²w0²/8.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml
from mpi4py import MPI
from scipy.integrate import trapezoid
from scipy.special import exp1

from solver.config import load_case
from solver.mesh.build import build_mesh
from solver.model.parameters import from_case
from solver.numerics.heat import solve_heat_steady
from solver.numerics.problem import SolverOptions, TransportProblem
from solver.numerics.time_stepping import StepSettings, TimeStepper
from solver.physics.heat import HeatParameters, beam_peak_W_per_m3, gaussian_beam_W_per_m3

POWER_UW, TRANSMITTANCE, WAIST_UM = 50.0, 0.76, 1.0  # seed 004's 50 µW; the shipped film case
MATERIAL = {"halides": "Br/I", "hop_ratio_br_i": 1.0, "x_v_br": 1e-6, "x_v_i": 1e-6,
            "D_i_ref_cm2_per_s": 1e-16, "T_ref_K": 300.0}
SURFACE = {"kind": "expulsion", "boundary": "volume", "specific_area_per_um": 100.0,
           "light_rate_um_per_s": 1e-6, "carrier_ref_per_cm3": 1e17,
           "expulsion_activation_eV": 0.25, "T_ref_K": 293.0}


def _film(tmp_path, laser, h_um=0.02):
    data = {"name": "film", "body": {"kind": "film", "radius_um": 6.0, "y_initial": 0.4},
            "material": MATERIAL, "transport": {"onsager_model": "ideal"},
            "surfaces": [SURFACE],
            "light": {"profile": "gaussian", "power_uW": POWER_UW, "waist_um": WAIST_UM,
                      "transmittance": TRANSMITTANCE},
            "temperature": {"T_K": 293.0, "laser": laser},
            "mesh": {"h_min_nm": h_um * 1e3, "h_max_um": h_um},
            "time": {"t_end_s": 1.0, "output_times_s": [0.0], "tol_y": 1e-5},
            "pl": {"enabled": False}, "output": {"vtx": False, "figures": False}}
    path = tmp_path / "film.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_case(path)


def test_film_run_reaches_the_steady_rise_and_spreads_beyond_the_beam(tmp_path):
    case = _film(tmp_path, {"model": "heat_equation", "rate_per_s": 1e3})
    params = from_case(case)
    pb = TransportProblem(build_mesh(MPI.COMM_WORLD, case, params), params, 1,
                          SolverOptions(stol=1e-10))
    pb.initialise()
    t_end = 0.05  # 50 / B: e^{-50} of the approach left
    seen = {}
    settings = StepSettings.from_config(case.time, t_end=t_end, output_times=(0.01, t_end))
    TimeStepper(pb, settings, on_output=lambda t: seen.__setitem__(
        t, pb.environment.T_K.x.array.copy())).run()
    tf = pb.environment._tf  # the field with its profile (computed on the problem's mesh)
    r = np.hypot(*pb.environment.T_K.function_space.tabulate_dof_coordinates()[:, :2].T)
    centre = int(np.argmin(r))

    # the steady solve, built here from the raw numbers on the same mesh
    k, G, l_um, rho_c = 0.3, 1.0e6, 0.040, 1.0e6
    heat = HeatParameters(k, rho_c, G / (l_um * 1e-6), 293.0)
    peak = beam_peak_W_per_m3(POWER_UW * 1e-6, WAIST_UM, l_um, 1.0 - TRANSMITTANCE)
    ref = solve_heat_steady(pb.mesh1d.mesh, heat,
                            lambda x, _t: gaussian_beam_W_per_m3(x, peak, WAIST_UM),
                            coordinate="cylindrical")
    ref_centre = ref.T_K[int(np.argmin(np.abs(ref.x_um[:, 0])))] - 293.0
    assert ref_centre > 5.0  # a real rise
    assert seen[t_end][centre] - 293.0 == pytest.approx(ref_centre, abs=1e-6)
    # the time law of eq. 9 with B = rate_per_s at the earlier output
    assert seen[0.01][centre] - 293.0 == pytest.approx(-math.expm1(-10.0) * ref_centre,
                                                       abs=1e-6)
    assert tf.centre_rise_K == pytest.approx(ref_centre, abs=1e-9)

    # the profile against the plane's analytic answers
    rr, dT = tf.profile_r_um, tf.profile_rise_K
    lam2 = k / heat.sink_W_per_m3_K * 1e12  # [µm²]
    b = WAIST_UM ** 2 / (8 * lam2)
    analytic_centre = peak * heat.source_scale() * WAIST_UM ** 2 / 8 * math.exp(b) * exp1(b)
    assert dT[0] == pytest.approx(analytic_centre, rel=1e-3)
    p_abs = POWER_UW * 1e-6 * (1 - TRANSMITTANCE)
    energy = heat.sink_W_per_m3_K * l_um * 1e-6 * 2 * math.pi * trapezoid(dT * rr, rr) * 1e-12
    assert energy == pytest.approx(p_abs, rel=1e-3)
    second_moment = trapezoid(dT * rr ** 3, rr) / trapezoid(dT * rr, rr)
    assert second_moment == pytest.approx(WAIST_UM ** 2 / 2 + 4 * lam2, rel=2e-3)
    # wider than the beam: the half-maximum radius against the beam's w0 sqrt(ln 2 / 2)
    fwhm_ratio = np.interp(-dT[0] / 2, -dT, rr) / (WAIST_UM * math.sqrt(math.log(2) / 2))
    assert 1.02 < fwhm_ratio < math.sqrt(1 + 8 * lam2 / WAIST_UM ** 2)
