"""Bounds on the counts a case implies, checked before anything is allocated.

Keys that set a count of work items (protocol switches and segment boundaries the stepper lands
on, output times, PL probes, the fewest time steps ``t_end_s / dt_max_s``) are each bounded by
a limit below; the counts are computed arithmetically (a square wave's switches are counted by
bisection over their index, :meth:`solver.model.protocols.Piece.switch_count`), so even
``period_s: 1e-12`` over 1e10 s is refused in microseconds. The mesh cell count has its own
limit (``mesh.max_cells``, :mod:`~solver.preflight.mesh`) and campaign members theirs
(:data:`solver.campaign.spec.MAX_CAMPAIGN_MEMBERS`). docs/case_format.md lists the limits
next to the keys and says where they come from.

Every refusal is one line naming the key, the implied count and the limit
(:class:`solver.config.CaseError`; the CLI exits 2).
"""

from __future__ import annotations

import math

from solver.config import Case, CaseError

__all__ = [
    "MAX_MIN_TIME_STEPS",
    "MAX_OUTPUT_TIMES",
    "MAX_PL_PROBES",
    "MAX_PROTOCOL_MILESTONES",
    "check_counts",
    "pl_probe_count",
    "protocol_milestone_counts",
]

#: Most protocol milestones (segment boundaries, ramp ends, square-wave switches) before
#: time.t_end_s, bias and temperature together [-]. The stepper lands on each, and restarts
#: with a small BDF1 step after each jump, so each costs at least one Newton solve (1D: about
#: 10 ms): 1e6 is about 3 h of 1D stepping at the least. A 4 h run with a 1 s square wave has
#: 28 800.
MAX_PROTOCOL_MILESTONES = 1_000_000

#: Most output times per run (time.output_times_s plus the protocol segments' output_times_s)
#: [-]. Each writes a profile CSV, a field snapshot and a PL map and adds a row to the figures:
#: 10 000 is one every 1.4 s over a 4 h run.
MAX_OUTPUT_TIMES = 10_000

#: Most PL probe positions per profile, round(length_um / pl.step_um) + 1 [-]. The PL of one
#: profile builds probes x mesh-nodes matrices: measured on the 917-node reference mesh, 701
#: probes (step 0.01 µm) take 0.03 s and 80 MB, 7001 take 0.5 s and 210 MB, 70 001 take 5.5 s
#: and 1.5 GB per profile. 20 000 allows the default 0.01 µm step on a 200 µm wire, or 0.35 nm
#: on the 7 µm reference wire (a thousandth of the 0.35 µm PSF).
MAX_PL_PROBES = 20_000

#: Most time steps a run must take at the least, time.t_end_s / time.dt_max_s [-]. The run
#: keeps one row per step (time series, figures); 1e7 allows dt_max_s = 1000 s up to the
#: largest t_end_s (1e10 s).
MAX_MIN_TIME_STEPS = 10_000_000


def _protocols(case: Case):
    """(key prefix, resolved protocol) of each protocol the case has."""
    from solver.model.protocols import BiasProtocol, TemperatureProtocol

    out = []
    if case.bias.protocol is not None:
        out.append(("bias.protocol", BiasProtocol.from_config(
            case.bias, case.gap_um, case.geometry.br_rich_side == "left")))
    if case.temperature.protocol is not None:
        out.append(("temperature.protocol", TemperatureProtocol.from_config(case.temperature)))
    return out


def protocol_milestone_counts(case: Case) -> list[tuple[str, int, int]]:
    """Per protocol segment before time.t_end_s: (key, switches, milestones), counted
    arithmetically; ``key`` is e.g. ``bias.protocol[0]``. Milestones are the switches plus the
    segment's end if it lies inside (0, t_end_s)."""
    t_end = case.time.t_end_s
    rows = []
    for prefix, protocol in _protocols(case):
        for k, piece in enumerate(protocol.schedule.pieces):
            switches = piece.switch_count(t_end)
            rows.append((f"{prefix}[{k}]", switches,
                         switches + (1 if 0.0 < piece.t1_s < t_end else 0)))
    return rows


