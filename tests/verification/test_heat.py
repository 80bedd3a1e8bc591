"""Verification of the film heat equation (solver/physics/heat.py, solver/numerics/heat.py):
the steady 1D Gaussian-source solution against its closed form (and the closed form against
quadrature), the observed spatial order of P1, and the transient relaxation to T_sub + q/h at
the rate h/(ρc) with the schemes' time orders."""

import math

import dolfinx
import numpy as np
import pytest
import ufl
from mpi4py import MPI
from scipy.integrate import quad

from solver.numerics.heat import solve_heat_steady, solve_heat_transient
from solver.physics.heat import (
    HeatParameters,
    beam_peak_W_per_m3,
    gaussian_beam_W_per_m3,
    steady_gaussian_1d_K,
)

# lambda = sqrt(k/h) = 1 µm, a = k/(ρc) = 0.5e6 µm²/s: O(1) numbers on a µm mesh.
PARAMS = HeatParameters(conductivity_W_per_m_K=0.5, heat_capacity_J_per_m3_K=1.0e6,
                        sink_W_per_m3_K=0.5e12, T_substrate_K=293.0)
Q0 = 2.0e12  # [W/m³]: peak rise q0 λ²/k-ish of a few K
SIGMA = 0.7  # [µm]
HALF_LENGTH = 14.0  # [µm]: 20 λ, exp(-14) of the rise left at the ends


def test_closed_form_matches_quadrature():
    kappa = 1.0 / PARAMS.sink_length_um
    x = np.array([-6.0, -1.3, 0.0, 0.4, 2.0, 9.0])
    T = steady_gaussian_1d_K(x, Q0, SIGMA, PARAMS)
    scale = Q0 * PARAMS.source_scale() / (2.0 * kappa)  # q0/(2 k kappa) in K/µm
    for xi, Ti in zip(x, T, strict=True):
        integral, _ = quad(lambda s, xi=xi: math.exp(-s * s / (2 * SIGMA ** 2)
                                                      - kappa * abs(xi - s)),
                           -40.0, 40.0, points=[xi], epsabs=1e-13, limit=200)
        assert Ti - PARAMS.T_substrate_K == pytest.approx(scale * integral, rel=1e-10)
    # Far from the source no overflow: T -> T_sub.
    far = steady_gaussian_1d_K(np.array([-800.0, 800.0]), Q0, SIGMA, PARAMS)
    np.testing.assert_allclose(far, PARAMS.T_substrate_K, rtol=0, atol=1e-12)


def _l2_error(solution, exact):
    """||T_h - T|| over the mesh, the exact T interpolated in P4."""
    mesh = solution.function.function_space.mesh
    W = dolfinx.fem.functionspace(mesh, ("Lagrange", 4))
    ref = dolfinx.fem.Function(W)
    ref.interpolate(lambda x: exact(x[0]))
    err = dolfinx.fem.form((solution.function - ref) ** 2 * ufl.dx)
    return math.sqrt(dolfinx.fem.assemble_scalar(err))


def test_steady_gaussian_source_1d_converges_at_order_two():
    def source(x_um, _t):
        return Q0 * np.exp(-x_um[:, 0] ** 2 / (2 * SIGMA ** 2))

    def exact(x):
        return steady_gaussian_1d_K(x, Q0, SIGMA, PARAMS)

    errors, hs = [], []
    for n in (112, 224, 448):
        mesh = dolfinx.mesh.create_interval(MPI.COMM_WORLD, n, [-HALF_LENGTH, HALF_LENGTH])
        sol = solve_heat_steady(mesh, PARAMS, source)
        errors.append(_l2_error(sol, exact))
        hs.append(2 * HALF_LENGTH / n)
    rise = exact(np.array([0.0]))[0] - PARAMS.T_substrate_K
    assert rise > 1.0  # the test sees a real temperature rise
    orders = np.log(np.array(errors[:-1]) / errors[1:]) / np.log(2.0)
    assert errors[-1] < 1e-3 * rise
    np.testing.assert_allclose(orders, 2.0, atol=0.1)
    # The peak from the dof values (x = 0 is a vertex).
    centre = int(np.argmin(np.abs(sol.x_um[:, 0])))
    assert sol.T_K[centre] == pytest.approx(exact(np.array([0.0]))[0], abs=2e-3 * rise)


def test_beam_source_carries_the_absorbed_power():
    """∫ q dA · l = P_abs for the seed 004 eq. 4 profile (2D disk-like square, 1 µm waist)."""
    mesh = dolfinx.mesh.create_rectangle(MPI.COMM_WORLD, [[-4.0, -4.0], [4.0, 4.0]], [64, 64])
    peak = beam_peak_W_per_m3(50e-6, 1.0, 0.04, heat_fraction=0.8)
    q = gaussian_beam_W_per_m3(ufl.SpatialCoordinate(mesh), peak, 1.0)
    power = dolfinx.fem.assemble_scalar(dolfinx.fem.form(q * ufl.dx)) * 1e-12 * 0.04e-6
    assert power == pytest.approx(0.8 * 50e-6, rel=1e-4)


@pytest.mark.parametrize("scheme, order", [("euler", 1.0), ("bdf2", 2.0)])
def test_uniform_source_relaxes_at_rate_h_over_rho_c(scheme, order):
    """T(t) = T_sub + (q/h)(1 - exp(-h t/(ρc))) for a uniform source from T_sub."""
    mesh = dolfinx.mesh.create_interval(MPI.COMM_WORLD, 8, [0.0, 3.0])
    q, rate = 3.0e12, PARAMS.relaxation_rate_per_s  # [W/m³], [1/s] (1/(2 µs))
    t_end = 2.0 / rate

    def exact(t):
        return PARAMS.T_substrate_K + q / PARAMS.sink_W_per_m3_K * -np.expm1(-rate * t)

    errors = []
    for n_steps in (80, 160):
        hist = solve_heat_transient(mesh, PARAMS, q, t_end_s=t_end, dt_s=t_end / n_steps,
                                    scheme=scheme)
        assert hist.T_K.shape == (n_steps + 1, hist.x_um.shape[0])
        assert np.ptp(hist.T_K[-1]) < 1e-9  # uniform in space
        errors.append(np.max(np.abs(hist.T_K[:, 0] - exact(hist.times_s))))
    assert errors[0] < 0.05 * q / PARAMS.sink_W_per_m3_K
    assert math.log2(errors[0] / errors[1]) == pytest.approx(order, abs=0.15)
    assert hist.T_K[-1, 0] == pytest.approx(exact(t_end), rel=1e-4)


def test_steady_without_a_sink_and_insulated_is_refused():
    mesh = dolfinx.mesh.create_interval(MPI.COMM_WORLD, 4, [0.0, 1.0])
    no_sink = HeatParameters(sink_W_per_m3_K=0.0)
    with pytest.raises(ValueError, match="no steady state"):
        solve_heat_steady(mesh, no_sink, 1.0)
    fixed = solve_heat_steady(mesh, no_sink, 0.0, fixed_boundary=True)
    np.testing.assert_allclose(fixed.T_K, no_sink.T_substrate_K)
