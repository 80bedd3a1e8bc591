"""solver.analysis.spectroscopy: emission laws with confinement, synthetic spectra, peak
extraction and seed 004's linear spectral unmixing (eqs. 6-7). Analytic answers only."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.constants as sc

from solver.analysis import spectroscopy as sp

HC = 1239.841984  # eV nm


# --------------------------------------------------------------------------- emission laws
def test_br_i_law_is_seed_004_polynomial():
    """Seed 004 line 78: E(x) = 2.42 - 0.2x² + 0.04x³ eV, x = 3(1 - y), written out here."""
    y = np.linspace(0.0, 1.0, 13)
    x = 3.0 * (1.0 - y)
    law = sp.emission_for("Br/I")
    np.testing.assert_allclose(law.energy_eV(y), 2.42 - 0.2 * x**2 + 0.04 * x**3, rtol=1e-14)
    np.testing.assert_allclose(law.composition_from_energy(law.energy_eV(y)), y, atol=1e-12)


def test_unknown_pair_is_one_line_error():
    with pytest.raises(ValueError, match="halides"):
        sp.emission_for("Cl/F")


def test_confinement_constant_from_codata():
    """ħ²π²/(2 m0 (1 nm)²) from scipy.constants, independent of the module's constants."""
    expected = (sc.hbar * math.pi) ** 2 / (2 * sc.m_e * (1e-9) ** 2) / sc.e
    assert sp.confinement_shift_eV(1.0, 1.0) == pytest.approx(expected, rel=1e-9)
    assert expected == pytest.approx(0.3760, abs=1e-4)


def test_confinement_shift_scales_as_inverse_square_and_vanishes():
    L = np.array([2.0, 4.0, 8.0, 16.0])
    dE = sp.confinement_shift_eV(L, 0.15)
    np.testing.assert_allclose(dE[:-1] / dE[1:], 4.0, rtol=1e-12)
    assert sp.confinement_shift_eV(1e6, 0.15) < 1e-11
    bulk = sp.emission_for("Br/Cl")
    thick = sp.emission_for("Br/Cl", thickness_nm=1e5)
    y = np.linspace(0, 1, 7)
    np.testing.assert_allclose(thick.energy_eV(y), bulk.energy_eV(y), atol=1e-9)


def test_confined_law_uses_interpolated_reduced_mass_and_round_trips():
    law = sp.emission_for("Br/Cl", thickness_nm=4.0)
    y = np.array([0.0, 0.25, 1.0])
    mu = y * 0.126 + (1 - y) * 0.202  # CsPbBr3 at y = 1, CsPbCl3 at y = 0
    expected = sp.emission_for("Br/Cl").energy_eV(y) + 0.0380998 * math.pi**2 / (mu * 16.0)
    np.testing.assert_allclose(law.energy_eV(y), expected, rtol=1e-5)
    y_all = np.linspace(0, 1, 21)
    np.testing.assert_allclose(law.composition_from_wavelength(law.wavelength_nm(y_all)), y_all,
                               atol=1e-12)
    assert law.composition_from_energy(10.0) == pytest.approx(0.0)  # beyond CsPbCl3 -> y = 0


def test_seed_002_chloride_platelets_bracket_measured_peak():
    """Validation, seed 002 line 67: CsPbCl3 platelets 3-5 nm thick emit at 398 nm; the box
    shift on seed 001's bulk 420 nm must bracket it (it does not for the Br end, see docs)."""
    thin = sp.emission_for("Br/Cl", thickness_nm=3.0).wavelength_nm(0.0)
    thick = sp.emission_for("Br/Cl", thickness_nm=5.0).wavelength_nm(0.0)
    assert thin < 398.0 < thick


def test_non_monotonic_confined_law_and_bad_thickness_refused():
    with pytest.raises(ValueError, match="monotonic"):
        sp.emission_for("Br/Cl", thickness_nm=1.3)  # dE/dy changes sign
    with pytest.raises(ValueError, match="thickness_nm"):
        sp.emission_for("Br/I", thickness_nm=-1.0)


# --------------------------------------------------------------------------- spectra, peaks
def test_spectrum_area_is_total_weight_per_energy_and_per_wavelength():
    lam = np.linspace(380.0, 900.0, 20001)
    E = np.array([2.40, 2.05, 1.85])
    w = np.array([1.0, 2.5, 0.5])
    per_E = sp.spectrum(lam, E, 0.08, w)
    area_E = -np.trapezoid(per_E, HC / lam)  # energy falls along the grid
    assert area_E == pytest.approx(w.sum(), rel=1e-6)
    per_lam = sp.spectrum(lam, E, 0.08, w, per_wavelength=True)
    assert np.trapezoid(per_lam, lam) == pytest.approx(w.sum(), rel=1e-6)


def test_peak_of_one_line_is_its_centre():
    lam = np.arange(450.0, 750.0, 0.5)
    for E0 in (2.31, 2.0, 1.93):
        S = sp.spectrum(lam, [E0], 0.06)
        assert sp.peak_wavelength_nm(lam, S) == pytest.approx(HC / E0, abs=2e-3)


