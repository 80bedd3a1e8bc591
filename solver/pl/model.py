r"""Synthetic confocal photoluminescence (PL) of a CsPb(Br_y Cl_1-y)3 (or CsPb(Br_y I_1-y)3) wire.

Seed 001 never measures the composition y(z) directly: it records confocal PL spectra along the
wire, takes the peak wavelength at each point and converts it to a composition (its Figs. 1d,
2a, S7). This module computes what such a measurement of a computed wire gives, so that the
model can be compared with the seed on the seed's own footing. Pure numpy; no dolfinx.

The chain, for one probe position z0 (the centre of the laser spot on the wire):

1. **Emission energy of the alloy** (:class:`EmissionModel`), with the end points from seed 001
   (526 nm for CsPbBr3, 420 nm for CsPbCl3, its Fig. 1b) and a bowing parameter b:

   .. math:: E(y) = y\\,E_{Br} + (1-y)\\,E_{Cl} - b\\,y\\,(1-y),\\qquad
             E_X = hc/\\lambda_X ,\\quad hc = 1239.842\\ \\mathrm{eV\\,nm}.

   The default b = 0 (Vegard-like, linear in energy): first-principles cluster expansions find
   negligible bowing for the well-miscible Br/Cl alloys of CsPbX3 (Yin, Yan & Wei, J. Phys.
   Chem. Lett. 5, 3625 (2014)), and seed 001 converts wavelength to composition by a
   calibration it does not tabulate (Fig. S7). b is a case option (``pl.bowing_eV``).

   The emission law is the halide pair's (``material.halides``, solver.model.species): the
   end points and bowing above for Br/Cl, and for Br/I seed 004's law (its line 78, a fit to
   Nedelcu et al. 2015; :class:`PolynomialEmissionModel`)

   .. math:: E_{PL}(x) = 2.42 - 0.2\\,x^2 + 0.04\\,x^3\\ \\mathrm{eV},\\qquad x = 3\\,(1 - y),

   x the iodide per formula unit of CsPbBr(3-x)I(x). It is strictly decreasing on [0, 3]
   (dE/dx = x (0.12 x - 0.4) < 0 for 0 < x < 10/3), from 2.42 eV (512 nm) to 1.70 eV (729 nm;
   seed 004 measures 1.80 eV for its CsPbI3 films, a known inconsistency of the fit,
   ../shared/MODEL-NANOCRYSTALS.md). The inverse (composition from energy) is a bisection on
   [0, 3]; an energy beyond an end point reads as that pure compound.

2. **Excitation** by a Gaussian point-spread function (PSF) along the wire, of full width at
   half maximum ``psf_fwhm_um`` (σ = FWHM / (2 √(2 ln 2))):

   .. math:: g(z; z_0) = \\exp\\!\\left(-\\frac{(z-z_0)^2}{2\\sigma^2}\\right).

   It stands for the whole confocal response (excitation spot times detection pinhole), applied
   along the wire only: a nanowire section (0.2-0.4 µm) is about one PSF wide, so in 3D the
   spot covers the whole section and the section is integrated (summed with its area weights).

3. **Optional carrier funnelling** (``funnelling_length_um`` = L > 0): a carrier generated at
   z' explores the wire within a distance d of where it was generated before it recombines,
   with d exponentially distributed with mean L (the survival of a diffusing carrier of
   diffusion length L), and it recombines at the lowest gap inside that window:

   .. math:: P(d > s) = e^{-s/L},\qquad E_\mathrm{emit}(z') = \min_{|z-z'| \le d} E(z).

   Gap steps of the Br/Cl alloy (tenths of an eV) are many k_BT, so a captured carrier does
   not climb back out. Limits: L → 0 is emission where the carrier was generated; L → ∞ makes
   every carrier emit from the lowest gap of the wire; a uniform wire is unchanged. Off by
   default: whether carriers funnel across the mixed regions of these wires is not measured in
   the seeds, and L is not known for them.

4. **Spectrum and peak**: each point emits a Gaussian line of full width ``linewidth_eV``
   around E(y), with the weight of the carriers that recombine there; the spectrum collected at
   z0 is their sum and the reported PL peak is its maximum (``peak="spectrum"``, what a
   spectrometer reports). ``peak="mean_energy"`` instead returns the intensity-weighted mean
   energy (a linear average: the limit of lines much wider than the spread of E in the spot).
   The peak of a bimodal spectrum jumps from one phase's line to the other's where their
   intensities balance; the mean moves smoothly.

5. **Apparent composition**: the peak energy is converted back with the inverse of the same
   relation E(y) (:meth:`EmissionModel.composition_from_energy`), as the experiment does.

Units: positions in µm, energies in eV, wavelengths in nm, temperatures in K.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from solver.model.species import BR_CL, BR_I, EndPointEmission, HalidePair, PolynomialEmission

__all__ = [
    "HC_EV_NM",
    "WAVELENGTH_BR_NM",
    "WAVELENGTH_CL_NM",
    "EmissionModel",
    "PLMap",
    "PLSettings",
    "PolynomialEmissionModel",
    "emission_model",
    "fwhm_to_sigma",
    "gaussian_psf",
    "pl_map",
    "section_weights",
]

HC_EV_NM = 1239.841984  # [eV nm] h c (CODATA 2018)
WAVELENGTH_BR_NM = 526.0  # [nm] PL peak of CsPbBr3, seed 001 Fig. 1b
WAVELENGTH_CL_NM = 420.0  # [nm] PL peak of CsPbCl3, seed 001 Fig. 1b
_FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))


def fwhm_to_sigma(fwhm: float) -> float:
    """Standard deviation of a Gaussian of full width at half maximum ``fwhm`` (same unit)."""
    return float(fwhm) / _FWHM_PER_SIGMA


@dataclass(frozen=True)
class EmissionModel:
    """PL peak energy of CsPb(Br_y Cl_1-y)3 as a function of y, and its inverse.

    Attributes:
        wavelength_br_nm: peak of pure CsPbBr3 (y = 1) [nm].
        wavelength_cl_nm: peak of pure CsPbCl3 (y = 0) [nm].
        bowing_eV: bowing parameter b [eV]; must satisfy |b| < E_Cl - E_Br so that E(y) is
            monotonic on [0, 1] (otherwise a wavelength would not define a composition).
    """

    wavelength_br_nm: float = WAVELENGTH_BR_NM
    wavelength_cl_nm: float = WAVELENGTH_CL_NM
    bowing_eV: float = 0.0

    def __post_init__(self) -> None:
        if not (self.wavelength_br_nm > 0 and self.wavelength_cl_nm > 0):
            raise ValueError("wavelengths must be positive")
        spread = self.E_cl_eV - self.E_br_eV
        if spread <= 0:
            raise ValueError("the CsPbCl3 peak must lie at a shorter wavelength than CsPbBr3's")
        if not abs(self.bowing_eV) < spread:
            raise ValueError(f"|bowing_eV| must be below E_Cl - E_Br = {spread:.4g} eV "
                             "(else E(y) is not monotonic on [0, 1])")

    @property
    def E_br_eV(self) -> float:
        """Peak energy of CsPbBr3 [eV]."""
        return HC_EV_NM / self.wavelength_br_nm

    @property
    def E_cl_eV(self) -> float:
        """Peak energy of CsPbCl3 [eV]."""
        return HC_EV_NM / self.wavelength_cl_nm

    def energy_eV(self, y):
        """E(y) = y E_Br + (1 - y) E_Cl - b y (1 - y) [eV] (y is not clipped)."""
        y = np.asarray(y, dtype=float)
        return y * self.E_br_eV + (1.0 - y) * self.E_cl_eV - self.bowing_eV * y * (1.0 - y)

    def wavelength_nm(self, y):
        """Peak wavelength hc / E(y) [nm]."""
        return HC_EV_NM / self.energy_eV(y)

    def composition_from_energy(self, E_eV):
        """The y with E(y) = E_eV: the root of b y² + (ΔE - b) y + (E_Cl - E) = 0,
        ΔE = E_Br - E_Cl, on the monotonic branch through [0, 1] (energies outside
        [E_Br, E_Cl] extrapolate; nan where no real root exists).

        Written in the cancellation-free form y = 2C / (-B + sqrt(B² - 4bC)) with
        B = ΔE - b < 0 and C = E_Cl - E, which reduces to the linear inverse for b = 0.
        """
        E = np.asarray(E_eV, dtype=float)
        B = (self.E_br_eV - self.E_cl_eV) - self.bowing_eV
        C = self.E_cl_eV - E
        disc = B * B - 4.0 * self.bowing_eV * C
        with np.errstate(invalid="ignore"):
            root = np.sqrt(np.where(disc >= 0.0, disc, np.nan))
        return 2.0 * C / (-B + root)

    def composition_from_wavelength(self, wavelength_nm):
        """Apparent composition of a PL peak at ``wavelength_nm`` (inverse of wavelength_nm)."""
        return self.composition_from_energy(HC_EV_NM / np.asarray(wavelength_nm, dtype=float))

    @property
    def pair(self) -> HalidePair:
        """The halide pair of this law: Br/Cl (names and labels of the PL outputs)."""
        return BR_CL

    @property
    def wavelength_range_nm(self) -> tuple[float, float]:
        """(shortest, longest) wavelength of the pure compounds [nm]: (CsPbCl3, CsPbBr3)."""
        return self.wavelength_cl_nm, self.wavelength_br_nm


@dataclass(frozen=True)
class PolynomialEmissionModel:
    """PL peak energy of a pair whose law is a polynomial in x = x_max (1 - y), the amount of
    the second halide per formula unit (Br/I: seed 004's E(x) = 2.42 - 0.2x² + 0.04x³ eV), and
    its inverse; the interface of :class:`EmissionModel`.

    Attributes:
        law: the polynomial (strictly monotonic on [0, x_max], checked by the law itself).
        pair: the halide pair it belongs to (names and labels).
    """

    law: PolynomialEmission = BR_I.emission
    pair: HalidePair = BR_I

    def x_of(self, y):
        """Amount of the second halide per formula unit, x = x_max (1 - y) [-]."""
        return self.law.x_max * (1.0 - np.asarray(y, dtype=float))

    def energy_eV(self, y):
        """E(x(y)) [eV] (y is not clipped)."""
        return self.law.energy_eV(self.x_of(y))

    def wavelength_nm(self, y):
        """Peak wavelength hc / E(y) [nm]."""
        return HC_EV_NM / self.energy_eV(y)

    def composition_from_energy(self, E_eV):
        """The y in [0, 1] with E(y) = E_eV (bisection on x,
        :meth:`solver.model.species.PolynomialEmission.x_from_energy`; energies beyond the pure
        compounds' give 0 or 1, nan gives nan)."""
        return 1.0 - self.law.x_from_energy(E_eV) / self.law.x_max

    def composition_from_wavelength(self, wavelength_nm):
        """Apparent composition of a PL peak at ``wavelength_nm`` (inverse of wavelength_nm)."""
        return self.composition_from_energy(HC_EV_NM / np.asarray(wavelength_nm, dtype=float))

    @property
    def wavelength_range_nm(self) -> tuple[float, float]:
        """(shortest, longest) wavelength of the pure compounds, y = 1 and y = 0 [nm]."""
        ends = sorted(float(HC_EV_NM / self.law.energy_eV(x)) for x in (0.0, self.law.x_max))
        return ends[0], ends[1]


def emission_model(pair: HalidePair, wavelength_a_nm: float | None = None,
                   wavelength_b_nm: float | None = None, bowing_eV: float = 0.0):
    """The emission model of ``pair``: :class:`EmissionModel` from the end points and bowing
    (the case's ``pl`` keys) for an end-point law (Br/Cl), :class:`PolynomialEmissionModel` for
    a polynomial law (Br/I; the wavelengths and bowing are then not used).

    Raises:
        ValueError: invalid end points or bowing (see :class:`EmissionModel`).
    """
    law = pair.emission
    if isinstance(law, EndPointEmission):
        return EmissionModel(law.wavelength_a_nm if wavelength_a_nm is None else wavelength_a_nm,
                             law.wavelength_b_nm if wavelength_b_nm is None else wavelength_b_nm,
                             bowing_eV)
    return PolynomialEmissionModel(law, pair)


@dataclass(frozen=True)
class PLSettings:
    """Optics and carrier settings of the synthetic PL measurement (``pl:`` case section).

    Attributes:
        psf_fwhm_um: FWHM of the Gaussian PSF along the wire [µm].
        linewidth_eV: FWHM of the emission line of one point [eV].
        peak: ``"spectrum"`` (maximum of the summed spectrum) or ``"mean_energy"``.
        funnelling_length_um: carrier diffusion length L for funnelling [µm]; 0 = off.
        step_um: spacing of the probe positions along the wire [µm].
    """

    psf_fwhm_um: float = 0.35
    linewidth_eV: float = 0.085
    peak: str = "spectrum"
    funnelling_length_um: float = 0.0
    step_um: float = 0.01

    def __post_init__(self) -> None:
        if self.peak not in ("spectrum", "mean_energy"):
            raise ValueError(f"peak must be 'spectrum' or 'mean_energy', got {self.peak!r}")
        for name in ("psf_fwhm_um", "linewidth_eV", "step_um"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive")
        if not self.funnelling_length_um >= 0:
            raise ValueError("funnelling_length_um must be >= 0")


@dataclass
class PLMap:
    """PL along the wire at one time.

    Attributes:
        z_um: probe positions [µm].
        peak_energy_eV: PL peak energy at each probe [eV].
        wavelength_nm: PL peak wavelength [nm].
        y_apparent: composition read from the peak with the inverse relation [-].
    """

    z_um: np.ndarray
    peak_energy_eV: np.ndarray
    wavelength_nm: np.ndarray
    y_apparent: np.ndarray


def gaussian_psf(dz_um, fwhm_um: float):
    """Unnormalised Gaussian PSF exp(-dz² / 2σ²) at offsets ``dz_um`` [µm]."""
    s = fwhm_to_sigma(fwhm_um)
    return np.exp(-0.5 * (np.asarray(dz_um, dtype=float) / s) ** 2)


def _node_weights(z: np.ndarray) -> np.ndarray:
    """Trapezoid quadrature weights of the nodes z [µm] (the length each node stands for)."""
    dz = np.diff(z)
    w = np.zeros_like(z)
    w[:-1] += 0.5 * dz
    w[1:] += 0.5 * dz
    return w


def section_weights(n_samples: int, weights=None) -> np.ndarray:
    """Area weights of the cross-section samples, normalised to sum 1 (equal if None)."""
    if weights is None:
        return np.full(n_samples, 1.0 / n_samples)
    w = np.asarray(weights, dtype=float).ravel()
    if w.size != n_samples or np.any(w < 0) or not w.sum() > 0:
        raise ValueError("section weights: one non-negative weight per sample, not all zero")
    return w / w.sum()


def _capture_matrix(z: np.ndarray, E: np.ndarray, length_um: float) -> np.ndarray:
    """T[m, j]: share of the carriers generated at node j that recombine at node m.

    The carrier explores the window |z - z_j| <= d, d exponentially distributed with mean L,
    and recombines at the lowest gap E in that window (the nearest such node on ties).
    """
    n = z.size
    T = np.zeros((n, n))
    for j in range(n):
        d = np.abs(z - z[j])
        order = np.argsort(d, kind="stable")
        Eo = E[order]
        prev_min = np.minimum.accumulate(np.concatenate([[np.inf], Eo[:-1]]))
        idx = np.maximum.accumulate(np.where(Eo < prev_min, np.arange(n), 0))
        survive = np.exp(-d[order] / length_um)  # P(window radius >= d_r)
        p = survive - np.append(survive[1:], 0.0)  # radius between d_r and d_r+1
        np.add.at(T[:, j], order[idx], p)
    return T


def _log_parabola_peak(grid: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Maximum of each row of S on the uniform grid, refined by a parabola through ln S at
    the best grid point and its neighbours (exact for a single Gaussian line)."""
    i = np.clip(np.argmax(S, axis=1), 1, grid.size - 2)
    rows = np.arange(S.shape[0])
    tiny = np.finfo(float).tiny
    lm, l0, lp = (np.log(np.maximum(S[rows, i + d], tiny)) for d in (-1, 0, 1))
    den = lm - 2.0 * l0 + lp
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = np.where(den < 0, 0.5 * (lm - lp) / den, 0.0)
    return grid[i] + np.clip(shift, -1.0, 1.0) * (grid[1] - grid[0])


def pl_map(z_um, y, emission: EmissionModel | PolynomialEmissionModel, settings: PLSettings, *,
           probes_um=None, weights=None) -> PLMap:
    """Synthetic PL peak along the wire for one composition field.

    Args:
        z_um: axial node positions [µm], strictly increasing.
        y: composition at the nodes: shape (n_z,) for a 1D profile, or (n_samples, n_z) for a
            3D field sampled on lines along the wire (a cross-section grid); the samples are
            integrated over the section with ``weights``.
        emission: the E(y) relation (:class:`EmissionModel` or :class:`PolynomialEmissionModel`).
        settings: optics and carrier settings.
        probes_um: probe positions [µm]; default every ``settings.step_um`` over the wire.
        weights: area weights of the section samples (default equal).

    Returns:
        The PL peak energy, wavelength and apparent composition at each probe.
    """
    z = np.asarray(z_um, dtype=float).ravel()
    Y = np.atleast_2d(np.asarray(y, dtype=float))
    if Y.shape[1] != z.size or z.size < 2 or np.any(np.diff(z) <= 0):
        raise ValueError("pl_map: y must have the length of z on its last axis, z increasing")
    if probes_um is None:
        n = round((z[-1] - z[0]) / settings.step_um) + 1
        probes_um = np.linspace(z[0], z[-1], max(n, 2))
    z0 = np.asarray(probes_um, dtype=float).ravel()
    w_sec = section_weights(Y.shape[0], weights)
    q = _node_weights(z)
    gen = gaussian_psf(z0[:, None] - z[None, :], settings.psf_fwhm_um) * q[None, :]
    sig_E = fwhm_to_sigma(settings.linewidth_eV)
    E_all = emission.energy_eV(Y)
    emitted = []  # (probes x nodes) recombination weights of each section sample
    for E in E_all:
        em = gen @ _capture_matrix(z, E, settings.funnelling_length_um).T \
            if settings.funnelling_length_um > 0 else gen
        emitted.append(em)
    if settings.peak == "mean_energy":
        num = sum(ws * (em @ E) for ws, em, E in zip(w_sec, emitted, E_all, strict=True))
        den = sum(ws * em.sum(axis=1) for ws, em in zip(w_sec, emitted, strict=True))
        E_peak = num / den
    else:
        d_E = sig_E / 20.0
        lo, hi = E_all.min() - 5.0 * sig_E, E_all.max() + 5.0 * sig_E
        grid = lo + d_E * np.arange(int(np.ceil((hi - lo) / d_E)) + 1)
        S = np.zeros((z0.size, grid.size))
        for ws, em, E in zip(w_sec, emitted, E_all, strict=True):
            S += ws * (em @ np.exp(-0.5 * ((grid[None, :] - E[:, None]) / sig_E) ** 2))
        E_peak = _log_parabola_peak(grid, S)
    return PLMap(z0, E_peak, HC_EV_NM / E_peak, emission.composition_from_energy(E_peak))
