"""Seed 004 phase reconstruction (validation/nanocrystals/reconstruction.py; docs/nanocrystals.md,
"Phase reconstruction under a focused laser (seed 004)").

Fast: the shipped cases for a short time: the Br-rich fraction under the beam rises from 0, the
early expelled inventory equals the analytic linear-regime value a_s k_out x_I0 t at the centre,
and the halo's radial profile falls monotonically. Slow: the Arrhenius recovery of the input
barrier through the seed's analysis (scaled window) and of the inventory's Ea.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from solver.config import load_case
from validation.nanocrystals import reconstruction as rc

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["film_reconstruction_004.yaml",
                                  "film_reconstruction_004_halo.yaml"])
def test_shipped_cases_validate_and_match_the_module(name):
    case = load_case(REPO / "cases" / name)
    assert case.body.kind == "film"
    assert case.surfaces[0].kind == "expulsion"


def test_short_run_br_rich_fraction_rises_and_centre_is_linear():
    setup = replace(rc.bound_setup(1.0), t_end_s=2.0, radius_um=20.0)
    run = rc.simulate(setup, [0.5, 1.0, 2.0])
    frac = rc.br_rich_fraction(run)
    assert frac[0] > 0 and np.all(np.diff(frac) > 0)
    # centre, early: θ = a_s k_light (n/n_ref) x_I0 t with n(50 µW) ≈ n_ref (the calibration)
    x_i0 = 1.0 / 3.0
    expected = setup.specific_area_per_um * setup.light_rate_um_per_s * x_i0 * 0.5
    assert run.theta[0, 0] == pytest.approx(expected, rel=0.1)


def test_short_run_halo_profile_is_monotonic():
    setup = replace(rc.halo_setup(1.5, power_uW=120.0), t_end_s=20.0, radius_um=20.0)
    run = rc.simulate(setup, [20.0])
    theta = run.theta[-1]
    assert np.all(np.diff(theta) <= 1e-12 * theta[0])
    assert rc.fwhm_um(run, theta) > rc.SEED["beam_diameter_um"]


@pytest.mark.slow
def test_arrhenius_recovery_of_the_expulsion_barrier():
    st = rc.kinetics_study(1.0, temps=(293.0, 333.0, 373.0), scaled_window=True)
    assert st["Ea_eV"] == pytest.approx(0.248, abs=5e-3)
    # the seed's fixed 500 s window biases the barrier low (reported, not hidden)
    fixed = rc.kinetics_study(1.0, temps=(293.0, 333.0, 373.0))
    assert fixed["Ea_eV"] < st["Ea_eV"] - 0.02


@pytest.mark.slow
def test_arrhenius_recovery_of_the_halo_diffusivity():
    halo = rc.halo_study(powers=(120.0,), temps=(293.0, 343.0, 373.0))
    b = halo["by_power"][120.0]
    assert b["Ea_eV"] == pytest.approx(0.182, abs=0.021)
    assert halo["halo_much_larger_than_beam"]
