"""Physics checks of the assembled solver: conservation, equilibrium, Poisson–Boltzmann layers."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from mpi4py import MPI

from solver.config import load_case
from solver.mesh.interval import mesh_for_parameters
from solver.model.parameters import from_case
from solver.numerics.newton import SolverOptions
from solver.numerics.problem import TransportProblem
from solver.numerics.time_stepping import StepSettings, TimeStepper
from solver.recording import gather_profile

CASES = "cases"


def build(case, params=None):
    params = params or from_case(case)
    m = case.mesh
    mesh1d = mesh_for_parameters(MPI.COMM_WORLD, params, m.h_min_nm, m.h_max_um, m.growth)
    pb = TransportProblem(mesh1d, params, m.degree, SolverOptions())
    pb.initialise()
    return pb


def settings(case, t_end, outputs=()):
    t = case.time
    return StepSettings.from_config(t, t_end=t_end, output_times=tuple(outputs))


@pytest.mark.parametrize("scheme", ["bdf1", "bdf2"])
def test_conservation_without_sources(scheme):
    """Requirement: without electrode sources, total Br and total vacancies (hence every
    species, since sites sum to one) are conserved to < 1e-8 relative over 4 h at 4 V/µm."""
    case = load_case(f"{CASES}/no_sources.yaml", [f"time.scheme={scheme}", "mesh.h_max_um=0.02"])
    pb = build(case)
    br0, v0 = pb.totals()
    worst = {"br": 0.0, "v": 0.0}

    def on_step(t, dt, its, c):
        br, v = pb.totals()
        worst["br"] = max(worst["br"], abs(br - br0) / br0)
        worst["v"] = max(worst["v"], abs(v - v0) / v0)

    counters = TimeStepper(pb, settings(case, 4 * 3600.0), on_step=on_step).run()
    assert counters.steps > 10
    assert worst["br"] < 1e-8, worst
    assert worst["v"] < 1e-8, worst
    # The bias did act: vacancies left the gap (it depletes) -- the check is not vacuous.
    prof = gather_profile(pb, 0.0)
    if prof is not None:
        mid = np.abs(prof.z_um - 3.5) < 1.0
        assert prof.x_v[mid].max() < 1e-3 * math.exp(from_case(case).ln_x_v_br)


def test_zero_bias_uniform_equilibrium_stays_put():
    """Requirement: a uniform composition at its equilibrium vacancy fraction, with no bias,
    is a steady state (with sources switched on: their rates vanish at zero bias)."""
    case = load_case(f"{CASES}/reference_forward.yaml",
                     ["bias.field_V_per_um=0", "mesh.h_max_um=0.05"])
    params = dataclasses.replace(from_case(case), y_br=0.4, y_cl=0.4)
    pb = build(case, params)
    w0 = pb.w.x.array.copy()
    counters = TimeStepper(pb, settings(case, 4 * 3600.0)).run()
    assert counters.steps > 5 and counters.rejected == 0
    assert np.max(np.abs(pb.w.x.array - w0)) < 1e-12


def _pb_distance(psi_node, psi_contact, lam):
    """Distance from the contact where the Poisson–Boltzmann layer reaches psi_node.

    1D PB with one mobile carrier (+e) on a fixed background: lam^2 psi'' = 1 - e^{-psi}
    (psi = phi - phi_bulk). First integral: (lam^2/2) psi'^2 = e^{-psi} + psi - 1, so
    z - z_c = ∫_{psi}^{psi_c} lam ds / sqrt(2 (e^{-s} + s - 1)) for a monotone layer.
    """
    s = np.linspace(psi_node, psi_contact, 20001)
    f = lam / np.sqrt(2.0 * (np.exp(-s) + s - 1.0))
    return abs(np.trapezoid(f, s))


@pytest.mark.parametrize("side", ["accumulation", "depletion"])
def test_gouy_chapman_layer_at_biased_contact(side):
    """Requirement: at equilibrium near a biased contact, with small x_V, the vacancy profile is
    the analytic 1D Poisson–Boltzmann (Gouy–Chapman type) layer."""
    overrides = [
        "geometry.length_um=20", "geometry.interface_um=10",
        "electrodes.left.start_um=0", "electrodes.left.end_um=1",
        "electrodes.right.start_um=19", "electrodes.right.end_um=20",
        "bias.field_V_per_um=0.02", "sources.model=none", "mesh.h_max_um=0.02",
        "time.t_end_s=3000", "time.output_times_s=[0, 3000]",
    ]
    case = load_case(f"{CASES}/reference_forward.yaml", overrides)
    params = dataclasses.replace(from_case(case), y_br=0.1, y_cl=0.1)
    pb = build(case, params)
    TimeStepper(pb, settings(case, 3000.0)).run()
    prof = gather_profile(pb, 3000.0)
    if prof is None:
        return
    x_eq = float(params.x_v_eq(0.1))
    lam = math.sqrt(params.debye2_um2 * params.x_ref / x_eq)
    phi = prof.psi_V / params.thermal_voltage_V
    phi_bulk = np.interp(10.0, prof.z_um, phi)
    # Equilibrium with site exclusion: ln(x_V / (1 - x_V)) + phi uniform (lattice gas; the halide
    # exchange potentials ln(x_b / x_V) - phi are uniform and x_Br + x_Cl = 1 - x_V).
    eta = np.log(prof.x_v / (1.0 - prof.x_v)) + phi
    gap = (prof.z_um > 1.0) & (prof.z_um < 19.0)
    assert np.ptp(eta[gap]) < 1e-6
    # Left contact is positive (depletion), right negative (accumulation).
    zc = 1.0 if side == "depletion" else 19.0
    psi_c = np.interp(zc, prof.z_um, phi) - phi_bulk
    assert abs(psi_c) > 2.0  # a genuinely nonlinear layer
    near = gap & (np.abs(prof.z_um - zc) > 0.0) & (np.abs(prof.z_um - zc) < 2.0 * lam)
    psi_nodes = phi[near] - phi_bulk
    d_num = np.abs(prof.z_um[near] - zc)
    d_pb = np.array([_pb_distance(p, psi_c, lam) for p in psi_nodes])
    x_pb = x_eq * np.exp(-np.interp(d_num, np.sort(d_pb), psi_nodes[np.argsort(d_pb)]))
    assert np.max(np.abs(d_num - d_pb)) < 2e-3 * lam, np.max(np.abs(d_num - d_pb))
    assert np.max(np.abs(prof.x_v[near] / x_pb - 1.0)) < 1e-2
