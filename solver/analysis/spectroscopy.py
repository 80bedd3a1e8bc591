r"""PL spectra as the nanocrystal experiments record them, and seed 004's spectral unmixing.

Pure numpy/scipy (layer 6: imports solver.constants, solver.config, solver.pl only). The fits of
the seeds' time traces and profiles (biexponential, Gaussian halo, Arrhenius, turn-on, sigmoid)
are in :mod:`solver.analysis.fits`. Units: energies in eV, wavelengths in nm, lengths in nm,
masses in electron masses m0.

1. **Emission law.** The halide pair's law, reused from :mod:`solver.pl.model`
   (:func:`emission_for`): for Br/I seed 004's E_PL(x) = 2.42 - 0.2 x² + 0.04 x³ eV (seed 004
   line 78; x = I per formula unit = 3 (1 - y)), for Br/Cl the end points of seed 001.
2. **Quantum confinement** of platelets of thickness L (seed 002 line 67: 3-5 nm thick
   CsPbCl3-xBrx platelets, ensemble PL 398 -> 505 nm): the ground state of an effective-mass
   exciton in an infinitely deep 1D well (:func:`confinement_shift_eV`),

   .. math:: \Delta E(L) = \frac{\hbar^2 \pi^2}{2 \mu L^2},

   with the exciton reduced mass µ of the pure compounds (:data:`REDUCED_MASS_M0`) interpolated
   linearly in y. It tends to 0 as 1/L² for L -> ∞. It ignores the exciton binding energy's
   change with L and the finite barriers, so it is an upper bound when L is comparable to the
   exciton Bohr radius (≈ 3-5 nm here). Against seed 002 (derived, docs/nanocrystals.md): for
   CsPbCl3 (420 nm bulk, seed 001) it gives 392-410 nm at L = 5-3 nm, bracketing the measured
   398 nm; for CsPbBr3 (526 nm bulk) 461-500 nm, bluer than the measured 505 nm of the product.
3. **Spectra** (:func:`spectrum`): Gaussian lines in energy of a given FWHM, one per particle or
   film element, with optional weights (carrier density, volume), on a wavelength grid; and the
   peak (:func:`peak_wavelength_nm`).
4. **Linear spectral unmixing** (:func:`unmix`), seed 004 eqs. 6-7 (lines 211-219):
   S(λ) = A1 F_Br(λ) + A2 F_I(λ), the A_i minimising Σ_j [S(λ_j) - Σ_i A_i F_i(λ_j)]², solved by
   SVD (the seed's method), or with A_i >= 0 (scipy's NNLS) as an option.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls

from solver.config.halides import HalidePair, pair_named
from solver.constants import ELEMENTARY_CHARGE_C, HC_EV_NM
from solver.pl.model import EmissionModel, PolynomialEmissionModel, emission_model, fwhm_to_sigma

__all__ = [
    "HBAR2_OVER_2M0_EV_NM2",
    "REDUCED_MASS_M0",
    "SEED004_LINEWIDTH_EV",
    "SEED004_PURE_PEAKS_NM",
    "ConfinedEmissionModel",
    "UnmixResult",
    "confinement_shift_eV",
    "emission_for",
    "peak_wavelength_nm",
    "reduced_mass_m0",
    "reference_spectra",
    "spectrum",
    "unmix",
]

_HBAR_J_S = 1.054571817e-34  # [J s] reduced Planck constant (CODATA 2018)
_ELECTRON_MASS_KG = 9.1093837015e-31  # [kg] m0 (CODATA 2018)
#: ħ²/(2 m0) [eV nm²] (= 0.0380998 eV nm²).
HBAR2_OVER_2M0_EV_NM2 = _HBAR_J_S**2 / (2.0 * _ELECTRON_MASS_KG * ELEMENTARY_CHARGE_C) * 1e18

#: Exciton reduced masses µ/m0 of the pure compounds from magneto-absorption: Z. Yang et al.,
#: "Impact of the halide cage on the electronic properties of fully inorganic cesium lead halide
#: perovskites", ACS Energy Lett. 2, 1621 (2017). (Later magneto-reflectivity gives 0.18 for
#: CsPbBr3 crystals: Kopteva et al., Phys. Status Solidi RRL 2023; pass reduced_mass_m0 to use it.)
REDUCED_MASS_M0: dict[str, float] = {"CsPbCl3": 0.202, "CsPbBr3": 0.126, "CsPbI3": 0.114}

#: Seed 004 lines 80-87: the measured PL peaks of the pure CsPbBr3 and CsPbI3 NC films [nm], the
#: reference spectra of its unmixing.
SEED004_PURE_PEAKS_NM = (513.0, 690.0)
#: Seed 004 line 78: emission line widths of its NC films, 40-80 meV; the middle [eV].
SEED004_LINEWIDTH_EV = 0.060


def emission_for(halides: str | HalidePair = "Br/I", *, thickness_nm: float | None = None,
                 reduced_mass_m0: float | tuple[float, float] | None = None):
    """The emission law E(y) of a halide pair, optionally with a confinement shift.

    Args:
        halides: a ``material.halides`` value (``"Br/I"``, ``"Br/Cl"``) or a HalidePair.
        thickness_nm: platelet thickness L [nm]; None = no confinement (bulk law).
        reduced_mass_m0: µ/m0, one value, or (µ of compound a, µ of compound b) (y = 1, y = 0);
            default the pure compounds' :data:`REDUCED_MASS_M0`.

    Returns:
        :class:`solver.pl.model.PolynomialEmissionModel` (Br/I: seed 004 line 78) or
        :class:`solver.pl.model.EmissionModel` (Br/Cl: seed 001), or a
        :class:`ConfinedEmissionModel` around it; all have ``energy_eV(y)``,
        ``wavelength_nm(y)`` and ``composition_from_energy(E_eV)``.

    Raises:
        ValueError: unknown pair, thickness <= 0, or no reduced mass known for a compound.
    """
    if isinstance(halides, str):
        try:
            pair = pair_named(halides)
        except KeyError:
            raise ValueError(f"halides: unknown pair {halides!r}") from None
    else:
        pair = halides
    base = emission_model(pair)
    if thickness_nm is None:
        return base
    if reduced_mass_m0 is None:
        missing = [c for c in pair.compounds if c not in REDUCED_MASS_M0]
        if missing:
            raise ValueError(f"reduced_mass_m0: no default for {missing[0]}; pass it")
        reduced_mass_m0 = tuple(REDUCED_MASS_M0[c] for c in pair.compounds)
    return ConfinedEmissionModel(base, float(thickness_nm), reduced_mass_m0)


def reduced_mass_m0(y, masses_m0: float | tuple[float, float]):
    """µ(y)/m0: linear between µ_a (y = 1) and µ_b (y = 0) (an assumption, Vegard-like), or the
    one value given. ``y`` any shape; returns an array of its shape."""
    y = np.asarray(y, dtype=float)
    if np.ndim(masses_m0) == 0:
        return np.full_like(y, float(masses_m0))
    mu_a, mu_b = masses_m0
    return y * mu_a + (1.0 - y) * mu_b


def confinement_shift_eV(thickness_nm, reduced_mass_m0):
    r"""Confinement energy ΔE = ħ²π²/(2 µ L²) [eV] of the lowest exciton state of an infinitely
    deep 1D well of width L (the platelet thickness; effective-mass particle in a box, e.g.
    Efros & Efros 1982 in its strong-confinement form), seed 002 line 67's 3-5 nm platelets.

    Args:
        thickness_nm: L [nm], > 0, any shape.
        reduced_mass_m0: µ/m0, > 0, broadcast with L.

    Returns:
        ΔE [eV], the broadcast shape (0 in the limit L -> ∞).

    Raises:
        ValueError: a non-positive or non-finite L or µ.
    """
    L = np.asarray(thickness_nm, dtype=float)
    mu = np.asarray(reduced_mass_m0, dtype=float)
    if not (np.all(L > 0) and np.all(mu > 0) and np.all(np.isfinite(mu))):
        raise ValueError("confinement_shift_eV: thickness_nm and reduced_mass_m0 must be > 0")
    return HBAR2_OVER_2M0_EV_NM2 * math.pi**2 / (mu * L**2)


@dataclass(frozen=True)
class ConfinedEmissionModel:
    """E(y) = E_bulk(y) + ħ²π²/(2 µ(y) L²): a bulk law shifted by confinement in a platelet of
    thickness L (:func:`confinement_shift_eV`); the interface of the bulk models.

    Attributes:
        bulk: the bulk law (EmissionModel or PolynomialEmissionModel).
        thickness_nm: L [nm].
        masses_m0: µ/m0, one value or (µ at y = 1, µ at y = 0).
    """

    bulk: EmissionModel | PolynomialEmissionModel
    thickness_nm: float
    masses_m0: float | tuple[float, float]

    def __post_init__(self) -> None:
        confinement_shift_eV(self.thickness_nm, reduced_mass_m0(0.5, self.masses_m0))
        E = self.energy_eV(np.linspace(0.0, 1.0, 201))
        if not (np.all(np.diff(E) < 0) or np.all(np.diff(E) > 0)):
            raise ValueError("thickness_nm: the confined law is not monotonic in y on [0, 1]")

    @property
    def pair(self) -> HalidePair:
        """The halide pair of the bulk law."""
        return self.bulk.pair

    def shift_eV(self, y):
        """The confinement shift at composition y [eV]."""
        return confinement_shift_eV(self.thickness_nm, reduced_mass_m0(y, self.masses_m0))

    def energy_eV(self, y):
        """E_bulk(y) + ΔE(y) [eV]."""
        return self.bulk.energy_eV(y) + self.shift_eV(y)

    def wavelength_nm(self, y):
        """Peak wavelength hc / E(y) [nm]."""
        return HC_EV_NM / self.energy_eV(y)

    def composition_from_energy(self, E_eV):
        """The y in [0, 1] with E(y) = E_eV (bisection, 60 halvings); energies beyond the end
        points give the end point; nan gives nan."""
        E = np.asarray(E_eV, dtype=float)
        lo, hi = np.zeros_like(E), np.ones_like(E)
        rising = float(self.energy_eV(1.0)) > float(self.energy_eV(0.0))
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            above = (self.energy_eV(mid) < E) == rising  # the root lies above mid
            lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
        return np.where(np.isnan(E), np.nan, 0.5 * (lo + hi))

    def composition_from_wavelength(self, wavelength_nm):
        """Apparent composition of a PL peak at ``wavelength_nm``."""
        return self.composition_from_energy(HC_EV_NM / np.asarray(wavelength_nm, dtype=float))


def _grid(wavelength_nm) -> np.ndarray:
    lam = np.asarray(wavelength_nm, dtype=float)
    if lam.ndim != 1 or lam.size < 3 or not np.all(lam > 0) or not (
            np.all(np.diff(lam) > 0) or np.all(np.diff(lam) < 0)):
        raise ValueError("wavelength_nm: a 1D monotonic grid of >= 3 positive wavelengths")
    return lam


def spectrum(wavelength_nm, energies_eV, fwhm_eV: float, weights=None, *,
             per_wavelength: bool = False) -> np.ndarray:
    r"""Sum of Gaussian emission lines in energy, one per emitter, on a wavelength grid.

    .. math:: S(\lambda) = \sum_i \frac{w_i}{\sigma\sqrt{2\pi}}
              \exp\!\left[-\frac{(hc/\lambda - E_i)^2}{2\sigma^2}\right],\qquad
              \sigma = \mathrm{FWHM}/(2\sqrt{2\ln 2}),

    each line of area w_i in energy (seed 004 line 78: line widths 40-80 meV; seed 002 line 67:
    0.09-0.13 eV). ``per_wavelength=True`` multiplies by |dE/dλ| = E²/hc, the density per nm
    that a spectrometer with constant bandwidth in nm records (the peak then shifts slightly
    to longer wavelength).

    Args:
        wavelength_nm: grid, shape (n_λ,), monotonic [nm].
        energies_eV: emission energies of the emitters, any shape [eV] (e.g.
            ``emission.energy_eV(y)`` of particles or film elements).
        fwhm_eV: line FWHM [eV], > 0.
        weights: emitter weights (carrier density, volume, ...), the shape of energies_eV,
            >= 0; default 1 each.
        per_wavelength: density per nm instead of per eV.

    Returns:
        S, shape (n_λ,) [weight / eV, or weight / nm].

    Raises:
        ValueError: bad grid, empty energies, fwhm <= 0, weights of another shape or < 0.
    """
    lam = _grid(wavelength_nm)
    E = np.asarray(energies_eV, dtype=float)
    if E.size == 0 or not np.all(np.isfinite(E)):
        raise ValueError("energies_eV: at least one finite emission energy")
    if not fwhm_eV > 0:
        raise ValueError("fwhm_eV must be > 0")
    w = np.ones_like(E) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != E.shape or np.any(w < 0):
        raise ValueError("weights: non-negative, one per emission energy (shape of energies_eV)")
    sig = fwhm_to_sigma(fwhm_eV)
    E_grid = HC_EV_NM / lam
    S = np.exp(-0.5 * ((E_grid[:, None] - E.ravel()[None, :]) / sig) ** 2) @ w.ravel()
    S /= sig * math.sqrt(2.0 * math.pi)
    return S * E_grid**2 / HC_EV_NM if per_wavelength else S


def peak_wavelength_nm(wavelength_nm, intensity) -> np.ndarray | float:
    """Wavelength of the maximum of a sampled spectrum, refined by the parabola through
    ln S at the best sample and its two neighbours (exact for a Gaussian in λ; a maximum on
    the grid's edge is returned unrefined).

    Args:
        wavelength_nm: grid, shape (n_λ,), monotonic [nm].
        intensity: S, shape (n_λ,) or (n_spectra, n_λ), with a positive maximum.

    Returns:
        λ_peak [nm]: a float for one spectrum, shape (n_spectra,) otherwise.

    Raises:
        ValueError: bad grid, S of another length, or a spectrum without a positive value.
    """
    lam = _grid(wavelength_nm)
    S = np.asarray(intensity, dtype=float)
    one = S.ndim == 1
    S = np.atleast_2d(S)
    if S.ndim != 2 or S.shape[1] != lam.size:
        raise ValueError("intensity: shape (n_λ,) or (n_spectra, n_λ) on the wavelength grid")
    if not np.all(np.nanmax(S, axis=1) > 0):
        raise ValueError("intensity: every spectrum needs a positive maximum")
    i = np.argmax(S, axis=1)
    j = np.clip(i, 1, lam.size - 2)
    rows = np.arange(S.shape[0])
    x0, x1, x2 = lam[j - 1], lam[j], lam[j + 1]
    tiny = np.finfo(float).tiny
    y0, y1, y2 = (np.log(np.maximum(S[rows, k], tiny)) for k in (j - 1, j, j + 1))
    num = (x1 - x0) ** 2 * (y1 - y2) - (x1 - x2) ** 2 * (y1 - y0)
    den = (x1 - x0) * (y1 - y2) - (x1 - x2) * (y1 - y0)
    with np.errstate(divide="ignore", invalid="ignore"):
        vertex = x1 - 0.5 * num / den
    ok = (i == j) & np.isfinite(vertex) & (den != 0)
    vertex = np.where(ok, np.clip(vertex, np.minimum(x0, x2), np.maximum(x0, x2)), lam[i])
    return float(vertex[0]) if one else vertex


def reference_spectra(wavelength_nm, peaks_nm=SEED004_PURE_PEAKS_NM,
                      fwhm_eV: float = SEED004_LINEWIDTH_EV) -> np.ndarray:
    """Reference spectra F_i(λ) of the pure phases for :func:`unmix`: one Gaussian line in
    energy per peak, each of unit maximum. Default: seed 004's measured pure CsPbBr3 and
    CsPbI3 peaks, 513 and 690 nm (lines 80-87, "used as input parameters for the linear
    spectral unmixing"), with the middle of its 40-80 meV line widths (line 78).

    Returns:
        F, shape (n_peaks, n_λ) [-].

    Raises:
        ValueError: bad grid, no peaks, non-positive peak or fwhm.
    """
    lam = _grid(wavelength_nm)
    peaks = np.atleast_1d(np.asarray(peaks_nm, dtype=float))
    if peaks.ndim != 1 or peaks.size == 0 or not np.all(peaks > 0):
        raise ValueError("peaks_nm: one or more positive wavelengths")
    if not fwhm_eV > 0:
        raise ValueError("fwhm_eV must be > 0")
    sig = fwhm_to_sigma(fwhm_eV)
    d = (HC_EV_NM / lam[None, :] - HC_EV_NM / peaks[:, None]) / sig
    return np.exp(-0.5 * d**2)


@dataclass
class UnmixResult:
    """Amplitudes of the linear unmixing of one or more spectra.

    Attributes:
        amplitudes: A_i, shape (n_spectra, n_components) [intensity of S / intensity of F].
        fractions: A_i / Σ_k A_k, the seed's "contribution (%)" as a fraction, same shape
            (nan where Σ A = 0).
        stderr: standard error of each A_i from the residual scatter,
            s sqrt(diag((FᵀF)⁻¹)), s² = |r|²/(n_λ - n_components), same shape (nan when
            n_λ <= n_components; for the unconstrained solution, exact only if noise is white).
        residual_norm: |S - Σ A_i F_i|, shape (n_spectra,).
    """

    amplitudes: np.ndarray
    fractions: np.ndarray
    stderr: np.ndarray
    residual_norm: np.ndarray


def unmix(spectra, references, *, nonnegative: bool = False) -> UnmixResult:
    """Linear spectral unmixing, seed 004 eqs. 6-7 (lines 211-219).

    S(λ_j) = Σ_i A_i F_i(λ_j) + noise; the A_i minimise Σ_j [S(λ_j) - Σ_i A_i F_i(λ_j)]²
    (eq. 7's normal equations), solved by the singular value decomposition (numpy.lstsq), as
    the seed does; with ``nonnegative=True`` under A_i >= 0 (scipy.optimize.nnls; a choice of
    this module, not the seed's).

    Args:
        spectra: S, shape (n_λ,) or (n_spectra, n_λ) (e.g. one spectrum per time).
        references: F, shape (n_components, n_λ) on the same grid (e.g. :func:`reference_spectra`).
        nonnegative: constrain A_i >= 0.

    Returns:
        :class:`UnmixResult` (always 2D: one row per spectrum).

    Raises:
        ValueError: shapes that do not match, empty or non-finite data, or references that are
            linearly dependent (rank < n_components).
    """
    F = np.asarray(references, dtype=float)
    S = np.atleast_2d(np.asarray(spectra, dtype=float))
    if F.ndim != 2 or F.size == 0 or S.ndim != 2 or S.shape[1] != F.shape[1]:
        raise ValueError("unmix: spectra (n_λ,) or (n_spectra, n_λ), references (n_comp, n_λ)")
    if not (np.all(np.isfinite(F)) and np.all(np.isfinite(S))):
        raise ValueError("unmix: spectra and references must be finite")
    n_comp, n_lam = F.shape
    if np.linalg.matrix_rank(F) < n_comp:
        raise ValueError("references: linearly dependent; the amplitudes are not defined")
    if nonnegative:
        A = np.array([nnls(F.T, s)[0] for s in S])
    else:
        A = np.linalg.lstsq(F.T, S.T, rcond=None)[0].T
    resid = S - A @ F
    rnorm = np.linalg.norm(resid, axis=1)
    dof = n_lam - n_comp
    if dof > 0:
        s2 = rnorm**2 / dof
        stderr = np.sqrt(s2[:, None] * np.diag(np.linalg.inv(F @ F.T))[None, :])
    else:
        stderr = np.full_like(A, np.nan)
    total = A.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        fractions = np.where(total != 0, A / total, np.nan)
    return UnmixResult(A, fractions, stderr, rnorm)
