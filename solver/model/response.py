"""The exact first-order response of a protocol: u(t) of tau du/dt = h(t) - u for a drive h(t)
given as a :class:`solver.model.protocols.Schedule` of constant levels and square waves.

Used by the substrate heater (two modes, solver/model/temperature_field.py
``SubstrateResponse``) and by laser heating that follows the light protocol
(``LaserOnSubstrate``, solver/model/solved_laser.py). Closed form piece by piece; a square wave
by its period map, so a time costs the same however many pulses came before.
"""

from __future__ import annotations

import math

import numpy as np

from solver.model.protocols import Piece, Schedule

__all__ = ["first_order_response"]


def _relax(u0, target, dt, tau):
    """Exact solution of tau du/dt = target - u after dt from u0 (arrays broadcast)."""
    return target + (u0 - target) * np.exp(-dt / tau)


def _square_state(piece: Piece, u0: float, t: np.ndarray, tau: float) -> np.ndarray:
    """u(t) of tau du/dt = h - u for a square-wave h (high a for duty*P, then low b) starting
    at u0 at piece.t0_s; t inside the piece. Per period the state maps as u -> q u + c
    (q = exp(-P/tau)), so after n periods u_n = u* + (u0 - u*) q^n with u* = c / (1 - q)."""
    P, d, a, b = piece.period_s, piece.duty, piece.a, piece.b
    e_high, e_low = math.exp(-d * P / tau), math.exp(-(1.0 - d) * P / tau)
    q = e_high * e_low
    c = b * (1.0 - e_low) + a * (1.0 - e_high) * e_low
    u_star = c / -math.expm1(-P / tau)
    s = t - piece.t0_s
    n = np.floor(s / P)
    phase = s - n * P
    un = u_star + (u0 - u_star) * q ** n
    u_high_end = _relax(un, a, d * P, tau)
    return np.where(phase <= d * P, _relax(un, a, phase, tau),
                    _relax(u_high_end, b, phase - d * P, tau))


def _piece_state(piece: Piece, u0: float, t: np.ndarray, tau: float) -> np.ndarray:
    """u(t) inside one heater piece (constant or square level), from u0 at its start."""
    if piece.kind == "constant":
        return _relax(u0, piece.a, t - piece.t0_s, tau)
    if piece.kind == "square":
        return _square_state(piece, u0, t, tau)
    raise ValueError(f"SubstrateResponse: heater piece kind {piece.kind!r} is not supported "
                     "(constant levels and square waves only)")


def first_order_response(schedule: Schedule, t: np.ndarray, tau: float) -> np.ndarray:
    """u(t) of tau du/dt = h(t) - u, u = 0 before t = 0, for a drive h(t) given as a
    :class:`solver.model.protocols.Schedule` of constant and square pieces, evaluated exactly
    (piece to piece in closed form, square waves by their period map) at the times ``t`` (M,)
    [s]: shape (M,). ``tau`` [s] > 0.

    Raises:
        ValueError: a ramp or table piece in the schedule.
    """
    u, u0 = np.zeros_like(t), 0.0
    for p in schedule.pieces:
        t0 = max(p.t0_s, 0.0)
        if p.t1_s <= 0.0:
            continue
        inside = (t > t0) & (t <= p.t1_s)
        if np.any(inside):
            u[inside] = _piece_state(p, u0, t[inside], tau)
        if not math.isfinite(p.t1_s):
            break
        u0 = float(_piece_state(p, u0, np.array([p.t1_s]), tau)[0])
    after = t > schedule.pieces[-1].t1_s  # after a finite last piece: relax to its end
    if np.any(after):
        last = schedule.pieces[-1]
        u[after] = _relax(u0, last.end(), t[after] - last.t1_s, tau)
    return u
