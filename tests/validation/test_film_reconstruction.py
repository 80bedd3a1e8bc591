"""Seed 004 phase reconstruction (validation/nanocrystals/reconstruction.py; docs/nanocrystals.md,
"Phase reconstruction under a focused laser (seed 004)"): ONE film, expulsion to a bound
inventory of capacity θ_max plus the film's Br/I interdiffusion with the seed's D0, Ea.

Fast: the shipped cases are that film; a short run: the Br-rich fraction under the beam rises
from 0, the early expelled inventory equals the analytic linear-regime value a_s k_out x_I0 t at
the centre, the lattice's Br (untouched by expulsion, swapped by interdiffusion) is conserved,
and the Br-enriched lattice y - y0 falls monotonically from the centre. Slow: the Arrhenius
recovery of the expulsion barrier (scaled window) and of the interdiffusion's Ea through the
seed's halo analysis.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from solver.config import load_case
from validation.nanocrystals import reconstruction as rc

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("name", "x_iodide", "power_uW"),
                         [("film_reconstruction_004.yaml", 1.0, 50.0),
                          ("film_reconstruction_004_halo.yaml", 1.5, 120.0)])
def test_shipped_cases_are_the_module_film(name, x_iodide, power_uW):
    case = load_case(REPO / "cases" / name)
    want = rc.film_case(rc.film_setup(x_iodide, power_uW=power_uW))
    assert case.body.kind == "film"
    assert case.body.interdiffusion_um2_per_s == pytest.approx(
        want["body"]["interdiffusion_um2_per_s"], rel=1e-12)
    assert case.body.interdiffusion_activation_eV == rc.SEED["Ea_D_eV"][0]
    s = case.surfaces[0]
    assert s.kind == "expulsion" and s.inventory_diffusivity_um2_per_s == 0.0
    assert s.capacity == pytest.approx(0.7 * x_iodide / 3.0, rel=1e-12)
    assert case.light.power_uW == power_uW


@pytest.fixture(scope="module")
def short_run():
    setup = replace(rc.film_setup(1.0), t_end_s=4.0, radius_um=20.0)
    return rc.simulate(setup, [0.5, 1.0, 2.0, 4.0])


def test_short_run_br_rich_fraction_rises_and_centre_is_linear(short_run):
    frac = rc.br_rich_fraction(short_run)
    assert frac[0] > 0 and np.all(np.diff(frac) > 0)
    # centre, early: θ = a_s k_light (n/n_ref) x_I0 t with n(50 µW) ≈ n_ref (the calibration)
    setup = short_run.setup
    expected = setup.specific_area_per_um * setup.light_rate_um_per_s * (1.0 / 3.0) * 0.5
    assert short_run.theta[0, 0] == pytest.approx(expected, rel=0.1)


def test_short_run_conserves_lattice_bromide(short_run):
    # expulsion removes only iodide; interdiffusion swaps Br for I: ∫ y (1 - x_V) dA is fixed
    br = (short_run.y * (1.0 - short_run.x_v)) @ short_run.area_um2
    br0 = short_run.setup.y_initial * (1.0 - short_run.x_v[0, -1]) * short_run.area_um2.sum()
    assert np.allclose(br, br0, rtol=2e-4, atol=0.0)
    # and the centre did move: iodide was expelled and Br spread out of the spot
    assert short_run.x_v[-1, 0] > 1e-3


def test_short_run_lattice_halo_is_monotonic(short_run):
    lattice = rc.halo_profile(short_run, "y")[-1]
    assert lattice[0] > 0
    assert np.all(np.diff(lattice) <= 1e-9 * lattice[0])


@pytest.mark.slow
def test_arrhenius_recovery_of_the_expulsion_barrier_without_interdiffusion():
    # the control: interdiffusion off, window scaled with k_out -> exactly the input barrier
    st = rc.kinetics_study(1.0, temps=(293.0, 333.0, 373.0), scaled_window=True,
                           interdiffusion_D0_um2_per_s=0.0)
    assert st["Ea_eV"] == pytest.approx(0.248, abs=5e-3)


@pytest.mark.slow
def test_arrhenius_recovery_of_the_interdiffusion_through_the_lattice_halo():
    halo = rc.halo_study(powers=(120.0,), temps=(293.0, 343.0, 373.0))
    b = halo["by_power"][120.0]
    assert b["Ea_eV"] == pytest.approx(0.182, abs=0.021)
    assert halo["halo_much_larger_than_beam"]
