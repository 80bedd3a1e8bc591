"""Light: beam, generation, the carrier cubic, protocols, light rate laws (solver/model/light.py)
and the ``light`` section (solver/config/light.py).

Verification: analytic limits of G = k1 n + k2 n² + k3 n³, its residual, monotonicity, the beam
power integral. Validation: seed 004's irradiances (line 93) and carrier density (line 155).
"""

import math

import numpy as np
import pytest
from pydantic import ValidationError

from solver.config.light import Light
from solver.config.translate import _case_error_from_validation
from solver.model.light import (
    Absorption,
    Beam,
    Illumination,
    LightRateLaw,
    Recombination,
    photon_energy_J,
)

K1, K2, K3 = 1.0e8, 5.0e-11, 1.6e-29
EPS = np.finfo(float).eps


# --- the cubic -------------------------------------------------------------------------------

@pytest.mark.parametrize(("ks", "limit"), [
    ((K1, 0.0, 0.0), lambda g: g / K1),
    ((0.0, K2, 0.0), lambda g: np.sqrt(g / K2)),
    ((0.0, 0.0, K3), lambda g: np.cbrt(g / K3)),
])
def test_single_term_is_exact(ks, limit):
    g = np.logspace(-3, 32, 71)
    n = Recombination(*ks).steady_density_cm3(g)
    np.testing.assert_allclose(n, limit(g), rtol=8 * EPS)


def test_asymptotic_regimes_of_the_full_cubic():
    """Low G: n -> G/k1; intermediate (k1²/k2 << G << k2³/k3²): √(G/k2); high G: (G/k3)^(1/3).
    The relative corrections are the neglected terms over the kept one."""
    r = Recombination(K1, K2, K3)
    # Low: k2 n/k1 = 5e-11 n/1e8; at G = 1e12, n ≈ 1e4: correction 5e-15.
    g_low = np.array([1e6, 1e9, 1e12])
    np.testing.assert_allclose(r.steady_density_cm3(g_low), g_low / K1, rtol=1e-13)
    # Bimolecular window k1/k2 << n << k2/k3: (2e18, 3.1e18) for these k, too narrow; k1 = 1:
    r2 = Recombination(1.0, K2, K3)
    g_mid = np.array([5e17, 5e19])  # n ≈ 1e14, 1e15: k1/(k2 n) <= 2e-4, k3 n/k2 <= 3.2e-4
    n_mid = r2.steady_density_cm3(g_mid)
    np.testing.assert_allclose(n_mid, np.sqrt(g_mid / K2), rtol=1e-3)
    assert not np.allclose(n_mid, np.sqrt(g_mid / K2), rtol=1e-6)  # the corrections are there
    g_high = np.array([1e36, 1e40])  # n ~ 4e21..9e22: k2/(k3 n) <= 8e-4
    np.testing.assert_allclose(r.steady_density_cm3(g_high), np.cbrt(g_high / K3), rtol=2e-3)


def test_zero_generation_gives_exact_zero():
    for ks in ((K1, K2, K3), (0.0, K2, 0.0), (0.0, 0.0, K3), (K1, 0.0, 0.0)):
        n = Recombination(*ks).steady_density_cm3(np.zeros((3, 2)))
        assert n.shape == (3, 2)
        assert np.all(n == 0.0)
    assert Recombination().steady_density_cm3(0.0) == 0.0


def test_residual_is_round_off_and_monotone():
    r = Recombination(K1, K2, K3)
    g = np.logspace(10, 32, 2001).reshape(23, 87)
    n = r.steady_density_cm3(g)
    assert n.shape == g.shape
    residual = np.abs(r.rate_per_cm3_s(n) - g) / g
    assert residual.max() < 16 * EPS
    flat = n.ravel()
    assert np.all(np.diff(flat) > 0)


def test_negative_generation_refused():
    for bad in ([1.0, -1.0], [np.nan], [1e300]):
        with pytest.raises(ValueError, match="generation"):
            Recombination().steady_density_cm3(bad)


def test_transient_relaxes_to_the_steady_density():
    r = Recombination()
    g = 1.0e26
    n_ss = float(r.steady_density_cm3(g))
    tau = float(r.relaxation_time_s(n_ss))
    n_t = r.transient_density_cm3(g, np.array([0.0, 30 * tau]))
    assert n_t[0] == 0.0
    assert n_t[-1] == pytest.approx(n_ss, rel=1e-8)