def test_peak_of_many_spectra_and_of_a_composition_distribution():
    lam = np.arange(480.0, 760.0, 0.25)
    law = sp.emission_for("Br/I")
    S = np.array([sp.spectrum(lam, law.energy_eV(y), 0.05) for y in (1.0, 0.5, 0.0)])
    np.testing.assert_allclose(sp.peak_wavelength_nm(lam, S),
                               law.wavelength_nm(np.array([1.0, 0.5, 0.0])), atol=2e-3)
    # a symmetric narrow spread of energies keeps the peak at the central energy
    E = law.energy_eV(0.5) + np.array([-0.01, 0.0, 0.01])
    peak = sp.peak_wavelength_nm(lam, sp.spectrum(lam, E, 0.06))
    assert peak == pytest.approx(float(law.wavelength_nm(0.5)), abs=2e-3)


def test_weights_move_the_peak_to_the_heavier_line():
    lam = np.arange(480.0, 760.0, 0.5)
    E = np.array([HC / 520.0, HC / 680.0])
    assert sp.peak_wavelength_nm(lam, sp.spectrum(lam, E, 0.06, [3.0, 1.0])) < 530
    assert sp.peak_wavelength_nm(lam, sp.spectrum(lam, E, 0.06, [1.0, 3.0])) > 670


@pytest.mark.parametrize("call", [
    lambda: sp.spectrum([500.0, 510.0], [2.0], 0.05),
    lambda: sp.spectrum(np.arange(500.0, 600.0), [], 0.05),
    lambda: sp.spectrum(np.arange(500.0, 600.0), [2.2], 0.0),
    lambda: sp.spectrum(np.arange(500.0, 600.0), [2.2, 2.3], 0.05, [1.0]),
    lambda: sp.peak_wavelength_nm(np.arange(500.0, 600.0), np.ones(5)),
    lambda: sp.peak_wavelength_nm(np.arange(500.0, 600.0), np.zeros(100)),
])
def test_bad_spectrum_input_raises(call):
    with pytest.raises(ValueError):
        call()


# --------------------------------------------------------------------------- unmixing
LAM = np.arange(470.0, 760.0, 1.0)
REFS = sp.reference_spectra(LAM)


def test_references_peak_at_seed_004_pure_phases():
    np.testing.assert_allclose(sp.peak_wavelength_nm(LAM, REFS), [513.0, 690.0], atol=2e-3)


def test_unmix_exact_for_noiseless_mixtures_over_time():
    t = np.linspace(0.0, 500.0, 26)
    a_br = 0.3 + 0.7 * (1 - np.exp(-t / 80.0))
    a_i = 1.0 - a_br
    S = a_br[:, None] * REFS[0] + a_i[:, None] * REFS[1]
    for nonneg in (False, True):
        res = sp.unmix(S, REFS, nonnegative=nonneg)
        np.testing.assert_allclose(res.amplitudes, np.column_stack([a_br, a_i]), atol=1e-10)
        np.testing.assert_allclose(res.fractions[:, 0], a_br, atol=1e-10)


def test_unmix_of_spectra_built_from_the_same_lines():
    """spectrum() of two phases (areas w) and reference_spectra() (unit maxima) with one FWHM:
    the fractions are w_i / Σ w."""
    E = HC / np.array(sp.SEED004_PURE_PEAKS_NM)
    S = sp.spectrum(LAM, E, sp.SEED004_LINEWIDTH_EV, [0.35, 0.65])
    res = sp.unmix(S, REFS)
    np.testing.assert_allclose(res.fractions[0], [0.35, 0.65], atol=1e-10)


def test_unmix_noise_matches_least_squares_error():
    """White noise σ: the error of A is N(0, σ² (F Fᵀ)⁻¹); over 400 draws the normalised
    errors have mean 0 (± 4/√400) and std 1 (± 15 %), and the reported stderr matches."""
    rng = np.random.default_rng(7)
    sigma = 0.02
    true = np.array([0.6, 0.4])
    se_exact = sigma * np.sqrt(np.diag(np.linalg.inv(REFS @ REFS.T)))
    S = true @ REFS + rng.normal(0.0, sigma, (400, LAM.size))
    res = sp.unmix(S, REFS)
    z = (res.amplitudes - true) / se_exact
    assert np.all(np.abs(z.mean(axis=0)) < 4.0 / 20.0)
    np.testing.assert_allclose(z.std(axis=0), 1.0, atol=0.15)
    np.testing.assert_allclose(res.stderr.mean(axis=0), se_exact, rtol=0.05)


def test_nonnegative_unmix_clips_absent_component():
    rng = np.random.default_rng(3)
    S = 1.0 * REFS[0] + rng.normal(0.0, 0.05, (50, LAM.size))
    free = sp.unmix(S, REFS)
    nonneg = sp.unmix(S, REFS, nonnegative=True)
    assert np.any(free.amplitudes[:, 1] < 0)
    assert np.all(nonneg.amplitudes >= 0)


@pytest.mark.parametrize("spectra,refs", [
    (np.ones(10), np.ones((2, 11))),
    (np.ones(10), np.vstack([np.arange(10.0), 2 * np.arange(10.0)])),
    (np.full(10, np.nan), np.vstack([np.arange(10.0), np.ones(10)])),
    (np.ones(10), np.ones(10)),
])
def test_bad_unmix_input_raises(spectra, refs):
    with pytest.raises(ValueError):
        sp.unmix(spectra, refs)
