r"""Prescribed temperature fields T(x, t) [K] (numpy, vectorised).

Each field is a callable ``field(x_um, t_s) -> T_K`` with

- ``x_um``: points, array of shape (N, d) [µm] (d = 1, 2 or 3; dolfinx dof coordinates are
  (N, 3)); a 1-D array of shape (N,) is read as N points on a line;
- ``t_s``: one time [s] (a float);
- the result: array of shape (N,) [K], float64.

and an attribute ``is_uniform`` (True if T does not depend on x: the transport problem may then
keep T as a constant). The uniform fields also give ``history_K(t_s)``: T at an array of times,
shape (M,). No field loops over points in Python, so that a field can be evaluated at the dof
coordinates of a mesh at every time step.

Fields (docs/nanocrystals.md, "Temperature as a field"):

:class:`LaserHeating`
    seed 004 eq. 9 (004_2837c6e205a58ee5.txt, line 227):
    ``T = A0 (1 - exp(-B t)) exp(-2 r^2 / w0^2) + T0``, r the in-plane distance from the beam
    centre (x, y; z, the beam axis, is ignored).
:class:`UniformTemperature`
    the uniform T(t) of a :class:`solver.model.protocols.TemperatureProtocol`.
:class:`SubstrateResponse`
    a substrate heated by a heater switched on and off (seed 003: a current through the ITO
    substrate), as two first-order modes driven by the heater level h(t) in [0, 1]:
    ``T = T_amb + a_f u_f + a_s u_s``, ``tau_i du_i/dt = h(t) - u_i``, u_i(0) = 0; evaluated
    exactly, piece by piece (closed-form exponentials; a square wave in O(1) per time).
:class:`TableTemperature`
    a measured T(t) table, interpolated linearly, held constant outside.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from solver.model.protocols import Piece, Schedule, _Drive
from solver.model.response import first_order_response

__all__ = ["SEED003_SUBSTRATE", "LaserHeating", "SubstrateModes", "SubstrateResponse",
           "TableTemperature", "UniformTemperature", "points_um"]

#: 0 °C in K.
ZERO_CELSIUS_K = 273.15


def points_um(x_um) -> np.ndarray:
    """``x_um`` as a float array of shape (N, d): (N,) is read as N points on a line.

    Raises:
        ValueError: not 1-D or 2-D, or not finite.
    """
    x = np.asarray(x_um, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError(f"points: expected an array of shape (N, d), got shape {x.shape}")
    return x


def _check_time(t_s) -> float:
    t = float(t_s)
    if not math.isfinite(t):
        raise ValueError(f"time: {t_s} s is not finite")
    return t


class _Uniform:
    """Shared behaviour of the fields that do not depend on x."""

    is_uniform = True

    def history_K(self, t_s) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def __call__(self, x_um, t_s: float) -> np.ndarray:
        """T [K] at the points ``x_um`` (N, d) [µm] and time ``t_s`` [s]: shape (N,)."""
        n = points_um(x_um).shape[0]
        value = float(self.history_K(np.array([_check_time(t_s)]))[0])
        return np.full(n, value)


@dataclass(frozen=True)
class LaserHeating:
    """Laser-induced temperature of seed 004, eq. 9 (004_2837c6e205a58ee5.txt, line 227):

        T(x, y, t) = A0 (1 - exp(-B t)) exp(-2 [(x - x0)^2 + (y - y0)^2] / w0^2) + T0.

    The seed calls A0 "the maximum laser-induced temperature amplitude calculated from the
    Fourier law using the finite difference method (see SI)", B "the heating rate", T0 "the
    room temperature", w0 "the Gaussian laser waist radius" (line 229). Its values of A0 and B
    are in the supporting information, which we do not have: ``rise_K`` and ``rate_per_s`` have
    no default (:func:`solver.numerics.heat.solve_heat_steady` estimates A0 from a heat
    equation). The waist radius is "estimated at 1 µm" (line 93; w0 = 1e-4 cm, line 155); the
    room temperature is taken as 293 K, the temperature at which the seed quotes D_PR (line
    117).

    Args:
        rise_K: A0, the steady rise at the beam centre [K] (>= 0).
        rate_per_s: B [1/s] (> 0).
        waist_um: w0, the 1/e^2 intensity radius [µm] (> 0); default 1.0 (004 line 93).
        T0_K: room temperature [K] (> 0); default 293.0 (004 line 117).
        centre_um: beam centre (x0, y0) [µm]; only the first d coordinates of a point set of
            dimension d < 2 are used, and z is ignored.
        on_s: time the laser is switched on [s]; T = T0 before (default 0).

    Raises:
        ValueError: a parameter out of range.
    """

    rise_K: float
    rate_per_s: float
    waist_um: float = 1.0
    T0_K: float = 293.0
    centre_um: tuple[float, float] = (0.0, 0.0)
    on_s: float = 0.0
    is_uniform: bool = field(default=False, init=False)

    def __post_init__(self):
        checks = {"rise_K": self.rise_K >= 0, "rate_per_s": self.rate_per_s > 0,
                  "waist_um": self.waist_um > 0, "T0_K": self.T0_K > 0,
                  "on_s": math.isfinite(self.on_s)}
        for key, ok in checks.items():
            value = getattr(self, key)
            if not (ok and math.isfinite(value)):
                raise ValueError(f"LaserHeating.{key}: {value} is out of range")
        if len(self.centre_um) != 2 or not all(map(math.isfinite, self.centre_um)):
            raise ValueError(f"LaserHeating.centre_um: {self.centre_um} is not two finite "
                             "numbers (x0, y0) [µm]")

    def profile(self, x_um) -> np.ndarray:
        """exp(-2 r^2 / w0^2) at the points (N, d) [µm]: shape (N,)."""
        x = points_um(x_um)
        d = min(x.shape[1], 2)
        r2 = np.sum((x[:, :d] - np.asarray(self.centre_um[:d])) ** 2, axis=1)
        return np.exp(-2.0 * r2 / self.waist_um ** 2)

    def amplitude_K(self, t_s: float) -> float:
        """A0 (1 - exp(-B (t - on_s))) [K] (0 before ``on_s``)."""
        dt = _check_time(t_s) - self.on_s
        return self.rise_K * -math.expm1(-self.rate_per_s * dt) if dt > 0 else 0.0

    def __call__(self, x_um, t_s: float) -> np.ndarray:
        """T [K] at the points ``x_um`` (N, d) [µm] and time ``t_s`` [s]: shape (N,)."""
        return self.T0_K + self.amplitude_K(t_s) * self.profile(x_um)


class UniformTemperature(_Uniform):
    """The uniform T(t) of a temperature protocol (the device temperature of the case file).

    Args:
        protocol: anything with ``T_K(t_s) -> float``, e.g.
            :class:`solver.model.protocols.TemperatureProtocol`.
    """

    def __init__(self, protocol):
        self.protocol = protocol

    def history_K(self, t_s) -> np.ndarray:
        """T [K] at the times ``t_s`` (M,) [s]: shape (M,)."""
        t = np.atleast_1d(np.asarray(t_s, dtype=float))
        return np.array([self.protocol.T_K(float(v)) for v in t])


class TableTemperature(_Uniform):
    """A measured T(t) table, linear between the points and constant outside them.

    Args:
        times_s: times [s], strictly increasing, finite; at least one.
        T_K: temperatures [K] at those times, finite and > 0, same length.

    Raises:
        ValueError: one line naming the bad argument.
    """

    def __init__(self, times_s, T_K):
        t = np.asarray(times_s, dtype=float).ravel()
        T = np.asarray(T_K, dtype=float).ravel()
        if t.size == 0:
            raise ValueError("TableTemperature.times_s: empty (give at least one point)")
        if T.size != t.size:
            raise ValueError(f"TableTemperature.T_K: {T.size} values for {t.size} times")
        if not np.all(np.isfinite(t)):
            raise ValueError("TableTemperature.times_s: not all finite")
        if not (np.all(np.isfinite(T)) and np.all(T > 0)):
            raise ValueError("TableTemperature.T_K: not all finite and > 0 K")
        if np.any(np.diff(t) <= 0):
            k = int(np.argmax(np.diff(t) <= 0))
            raise ValueError(f"TableTemperature.times_s: not strictly increasing at index "
                             f"{k + 1} ({t[k + 1]:g} s after {t[k]:g} s)")
        self.times_s, self.T_K = t, T

    @classmethod
    def from_celsius(cls, times_s, T_C) -> TableTemperature:
        """From temperatures in °C (T_K = T_C + 273.15)."""
        return cls(times_s, np.asarray(T_C, dtype=float) + ZERO_CELSIUS_K)

    def history_K(self, t_s) -> np.ndarray:
        """T [K] at the times ``t_s`` (M,) [s]: shape (M,)."""
        return np.interp(np.atleast_1d(np.asarray(t_s, dtype=float)), self.times_s, self.T_K)


@dataclass(frozen=True)
class SubstrateModes:
    """Two first-order thermal modes of a heated substrate (a lumped two-time-constant model).

    Attributes:
        ambient_K: temperature with the heater off [K].
        fast_rise_K, fast_tau_s: steady rise [K] and time constant [s] of the fast mode.
        slow_rise_K, slow_tau_s: the same for the slow mode (the whole holder) [K], [s].
    """

    ambient_K: float
    fast_rise_K: float
    fast_tau_s: float
    slow_rise_K: float
    slow_tau_s: float

    def __post_init__(self):
        for key in ("ambient_K", "fast_tau_s", "slow_tau_s"):
            if not (getattr(self, key) > 0 and math.isfinite(getattr(self, key))):
                raise ValueError(f"SubstrateModes.{key}: {getattr(self, key)} is not > 0")
        for key in ("fast_rise_K", "slow_rise_K"):
            if not math.isfinite(getattr(self, key)):
                raise ValueError(f"SubstrateModes.{key}: {getattr(self, key)} is not finite")

    @property
    def steady_rise_K(self) -> float:
        """Rise with the heater on for ever [K]."""
        return self.fast_rise_K + self.slow_rise_K


#: Seed 003 (003_79292b6190e462ff.txt), ITO substrate at 400 mA: a least-squares fit (exact,
#: four points, four parameters) of the rises 7 K at 4 s (24 -> 31 °C, line 70), 8.5 K at
#: 10 s (23.5 -> 32 °C, line 61), 11.5 K at 300 s (-> 35 °C "after 300 s", line 66) and
#: 13.5 K at 600 s (-> 37 °C, line 61), from 23.5 °C. Not fitted, and reproduced: cooling
#: from 35 °C (300 s on) to 26.8 °C 8 s after switching off (seed: 35 -> 27 °C within
#: ≈ 8 s, line 70). The seed calls its temperatures approximate (line 120).
SEED003_SUBSTRATE = SubstrateModes(ambient_K=23.5 + ZERO_CELSIUS_K, fast_rise_K=8.50,
                                   fast_tau_s=2.35, slow_rise_K=9.00, slow_tau_s=740.0)


class SubstrateResponse(_Uniform):
    """The substrate temperature under a heater switched on and off (seed 003's ITO heating).

    Model: two first-order modes (:class:`SubstrateModes`) driven by the heater level h(t)
    (1 = on at the calibrated power, 0 = off; values in between scale the rise linearly):

        T(t) = T_amb + a_f u_f(t) + a_s u_s(t),   tau_i du_i/dt = h(t) - u_i,   u_i(0) = 0.

    Evaluated exactly: u is carried from piece to piece of the heater schedule in closed form,
    and inside a square-wave piece by the period map (O(1) per time, however many pulses).
    Before t = 0 the heater is off and T = T_amb.

    Args:
        heater: a :class:`solver.model.protocols.Schedule` of the level h(t) [-] made of
            constant and square pieces (see :meth:`pulse_train`, :meth:`switched`).
        modes: the thermal modes; default :data:`SEED003_SUBSTRATE` (seed 003, 400 mA).

    Raises:
        ValueError: a ramp piece in the heater schedule.
    """

    def __init__(self, heater: Schedule, modes: SubstrateModes = SEED003_SUBSTRATE):
        for p in heater.pieces:
            if p.kind not in ("constant", "square"):
                raise ValueError(f"SubstrateResponse: heater piece kind {p.kind!r} is not "
                                 "supported (constant levels and square waves only)")
        self.heater, self.modes = heater, modes

    @classmethod
    def pulse_train(cls, width_s: float, period_s: float, start_s: float = 0.0,
                    modes: SubstrateModes = SEED003_SUBSTRATE) -> SubstrateResponse:
        """Heater on for ``width_s`` every ``period_s`` from ``start_s`` [s], for ever (seed
        003 Fig. 3: t/T = 0.1/1, 0.5/5, 1/10, 2/10, 5/10 s, line 79); ``width_s =
        period_s`` is DC (on from ``start_s``).

        Raises:
            ValueError: width_s <= 0 or width_s > period_s.
        """
        if not (0 < width_s <= period_s) or not math.isfinite(period_s):
            raise ValueError(f"pulse_train: width_s = {width_s} s must be in (0, period_s = "
                             f"{period_s} s]")
        pieces = [Piece(0.0, start_s, "constant", 0.0, 0.0)] if start_s > 0 else []
        t0 = max(start_s, 0.0)
        if width_s == period_s:
            pieces.append(Piece(t0, math.inf, "constant", 1.0, 1.0))
        else:
            pieces.append(Piece(t0, math.inf, "square", 1.0, 0.0, period_s,
                                width_s / period_s))
        return cls(Schedule(pieces), modes)

    @classmethod
    def switched(cls, switch_times_s,
                 modes: SubstrateModes = SEED003_SUBSTRATE) -> SubstrateResponse:
        """Heater off until the first of ``switch_times_s`` [s] (> 0, increasing), on until
        the second, off until the third, and so on (seed 003 Fig. 2: on at 400 mA, then off).

        Raises:
            ValueError: times not > 0 and strictly increasing, or none.
        """
        times = [float(v) for v in switch_times_s]
        steps = np.diff(times) if len(times) > 1 else np.array([1.0])
        if not times or times[0] <= 0 or np.any(steps <= 0) or not np.all(np.isfinite(times)):
            raise ValueError(f"switched: switch_times_s {times} must be > 0, finite and "
                             "strictly increasing")
        edges = [0.0, *times, math.inf]
        pieces = [Piece(edges[k], edges[k + 1], "constant", float(k % 2), float(k % 2))
                  for k in range(len(edges) - 1)]
        return cls(Schedule(pieces), modes)

    def _mode(self, t: np.ndarray, tau: float) -> np.ndarray:
        return first_order_response(self.heater, t, tau)

    def history_K(self, t_s) -> np.ndarray:
        """T [K] at the times ``t_s`` (M,) [s] (any order): shape (M,)."""
        t = np.atleast_1d(np.asarray(t_s, dtype=float))
        if not np.all(np.isfinite(t)):
            raise ValueError("SubstrateResponse: times are not all finite")
        m = self.modes
        return (m.ambient_K + m.fast_rise_K * self._mode(t, m.fast_tau_s)
                + m.slow_rise_K * self._mode(t, m.slow_tau_s))


# ---------------------------------------------------------------- the case's temperature laws
class HeaterTemperature(_Drive):
    """The device temperature under a pulsed substrate heater, as a temperature protocol of
    the problem (``T_K(t)``, ``is_constant``, the stepper's milestones at the heater switches).

    T(t) = T_K + the response of :class:`SubstrateResponse` (its ambient is the case's T_K).
    T is continuous at a switch (only its slope jumps), so no switch restarts the stepper.

    Args:
        response: the substrate's response to the heater.
    """

    def __init__(self, response: SubstrateResponse):
        self.response = response
        self.schedule = response.heater
        self.outputs_s = ()

    @classmethod
    def from_config(cls, T_K: float, heater) -> HeaterTemperature:
        """From the case's ``temperature.T_K`` [K] and a validated ``temperature.heater``."""
        modes = SubstrateModes(T_K, heater.fast_rise_K, heater.fast_tau_s, heater.slow_rise_K,
                               heater.slow_tau_s)
        pulses = SubstrateResponse.pulse_train(heater.width_s, heater.period_s,
                                               heater.start_s, modes)
        if heater.stop_s is not None:
            pieces = [p for p in pulses.heater.pieces if p.t0_s < heater.stop_s]
            pieces[-1] = dataclasses.replace(pieces[-1], t1_s=heater.stop_s)
            pieces.append(Piece(heater.stop_s, math.inf, "constant", 0.0, 0.0))
            pulses = SubstrateResponse(Schedule(pieces), modes)
        return cls(pulses)

    @property
    def is_constant(self) -> bool:
        """False: the heater changes T."""
        return False

    def T_K(self, t: float) -> float:
        """T at ``t`` [s], in K."""
        return float(self.response.history_K([t])[0])

    def is_jump(self, t: float) -> bool:
        """Never: T is continuous at the heater's switches."""
        return False

    def segments_for_plot(self, t_end: float) -> list[tuple[float, float, str]]:
        """One entry: the heater's span."""
        return [(0.0, t_end, "heater")]


class LaserOnSubstrate:
    """T(x, t) = T_sub(t) + A0 (1 - e^{-B t}) exp(-2 r²/w0²): seed 004 eq. 9 on top of the
    substrate's temperature law (any object with ``T_K(t)``), for the surface reactions.

    With a light protocol (``drive``: the beam's relative intensity s(t) as a Schedule) the
    heating follows the beam, A0 u(t) with (1/B) du/dt = s(t) - u: the same law, switched with
    the light (``on_s`` not used); without one, eq. 9 from ``on_s``.

    Args:
        laser: a :class:`LaserHeating` (its T0_K is not used: the substrate gives it);
        substrate: the uniform temperature protocol;
        drive: the light protocol's Schedule, or None.
    """

    is_uniform = False

    def __init__(self, laser: LaserHeating, substrate, drive: Schedule | None = None):
        self.laser, self.substrate, self.drive = laser, substrate, drive

    def amplitude_K(self, t_s: float) -> float:
        """The centre rise at ``t_s`` [K]."""
        if self.drive is None:
            return self.laser.amplitude_K(t_s)
        return self.laser.rise_K * float(first_order_response(
            self.drive, np.array([float(t_s)]), 1.0 / self.laser.rate_per_s)[0])

    def __call__(self, x_um, t_s: float) -> np.ndarray:
        """T [K] at the points (N, d) [µm] and time ``t_s`` [s]: shape (N,)."""
        return self.substrate.T_K(t_s) + self.amplitude_K(t_s) * self.laser.profile(x_um)


def temperature_laws(temperature, *, radial: bool = False, light=None):
    """(uniform protocol, field or None) of a validated ``temperature`` section: the protocol
    (``protocol``, or ``heater``, or T_K held) and, with ``laser``, the field the reactions see.
    ``radial``: the mesh's x is the distance from the beam (a film's disc), so the laser is
    centred at 0. ``light``: the validated ``light`` section, the source of ``laser.model:
    heat_equation`` (:class:`solver.model.solved_laser.SolvedLaserHeating`, whose steady
    profile the problem computes on its mesh).

    Raises:
        ValueError: heat_equation without ``radial`` (a film) or without ``light``.
    """
    from solver.model.protocols import TemperatureProtocol

    if temperature.heater is not None:
        protocol = HeaterTemperature.from_config(temperature.T_K, temperature.heater)
    else:
        protocol = TemperatureProtocol.from_config(temperature)
    las = temperature.laser
    if las is None:
        return protocol, None
    if las.model == "heat_equation":
        from solver.model.solved_laser import SolvedLaserHeating

        if not radial or light is None:
            raise ValueError("temperature.laser.model heat_equation: needs a film body "
                             "(radial mesh) and the light section")
        return protocol, dataclasses.replace(SolvedLaserHeating.from_config(
            las, light, temperature.T_K, protocol), drive=_light_schedule(light))
    centre = (0.0, 0.0) if radial else tuple(las.centre_um)
    laser = LaserHeating(las.rise_K, las.rate_per_s, las.waist_um, temperature.T_K, centre,
                         las.on_s)
    return protocol, LaserOnSubstrate(laser, protocol, _light_schedule(light))


def _light_schedule(light) -> Schedule | None:
    """The relative-intensity Schedule of a validated ``light`` section's protocol, or None
    (no section, or no protocol: the laser heats from ``on_s`` for ever).

    Raises:
        ValueError: a ramp in the light protocol (the heating follows constant levels and
            square waves exactly; a ramp has no closed form here).
    """
    if light is None or getattr(light, "protocol", None) is None:
        return None
    from solver.model.light import LightProtocol

    schedule = LightProtocol.from_segments(light.protocol).schedule
    if any(p.kind not in ("constant", "square") for p in schedule.pieces):
        raise ValueError("temperature.laser: the laser heating follows light.protocol's "
                         "light, dark, level and square segments, not a ramp")
    return schedule