# --- beam and generation --------------------------------------------------------------------

def test_gaussian_beam_integrates_to_its_power():
    beam = Beam.gaussian(power_W=300e-6, waist_um=1.3, centre_um=(0.4, -0.2))
    h = 0.01  # [µm]
    x = np.arange(-8.0, 8.0, h) + 0.4
    y = np.arange(-8.0, 8.0, h) - 0.2
    irr = beam.irradiance_W_per_cm2(x[:, None], y[None, :])
    power = irr.sum() * (h * 1e-4) ** 2
    assert power == pytest.approx(300e-6, rel=1e-10)
    assert beam.power_W == pytest.approx(300e-6, rel=1e-14)
    # the 1/e² radius
    at_w0 = beam.irradiance_W_per_cm2(0.4 + 1.3, -0.2)
    assert at_w0 == pytest.approx(beam.peak_W_per_cm2 * math.exp(-2.0), rel=1e-14)


@pytest.mark.parametrize(("power_uW", "seed_W_per_cm2", "rel"), [
    (10.0, 6.37e2, 1e-3), (160.0, 1.02e4, 2e-3), (300.0, 1.9e4, 1e-2)])
def test_seed_004_irradiances(power_uW, seed_W_per_cm2, rel):
    """Seed 004 line 93: 10-160 µW <-> 6.37e2-1.02e4 W/cm² with w0 = 1 µm; 300 µW (line 136,
    MODEL-NANOCRYSTALS.md item 10): ≈1.9e4 W/cm². The peak 2P/(π w0²) reproduces them."""
    beam = Beam.gaussian(power_uW * 1e-6, waist_um=1.0)
    assert beam.peak_W_per_cm2 == pytest.approx(seed_W_per_cm2, rel=rel)


def test_generation_film_average_and_beer_lambert():
    e_ph = photon_energy_J(405.0)
    assert e_ph == pytest.approx(6.62607015e-34 * 299792458.0 / 405e-9, rel=1e-9)
    film = Absorption(transmittance=0.3, reflectance=0.1, thickness_nm=40.0)
    assert film.generation_per_cm3_s(100.0) == pytest.approx(100.0 * 0.6 / (e_ph * 40e-7))
    bl = Absorption(alpha_per_cm=1e5, thickness_nm=40.0, reflectance=0.1)
    z = np.linspace(0.0, 40.0, 40001)
    g = bl.generation_per_cm3_s(100.0, z)
    # the depth integral of G is the absorbed photon flux
    absorbed = np.trapezoid(g, z * 1e-7)
    assert absorbed == pytest.approx(100.0 / e_ph * 0.9 * (1 - math.exp(-0.4)), rel=1e-8)
    assert bl.generation_per_cm3_s(100.0) == pytest.approx(absorbed / 40e-7, rel=1e-8)


def test_seed_004_carrier_density_at_50_uW():
    """Seed 004 line 155: n = 1.7e18 cm⁻³ at 50 µW, w0 = 1e-4 cm, l = 40 nm; T_405 and k1 are
    not given. With T = 0 and k1 = 1e8 /s n is 3.47e18 (an upper bound: a factor 2 above);
    1.7e18 needs an absorbed fraction 1 - T ≈ 0.24 (k1 = 1e8) to 0.14 (k1 = 0)."""
    light = Illumination(beam=Beam.gaussian(50e-6, 1.0))
    n = float(light.carrier_density_cm3(0.0))
    g = float(light.generation_per_cm3_s(0.0))
    assert g == pytest.approx(2 * 50e-6 / (math.pi * 1e-8 * photon_energy_J(405) * 40e-7))
    assert 1.7e18 < n < 2.5 * 1.7e18
    need = float(Recombination().rate_per_cm3_s(1.7e18))
    assert 0.2 < need / g < 0.3
    # steady state is reached long before the seed's 20 ns window (relaxation ≈ 1 ns)
    assert Recombination().relaxation_time_s(n) < 2e-9


# --- protocols and rate laws ----------------------------------------------------------------

