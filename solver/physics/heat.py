r"""The heat equation of a thin film on a substrate, as a UFL weak form (docs/nanocrystals.md,
"Temperature as a field").

Model (per unit volume of the film, lengths in µm in the mesh):

.. math::
    \rho c\,\partial_t T - \nabla\cdot(k \nabla T) + h\,(T - T_{sub}) = q(x, t),

with k [W/(m K)] the film's thermal conductivity, ρc [J/(m³ K)] its volumetric heat capacity,
and h [W/(m³ K)] a *volumetric* sink to the substrate: a film of thickness l on a substrate
held at T_sub through a conductance G [W/(m² K)] per unit area loses G (T - T_sub) / l per unit
volume, so h = G / l (the film is thin enough for T to be uniform across it). The sink sets a
lateral length λ = sqrt(k/h) and a relaxation rate h/(ρc). This replaces the 3-D spreading
into the substrate by a local loss: a modelling assumption, good when the heat goes through
the film-substrate interface rather than through the substrate's bulk.

The Gaussian beam deposits (seed 004 eq. 4, 004_2837c6e205a58ee5.txt line 153, the same beam
geometry as its generation rate; a fraction ``heat_fraction`` of the absorbed power becomes
heat)

.. math::
    q(r) = \frac{2 P_{abs}}{\pi w_0^2 l} \exp(-2 r^2 / w_0^2),

whose integral over the film is P_abs.

The weak form is divided by k and written in µm (dimensionally K/µm²), so that its
coefficients are O(1) on a µm mesh:

.. math::
    F = \int \Big[\frac{1}{a}\,\partial_t T\,v + \nabla T\cdot\nabla v
        + \frac{1}{\lambda^2}(T - T_{sub})\,v - \frac{q}{k}\,v\Big]\,dx,

a = k/(ρc) [µm²/s], λ² = k/h [µm²], q/k [K/µm²] (q in W/m³ times 1e-12 m²/µm² over k). The
outer boundary is insulated (natural condition) unless the caller adds a Dirichlet condition.

Defaults (:class:`HeatParameters`) and their sources:

- k = 0.3 W/(m K): CsPbBr3 nanowires have 0.36-0.45 W/(m K) (Lee, ..., Yang, PNAS 114, 8693
  (2017), "Ultralow thermal conductivity in all-inorganic halide perovskites"); a film of NCs
  with organic ligands between them conducts less: 0.3 is an assumed film value.
- ρc = 1.0e6 J/(m³ K): derived, Dulong-Petit for CsPbBr3 (5 atoms, 3R each: 125 J/(mol K),
  M = 580 g/mol: 0.215 J/(g K)) times the density 4.55 g/cm³: 0.98e6 J/(m³ K).
- h = 2.5e13 W/(m³ K): derived, h = G/l with l = 40 nm (seed 004 line 155) and
  G = 1e6 W/(m² K), the spreading conductance k_glass/w0 of a glass substrate (1 W/(m K))
  under a 1 µm beam (seed 004 line 93): λ = 0.11 µm, relaxation time 40 ns. A crude estimate;
  give your own.
- T_sub = 293 K (seed 004's room temperature, line 117).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import ufl
from scipy.special import erfc, erfcx

__all__ = ["HeatParameters", "beam_peak_W_per_m3", "gaussian_beam_W_per_m3",
           "heat_residual", "steady_gaussian_1d_K"]

#: m² per µm².
_M2_PER_UM2 = 1.0e-12


@dataclass(frozen=True)
class HeatParameters:
    """Thermal parameters of the film (module docstring: equation, units, sources).

    Attributes:
        conductivity_W_per_m_K: k (> 0).
        heat_capacity_J_per_m3_K: ρc, volumetric (> 0).
        sink_W_per_m3_K: h = G / l, volumetric sink to the substrate (>= 0; 0 = none).
        T_substrate_K: T_sub (> 0).

    Raises:
        ValueError: a value out of range.
    """

    conductivity_W_per_m_K: float = 0.3
    heat_capacity_J_per_m3_K: float = 1.0e6
    sink_W_per_m3_K: float = 2.5e13
    T_substrate_K: float = 293.0

    def __post_init__(self):
        for key, low in (("conductivity_W_per_m_K", 0.0), ("heat_capacity_J_per_m3_K", 0.0),
                         ("T_substrate_K", 0.0)):
            value = getattr(self, key)
            if not (math.isfinite(value) and value > low):
                raise ValueError(f"HeatParameters.{key}: {value} is not > {low:g}")
        if not (math.isfinite(self.sink_W_per_m3_K) and self.sink_W_per_m3_K >= 0):
            raise ValueError(f"HeatParameters.sink_W_per_m3_K: {self.sink_W_per_m3_K} is not "
                             ">= 0")

    @property
    def diffusivity_um2_per_s(self) -> float:
        """a = k / (ρc) [µm²/s]."""
        return self.conductivity_W_per_m_K / self.heat_capacity_J_per_m3_K / _M2_PER_UM2

    @property
    def inverse_sink_length_sq_per_um2(self) -> float:
        """1/λ² = h / k [1/µm²] (0 without a sink)."""
        return self.sink_W_per_m3_K / self.conductivity_W_per_m_K * _M2_PER_UM2

    @property
    def sink_length_um(self) -> float:
        """λ = sqrt(k / h) [µm] (inf without a sink)."""
        inv = self.inverse_sink_length_sq_per_um2
        return math.inf if inv == 0 else 1.0 / math.sqrt(inv)

    @property
    def relaxation_rate_per_s(self) -> float:
        """h / (ρc) [1/s]: the rate of T -> T_sub + q/h under a uniform source."""
        return self.sink_W_per_m3_K / self.heat_capacity_J_per_m3_K

    def source_scale(self) -> float:
        """Factor turning q [W/m³] into q/k [K/µm²] (1e-12 / k)."""
        return _M2_PER_UM2 / self.conductivity_W_per_m_K


def beam_peak_W_per_m3(power_W: float, waist_um: float, thickness_um: float,
                       heat_fraction: float = 1.0) -> float:
    """The peak 2 P_abs / (π w0² l) [W/m³] of the Gaussian beam source (seed 004 eq. 4,
    line 153) for P_abs = ``heat_fraction`` · ``power_W`` [W] absorbed in a film of
    ``thickness_um`` [µm] under a beam of 1/e² radius ``waist_um`` [µm].

    Raises:
        ValueError: a non-positive waist or thickness, a negative power, a fraction outside
            [0, 1].
    """
    if not (waist_um > 0 and thickness_um > 0 and power_W >= 0 and 0 <= heat_fraction <= 1):
        raise ValueError(f"beam source: need waist_um > 0 ({waist_um}), thickness_um > 0 "
                         f"({thickness_um}), power_W >= 0 ({power_W}), heat_fraction in "
                         f"[0, 1] ({heat_fraction})")
    w_m, l_m = waist_um * 1e-6, thickness_um * 1e-6
    return 2.0 * heat_fraction * power_W / (math.pi * w_m ** 2 * l_m)


def gaussian_beam_W_per_m3(x, peak_W_per_m3: float, waist_um: float,
                           centre_um=(0.0, 0.0)):
    """q = peak · exp(-2 r² / w0²) with r the in-plane (x, y) distance from ``centre_um``
    [µm]; works on UFL (``x = ufl.SpatialCoordinate(mesh)``, any gdim) and on numpy points
    (N, d) [µm], returning a UFL expression or an array (N,) [W/m³]."""
    if isinstance(x, np.ndarray):
        x2 = x if x.ndim == 2 else x[:, None]
        d = min(x2.shape[1], 2)
        r2 = np.sum((x2[:, :d] - np.asarray(centre_um[:d])) ** 2, axis=1)
        return peak_W_per_m3 * np.exp(-2.0 * r2 / waist_um ** 2)
    d = min(x.ufl_shape[0], 2)
    r2 = sum((x[i] - centre_um[i]) ** 2 for i in range(d))
    return peak_W_per_m3 * ufl.exp(-2.0 * r2 / waist_um ** 2)


def heat_residual(T, v, *, inv_diffusivity, inv_sink_length_sq, T_substrate, source_over_k,
                  dx, rate=None):
    """The weak form F(T; v) = 0 of the module docstring (divided by k, in µm).

    Args:
        T: the temperature [K] (a Function, or a TrialFunction for a linear system).
        v: the test function.
        inv_diffusivity: 1/a = ρc/k [s/µm²] (a UFL constant or float).
        inv_sink_length_sq: 1/λ² = h/k [1/µm²].
        T_substrate: T_sub [K].
        source_over_k: q/k [K/µm²] (a UFL expression; q [W/m³] times
            :meth:`HeatParameters.source_scale`).
        dx: the cell measure.
        rate: a UFL expression of ∂T/∂t [K/s] (e.g. (T - T_n)/Δt); None for the steady
            problem.

    Returns:
        The UFL form F (linear in T).
    """
    F = (ufl.inner(ufl.grad(T), ufl.grad(v)) + inv_sink_length_sq * (T - T_substrate) * v
         - source_over_k * v) * dx
    if rate is not None:
        F += inv_diffusivity * rate * v * dx
    return F


def steady_gaussian_1d_K(x_um, peak_W_per_m3: float, sigma_um: float,
                         params: HeatParameters) -> np.ndarray:
    r"""Analytic steady solution on the infinite line (verification reference) of

        -k T'' + h (T - T_sub) = q0 exp(-x² / (2 s²)),    T -> T_sub as |x| -> inf.

    Derivation. With κ = 1/λ = sqrt(h/k), the Green's function of -k G'' + h G = δ that
    decays at infinity is G(x) = exp(-κ|x|) / (2 k κ) (G is continuous and -k [G'] = 1 at 0).
    So T - T_sub = q0/(2kκ) ∫ exp(-ξ²/(2s²)) exp(-κ|x-ξ|) dξ. Split at ξ = x; for ξ < x,
    completing the square, -ξ²/(2s²) - κ(x - ξ) = -(ξ - κs²)²/(2s²) + κ²s²/2 - κx, so that
    part is s sqrt(π/2) exp(κ²s²/2 - κx) erfc(a) with a = (κs² - x)/(s√2); the part ξ > x
    is the same with x -> -x: b = (κs² + x)/(s√2). Hence

        T - T_sub = q0 s sqrt(π/2) / (2kκ) [e^{κ²s²/2 - κx} erfc(a) + e^{κ²s²/2 + κx} erfc(b)].

    Since a² = κ²s²/2 - κx + x²/(2s²), the first term is also exp(-x²/(2s²)) erfcx(a) (and
    the second exp(-x²/(2s²)) erfcx(b)); we use the erfcx form where the argument is >= 0
    (no overflow of the exponential) and the erfc form where it is negative (erfc in (1, 2)).

    Args:
        x_um: positions (M,) [µm].
        peak_W_per_m3: q0 [W/m³].
        sigma_um: s [µm] (> 0).
        params: k, h (> 0) and T_sub.

    Returns:
        T [K], shape (M,).
    """
    if params.sink_W_per_m3_K <= 0:
        raise ValueError("steady_gaussian_1d_K: needs a sink (h > 0)")
    x = np.asarray(x_um, dtype=float)
    kappa = 1.0 / params.sink_length_um  # [1/µm]
    s = float(sigma_um)
    q0_over_k = peak_W_per_m3 * params.source_scale()  # [K/µm²]

    def part(xx):
        arg = (kappa * s * s - xx) / (s * math.sqrt(2.0))
        safe = np.where(arg >= 0, arg, 0.0)
        scaled = np.exp(-xx ** 2 / (2 * s * s)) * erfcx(safe)
        direct = np.exp(np.minimum(kappa ** 2 * s * s / 2 - kappa * xx, 700.0)) * erfc(arg)
        return np.where(arg >= 0, scaled, direct)

    rise = q0_over_k * s * math.sqrt(math.pi / 2) / (2 * kappa) * (part(x) + part(-x))
    return params.T_substrate_K + rise
