"""Vacancy equilibration (material.vacancy_equilibration) and the floating wire
(electrodes.floating), observed in the assembled solver.

Model: solver/physics/equilibration.py, docs/model.md "Vacancy equilibration".
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from mpi4py import MPI

from solver.analysis.thermal import poisson_boltzmann_vacancies
from solver.config import CaseError, load_case
from solver.constants import BOLTZMANN_EV_PER_K
from solver.mesh.interval import mesh_for_parameters
from solver.model.parameters import from_case
from solver.numerics.newton import SolverOptions
from solver.numerics.problem import TransportProblem
from solver.numerics.time_stepping import StepSettings, TimeStepper
from solver.physics.initial import initial_composition
from solver.recording import gather_profile

CASE = "cases/thermal_100C.yaml"
SCHOTTKY = ["material.vacancy_equilibration=schottky"]
#: Newton tolerance of the conservation tests [scaled update]: the discrete balances hold to
#: the Newton residual, so the default 1e-6 (relative error up to ~1e-6 per step in ln x_V)
#: would measure Newton, not the bookkeeping.
NEWTON_STOL = 1e-12


def prefactor_for(rate_per_s: float, T_K: float = 373.15, E_a_eV: float = 1.32) -> str:
    """The override giving k(T_K) = rate_per_s with activation E_a_eV."""
    nu0 = rate_per_s * math.exp(E_a_eV / (BOLTZMANN_EV_PER_K * T_K))
    return f"material.equilibration_prefactor_per_s={nu0!r}"


def build(case, params=None, degree=None, stol=None):
    params = params or from_case(case)
    m = case.mesh
    mesh1d = mesh_for_parameters(MPI.COMM_WORLD, params, m.h_min_nm, m.h_max_um, m.growth)
    options = SolverOptions() if stol is None else SolverOptions(stol=stol)
    pb = TransportProblem(mesh1d, params, degree or m.degree, options)
    pb.initialise()
    return pb


def settings(case, t_end, **kw):
    return dataclasses.replace(
        StepSettings.from_config(case.time, t_end=t_end, output_times=()), **kw)


def test_rate_follows_arrhenius_and_temperature():
    """k(T) = nu0 exp(-E_a/k_BT) at T(0), and ThermalLaw.state(T) gives it at any T (so a
    temperature protocol carries it); 0 with ``none``."""
    case = load_case(CASE, [*SCHOTTKY, "material.equilibration_prefactor_per_s=2e13",
                            "material.equilibration_activation_eV=1.2"])
    p = from_case(case)
    assert p.equilibration_rate_per_s == pytest.approx(
        2e13 * math.exp(-1.2 / (BOLTZMANN_EV_PER_K * 373.15)), rel=1e-14)
    k300 = p.thermal_law.state(300.0).equilibration_rate_per_s
    assert k300 / p.equilibration_rate_per_s == pytest.approx(
        math.exp(-1.2 / BOLTZMANN_EV_PER_K * (1 / 300.0 - 1 / 373.15)), rel=1e-12)
    assert from_case(load_case(CASE)).equilibration_rate_per_s == 0.0


def test_relaxation_to_equilibrium_at_the_given_rate():
    """A uniform wire quenched with x_V = x_bg = 3 x_V,eq (neutral) relaxes as
    x_V(t) - x_V,eq = (x_V(0) - x_V,eq) exp(-k t), observed at every accepted step; the background
    follows x_V, and at every vertex the BDF rate of x_bg equals R = k (x_V,eq(y) - x_V)."""
    k = 0.02  # [1/s] at 100 C
    case = load_case(CASE, [*SCHOTTKY, prefactor_for(k), "mesh.h_max_um=0.05"])
    params = dataclasses.replace(from_case(case), y_br=0.4, y_cl=0.4)
    pb = build(case, params, stol=1e-12)
    x_eq = float(params.x_v_eq(0.4))
    x0 = 3.0 * x_eq
    for f in (pb.w, pb.w_n, pb.w_nm1):
        pb.set_field("u", math.log(x0), f)
    for f in (pb.bg_n, pb.bg_nm1):
        f.x.array[:] = x0
    worst = {"x_v": 0.0, "bg": 0.0, "rate": 0.0}
    bg_hist = [pb.background()]

    def on_step(t, dt, its, c):
        x_v = np.exp(pb.field("u"))
        expected = x_eq + (x0 - x_eq) * math.exp(-k * t)
        worst["x_v"] = max(worst["x_v"], np.abs(x_v - expected).max() / (x0 - x_eq))
        worst["bg"] = max(worst["bg"], np.abs(pb.background() - x_v).max() / (x0 - x_eq))
        # Exact bookkeeping at the vertices: (a0 bg^{n+1} + a1 bg^n + a2 bg^{n-1})/dt = R.
        bg_hist.insert(0, pb.background())
        a0, a1, a2 = (float(pb.bdf.a0.value), float(pb.bdf.a1.value), float(pb.bdf.a2.value))
        older = bg_hist[2] if len(bg_hist) > 2 else bg_hist[1]
        terms = (a0 * bg_hist[0], a1 * bg_hist[1], a2 * older)
        dt_rate = dt * k * (np.exp(params.ln_x_v_eq(pb.field("y"))) - x_v)
        # Round-off scale of the BDF combination (it cancels to O(dt R) from O(x_bg) terms).
        scale = sum(np.abs(v) for v in terms) + np.abs(dt_rate)
        mismatch = np.abs(sum(terms) - dt_rate) / (np.finfo(float).eps * scale)
        worst["rate"] = max(worst["rate"], mismatch.max())

    st = settings(case, 5.0 / k, atol_x_v=1e-18, rtol_x_v=1e-5)
    counters = TimeStepper(pb, st, on_step=on_step).run()
    assert counters.steps > 20
    x_end = np.exp(pb.field("u"))
    assert np.abs(x_end - x_eq).max() < 0.01 * (x0 - x_eq)  # it did relax (5 time constants)
    assert worst["x_v"] < 1e-3, worst
    # x_V - x_bg is constant up to the Newton tolerance (stol 1e-12 here, per step).
    assert worst["bg"] < 1e-9, worst
    assert worst["rate"] < 16.0, worst  # units of machine epsilon


def vacancy_residual_sum(pb) -> float:
    """Σ_i F_u,i over the vacancy rows of the unscaled residual at the current state."""
    from dolfinx.fem import petsc as fem_petsc
    from petsc4py import PETSc

    b = fem_petsc.assemble_vector(pb.problem.F)
    b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
    with b.localForm() as loc:
        local = float(loc.array[pb.owned_dofs[1]].sum())
    b.destroy()
    return pb.comm.allreduce(local, op=MPI.SUM)


def test_net_charge_conserved_with_the_source_on():
    """Thermal anneal at 100 C with fast equilibration (k = 1/s): ∫ x_V changes by tens of per
    cent, while the net charge Q = ∫ (x_V - x_bg) dz (zero at t = 0) is conserved.

    Exact bookkeeping: at every accepted step the discrete charge balance
    a0 Q^{n+1} + a1 Q^n + a2 Q^{n-1} equals dt x_ref Σ_i F_u,i (the sum of the vacancy rows of
    the residual, i.e. what Newton left) to round-off -- the equilibration term and the BDF
    rate of the background cancel node by node, the fluxes sum to zero. Q itself then drifts
    only by the Newton residual (< 1e-8 relative, the criterion of the conservation tests)."""
    case = load_case(CASE, [*SCHOTTKY, prefactor_for(1.0)])
    # Converged as the other conservation tests: the round-off of Σ F_u grows with what Newton
    # leaves in the rows (with the default 1e-6: 2e-13 of the balance's scale).
    pb = build(case, stol=NEWTON_STOL)
    br0, v0 = pb.totals()
    q_hist = [pb.total_charge()]
    assert abs(q_hist[0]) < 1e-14 * v0  # x_V(z, 0) = x_bg(z, 0) at every vertex (UFL vs numpy exp)
    worst = {"q": 0.0, "br": 0.0, "balance": 0.0}
    accept = pb.accept_step

    def accept_and_check():
        # Called by the stepper with w = the accepted state, w_n, x_bg^n still the old ones
        # and the BDF constants of the accepted step: the residual of that step.
        left = float(pb.bdf.dt.value) * pb.params.x_ref * vacancy_residual_sum(pb)
        accept()
        q_hist.insert(0, pb.total_charge())
        a = [float(pb.bdf.a0.value), float(pb.bdf.a1.value), float(pb.bdf.a2.value)]
        older = q_hist[2] if len(q_hist) > 2 else q_hist[1]
        balance = a[0] * q_hist[0] + a[1] * q_hist[1] + a[2] * older
        worst["balance"] = max(worst["balance"],
                               abs(balance - left) / (sum(map(abs, a)) * v0))
        worst["q"] = max(worst["q"], abs(q_hist[0] - q_hist[-1]) / v0)

    pb.accept_step = accept_and_check

    def on_step(t, dt, its, c):
        br, _ = pb.totals()
        worst["br"] = max(worst["br"], abs(br - br0) / br0)

    TimeStepper(pb, settings(case, 5400.0), on_step=on_step).run()
    _, v = pb.totals()
    assert abs(v - v0) / v0 > 0.2  # vacancies were made and removed: the test is not vacuous
    assert worst["balance"] < 1e-13, worst
    assert worst["q"] < 1e-8, worst
    assert worst["br"] < 1e-12, worst
    # Where the wire equilibrated, x_V follows the current composition.
    y = pb.field("y")
    x_v = np.exp(pb.field("u"))
    x_eq = np.exp(from_case(case).ln_x_v_eq(y))
    assert np.median(np.abs(x_v / x_eq - 1.0)) < 0.05


def test_none_is_the_frozen_model_and_schottky_with_k_zero_reproduces_it():
    """``none`` adds no term and keeps the frozen background, whatever the rate keys say
    (bit-identical); ``schottky`` with k = 0 gives the same states to round-off."""
    t_end = 600.0
    base = load_case(CASE)
    states = {}
    for name, overrides in (("default", []),
                            ("none", ["material.vacancy_equilibration=none",
                                      "material.equilibration_prefactor_per_s=1e18"]),
                            ("k0", [*SCHOTTKY, "material.equilibration_prefactor_per_s=1e-300"])):
        case = load_case(CASE, overrides)
        pb = build(case)
        if name != "k0":
            assert "vacancy_equilibration" not in pb.terms and not pb.equilibrating
        else:
            assert pb.params.equilibration_rate_per_s < 1e-300  # k = 1.5e-318 1/s
        TimeStepper(pb, settings(base, t_end)).run()
        states[name] = pb.w.x.array.copy()
    assert np.array_equal(states["default"], states["none"])
    np.testing.assert_allclose(states["k0"], states["default"], rtol=1e-9, atol=1e-12)


def test_floating_wire_matches_the_floating_quasi_steady_state():
    """A floating wire (no contact potentials, phi = 0 at z = 0) conserves Br, vacancies and the
    net charge, and its vacancies after 5 min at 100 C are the independent numpy quasi-steady
    state of a floating wire, not that of grounded ends (which differ by 25-40 %)."""
    case = load_case(CASE, ["electrodes.floating=true"])
    params = from_case(case)
    pb = build(case, params, stol=NEWTON_STOL)
    br0, v0 = pb.totals()
    TimeStepper(pb, settings(case, 300.0)).run()
    br, v = pb.totals()
    assert abs(br - br0) / br0 < 1e-12 and abs(v - v0) / v0 < 1e-10
    assert abs(pb.total_charge()) < 1e-10 * v0
    prof = gather_profile(pb, 300.0)
    if prof is None:
        return
    assert prof.psi_V[np.argmin(prof.z_um)] == 0.0  # the gauge node
    y0 = initial_composition(prof.z_um, params)
    floating, _ = poisson_boltzmann_vacancies(prof.z_um, prof.y, params, grounded=False,
                                              y_background=y0)
    grounded, _ = poisson_boltzmann_vacancies(prof.z_um, prof.y, params, grounded=True,
                                              y_background=y0)
    dev_float = np.abs(prof.x_v / floating - 1.0).max()
    dev_ground = np.abs(prof.x_v / grounded - 1.0).max()
    assert dev_float < 0.08, dev_float
    assert dev_ground > 0.2, dev_ground


def test_floating_with_equilibration_keeps_charge_and_gauge():
    """Floating wire with equilibration on: net charge zero to round-off, gauge node at 0."""
    case = load_case(CASE, ["electrodes.floating=true", *SCHOTTKY, prefactor_for(1.0)])
    pb = build(case, stol=NEWTON_STOL)
    _, v0 = pb.totals()
    TimeStepper(pb, settings(case, 1800.0)).run()
    assert abs(pb.total_charge()) < 1e-8 * v0  # the Newton residual (see above)
    z = pb.z[2]
    assert pb.field("phi")[np.argmin(z)] == 0.0


@pytest.mark.parametrize("path, key", [
    (CASE, "bias.field_V_per_um"),
    ("cases/forward_then_reverse.yaml", "bias.protocol"),
])
def test_floating_refuses_a_bias(path, key):
    """A floating wire has no contact potentials: a nonzero bias (constant or in a protocol)
    is refused, naming the key; zero bias is accepted."""
    extra = ["bias.field_V_per_um=0.5"] if path == CASE else []
    with pytest.raises(CaseError, match=key.replace(".", r"\.")):
        load_case(path, ["electrodes.floating=true", *extra])
    load_case(CASE, ["electrodes.floating=true"])


def test_schottky_needs_degree_one():
    case = load_case(CASE, SCHOTTKY)
    with pytest.raises(ValueError, match="degree 1"):
        build(case, degree=2)


def test_restart_with_equilibration_equals_uninterrupted(tmp_path):
    """The background history (x_bg^n, x_bg^{n-1}) is checkpointed: a run interrupted after 40
    steps and restarted gives the uninterrupted results exactly."""
    import os

    from solver.cli import main
    from solver.io.files import read_profile_csv, read_timeseries_csv
    from solver.run import STOP_AFTER_STEPS_ENV

    args = [CASE, "--quiet", "--set", "time.t_end_s=3600", "--set", "output.figures=false",
            "--set", "time.output_times_s=[0, 1800, 3600]", "--set", SCHOTTKY[0],
            "--set", prefactor_for(0.05), "--set", "electrodes.floating=true"]
    ref, out = tmp_path / "ref", tmp_path / "restarted"
    assert main([*args, "--output", str(ref)]) == 0
    os.environ[STOP_AFTER_STEPS_ENV] = "40"
    try:
        assert main([*args, "--output", str(out)]) == 4
    finally:
        del os.environ[STOP_AFTER_STEPS_ENV]
    assert main([*args, "--output", str(out), "--restart"]) == 0
    ts_a, ts_b = read_timeseries_csv(out / "timeseries.csv"), read_timeseries_csv(
        ref / "timeseries.csv")
    assert "total_charge_um" in ts_a and len(ts_a["t_s"]) == len(ts_b["t_s"]) > 41
    for col in ts_a:
        np.testing.assert_array_equal(ts_a[col], ts_b[col], err_msg=col)
    for pa in sorted((ref / "profiles").glob("*.csv")):
        da, db = read_profile_csv(pa)[1], read_profile_csv(out / "profiles" / pa.name)[1]
        for col in da:
            np.testing.assert_array_equal(da[col], db[col], err_msg=col)