def _check_milestones(case: Case) -> None:
    """Protocol milestones before t_end_s <= :data:`MAX_PROTOCOL_MILESTONES`."""
    rows = protocol_milestone_counts(case)
    total = sum(r[2] for r in rows)
    if total <= MAX_PROTOCOL_MILESTONES:
        return
    key, switches, _ = max(rows, key=lambda r: r[2])
    limit = f"at most {MAX_PROTOCOL_MILESTONES} per run (the stepper lands on each)"
    if 2 * switches >= total:  # mostly one square wave: name its period
        seg = _segment(case, key)
        raise CaseError(
            f"{key}.period_s", f"{seg.period_s:g} s over duration_s = {seg.duration_s:g} s "
            f"gives {switches} square-wave switches before time.t_end_s ({total} protocol "
            f"milestones in all), {limit}: lengthen period_s or shorten duration_s")
    raise CaseError(key.split("[")[0], f"{total} protocol milestones (segment ends and "
                    f"switches) before time.t_end_s, {limit}: use fewer segments or switches")


def _segment(case: Case, key: str):
    """The validated segment named ``key`` (``bias.protocol[3]``)."""
    section, rest = key.split(".", 1)
    index = int(rest[rest.index("[") + 1:-1])
    return getattr(case, section).protocol[index]


def _check_output_times(case: Case) -> None:
    """Output times (time section plus protocol segments) <= :data:`MAX_OUTPUT_TIMES`."""
    counts = [("time.output_times_s", len(case.time.output_times_s))]
    for section in ("bias", "temperature"):
        segments = getattr(case, section).protocol or ()
        counts += [(f"{section}.protocol[{k}].output_times_s", len(seg.output_times_s))
                   for k, seg in enumerate(segments)]
    total = sum(n for _, n in counts)
    if total > MAX_OUTPUT_TIMES:
        key = max(counts, key=lambda c: c[1])[0]
        raise CaseError(key, f"{total} output times per run (time.output_times_s and the "
                        f"protocol segments' output_times_s), at most {MAX_OUTPUT_TIMES} (each "
                        "writes a profile, a field snapshot and a PL map)")


def pl_probe_count(case: Case) -> int:
    """PL probe positions per profile: round(length_um / pl.step_um) + 1, at least 2 (as
    :func:`solver.pl.model.pl_map` places them over the wire)."""
    return max(round(case.geometry.length_um / case.pl.step_um) + 1, 2)


def _check_pl(case: Case) -> None:
    """PL probes per profile <= :data:`MAX_PL_PROBES` (if ``pl.enabled``)."""
    if not case.pl.enabled:
        return
    n = pl_probe_count(case)
    if n > MAX_PL_PROBES:
        length = case.geometry.length_um
        smallest = length / (MAX_PL_PROBES - 1)
        raise CaseError("pl.step_um", f"{case.pl.step_um:g} µm gives {n} PL probes per profile "
                        f"over the {length:g} µm wire, at most {MAX_PL_PROBES}: use pl.step_um "
                        f">= {_round_up(smallest)} µm (or pl.enabled: false)")


def _round_up(x: float) -> str:
    """``x`` rounded up to 2 significant digits, as text (a bound the user can type)."""
    scale = 10.0 ** (math.floor(math.log10(x)) - 1)
    return f"{math.ceil(x / scale - 1e-9) * scale:.2g}"


def _check_time_steps(case: Case) -> None:
    """At least t_end_s / dt_max_s steps: <= :data:`MAX_MIN_TIME_STEPS`."""
    tc = case.time
    n = tc.t_end_s / tc.dt_max_s
    if n > MAX_MIN_TIME_STEPS:
        raise CaseError("time.dt_max_s", f"{tc.dt_max_s:g} s gives at least {n:.3g} time steps "
                        f"to time.t_end_s = {tc.t_end_s:g} s, at most {MAX_MIN_TIME_STEPS} per "
                        f"run: use time.dt_max_s >= {_round_up(tc.t_end_s / MAX_MIN_TIME_STEPS)}"
                        " s")


def check_counts(case: Case) -> None:
    """Every count bound of this module, each in O(segments) arithmetic (nothing is listed or
    allocated).

    Raises:
        CaseError: one line naming the key, the implied count and the limit.
    """
    _check_milestones(case)
    _check_output_times(case)
    _check_pl(case)
    _check_time_steps(case)
