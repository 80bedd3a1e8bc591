"""Unit tests of the synthetic PL (solver/pl/model.py, solver/pl/output.py) and its case section."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from solver.analysis import observables
from solver.config import CaseError, case_from_dict
from solver.pl import (
    HC_EV_NM,
    EmissionModel,
    PLSettings,
    fwhm_to_sigma,
    pl_map,
    section_weights,
)
from solver.pl.output import CL_UPTAKE_MARGIN_UM, emission_of, front_metrics, settings_of

Z = np.linspace(0.0, 7.0, 7001)  # 1 nm nodes
Z_STEP = 3.5005  # a cell midpoint: the trapezoid weights put the nodal step there
PROBES = np.linspace(2.0, 5.0, 301)  # away from the wire ends
PROBIT_90 = 1.2815515655446004  # Φ^-1(0.9) of the standard normal


def step(y_left: float = 1.0, y_right: float = 0.0) -> np.ndarray:
    return np.where(Z < Z_STEP, y_left, y_right)


# --------------------------------------------------------------------------------------------
# Emission energy and its inverse


def test_end_points_are_the_seed_wavelengths():
    em = EmissionModel(bowing_eV=0.2)
    assert em.wavelength_nm(1.0) == pytest.approx(526.0, abs=1e-12)
    assert em.wavelength_nm(0.0) == pytest.approx(420.0, abs=1e-12)
    assert em.E_br_eV == pytest.approx(HC_EV_NM / 526.0)


def test_bowing_lowers_the_mixed_gap_by_b_over_4_at_half():
    linear, bowed = EmissionModel(), EmissionModel(bowing_eV=0.2)
    assert linear.energy_eV(0.5) - bowed.energy_eV(0.5) == pytest.approx(0.05, abs=1e-14)
    assert linear.energy_eV(0.5) == pytest.approx(0.5 * (linear.E_br_eV + linear.E_cl_eV))


@pytest.mark.parametrize("b", [-0.4, -0.1, 0.0, 0.1, 0.3, 0.55])
def test_inversion_is_the_inverse_of_the_forward_relation(b):
    """To 1e-10 on [0, 1]; slightly beyond where E(y) is still monotonic (|b| <= 0.3 eV)."""
    em = EmissionModel(bowing_eV=b)
    y = np.linspace(-0.05, 1.05, 2201) if abs(b) <= 0.3 else np.linspace(0.0, 1.0, 2001)
    assert np.max(np.abs(em.composition_from_wavelength(em.wavelength_nm(y)) - y)) < 1e-10
    assert np.max(np.abs(em.composition_from_energy(em.energy_eV(y)) - y)) < 1e-10


def test_emission_model_refuses_non_monotonic_bowing():
    spread = EmissionModel().E_cl_eV - EmissionModel().E_br_eV
    with pytest.raises(ValueError, match="monotonic"):
        EmissionModel(bowing_eV=spread)
    with pytest.raises(ValueError, match="shorter wavelength"):
        EmissionModel(wavelength_br_nm=420.0, wavelength_cl_nm=526.0)


# --------------------------------------------------------------------------------------------
# The PL operator on analytic profiles


@pytest.mark.parametrize("peak", ["spectrum", "mean_energy"])
@pytest.mark.parametrize("funnelling_um", [0.0, 0.5])
@pytest.mark.parametrize("y", [0.1, 0.37, 1.0])
def test_uniform_wire_gives_its_own_wavelength(peak, funnelling_um, y):
    em = EmissionModel(bowing_eV=0.15)
    m = pl_map(Z[::10], np.full(Z[::10].size, y), em,
               PLSettings(peak=peak, funnelling_length_um=funnelling_um))
    assert m.z_um[0] == 0.0 and m.z_um[-1] == pytest.approx(7.0)
    assert np.max(np.abs(m.wavelength_nm - em.wavelength_nm(y))) < 1e-8
    assert np.max(np.abs(m.y_apparent - y)) < 1e-10


@pytest.mark.parametrize("fwhm", [0.25, 0.35, 0.5])
def test_step_through_the_psf_is_the_erf_profile_of_the_psf_width(fwhm):
    """Mean-energy PL of a sharp Br/Cl step is E_Cl + (E_Br - E_Cl) erfc(x / sqrt2 sigma) / 2
    (b = 0: the apparent y is that erfc), and its 10-90 % width is 2 Φ^-1(0.9) sigma."""
    em, s = EmissionModel(), fwhm_to_sigma(fwhm)
    m = pl_map(Z, step(), em, PLSettings(psf_fwhm_um=fwhm, peak="mean_energy"), probes_um=PROBES)
    expected = np.array([0.5 * math.erfc((p - Z_STEP) / (math.sqrt(2.0) * s)) for p in PROBES])
    assert np.max(np.abs(m.y_apparent - expected)) < 1e-4
    z_f = observables.front_position(PROBES, m.y_apparent, Z_STEP, level=0.5)
    assert z_f == pytest.approx(Z_STEP, abs=1e-4)
    width = observables.sharpness(PROBES, m.y_apparent, z_f, lo=0.1, hi=0.9)
    assert width == pytest.approx(2.0 * PROBIT_90 * s, rel=2e-3)


def test_spectrum_peak_jumps_across_a_step():
    """Two pure phases in the spot give two lines 0.53 eV apart: the peak is one of them, so the
    apparent composition jumps (at the balance point) instead of following the erf."""
    m = pl_map(Z, step(1.0, 0.1), EmissionModel(), PLSettings(), probes_um=PROBES)
    assert np.all(np.isclose(m.y_apparent, 1.0, atol=1e-6) | np.isclose(m.y_apparent, 0.1,
                                                                          atol=1e-6))
    assert observables.front_position(PROBES, m.y_apparent, Z_STEP) == pytest.approx(Z_STEP,
                                                                                   abs=0.011)


def test_section_samples_are_integrated_over_the_cross_section():
    """Equal lines equal the 1D profile; weights select lines; two lines of different
    composition give the spectrum of both (a mean-energy mixture with their weights)."""
    y_line = 0.55 + 0.45 * np.tanh((Z_STEP - Z[::5]) / 0.05)
    z = Z[::5]
    st = PLSettings(peak="mean_energy")
    one = pl_map(z, y_line, EmissionModel(), st, probes_um=PROBES)
    same = pl_map(z, np.vstack([y_line, y_line, y_line]), EmissionModel(), st, probes_um=PROBES)
    assert np.allclose(one.peak_energy_eV, same.peak_energy_eV, rtol=0, atol=1e-13)
    both = pl_map(z, np.vstack([np.full(z.size, 1.0), np.full(z.size, 0.0)]), EmissionModel(),
                  st, weights=[3.0, 1.0])
    assert np.allclose(both.y_apparent, 0.75, atol=1e-12)
    with pytest.raises(ValueError, match="section weights"):
        section_weights(2, [1.0, -1.0])


def test_funnelling_limits():
    em = EmissionModel()
    y = 0.55 + 0.45 * np.tanh((Z_STEP - Z[::10]) / 0.1)
    z = Z[::10]
    for peak in ("spectrum", "mean_energy"):
        off = pl_map(z, y, em, PLSettings(peak=peak), probes_um=PROBES)
        tiny = pl_map(z, y, em, PLSettings(peak=peak, funnelling_length_um=1e-6),
                      probes_um=PROBES)
        assert np.allclose(tiny.peak_energy_eV, off.peak_energy_eV, rtol=0, atol=1e-12)
        huge = pl_map(z, y, em, PLSettings(peak=peak, funnelling_length_um=1e4),
                      probes_um=PROBES)  # every carrier finds the lowest gap of the wire
        assert np.allclose(huge.peak_energy_eV, em.energy_eV(y.max()), rtol=0, atol=1e-3)
        mid = pl_map(z, y, em, PLSettings(peak=peak, funnelling_length_um=0.3),
                     probes_um=PROBES)  # emission pulled toward the low gap (Br-rich) side
        assert np.all(mid.peak_energy_eV <= off.peak_energy_eV + 1e-9)
        assert np.any(mid.peak_energy_eV < off.peak_energy_eV - 1e-3)


def test_pl_settings_refuse_bad_values():
    with pytest.raises(ValueError, match="peak"):
        PLSettings(peak="max")
    with pytest.raises(ValueError, match="psf_fwhm_um"):
        PLSettings(psf_fwhm_um=0.0)
    with pytest.raises(ValueError, match="funnelling"):
        PLSettings(funnelling_length_um=-1.0)


# --------------------------------------------------------------------------------------------
# Front observables and the case section


def test_front_metrics_true_and_apparent():
    geo = SimpleNamespace(interface_um=3.5, length_um=7.0, br_rich_side="left")
    y0 = step(1.0, 0.1)
    y = np.where(Z < 3.0, 0.9, 0.1)  # front moved 0.5 µm, 10 % Cl ahead of it
    got = front_metrics(Z, y, y0, geo)
    assert got["front_um"] == pytest.approx(3.0, abs=1e-3)
    assert got["max_cl_ahead"] == pytest.approx(0.1, abs=1e-12)
    assert got["width_um"] < 2e-3


def test_margin_is_the_run_summary_margin():
    from solver.run import CL_UPTAKE_MARGIN_UM as RUN_MARGIN

    assert CL_UPTAKE_MARGIN_UM == RUN_MARGIN


def test_case_section_defaults_and_mapping():
    case = case_from_dict({"name": "t"})
    assert case.pl.enabled and case.pl.peak == "spectrum" and not case.pl.funnelling
    assert case.pl.psf_fwhm_um == 0.35 and case.pl.bowing_eV == 0.0
    assert settings_of(case.pl).funnelling_length_um == 0.0
    on = case_from_dict({"name": "t", "pl": {"funnelling": True, "diffusion_length_um": 2.0}})
    assert settings_of(on.pl).funnelling_length_um == 2.0
    assert emission_of(case.pl).wavelength_nm(0.0) == pytest.approx(420.0)


@pytest.mark.parametrize(("pl", "key", "words"), [
    ({"bowing_eV": 0.7}, "pl.bowing_eV", "monotonic"),
    ({"wavelength_cl_nm": 530.0}, "pl.wavelength_cl_nm", "larger gap"),
    ({"psf_fwhm_um": 0.0}, "pl.psf_fwhm_um", "not above"),
    ({"psf_fwhm_nm": 350}, "pl.psf_fwhm_nm", "did you mean 'psf_fwhm_um'"),
    ({"peak": "max"}, "pl.peak", "spectrum"),
    ({"enabled": "yes"}, "pl.enabled", ""),
])
def test_case_section_errors_are_one_line_and_name_the_key(pl, key, words):
    with pytest.raises(CaseError) as info:
        case_from_dict({"name": "t", "pl": pl})
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith(f"{key}:"), text
    assert words in text


def test_3d_profiles_use_the_section_lines_not_their_average():
    """A 3D profile records y on the lines across the section: a section two-thirds pure Br and
    one-third pure Cl emits at the Br line (spectrum peak), not at the wavelength of the mean
    composition y = 2/3 that a cross-section-averaged profile would give."""
    from solver.pl.output import _pl_of

    z = np.linspace(0.0, 7.0, 701)
    lines = np.vstack([np.ones_like(z), np.ones_like(z), np.zeros_like(z)])
    em, st = EmissionModel(), PLSettings(psf_fwhm_um=0.35, peak="spectrum")
    with_lines = _pl_of(SimpleNamespace(z_um=z, y=lines.mean(axis=0), y_lines=lines), em, st)
    averaged = _pl_of(SimpleNamespace(z_um=z, y=lines.mean(axis=0), y_lines=None), em, st)
    assert np.allclose(with_lines.wavelength_nm, 526.0, atol=0.5)
    assert np.allclose(averaged.wavelength_nm, em.wavelength_nm(2.0 / 3.0), atol=0.5)


# --------------------------------------------------------------------------------------------
# Widths below the sample spacing, and the map figure


def test_width_below_the_sample_spacing_is_flagged_unresolved():
    from solver.pl.output import width_resolved

    geo = SimpleNamespace(interface_um=3.5, length_um=7.0, br_rich_side="left")
    z = np.linspace(0.0, 7.0, 701)  # 10 nm spacing, as the PL probes
    sharp = np.where(z < 3.0, 1.0, 0.1)  # a jump between neighbouring samples
    got = front_metrics(z, sharp, np.where(z < 3.5, 1.0, 0.1), geo)
    assert 0.0 < got["width_um"] < 0.01 and got["width_resolved"] is False
    smooth = 0.55 + 0.45 * np.tanh((3.0 - z) / 0.05)
    got = front_metrics(z, smooth, np.where(z < 3.5, 1.0, 0.1), geo)
    assert got["width_um"] > 0.05 and got["width_resolved"] is True
    assert width_resolved(z, float("nan"), 3.0) is None
    assert width_resolved(z, 0.0101, 3.0) and not width_resolved(z, 0.0099, 3.0)
    assert list(got)[:4] == ["front_um", "width_um", "max_cl_ahead", "mean_cl_increase"]


def test_wavelength_map_states_settings_marks_electrodes_uniform_colours():
    import matplotlib.pyplot as plt

    from solver.pl.figures import wavelength_map_figure

    em, st = EmissionModel(), PLSettings(psf_fwhm_um=0.35, peak="spectrum")
    z = np.linspace(0.0, 7.0, 701)
    maps = [pl_map(z, np.where(z < zf, 1.0, 0.1), em, st, probes_um=np.linspace(0, 7, 141))
            for zf in (3.5, 3.0)]
    fig = wavelength_map_figure([("case", [0.0, 7200.0], maps)], emission=em, settings=st,
                                electrodes=((0.0, 1.5), (5.5, 7.0)))
    try:
        ax = fig.axes[0]
        (image,) = ax.get_images()
        assert image.get_cmap().name == "viridis"
        assert image.get_clim() == (420.0, 526.0)
        lo, hi = (np.asarray(image.get_cmap()(x)[:3]) for x in (0.0, 0.3))
        assert np.linalg.norm(hi - lo) > 0.3  # 420 -> 452 nm is a visible change of colour
        assert len([a for a in ax.patches if a.get_gid() == "electrode_bar"]) == 2
        lines = [a for a in ax.get_lines() if a.get_gid() == "contact_line"]
        assert sorted(float(a.get_xdata()[0]) for a in lines) == [1.5, 5.5]
        assert "time" in ax.get_ylabel() and "[µm]" in ax.get_xlabel()
        title = fig._suptitle.get_text()
        assert "PL" in title and "PSF FWHM 0.35 µm" in title and "funnelling off" in title
        assert "summed spectrum" in title
    finally:
        plt.close(fig)
