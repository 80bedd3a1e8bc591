r"""Laser heating from the heat equation (``temperature.laser.model: heat_equation``; issue #28
item 2, docs/nanocrystals.md "Temperature as a field").

The prescribed law of seed 004 (eq. 9, 004_2837c6e205a58ee5.txt line 227;
:class:`solver.model.temperature_field.LaserHeating`) takes the centre rise A0 as an input. Here
the *steady* profile comes from the film heat equation of :mod:`solver.physics.heat`,

.. math::
    -k \nabla^2 T + \frac{G}{l} (T - T_{sub}) = q(r),\qquad
    q(r) = \frac{2 P f_{abs} f_{heat}}{\pi w_0^2 l} e^{-2 r^2 / w_0^2},

solved once on the film's radial mesh (weight r, insulated at the disc's rim), and the time law
is eq. 9's:

.. math::
    T(r, t) = T_{sub}(t) + \big(1 - e^{-B (t - t_{on})}\big)\,\Delta T_{ss}(r),\quad t > t_{on},

with ΔT_ss = T_ss - T_sub (linear in q: independent of T_sub) and B = ``rate_per_s``, by default
the film's relaxation rate h/(ρc) = G/(l ρc) (the rate of T -> T_sub + q/h under a uniform
source; solver/physics/heat.py). This is not the transient heat equation: near the beam the
rise time of the full equation is between 1/B and w0²/a, both far below a second at the
defaults (40 ns and ≈3 µs), so that the ion kinetics (seconds) see a switched-on step either way.

Layers: this module (model/) only holds the parameters and evaluates T(x, t) from the profile;
the profile is computed by :func:`solver.numerics.heat.laser_rise_profile`, called by
:class:`solver.numerics.reactions.Environment` on the problem's mesh (``needs_profile``), which
hands back a copy with the profile (:meth:`SolvedLaserHeating.with_profile`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

__all__ = ["SolvedLaserHeating"]


def _points(x_um) -> np.ndarray:
    x = np.asarray(x_um, dtype=float)
    return x[:, None] if x.ndim == 1 else x


@dataclass(frozen=True)
class SolvedLaserHeating:
    """T(x, t) [K] of a film heated by the light's Gaussian beam, the steady profile from the
    heat equation (module docstring: equations, sources).

    Attributes:
        power_W: beam power P [W] (>= 0; the light section's ``power_uW``, or π w0² I0/2).
        waist_um: w0, 1/e² radius [µm] (> 0; the light's ``waist_um``).
        absorbed_fraction: f_abs, fraction of the beam absorbed in the film [-] (the light's
            1 - R - T, or (1 - R)(1 - e^{-α l})).
        heat_fraction: f_heat, fraction of the absorbed power turned into heat [-] (default 1:
            no photoluminescence losses, an upper bound).
        thickness_nm: film thickness l [nm] (> 0).
        conductivity_W_per_m_K: k (> 0).
        heat_capacity_J_per_m3_K: ρc (> 0).
        conductance_W_per_m2_K: G, film-substrate conductance (> 0); the volumetric sink is
            h = G / l.
        rate_per_s: B [1/s] (> 0), or None: h/(ρc).
        on_s: switch-on time t_on [s]; T = T_sub(t) before.
        T_ref_K: substrate temperature the steady problem is solved at [K] (the rise does not
            depend on it; T_sub(t) comes from ``substrate``).
        substrate: the uniform temperature law (anything with ``T_K(t_s)``), or None: T_ref_K.
        coordinate: the reduction of the mesh the profile is solved on ("cylindrical": a
            film's disc, r = x[0]).
        profile_r_um, profile_rise_K: the steady rise ΔT_ss [K] at radii [µm] (sorted), set by
            :meth:`with_profile`; None until then.

    Raises:
        ValueError: a parameter out of range (one line naming it).
    """

    power_W: float
    waist_um: float
    absorbed_fraction: float
    thickness_nm: float
    conductivity_W_per_m_K: float = 0.3
    heat_capacity_J_per_m3_K: float = 1.0e6
    conductance_W_per_m2_K: float = 1.0e6
    heat_fraction: float = 1.0
    rate_per_s: float | None = None
    on_s: float = 0.0
    drive: object = None
    T_ref_K: float = 293.0
    substrate: object = field(default=None, compare=False, repr=False)
    coordinate: str = "cylindrical"
    profile_r_um: np.ndarray | None = field(default=None, compare=False, repr=False)
    profile_rise_K: np.ndarray | None = field(default=None, compare=False, repr=False)
    is_uniform: bool = field(default=False, init=False)

    def __post_init__(self):
        positive = ("waist_um", "thickness_nm", "conductivity_W_per_m_K",
                    "heat_capacity_J_per_m3_K", "conductance_W_per_m2_K", "T_ref_K")
        for key in positive:
            value = getattr(self, key)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"SolvedLaserHeating.{key}: {value} is not > 0")
        for key in ("absorbed_fraction", "heat_fraction"):
            if not 0.0 <= getattr(self, key) <= 1.0:
                raise ValueError(f"SolvedLaserHeating.{key}: {getattr(self, key)} is not in "
                                 "[0, 1]")
        if not (math.isfinite(self.power_W) and self.power_W >= 0):
            raise ValueError(f"SolvedLaserHeating.power_W: {self.power_W} is not >= 0")
        if self.rate_per_s is not None and not (math.isfinite(self.rate_per_s)
                                                and self.rate_per_s > 0):
            raise ValueError(f"SolvedLaserHeating.rate_per_s: {self.rate_per_s} is not > 0")
        if not math.isfinite(self.on_s):
            raise ValueError(f"SolvedLaserHeating.on_s: {self.on_s} is not finite")

    @classmethod
    def from_config(cls, laser, light, T_ref_K: float, substrate=None) -> SolvedLaserHeating:
        """From a validated ``temperature.laser`` (model heat_equation) and ``light`` section:
        the light's beam power (power_uW, or π w0² I0/2 from the peak irradiance), waist and
        absorbed fraction; thickness = the laser's ``thickness_nm`` or the light's."""
        from solver.model.light import Illumination

        illumination = Illumination.from_config(light)
        thickness = laser.thickness_nm if laser.thickness_nm is not None else light.thickness_nm
        return cls(power_W=illumination.beam.power_W, waist_um=illumination.beam.waist_um,
                   absorbed_fraction=illumination.absorption.absorbed_fraction,
                   thickness_nm=thickness,
                   conductivity_W_per_m_K=laser.conductivity_W_per_m_K,
                   heat_capacity_J_per_m3_K=laser.heat_capacity_J_per_m3_K,
                   conductance_W_per_m2_K=laser.conductance_W_per_m2_K,
                   heat_fraction=laser.heat_fraction, rate_per_s=laser.rate_per_s,
                   on_s=laser.on_s, T_ref_K=T_ref_K, substrate=substrate)

    @property
    def needs_profile(self) -> bool:
        """True until the steady profile is set (:meth:`with_profile`)."""
        return self.profile_r_um is None

    @property
    def sink_W_per_m3_K(self) -> float:
        """h = G / l [W/(m³ K)]."""
        return self.conductance_W_per_m2_K / (self.thickness_nm * 1e-9)

    @property
    def time_rate_per_s(self) -> float:
        """B [1/s]: ``rate_per_s``, or the relaxation rate h/(ρc)."""
        if self.rate_per_s is not None:
            return self.rate_per_s
        return self.sink_W_per_m3_K / self.heat_capacity_J_per_m3_K

    def with_profile(self, r_um, rise_K) -> SolvedLaserHeating:
        """A copy holding the steady rise ``rise_K`` (N,) [K] at the radii ``r_um`` (N,) [µm]
        (any order; sorted here).

        Raises:
            ValueError: shapes differ, fewer than two points, or values not finite.
        """
        r = np.asarray(r_um, dtype=float).ravel()
        dT = np.asarray(rise_K, dtype=float).ravel()
        if r.shape != dT.shape or r.size < 2 or not (np.all(np.isfinite(r))
                                                     and np.all(np.isfinite(dT))):
            raise ValueError("SolvedLaserHeating.with_profile: need two finite arrays of the "
                             f"same length >= 2 (got {r.shape}, {dT.shape})")
        order = np.argsort(r, kind="stable")
        return dataclasses.replace(self, profile_r_um=r[order], profile_rise_K=dT[order])

    @property
    def centre_rise_K(self) -> float:
        """ΔT_ss at the beam centre (the profile's smallest radius) [K]."""
        return float(self._profile()[1][0])

    def _profile(self):
        if self.profile_r_um is None:
            raise RuntimeError("SolvedLaserHeating: the steady profile is not computed yet "
                               "(solver.numerics.heat.laser_rise_profile, called by the "
                               "problem's Environment)")
        return self.profile_r_um, self.profile_rise_K

    def steady_rise_K(self, x_um) -> np.ndarray:
        """ΔT_ss at the points ``x_um`` (N, d) [µm] (r = the in-plane distance from the
        centre, linear between the profile's radii, its end values outside): shape (N,)."""
        r_prof, rise = self._profile()
        x = _points(x_um)
        r = np.hypot(x[:, 0], x[:, 1]) if x.shape[1] > 1 else np.abs(x[:, 0])
        return np.interp(r, r_prof, rise)

    def amplitude(self, t_s: float) -> float:
        """1 - exp(-B (t - t_on)) [-] (0 before t_on); with a light protocol (``drive``, its
        Schedule) the first-order response u of (1/B) du/dt = s(t) - u instead."""
        if self.drive is not None:
            from solver.model.response import first_order_response

            return float(first_order_response(self.drive, np.array([float(t_s)]),
                                              1.0 / self.time_rate_per_s)[0])
        dt = float(t_s) - self.on_s
        return -math.expm1(-self.time_rate_per_s * dt) if dt > 0 else 0.0

    def substrate_K(self, t_s: float) -> float:
        """T_sub(t) [K]: the substrate law's, or T_ref_K without one."""
        return self.T_ref_K if self.substrate is None else float(self.substrate.T_K(t_s))

    def __call__(self, x_um, t_s: float) -> np.ndarray:
        """T [K] at the points ``x_um`` (N, d) [µm] and time ``t_s`` [s]: shape (N,).

        Raises:
            RuntimeError: the profile is not computed yet.
        """
        return self.substrate_K(t_s) + self.amplitude(t_s) * self.steady_rise_K(x_um)
