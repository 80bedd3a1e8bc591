"""Verification of the nanocrystal bodies and their surface reactions (docs/model.md,
"Geometries", "Surface reactions"; solver/numerics/measures.py, solver/numerics/reactions.py,
solver/physics/surfaces.py). Each test has an analytic answer:

1. Well-mixed limit of the solution exchange (fast diffusion, D t/R² >> 1): the mean
   composition relaxes as ȳ(t) = y_eq + (y0 - y_eq) e^{-λt}, λ = (S/V) ν (c_A + K c_B),
   y_eq = c_A/(c_A + K c_B), for the sphere (S/V = 3/R) and the slab (S/V = 1/R).
2. Fast surface reaction with bulk diffusion (Biot number k R/D >> 1): the uptake follows
   Crank's series — plane sheet M_t/M_∞ = 1 - Σ 8/((2n+1)²π²) e^{-D(2n+1)²π²t/(4R²)}, sphere
   M_t/M_∞ = 1 - (6/π²) Σ e^{-D n²π² t/R²}/n² — with second-order spatial convergence.
3. Expulsion: lattice B + surface inventory conserved to round-off step by step (no loss); the
   well-mixed ODE of the mean (scipy, tight tolerance) at every output; with loss, lattice +
   inventory + the time integral of the loss conserved.
4. Light: a dark light section (irradiance 0, or a protocol that stays dark) reproduces the run
   without one bit for bit.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml
from dolfinx import fem
from mpi4py import MPI
from scipy.integrate import solve_ivp

from solver.config import load_case
from solver.mesh.build import build_mesh
from solver.model.parameters import from_case
from solver.numerics.problem import SolverOptions, TransportProblem
from solver.numerics.reactions import ExpulsionCondition
from solver.numerics.time_stepping import StepSettings, TimeStepper

# A fast-diffusing crystal: D = λ² x_V w = 1e-7 cm²/s = 10 µm²/s at T_ref = T (ideal mixing of
# the halides' mobilities: hop ratio 1, equal pure-phase vacancy fractions) -> R²/D = 13 µs.
FAST = {"halides": "Br/I", "hop_ratio_br_i": 1.0, "x_v_br": 1e-6, "x_v_i": 1e-6,
        "D_i_ref_cm2_per_s": 1e-7, "T_ref_K": 300.0}


def _case(tmp_path, body, surfaces, material=None, time=None, mesh=None, extra=None):
    mat = (dict(material) if (material or {}).get("halides", "Br/I") != "Br/I"
           else {**FAST, **(material or {})})
    data = {"name": "nc", "body": body, "material": mat,
            "transport": {"onsager_model": "ideal"}, "surfaces": surfaces,
            "mesh": {"h_min_nm": 0.5, "h_max_um": 0.001, **(mesh or {})},
            "time": {"t_end_s": 1.0, "output_times_s": [0.0], "tol_y": 1e-4,
                     **(time or {})},
            "pl": {"enabled": False}, "output": {"vtx": False, "figures": False},
            **(extra or {})}
    path = tmp_path / "nc.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_case(path)


def _problem(case, stol=1e-11):
    params = from_case(case)
    mesh = build_mesh(MPI.COMM_WORLD, case, params)
    pb = TransportProblem(mesh, params, case.mesh.degree, SolverOptions(stol=stol))
    pb.initialise()
    return pb


def _integral(pb, form) -> float:
    return pb.comm.allreduce(fem.assemble_scalar(form), op=MPI.SUM)


def _run(case, pb, times, observe):
    """Run to max(times), recording observe(pb) at each of ``times`` (landed exactly)."""
    out = {}

    def on_output(t):
        out[t] = observe(pb)

    settings = StepSettings.from_config(case.time, t_end=max(times), output_times=tuple(times))
    stepper = TimeStepper(pb, settings, on_output=on_output)
    stepper.run()
    return out, stepper


def _mean_y(pb):
    y = pb.model_fields(__import__("ufl").split(pb.w))[0]
    return _integral(pb, fem.form(y * pb.dx)) / _integral(pb, fem.form(1.0 * pb.dx(
        domain=pb.mesh1d.mesh)))


# ----------------------------------------------------------------------------- 1. well mixed
@pytest.mark.parametrize(("reduction", "faces"), [("sphere", 3.0), ("slab", 1.0)])
def test_solution_exchange_well_mixed_limit(tmp_path, reduction, faces):
    nu, c, y_sol, K, y0 = 2e-4, 0.5, 0.8, 0.5, 0.1
    surface = {"kind": "solution", "boundary": "surface", "concentration_mol_per_L": c,
               "y_solution": y_sol, "rate_constant_um_per_s_per_M": nu,
               "equilibrium_ratio": K}
    body = {"kind": "nanocrystal", "edge_nm": 23.0, "reduction": reduction, "y_initial": y0}
    case = _case(tmp_path, body, [surface], time={"t_end_s": 1.0, "tol_y": 1e-5})
    pb = _problem(case)
    R = pb.params.length_um
    # S/V of the discrete body: the surface's weight R^k over the volume as the lumped storage
    # integrates it (row sums of the weighted mass matrix: exact, R³/3 and R).
    volume = _integral(pb, fem.form(1.0 * pb.dx(domain=pb.mesh1d.mesh)))
    sv = R ** (faces - 1.0) / volume
    assert sv == pytest.approx(faces / R, rel=1e-12)
    c_a, c_b = y_sol * c, (1 - y_sol) * c
    lam = sv * nu * (c_a + K * c_b)
    y_eq = c_a / (c_a + K * c_b)
    times = [0.5 / lam, 1.0 / lam, 2.0 / lam]
    got, _ = _run(case, pb, times, _mean_y)
    for t in times:
        want = y_eq + (y0 - y_eq) * math.exp(-lam * t)
        assert got[t] == pytest.approx(want, abs=2e-4), (t, got[t], want)


# ------------------------------------------------------------------------------- 2. Crank
def _crank(reduction, D, R, t):
    n = np.arange(0, 400)
    if reduction == "slab":
        m = 2 * n + 1
        return 1.0 - np.sum(8.0 / (m**2 * math.pi**2) * np.exp(-D * m**2 * math.pi**2 * t
                                                               / (4 * R**2)))
    n = n + 1
    return 1.0 - 6.0 / math.pi**2 * np.sum(np.exp(-D * n**2 * math.pi**2 * t / R**2) / n**2)


def _uptake_error(tmp_path, reduction, h_nm):
    """max |M_t/M_∞ - Crank| over three times, on a uniform mesh of cell size h_nm."""
    D_um2_s = 10.0  # FAST: 1e-7 cm²/s
    body = {"kind": "nanocrystal", "edge_nm": 60.0, "reduction": reduction, "y_initial": 0.0}
    surface = {"kind": "solution", "boundary": "surface", "concentration_mol_per_L": 1.0,
               "y_solution": 1.0, "rate_constant_um_per_s_per_M": 1e9}  # k R/D ~ 1e6
    case = _case(tmp_path, body, [surface], mesh={"h_min_nm": h_nm, "h_max_um": h_nm * 1e-3},
                 time={"tol_y": 1e-6, "dt_initial_s": 1e-12})
    pb = _problem(case)
    R = pb.params.length_um
    times = [0.02 * R**2 / D_um2_s, 0.1 * R**2 / D_um2_s, 0.3 * R**2 / D_um2_s]
    got, _ = _run(case, pb, times, _mean_y)
    return max(abs(got[t] - _crank(reduction, D_um2_s, R, t)) for t in times)


@pytest.mark.parametrize("reduction", ["slab", "sphere"])
def test_fast_surface_reaction_follows_crank_with_second_order(tmp_path, reduction):
    errors = [_uptake_error(tmp_path, reduction, h) for h in (1.0, 0.5)]
    assert errors[1] < 5e-3, errors
    order = math.log2(errors[0] / errors[1])
    assert order > 1.6, (errors, order)


# ---------------------------------------------------------------------------- 3. expulsion
EXPULSION = {"kind": "expulsion", "boundary": "surface", "dark_rate_um_per_s": 4e-3,
             "refill_rate_per_s": 2.0, "capacity": 0.002}


def _lattice_b(pb):
    y = pb.model_fields(__import__("ufl").split(pb.w))[0]
    return (1.0 - y) * (1.0 - pb.fractions.x_v) * pb.dx


def test_expulsion_conserves_lattice_plus_inventory_step_by_step(tmp_path):
    body = {"kind": "nanocrystal", "edge_nm": 23.0, "y_initial": 0.4}
    case = _case(tmp_path, body, [EXPULSION], time={"scheme": "bdf2", "tol_y": 1e-3})
    pb = _problem(case)
    (cond,) = [c for c in pb.conditions if isinstance(c, ExpulsionCondition)]
    lattice, inventory = fem.form(_lattice_b(pb)), fem.form(cond.inventory_form(pb))
    totals = []
    settings = StepSettings.from_config(case.time, t_end=2.0, output_times=())
    TimeStepper(pb, settings, on_step=lambda *a: totals.append(
        (_integral(pb, lattice), _integral(pb, inventory)))).run()
    lat = np.array([a for a, _ in totals])
    inv = np.array([b for _, b in totals])
    assert inv[-1] > 0.05 * lat[0]  # a good part of the B inventory moved out
    drift = np.abs(lat + inv - (lat[0] + inv[0])) / lat[0]
    assert drift.max() < 1e-10, drift.max()


def _well_mixed_expulsion(p, sv, x_b0, t_end, times):
    """The 0D model of an expelling crystal: x_B, x_V, θ, lost (per unit volume, S/V sv)."""
    def rhs(_t, s):
        x_b, x_v, th, _lost = s
        r_out = p["dark_rate_um_per_s"] * x_b * (1 - th / p.get("capacity", math.inf))
        r_in = p["refill_rate_per_s"] * th * x_v
        r_loss = p.get("loss_rate_per_s", 0.0) * th
        return [-sv * (r_out - r_in), sv * (r_out - r_in), r_out - r_in - r_loss, r_loss]

    sol = solve_ivp(rhs, (0.0, t_end), [x_b0, 1e-6, 0.0, 0.0], t_eval=times, rtol=1e-11,
                    atol=1e-14, method="LSODA")
    return sol.y


def test_expulsion_follows_the_well_mixed_ode_with_loss(tmp_path):
    p = {**EXPULSION, "loss_rate_per_s": 0.3}
    body = {"kind": "nanocrystal", "edge_nm": 23.0, "y_initial": 0.4}
    # The time error of the adaptive BDF2 steps shrinks as tol^0.6: 9e-4, 2e-4, 5e-5 of x_B
    # at t = 1 s for tol_y = 1e-4, 1e-5, 1e-6 (rtol_x_v = 10 tol_y); the space error is nil
    # (well mixed).
    case = _case(tmp_path, body, [p], time={"tol_y": 1e-6, "atol_x_v": 1e-9,
                                           "rtol_x_v": 1e-5})
    pb = _problem(case)
    (cond,) = [c for c in pb.conditions if isinstance(c, ExpulsionCondition)]
    R = pb.params.length_um
    volume = _integral(pb, fem.form(1.0 * pb.dx(domain=pb.mesh1d.mesh)))
    area = R**2  # the weight r² at r = R: ∫ θ ds = θ R²
    sv = area / volume  # the discrete S/V (3/R to O(h²))
    lattice, inventory = fem.form(_lattice_b(pb)), fem.form(cond.inventory_form(pb))
    x_b0 = 0.6 * (1 - 1e-6)
    times = [0.5, 1.0, 3.0]
    got, _ = _run(case, pb, times, lambda pb: (_integral(pb, lattice) / volume,
                                               _integral(pb, inventory) / area))
    ode = _well_mixed_expulsion(p, sv, x_b0, max(times), times)
    for k, t in enumerate(times):
        x_b, theta = got[t]
        assert x_b == pytest.approx(ode[0, k], rel=1e-4), (t, x_b, ode[0, k])
        assert theta == pytest.approx(ode[2, k], rel=1e-3), (t, theta, ode[2, k])
    assert ode[3, -1] > 0.1 * ode[2, -1]  # the loss is not negligible


# ---------------------------------------------------------------------------- 4. dark light
@pytest.mark.parametrize("light", [
    {"irradiance_W_per_cm2": 0.0},
    {"irradiance_W_per_cm2": 50.0, "protocol": [{"kind": "dark", "duration_s": 5.0}]},
])
def test_dark_light_reproduces_the_run_without_light(tmp_path, light):
    p = {**EXPULSION, "light_rate_um_per_s": 1e-5}
    body = {"kind": "nanocrystal", "edge_nm": 23.0, "y_initial": 0.4}
    arrays = []
    for extra in ({}, {"light": light}):
        case = _case(tmp_path, body, [p], extra=extra, time={"t_end_s": 0.5, "tol_y": 1e-3})
        pb = _problem(case, stol=1e-8)
        _run(case, pb, [0.5], lambda pb: None)
        arrays.append(pb.w.x.array.copy())
    assert np.array_equal(arrays[0], arrays[1])
    assert np.abs(arrays[0]).max() > 0


def test_surface_uptake_time_order_is_two_with_bdf2(tmp_path):
    """The observed temporal order of the coupled surface reaction + diffusion (slab, Biot number
    k R/D = 1, fixed steps of BDF2 started by one BDF1 step), against the same mesh at a step 8x
    smaller than the finest: the error of the mean uptake at t = 0.2 R²/D falls as dt²."""
    body = {"kind": "nanocrystal", "edge_nm": 60.0, "reduction": "slab", "y_initial": 0.0}
    surface = {"kind": "solution", "boundary": "surface", "concentration_mol_per_L": 1.0,
               "y_solution": 1.0, "rate_constant_um_per_s_per_M": 1e3}  # k R/D = 1
    R, D = 0.01, 10.0
    t_end = 0.2 * R**2 / D

    def mean_at_end(n_steps):
        dt = t_end / n_steps
        case = _case(tmp_path, body, [surface], mesh={"h_min_nm": 0.5, "h_max_um": 5e-4},
                     time={"tol_y": 1.0, "rtol_x_v": 1.0,
                           "dt_initial_s": dt, "dt_max_s": dt, "dt_min_s": dt * 1e-3})
        got, stepper = _run(case, _problem(case), [t_end], _mean_y)
        assert stepper.counters.steps == n_steps and stepper.counters.rejected == 0
        return got[t_end]

    ref = mean_at_end(320)
    errors = [abs(mean_at_end(n) - ref) for n in (10, 20, 40)]
    orders = [math.log2(errors[k] / errors[k + 1]) for k in range(2)]
    assert min(orders) > 1.8, (errors, orders)


@pytest.mark.parametrize("reduction", ["box", "slab", "sphere"])
def test_platelet_box_and_its_reductions_follow_the_well_mixed_law(tmp_path, reduction):
    """A 19 x 19 x 4 nm platelet (seed 002's shape): the 3D box itself and its 1D reductions
    (slab of half-thickness V/S, sphere of radius 3V/S) all relax as the well-mixed law with
    the box's S/V = 2(ab + bc + ca)/(abc) = 0.711 1/nm: ȳ(t) = 1 - e^{-(S/V) ν c t}."""
    body = {"kind": "nanocrystal", "edges_nm": [19.0, 19.0, 4.0], "reduction": reduction,
            "y_initial": 0.0}
    surface = {"kind": "solution", "boundary": "surface", "concentration_mol_per_L": 1.0,
               "y_solution": 1.0, "rate_constant_um_per_s_per_M": 1e-5}
    case = _case(tmp_path, body, [surface], material={"halides": "Br/Cl", "hop_ratio_br_cl": 1.0,
                 "x_v_br": 1e-6, "x_v_cl": 1e-6, "D_cl_ref_cm2_per_s": 1e-7},
                 time={"tol_y": 1e-5})
    pb = _problem(case)
    sv = 2 * (19 * 19 + 19 * 4 + 4 * 19) / (19 * 19 * 4) * 1e3  # [1/µm]
    assert pb.params.body.surface_to_volume_per_um == pytest.approx(sv, rel=1e-12)
    lam = sv * 1e-5
    times = [30.0, 60.0]
    got, _ = _run(case, pb, times, _mean_y)
    for t in times:
        assert got[t] == pytest.approx(1.0 - math.exp(-lam * t), abs=2e-4), (t, got[t])