def test_light_protocol_on_off_and_milestones():
    light = Light(irradiance_W_per_cm2=50.0, protocol=[
        {"kind": "light", "duration_s": 600.0},
        {"kind": "dark", "duration_s": 100.0},
        {"kind": "level", "relative_intensity": 0.1, "duration_s": 50.0},
        {"kind": "square", "relative_intensity_high": 1.0, "period_s": 10.0, "duty": 0.1,
         "duration_s": 20.0},
        {"kind": "dark", "duration_s": 1.0}])
    ill = Illumination.from_config(light)
    p = ill.protocol
    assert [p.relative_intensity(t) for t in (0.0, 600.0, 600.5, 700.5, 751.0, 752.0)] == \
        [1.0, 1.0, 0.0, 0.1, 1.0, 0.0]
    assert p.milestones(1e4) == [600.0, 700.0, 750.0, 751.0, 760.0, 761.0, 770.0, 771.0]
    assert p.is_jump(600.0) and p.is_jump(751.0)
    assert float(ill.carrier_density_cm3(650.0)) == 0.0
    assert float(ill.carrier_density_cm3(10.0)) > 0.0
    assert not ill.is_dark


def test_default_is_dark():
    ill = Illumination.from_config(Light())
    assert Light().is_dark and ill.is_dark
    x = np.linspace(-5, 5, 11)
    assert np.all(ill.carrier_density_cm3(1.0, x, x) == 0.0)
    assert Illumination.from_config(None).is_dark


def test_light_rate_law():
    law = LightRateLaw(rate_dark=0.1, rate_light=2.0, n_ref_per_cm3=1e18, exponent=1.5)
    n = np.array([0.0, 1e18, 4e18])
    np.testing.assert_allclose(law(n), [0.1, 2.1, 0.1 + 2.0 * 8.0], rtol=1e-15)
    sat = LightRateLaw(rate_light=1.0, n_sat_per_cm3=1e18)
    assert float(sat(1e30)) == pytest.approx(1e18 / 1e18, rel=1e-9)  # k_light n_sat/n_ref
    thr = LightRateLaw(rate_light=1.0, n_threshold_per_cm3=1e17)
    assert float(thr(5e16)) == 0.0 and float(thr(1.1e18)) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        LightRateLaw(exponent=0.0)


# --- schema ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "key"), [
    ({"irradiance_W_per_cm": 50.0}, "irradiance_W_per_cm"),
    ({"protocol": [{"kind": "light", "duraton_s": 1.0}]}, "protocol[0].duraton_s"),
    ({"profile": "gaussian", "power_uW": 50.0}, "waist_um"),
    ({"power_uW": 50.0}, "power_uW"),
    ({"profile": "gaussian", "waist_um": 1.0, "power_uW": 5.0, "irradiance_W_per_cm2": 3.0},
     "power_uW"),
    ({"protocol": [{"kind": "dark", "relative_intensity": 1.0, "duration_s": 1.0}]},
     "protocol[0].relative_intensity"),
    ({"k1_per_s": 0.0, "k2_cm3_per_s": 0.0, "k3_cm6_per_s": 0.0}, "k1_per_s"),
    ({"transmittance": 0.7, "reflectance": 0.5}, "transmittance"),
])
def test_bad_light_section_names_the_key(data, key):
    with pytest.raises(ValidationError) as info:
        Light.model_validate(data)
    error = _case_error_from_validation(info.value)
    assert error.key == key
    assert "\n" not in str(error)


def test_light_section_to_model():
    light = Light(profile="gaussian", power_uW=300.0, waist_um=1.0, centre_um=[2.0, 3.0],
                  transmittance=0.5)
    ill = Illumination.from_config(light)
    assert ill.beam.peak_W_per_cm2 == pytest.approx(2 * 300e-6 / (math.pi * 1e-8))
    assert ill.beam.centre_um == (2.0, 3.0)
    assert ill.absorption.absorbed_fraction == 0.5
    peak = Illumination.from_config(Light(profile="gaussian", waist_um=1.0,
                                          irradiance_W_per_cm2=1.9e4))
    assert peak.beam.power_W == pytest.approx(1.9e4 * math.pi * 1e-8 / 2)


def test_documented_example_validates():
    """The ``light`` example of docs/nanocrystals.md, read with the case YAML loader."""
    from pathlib import Path

    from solver.config.loading import _parse_yaml

    text = (Path(__file__).resolve().parents[2] / "docs" / "nanocrystals.md").read_text()
    section = text.split("## Light and photocarriers", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    ill = Illumination.from_config(Light.model_validate(_parse_yaml(block, "doc")["light"]))
    assert ill.beam.power_W == pytest.approx(300e-6)
    assert ill.protocol.relative_intensity(700.0) == 0.0
    assert ill.protocol.relative_intensity(7800.5) == 1.0  # the first 1 s pulse of the square
