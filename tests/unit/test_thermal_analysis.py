"""Helpers of the thermal-interdiffusion validation (solver.analysis.thermal, .fick)."""

from __future__ import annotations

import numpy as np
import pytest

from solver.analysis.fick import solve_fick_1d, thomas
from solver.analysis.thermal import (
    arrhenius_fit,
    br_rich_length_um,
    cl_plateau,
    effective_rate_per_s,
    interdiffusivity_cm2_per_s,
    max_gradient_per_um,
    poisson_boltzmann_vacancies,
    vacancy_potential_shift,
)
from solver.config import case_from_dict
from solver.constants import BOLTZMANN_EV_PER_K
from solver.model.parameters import from_case


def test_effective_rate_ideal_is_the_harmonic_mixing_rule():
    y = np.linspace(0.0, 1.0, 11)
    k = effective_rate_per_s(y, 3.0, 1.0, "ideal")
    assert np.allclose(k, 3.0 / (3.0 * y + (1.0 - y)), rtol=1e-14)


def test_effective_rate_manning_limits():
    # equal rates: interdiffusion = tracer diffusion, k_eff = f0 w at every composition
    k = effective_rate_per_s(np.array([0.0, 0.3, 1.0]), 2.0, 2.0, "manning", 0.6889)
    assert np.allclose(k, 0.6889 * 2.0, rtol=1e-12)
    # a dilute species is carried at its own (correlated) tracer rate: finite, positive
    k = effective_rate_per_s(np.array([0.0, 1.0]), 3.0, 1.0, "manning", 0.6889)
    assert np.all(k > 0) and np.all(np.isfinite(k))


def test_interdiffusivity_units():
    p = from_case(case_from_dict({"name": "t", "transport": {"onsager_model": "ideal"},
                                  "temperature": {"T_K": 373.15}}))
    # pure CsPbCl3 host, ideal coefficients: D = lambda^2 x_V w_Br (dilute Br carries it)
    D = interdiffusivity_cm2_per_s(0.0, 3e-7, p)
    assert D == pytest.approx(3.0 * 1e-12, rel=1e-12)  # D_cl_ref = lambda^2 x_v_cl w_Cl


def test_arrhenius_fit_recovers_the_energy():
    T = np.array([348.15, 373.15, 398.15])
    D = 2e-9 * np.exp(-0.28 / (BOLTZMANN_EV_PER_K * T))
    Ea, D0 = arrhenius_fit(T, D)
    assert Ea == pytest.approx(0.28, rel=1e-10) and D0 == pytest.approx(2e-9, rel=1e-9)


def test_profile_metrics():
    z = np.linspace(0.0, 2.0, 201)
    y = np.where(z < 1.0, 1.0, 0.25) + 0.0 * z
    y[100] = 0.5  # z = 1.0
    assert br_rich_length_um(z, y, True) == pytest.approx(0.99 + 0.01 * 0.1 / 0.5)
    assert br_rich_length_um(z[::-1].max() - z[::-1], y[::-1], False) == pytest.approx(
        br_rich_length_um(z, y, True))
    assert br_rich_length_um(z, np.ones_like(z), True) == pytest.approx(2.0)
    plateau = cl_plateau(z, y, 1.0, 2.0, True)
    assert plateau["mean"] == pytest.approx(0.25) and plateau["spread"] == 0.0
    assert max_gradient_per_um(z, y) == pytest.approx(0.5 / 0.01)


def test_thomas_and_fick_conservation():
    rng = np.random.default_rng(0)
    n = 50
    a, c = rng.uniform(-1, 0, n), rng.uniform(-1, 0, n)
    b = 3.0 + rng.uniform(0, 1, n)
    A = np.diag(b) + np.diag(a[1:], -1) + np.diag(c[:-1], 1)
    x = rng.normal(size=n)
    assert np.allclose(thomas(a, b, c, A @ x), x, rtol=1e-12)
    _, (c1, c2) = solve_fick_1d(1.0, 100, lambda c: 1e-4 * (1 + c), lambda z: (z < 0.3) * 1.0,
                                [100.0, 1000.0], dt_max_s=50.0)
    assert c1.sum() == pytest.approx(30.0, rel=1e-13) and c2.sum() == pytest.approx(30.0, 1e-13)
    assert np.all(np.diff(c2) <= 0.0)  # monotone stays monotone


def test_poisson_boltzmann_conserves_vacancies_and_contacts_matter():
    case = case_from_dict({
        "name": "pb", "geometry": {"length_um": 2.0, "interface_um": 1.0},
        "electrodes": {"left": {"start_um": 0.0, "end_um": 0.05},
                       "right": {"start_um": 1.95, "end_um": 2.0}},
        "bias": {"field_V_per_um": 0.0}, "temperature": {"T_K": 373.15},
        "sources": {"model": "none"}})
    p = from_case(case)
    z = np.linspace(0.0, 2.0, 201)
    y0 = np.where(z < 1.0, 1.0, 0.1)
    x_bg = p.x_v_eq(y0)
    total = np.trapezoid(x_bg, z)
    floating, _ = poisson_boltzmann_vacancies(z, y0, p, False)
    grounded, psi_g = poisson_boltzmann_vacancies(z, y0, p, True)
    plain, _ = poisson_boltzmann_vacancies(z, y0, p, True, zero_flux_shift=False)
    assert plain[25] < grounded[25]  # the Kirkendall term pushes vacancies to the Br-rich side
    for x_v in (floating, grounded):
        assert np.trapezoid(x_v, z) == pytest.approx(total, rel=1e-10)
        # vacancies spill from the Cl-rich into the Br-rich segment (long Debye length there)
        assert x_v[25] > 5 * x_bg[25] and x_v[175] < x_bg[175]
    assert psi_g[np.argmin(abs(z - 0.05))] == pytest.approx(0.0, abs=1e-14)
    assert abs(grounded[25] / floating[25] - 1.0) > 0.05  # the contacts are not inert


def test_vacancy_potential_shift_ideal_closed_form():
    """Zero vacancy flux, ideal coefficients: eta(y) = ln(y w_Br + (1 - y) w_Cl) + const."""
    p = from_case(case_from_dict({"name": "t", "transport": {"onsager_model": "ideal"}}))
    y = np.linspace(1.0, 0.22, 4001)
    eta = vacancy_potential_shift(y, p)
    expected = np.log((y * p.w_br + (1 - y) * p.w_cl) / p.w_br)
    assert np.allclose(eta, expected, atol=1e-7)
    # Manning: same sign (Br-rich side higher), finite
    pm = from_case(case_from_dict({"name": "t"}))
    assert vacancy_potential_shift(y, pm)[-1] < 0.0
