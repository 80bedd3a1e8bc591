"""Temperature and light as fields in the surface reactions of a nanocrystal film (docs/model.md,
"Temperature as a field"; solver/numerics/reactions.py Environment), checked by inverting
simulated data with the seeds' own analyses (solver/analysis/fits.py):

1. Arrhenius, pointwise: a film under a uniform light and seed 004's laser heating (eq. 9)
   expels halide at a rate that follows the local T(r). At early times (linear regime) the
   inventory θ(r) = a_s k_out(T(r)) x_B t, so an Arrhenius fit of θ(r)/t over the nodes recovers
   the input barrier; the fit of a run without the laser has nothing to fit (one T).
2. Point-source diffusion: a short, narrow light pulse expels halide at the centre; in the
   dark the inventory spreads with D_θ (disc, weight r). The radial profile's Gaussian width
   grows as σ² = σ0² + 2 D t (seed 004 eq. 1's analysis), and the fit recovers the input D_θ.
3. The heater: the problem's T(t) is seed 003's substrate response (SubstrateResponse) and the
   stepper lands on the heater's switches.
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from mpi4py import MPI

from solver.analysis.fits import fit_arrhenius, fit_gaussian_profile, fit_width_growth
from solver.config import load_case
from solver.mesh.build import build_mesh
from solver.model.parameters import from_case
from solver.model.temperature_field import SubstrateModes, SubstrateResponse
from solver.numerics.problem import SolverOptions, TransportProblem
from solver.numerics.time_stepping import StepSettings, TimeStepper

MATERIAL = {"halides": "Br/I", "hop_ratio_br_i": 1.0, "x_v_br": 1e-6, "x_v_i": 1e-6,
            "D_i_ref_cm2_per_s": 1e-16, "T_ref_K": 300.0}  # bulk transport negligible


def _film_case(tmp_path, surface, light, temperature=None, radius_um=4.0, h_um=0.05,
               t_end=1.0):
    data = {"name": "film", "body": {"kind": "film", "radius_um": radius_um, "y_initial": 0.4},
            "material": MATERIAL, "transport": {"onsager_model": "ideal"},
            "surfaces": [surface], "light": light,
            "temperature": {"T_K": 293.0, **(temperature or {})},
            "mesh": {"h_min_nm": h_um * 1e3, "h_max_um": h_um},
            "time": {"t_end_s": t_end, "output_times_s": [0.0], "tol_y": 1e-5},
            "pl": {"enabled": False}, "output": {"vtx": False, "figures": False}}
    path = tmp_path / "film.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_case(path)


def _run(case, times):
    params = from_case(case)
    pb = TransportProblem(build_mesh(MPI.COMM_WORLD, case, params), params, 1,
                          SolverOptions(stol=1e-10))
    pb.initialise()
    out = {}
    settings = StepSettings.from_config(case.time, t_end=max(times), output_times=tuple(times))
    stepper = TimeStepper(pb, settings, on_output=lambda t: out.__setitem__(
        t, (pb.layout.z[pb.layout.fields.index("theta")].copy(), pb.field("theta").copy(),
            pb.environment.T_K.x.array.copy() if hasattr(pb.environment.T_K, "x") else None)))
    stepper.run()
    return pb, out, stepper


def test_arrhenius_fit_of_simulated_local_rates_recovers_the_barrier(tmp_path):
    Ea = 0.25
    surface = {"kind": "expulsion", "boundary": "volume", "specific_area_per_um": 100.0,
               "dark_rate_um_per_s": 0.0, "light_rate_um_per_s": 1e-6,
               "carrier_ref_per_cm3": 1e17, "expulsion_activation_eV": Ea, "T_ref_K": 293.0}
    laser = {"rise_K": 60.0, "rate_per_s": 1e4, "waist_um": 1.0}
    case = _film_case(tmp_path, surface, {"irradiance_W_per_cm2": 50.0},
                      {"laser": laser}, t_end=0.05)
    pb, out, _ = _run(case, [0.05])
    r, theta, _ = out[0.05]
    T = pb.params.temperature_field(np.column_stack([r, 0 * r, 0 * r]), 0.05)
    assert T.max() - T.min() > 50.0  # the laser heats the centre by ~60 K
    # early times: θ ∝ k_out(T) (1 - e^{-Bt}) is within 1e-4 of 1 at t = 0.05 s
    keep = theta > 0
    fit = fit_arrhenius(T[keep], theta[keep] / 0.05)
    assert fit.Ea_eV == pytest.approx(Ea, abs=2e-3), fit.Ea_eV
    # the field is used pointwise: the hottest node expels most
    assert theta[np.argmax(T)] == pytest.approx(theta.max())


def test_gaussian_fit_of_simulated_point_source_diffusion_recovers_D(tmp_path):
    D = 0.05  # µm²/s
    surface = {"kind": "expulsion", "boundary": "volume", "specific_area_per_um": 100.0,
               "light_rate_um_per_s": 1e-3, "carrier_ref_per_cm3": 1e17,
               "inventory_diffusivity_um2_per_s": D, "T_ref_K": 293.0}
    light = {"profile": "gaussian", "irradiance_W_per_cm2": 1e3, "waist_um": 0.3,
             "protocol": [{"kind": "light", "duration_s": 0.05},
                          {"kind": "dark", "duration_s": 100.0}]}
    case = _film_case(tmp_path, surface, light, radius_um=6.0, h_um=0.02, t_end=12.0)
    times = [2.0, 4.0, 8.0, 12.0]
    _, out, _ = _run(case, times)
    sigmas = []
    for t in times:
        r, theta, _ = out[t]
        order = np.argsort(r)
        r, theta = r[order], theta[order]
        x = np.concatenate([-r[:0:-1], r])  # the profile along a line through the centre
        g = fit_gaussian_profile(x, np.concatenate([theta[:0:-1], theta]))
        sigmas.append(g.sigma)
    growth = fit_width_growth(np.array(times), np.array(sigmas))
    assert growth.D == pytest.approx(D, rel=2e-2), growth
    # a cut through a 2D spot: σ² grows by 2 D t along the line (not 4 D t)
    assert sigmas[-1] ** 2 - sigmas[0] ** 2 == pytest.approx(2 * D * 10.0, rel=3e-2)


def test_heater_temperature_is_the_substrate_response(tmp_path):
    surface = {"kind": "expulsion", "boundary": "volume", "specific_area_per_um": 100.0,
               "dark_rate_um_per_s": 1e-6}
    heater = {"width_s": 0.5, "period_s": 5.0, "start_s": 1.0}
    case = _film_case(tmp_path, surface, {"irradiance_W_per_cm2": 0.0},
                      {"T_K": 296.65, "heater": heater}, radius_um=1.0, h_um=0.2, t_end=12.0)
    params = from_case(case)
    modes = SubstrateModes(296.65, 8.50, 2.35, 9.00, 740.0)
    ref = SubstrateResponse.pulse_train(0.5, 5.0, 1.0, modes)
    t = np.array([0.5, 1.2, 1.5, 3.0, 6.4, 11.0])
    got = np.array([params.temperature.T_K(x) for x in t])
    assert np.allclose(got, ref.history_K(t), rtol=0, atol=1e-12)
    assert got[2] - got[0] > 1.0  # 0.5 s of heating warms by ~1.6 K
    landed = []
    settings = StepSettings.from_config(case.time, t_end=12.0, output_times=(),
                                        protocols=(params.temperature,))
    pb = TransportProblem(build_mesh(MPI.COMM_WORLD, case, params), params, 1, SolverOptions())
    pb.initialise()
    TimeStepper(pb, settings, on_step=lambda tt, *a: landed.append(tt)).run()
    for switch in (1.0, 1.5, 6.0, 6.5, 11.0, 11.5):
        assert min(abs(np.array(landed) - switch)) < 1e-9, switch
    assert float(pb.environment.T_K.value) == pytest.approx(ref.history_K([12.0])[0])




def test_film_interdiffusion_spreads_a_composition_spot_with_D_f(tmp_path):
    """The film's effective interdiffusion alone (no reactions): a Gaussian spot of y spreads
    as a 2D heat kernel, σ² = σ0² + 2 D_f t along a line through it, and Br is conserved."""
    import ufl
    from dolfinx import fem

    D = 0.04
    data = {"name": "film", "body": {"kind": "film", "radius_um": 5.0, "y_initial": 0.5,
                                     "interdiffusion_um2_per_s": D},
            "material": MATERIAL, "transport": {"onsager_model": "ideal"},
            "mesh": {"h_min_nm": 20.0, "h_max_um": 0.02},
            "time": {"t_end_s": 10.0, "output_times_s": [0.0], "tol_y": 1e-5},
            "pl": {"enabled": False}, "output": {"vtx": False, "figures": False}}
    path = tmp_path / "film.yaml"
    path.write_text(yaml.safe_dump(data))
    case = load_case(path)
    params = from_case(case)
    pb = TransportProblem(build_mesh(MPI.COMM_WORLD, case, params), params, 1,
                          SolverOptions(stol=1e-10))
    pb.initialise()
    r = pb.layout.z[pb.layout.fields.index("y")]
    for f in (pb.w, pb.w_n, pb.w_nm1):
        pb.set_field("y", 0.5 + 0.3 * np.exp(-0.5 * (r / 0.4) ** 2), f)
        f.x.scatter_forward()
    y = pb.model_fields(ufl.split(pb.w))[0]
    total = fem.form(y * pb.dx)
    m0 = pb.comm.allreduce(fem.assemble_scalar(total), op=MPI.SUM)
    times = [1.0, 4.0, 10.0]
    sig = {}

    def on_output(t):
        order = np.argsort(r)
        rr, yy = r[order], pb.field("y")[order] - 0.5
        g = fit_gaussian_profile(np.concatenate([-rr[:0:-1], rr]),
                                 np.concatenate([yy[:0:-1], yy]))
        sig[t] = g.sigma

    settings = StepSettings.from_config(case.time, t_end=10.0, output_times=tuple(times))
    TimeStepper(pb, settings, on_output=on_output).run()
    m1 = pb.comm.allreduce(fem.assemble_scalar(total), op=MPI.SUM)
    assert m1 == pytest.approx(m0, rel=1e-10)
    growth = fit_width_growth(np.array(times), np.array([sig[t] for t in times]))
    assert growth.D == pytest.approx(D, rel=1e-2), growth


def test_timeseries_temperature_is_the_beam_centre_under_a_laser(tmp_path):
    """With laser heating the time series' T_K is the beam centre's temperature (the rise the
    rates see there), following the light protocol: hot while lit, back to T_sub in the dark."""
    from solver.cli import main
    from solver.io.files import read_timeseries_csv

    A0, B = 20.0, 50.0
    case = tmp_path / "film.yaml"
    case.write_text(yaml.safe_dump({
        "name": "film", "material": MATERIAL, "transport": {"onsager_model": "ideal"},
        "body": {"kind": "film", "radius_um": 4.0, "y_initial": 0.4},
        "light": {"irradiance_W_per_cm2": 50.0,
                  "protocol": [{"kind": "light", "duration_s": 1.0},
                               {"kind": "dark", "duration_s": 1.0}]},
        "temperature": {"T_K": 293.0, "laser": {"rise_K": A0, "rate_per_s": B}},
        "surfaces": [{"kind": "expulsion", "boundary": "volume", "specific_area_per_um": 100.0,
                      "light_rate_um_per_s": 1e-6, "expulsion_activation_eV": 0.2,
                      "T_ref_K": 293.0}],
        "mesh": {"h_min_nm": 100.0, "h_max_um": 0.2},
        "time": {"t_end_s": 2.0}, "output": {"vtx": False, "figures": False}}))
    out = tmp_path / "out"
    assert main([str(case), "--output", str(out), "--quiet"]) == 0
    ts = read_timeseries_csv(out / "timeseries.csv")
    t, T = np.asarray(ts["t_s"]), np.asarray(ts["T_K"])
    lit = (t > 0.1) & (t <= 1.0)
    # timeseries.csv keeps 11 significant digits: T ~ 313 K is resolved to 1e-8 K.
    assert np.allclose(T[lit], 293.0 + A0 * (1 - np.exp(-B * t[lit])), rtol=0, atol=5e-8)
    assert T[-1] == pytest.approx(293.0 + A0 * (1 - np.exp(-B)) * np.exp(-B * 1.0), abs=5e-8)
    assert T[lit].min() > 312.9  # a run without the field would say 293
