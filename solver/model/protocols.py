r"""Time-dependent drive: the applied bias and the temperature as piecewise schedules.

A protocol is a list of segments (docs/case_format.md, "Protocols"), each with a duration; the
segment k covers the half-open interval (t_k, t_{k+1}] (the first one also t = 0), so a step that
ends on a boundary still sees the old level and the next step the new one. After the last segment
its end value holds. Segment kinds (level = forward field [V/µm] or temperature [K]):

    hold      the given level (default: the previous segment's end level)
    step      jump to the given level
    ramp      linear from a start level (default: the previous end) to an end level
    square    high for duty·period, then low, repeated from the segment start
    table     (temperature only) linear between measured points, constant before the first
              and after the last (their times are not milestones of the stepper)
    reversal  (bias only) the previous end field with the opposite sign (or |field| given)

:class:`BiasProtocol` owns everything about the applied bias: the sign convention (a positive
forward field puts the higher potential on the Br-rich electrode), the symmetric split between
the contacts (ψ_L, ψ_R = ±Δψ/2, Δψ = |E_fwd| · gap), the schedule, the times the stepper must
land on and restart after. The stepper asks for them one at a time
(:meth:`Schedule.next_milestone`, :meth:`Schedule.is_jump`, O(log n) each), and the preflight
counts them arithmetically (:meth:`Schedule.milestone_count`), so a square wave with 1e10
switches costs neither memory nor time before it is refused (solver/preflight/bounds.py);
:meth:`Schedule.milestones` and :meth:`Schedule.jumps` list them for tests and plots. (The Newton
guess shift when the contact potentials change is the problem's:
:meth:`solver.numerics.problem.TransportProblem.move_to`.)
:class:`TemperatureProtocol` owns T(t); what depends on T is computed by
:class:`solver.model.parameters.ThermalLaw`.
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass

import numpy as np

from solver.config.drive import polarity_sign
from solver.config.errors import CaseError

#: Relative tolerance of a level comparison (jump detection) [-].
_SAME_LEVEL_RTOL = 1e-14

#: A square segment with more switches than this is one band in the protocol plots, not one
#: band per high or low part (a figure cannot show more, and building them would cost) [-].
MAX_PLOT_SWITCHES = 500


@dataclass(frozen=True)
class Piece:
    """One resolved segment on (t0_s, t1_s] (t1_s may be inf).

    Attributes:
        t0_s, t1_s: start and end [s].
        kind: "constant", "ramp", "square" or "table".
        a, b: constant: (level, level); ramp: (start, end); square: (high, low); table: the
            levels at t0_s and t1_s.
        period_s, duty: square wave period [s] and high fraction (0, 1).
        label: the segment's kind as written ("hold", "step", ...), for plots.
        table_times_s, table_levels: table: the points' times from t0_s [s] (increasing) and
            their levels (linear between them, constant outside).
    """

    t0_s: float
    t1_s: float
    kind: str
    a: float
    b: float
    period_s: float = math.inf
    duty: float = 1.0
    label: str = ""
    table_times_s: tuple[float, ...] = ()
    table_levels: tuple[float, ...] = ()

    @classmethod
    def table(cls, t0_s: float, t1_s: float, times_s, levels, label: str = "table") -> Piece:
        """A table piece: ``levels`` at ``times_s`` from ``t0_s`` [s], linear between."""
        xs, ys = tuple(float(v) for v in times_s), tuple(float(v) for v in levels)
        a, b = (float(np.interp(v, xs, ys)) for v in (0.0, t1_s - t0_s))
        return cls(t0_s, t1_s, "table", a, b, label=label, table_times_s=xs, table_levels=ys)

    def value(self, t: float) -> float:
        """The level at ``t`` [s] in (t0_s, t1_s] (the right limit at t0_s)."""
        if self.kind == "constant":
            return self.a
        if self.kind == "ramp":
            frac = min(1.0, max(0.0, (t - self.t0_s) / (self.t1_s - self.t0_s)))
            return self.a + (self.b - self.a) * frac
        if self.kind == "table":
            return float(np.interp(t - self.t0_s, self.table_times_s, self.table_levels))
        k = max(0, math.floor((t - self.t0_s) / self.period_s))
        # The switch times are computed as in switch_times(), so a time on a switch compares
        # equal to it: (edge_k, high_k] is high, (high_k, edge_{k+1}] is low.
        while k > 0 and t <= self.t0_s + k * self.period_s:
            k -= 1
        while t > self.t0_s + (k + 1) * self.period_s:
            k += 1
        return self.a if t <= self.t0_s + (k + self.duty) * self.period_s else self.b

    @property
    def start(self) -> float:
        """Level at the right of t0_s."""
        return self.a

    def end(self) -> float:
        """Level at t1_s (left limit)."""
        if self.kind == "constant":
            return self.a
        if self.kind in ("ramp", "table"):
            return self.b
        return self.value(self.t1_s)

    def _switch(self, i: int) -> float:
        """Square wave: the i-th switch time from the segment start [s] (i = 2k: end of the
        k-th high part, i = 2k + 1: start of the (k+1)-th period); non-decreasing in i."""
        k = i // 2
        if i % 2 == 0:
            return self.t0_s + (k + self.duty) * self.period_s
        return self.t0_s + (k + 1) * self.period_s

    def _first_switch_at_or_above(self, t: float) -> int:
        """Square wave: the smallest index i with :meth:`_switch` (i) >= ``t``: a bisection over
        the indices around the estimate 2 (t - t0_s) / period_s (a few evaluations; O(log n)
        if rounding misleads the estimate); no switch time is enumerated.

        Raises:
            ValueError: ``t`` is not finite.
        """
        if not math.isfinite(t):
            raise ValueError(f"switch index: time {t} is not finite")
        est = (t - self.t0_s) / self.period_s  # periods before t: the answer is near 2 est
        guess = 2 * int(est) if est > 0 else 0
        lo, hi = max(guess - 4, 0), guess + 4
        if self._switch(lo) >= t:  # rounding: search from the start
            lo = 0
        while self._switch(hi) < t:  # find an index at or past t (doubling)
            lo, hi = hi, 2 * hi + 2
        while lo < hi:
            mid = (lo + hi) // 2
            if self._switch(mid) < t:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def switch_count(self, t_end: float) -> int:
        """Square wave: how many switch times lie inside (t0_s, min(t1_s, t_end)), counted
        arithmetically (the length of :meth:`switch_times`); 0 for other kinds."""
        if self.kind != "square" or self.a == self.b or not self.t0_s < min(self.t1_s, t_end):
            return 0
        return self._first_switch_at_or_above(min(self.t1_s, t_end))

    def next_switch(self, after: float) -> float | None:
        """Square wave: the first switch time > ``after`` and < t1_s [s], or None (also for
        other kinds); the same floats :meth:`switch_times` lists."""
        if self.kind != "square" or self.a == self.b:
            return None
        tm = self._switch(self._first_switch_at_or_above(math.nextafter(after, math.inf)))
        return tm if tm < self.t1_s else None

    def is_switch(self, t: float) -> bool:
        """Square wave: True if ``t`` [s] is exactly one of the switch times (< t1_s)."""
        if self.kind != "square" or self.a == self.b or not t < self.t1_s:
            return False
        return self._switch(self._first_switch_at_or_above(t)) == t

    def switch_times(self, t_end: float) -> list[float]:
        """Square wave: the times inside (t0_s, min(t1_s, t_end)) where the level jumps (a list
        of :meth:`switch_count` floats: for plots and tests; the stepper asks
        :meth:`next_switch`)."""
        return [self._switch(i) for i in range(self.switch_count(t_end))]


class Schedule:
    """A piecewise level s(t) [unit of the level] over t >= 0 from resolved :class:`Piece` s."""

    def __init__(self, pieces: list[Piece]):
        if not pieces:
            raise ValueError("a schedule needs at least one piece")
        self.pieces = tuple(pieces)
        self._ends = [p.t1_s for p in self.pieces]

    @classmethod
    def constant(cls, level: float) -> Schedule:
        """s(t) = level for all t."""
        return cls([Piece(0.0, math.inf, "constant", level, level, label="hold")])

    @property
    def is_constant(self) -> bool:
        """True if the level never changes."""
        return all(p.kind == "constant" and p.a == self.pieces[0].a for p in self.pieces)

    def piece_at(self, t: float) -> Piece | None:
        """The piece whose (t0, t1] holds ``t`` (the first for t <= 0); None after the last."""
        k = bisect.bisect_left(self._ends, t)
        return self.pieces[k] if k < len(self.pieces) else None

    def value(self, t: float) -> float:
        """s(t) (after the last piece: its end level)."""
        p = self.piece_at(t)
        return p.value(t) if p is not None else self.pieces[-1].end()

    def boundaries(self, t_end: float) -> list[float]:
        """Segment boundaries inside (0, t_end) [s]."""
        return [p.t1_s for p in self.pieces if 0.0 < p.t1_s < t_end]

    def jumps(self, t_end: float) -> list[float]:
        """Times inside (0, t_end) where the level is discontinuous [s], increasing."""
        out = []
        for k, p in enumerate(self.pieces):
            out += p.switch_times(t_end)
            if k + 1 < len(self.pieces) and 0.0 < p.t1_s < t_end and self._boundary_jumps(k):
                out.append(p.t1_s)
        return sorted(set(out))

    def milestones(self, t_end: float) -> list[float]:
        """Times inside (0, t_end) the stepper must land on: boundaries and switches [s] (a
        list, for tests and plots; the stepper asks :meth:`next_milestone`)."""
        return sorted(set(self.boundaries(t_end)) | set(self.jumps(t_end)))

    def _boundary_jumps(self, k: int) -> bool:
        """True if the level is discontinuous at the end of piece ``k`` (not the last)."""
        before, after = self.pieces[k].end(), self.pieces[k + 1].start
        return abs(after - before) > _SAME_LEVEL_RTOL * max(abs(before), abs(after))

    def milestone_count(self, t_end: float) -> int:
        """How many times inside (0, t_end) the stepper must land on, counted arithmetically
        (no list is built; equal to ``len(milestones(t_end))`` unless switch times round to
        the same float)."""
        return len(self.boundaries(t_end)) + sum(p.switch_count(t_end) for p in self.pieces)

    def jump_count(self, t_end: float) -> int:
        """How many times inside (0, t_end) the level jumps, counted arithmetically."""
        inner = sum(1 for k, p in enumerate(self.pieces[:-1])
                    if 0.0 < p.t1_s < t_end and self._boundary_jumps(k))
        return inner + sum(p.switch_count(t_end) for p in self.pieces)

    def next_milestone(self, after: float) -> float | None:
        """The first milestone (segment boundary or switch) > ``after`` [s], or None; the
        caller stops at its own end time. Generated on demand in O(log n): together with
        :meth:`is_jump` this replaces the lists of :meth:`milestones` and :meth:`jumps` for
        the stepper (:class:`solver.numerics.time_stepping.StepSettings`), with the same
        floats."""
        k = bisect.bisect_right(self._ends, after)
        if k == len(self.pieces):
            return None
        piece = self.pieces[k]  # t0_s <= after < t1_s: its switches come before its end
        switch = piece.next_switch(after)
        if switch is not None:
            return switch
        return piece.t1_s if math.isfinite(piece.t1_s) and piece.t1_s > 0.0 else None

    def is_jump(self, t: float) -> bool:
        """True if the level jumps at ``t`` [s] > 0 (a switch, or a boundary between different
        levels): the stepper restarts after it."""
        if not t > 0.0:
            return False
        n, k = len(self.pieces), bisect.bisect_left(self._ends, t)
        while k < n and self._ends[k] == t:  # t ends piece k (several if some are empty)
            if k + 1 < n and (self._boundary_jumps(k) or self.pieces[k + 1].is_switch(t)):
                return True
            k += 1
        return k < n and self.pieces[k].is_switch(t)

    def mean(self, t0: float, t1: float, n: int = 200_001) -> float:
        """Time average of s over [t0, t1] (midpoint rule with n points; for checks)."""
        t = t0 + (np.arange(n) + 0.5) * (t1 - t0) / n
        return float(np.mean([self.value(x) for x in t]))


def resolve_segments(segments, initial: float, level_keys: dict, *, sign=None,
                     reversal: bool = False, key: str = "bias.protocol",
                     unit: str = "V/µm") -> tuple[Schedule, list[float]]:
    """Turn validated case segments into a :class:`Schedule` and absolute output times.

    Args:
        segments: validated segments (``kind``, ``duration_s``, ``output_times_s`` and the
            level keys).
        initial: level before the first segment (the default of a first hold/ramp start).
        level_keys: names of the level keys: ``{"level", "start", "end", "high", "low"}``
            and, for a protocol with the ``table`` kind, ``"times"`` and ``"table"``.
        sign: optional callable(segment) -> ±1 applied to the levels (bias polarity).
        reversal: whether the ``reversal`` kind is allowed.
        key, unit: the protocol's dotted key and the unit of its levels (for errors).

    Returns:
        (schedule, output times [s] from the segments' ``output_times_s``).

    Raises:
        CaseError: (``<key>[i].kind``) a ``reversal`` whose previous level is 0 (the first
            segment, which starts from no bias, or one after a segment ending at 0): there is
            no sign to reverse, with or without ``field_V_per_um``.
    """
    pieces, outputs, t, prev = [], [], 0.0, initial
    k = level_keys
    for i, seg in enumerate(segments):
        s = sign(seg) if sign is not None else 1.0
        t1 = t + seg.duration_s
        kind = seg.kind
        if kind in ("hold", "step"):
            given = getattr(seg, k["level"])
            level = prev if given is None else s * given
            piece = Piece(t, t1, "constant", level, level, label=kind)
        elif kind == "ramp":
            start = getattr(seg, k["start"])
            a = prev if start is None else s * start
            piece = Piece(t, t1, "ramp", a, s * getattr(seg, k["end"]), label=kind)
        elif kind == "square":
            piece = Piece(t, t1, "square", s * getattr(seg, k["high"]),
                          s * getattr(seg, k["low"]), seg.period_s, seg.duty, label=kind)
        elif kind == "table" and "table" in k:
            piece = Piece.table(t, t1, getattr(seg, k["times"]),
                                [s * v for v in getattr(seg, k["table"])])
        elif kind == "reversal" and reversal:
            if prev == 0.0:
                raise _nothing_to_reverse(key, i, unit)
            given = getattr(seg, k["level"])
            level = -prev if given is None else -math.copysign(abs(given), prev)
            piece = Piece(t, t1, "constant", level, level, label=kind)
        else:
            raise ValueError(f"unknown segment kind {kind!r}")
        pieces.append(piece)
        outputs += [t + dt for dt in seg.output_times_s]
        prev, t = piece.end(), t1
    return Schedule(pieces), outputs


def _nothing_to_reverse(key: str, i: int, unit: str) -> CaseError:
    """The error of a ``reversal`` at segment ``i`` of protocol ``key`` after a zero level."""
    before = (f"the protocol starts from 0 {unit}" if i == 0
              else f"{key}[{i - 1}] ends at 0 {unit}")
    return CaseError(f"{key}[{i}].kind", f"reversal has nothing to reverse: {before}; use "
                     "kind: step with a signed field_V_per_um (or give the previous segment "
                     "a field)")


@dataclass(frozen=True)
class BiasValues:
    """The applied bias at one time.

    Attributes:
        forward_field_V_per_um: signed forward field [V/µm] (> 0: + on the Br-rich electrode).
        bias_V: |Δψ| = |forward field| · gap [V].
        psi_left_V, psi_right_V: contact potentials [V], ±|Δψ|/2.
    """

    forward_field_V_per_um: float
    bias_V: float
    psi_left_V: float
    psi_right_V: float

    @property
    def left_positive(self) -> bool:
        """True if the left contact is at the higher potential."""
        return self.psi_left_V > self.psi_right_V


class _Drive:
    """What the stepper asks of a protocol, answered by its :class:`Schedule` (``schedule``):
    the times to land on, those where the drive jumps, lazily or as lists."""

    schedule: Schedule

    def milestones(self, t_end: float) -> list[float]:
        """Times the stepper lands on exactly (segment boundaries, ramp ends, switches) [s]."""
        return self.schedule.milestones(t_end)

    def jumps(self, t_end: float) -> list[float]:
        """Times the drive jumps (the stepper restarts small with BDF1 after them) [s]."""
        return self.schedule.jumps(t_end)

    def next_milestone(self, after: float) -> float | None:
        """The first protocol time > ``after`` the stepper lands on [s] (None: no more); see
        :meth:`Schedule.next_milestone`."""
        return self.schedule.next_milestone(after)

    def is_jump(self, t: float) -> bool:
        """True if the drive jumps at ``t`` [s] (the stepper restarts after it)."""
        return self.schedule.is_jump(t)


class BiasProtocol(_Drive):
    """The applied bias over the gap as a function of time.

    Args:
        schedule: forward field E_fwd(t) [V/µm].
        gap_um: distance between the contact lines [µm].
        br_rich_left: True if the Br-rich segment (and its electrode) is on the left.
        outputs_s: output times [s] asked for by the segments.
    """

    def __init__(self, schedule: Schedule, gap_um: float, br_rich_left: bool,
                 outputs_s: tuple = ()):
        self.schedule = schedule
        self.gap_um = gap_um
        self.br_rich_left = br_rich_left
        self.outputs_s = tuple(outputs_s)

    @classmethod
    def from_config(cls, bias, gap_um: float, br_rich_left: bool) -> BiasProtocol:
        """From a validated ``bias`` section: ``bias.protocol`` if given, else the constant
        field (``field_V_per_um`` times the polarity sign), ramped linearly from 0 over
        ``ramp_s`` if ramp_s > 0."""
        if bias.protocol is None:
            forward = bias.field_V_per_um * polarity_sign(bias.polarity)
            if bias.ramp_s > 0:
                pieces = [Piece(0.0, bias.ramp_s, "ramp", 0.0, forward, label="ramp"),
                          Piece(bias.ramp_s, math.inf, "constant", forward, forward,
                                label="hold")]
                return cls(Schedule(pieces), gap_um, br_rich_left)
            return cls(Schedule.constant(forward), gap_um, br_rich_left)
        schedule, outputs = resolve_segments(
            bias.protocol, 0.0,
            {"level": "field_V_per_um", "start": "field_start_V_per_um",
             "end": "field_end_V_per_um", "high": "field_high_V_per_um",
             "low": "field_low_V_per_um"},
            sign=lambda seg: polarity_sign(getattr(seg, "polarity", None)),
            reversal=True)
        return cls(schedule, gap_um, br_rich_left, outputs)

    @classmethod
    def none(cls) -> BiasProtocol:
        """No applied bias (Δψ = 0 at all times)."""
        return cls(Schedule.constant(0.0), 1.0, True)

    def _left_high(self, forward: float) -> bool:
        # Forward (forward >= 0) puts the higher potential on the Br-rich electrode.
        return (forward >= 0) == self.br_rich_left

    def values(self, t: float) -> BiasValues:
        """The bias at ``t`` [s]: forward field, |Δψ| and the contact potentials [V]."""
        forward = self.schedule.value(t)
        bias_V = abs(forward) * self.gap_um
        half = 0.5 * bias_V
        left, right = (half, -half) if self._left_high(forward) else (-half, half)
        return BiasValues(forward, bias_V, left, right)

    def contact_potentials(self, t: float, thermal_voltage_V: float) -> tuple[float, float, float]:
        """(|Δψ| [V], φ_L, φ_R [k_BT/e]) at ``t`` [s] for the thermal voltage k_BT/e [V]:
        φ_L, φ_R = ±|Δψ|/(2 k_BT/e), + on the higher contact."""
        forward = self.schedule.value(t)
        bias_V = abs(forward) * self.gap_um
        half = 0.5 * bias_V / thermal_voltage_V
        left, right = (half, -half) if self._left_high(forward) else (-half, half)
        return bias_V, left, right

    def polarities(self, t_end: float = math.inf) -> set[bool]:
        """The values of "left contact positive" taken while a bias is applied (for the
        equilibrium of the electrode sources, solver.model.parameters); empty without bias."""
        seen = set()
        for p in self.schedule.pieces:
            if p.t0_s >= t_end:
                break
            for level in (p.a, p.b):
                if level != 0.0:
                    seen.add(self._left_high(level))
        return seen

    def segments_for_plot(self, t_end: float) -> list[tuple[float, float, str]]:
        """(t0, t1, label) [s] of the segments inside [0, t_end] (one per segment)."""
        return _segments_for_plot(self.schedule, t_end, "V/µm")


class TemperatureProtocol(_Drive):
    """The device temperature T(t) [K].

    Args:
        schedule: T(t) [K].
        outputs_s: output times [s] asked for by the segments.
    """

    def __init__(self, schedule: Schedule, outputs_s: tuple = ()):
        self.schedule = schedule
        self.outputs_s = tuple(outputs_s)

    @classmethod
    def from_config(cls, temperature) -> TemperatureProtocol:
        """From a validated ``temperature`` section: ``T_K`` held, or ``protocol`` starting
        from ``T_K``."""
        if temperature.protocol is None:
            return cls(Schedule.constant(temperature.T_K))
        schedule, outputs = resolve_segments(
            temperature.protocol, temperature.T_K,
            {"level": "T_K", "start": "T_start_K", "end": "T_end_K", "high": "T_high_K",
             "low": "T_low_K", "times": "times_s", "table": "T_table_K"})
        return cls(schedule, outputs)

    @property
    def is_constant(self) -> bool:
        """True if T never changes."""
        return self.schedule.is_constant

    def T_K(self, t: float) -> float:
        """T at ``t`` [s], in K."""
        return self.schedule.value(t)

    def segments_for_plot(self, t_end: float) -> list[tuple[float, float, str]]:
        """(t0, t1, label) [s] of the segments inside [0, t_end]."""
        return _segments_for_plot(self.schedule, t_end, "K")


def _segments_for_plot(schedule: Schedule, t_end: float, unit: str):
    """(t0, t1, label) per segment; a square wave gives one entry per high or low part (one for
    the whole segment if it switches more than :data:`MAX_PLOT_SWITCHES` times)."""
    out = []
    for p in schedule.pieces:
        if p.t0_s >= t_end:
            break
        if p.kind == "square" and p.switch_count(t_end) > MAX_PLOT_SWITCHES:
            out.append((p.t0_s, min(p.t1_s, t_end), f"square {p.a:g}/{p.b:g} {unit}, period "
                        f"{p.period_s:g} s"))
            continue
        if p.kind == "square":
            edges = [p.t0_s, *p.switch_times(t_end), min(p.t1_s, t_end)]
            for k, (a, b) in enumerate(itertools.pairwise(edges)):
                out.append((a, b, f"{p.a if k % 2 == 0 else p.b:g} {unit}"))
            continue
        if p.kind in ("ramp", "table"):
            text = f"{p.label} {p.a:g}→{p.b:g} {unit}"
        else:
            text = f"{p.label} {p.a:g} {unit}"
        out.append((p.t0_s, min(p.t1_s, t_end), text))
    return out
