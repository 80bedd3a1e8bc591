"""Counts a case implies are bounded before anything is spent (issue 27, kind 1).

The examples of the issue: a square wave with a 1e-5 s or 1e-6 s period over 4 h (2.88e9 and
2.88e10 switches; `--check` took 36 s and 830 MB, a run grew to 5 GB), and `pl.step_um` 1e-5
(7e5 probes, 3 GB) or 1e-9 (7e9 probes). Each is now refused by `--check` and by a run with one
line naming the key, the implied count and the limit (exit 2), in well under a second. The
stepper asks the protocols for their milestones one at a time; the tests below check that it
lands on the same floats and restarts after the same jumps as with the old lists, bit for bit.
Fast: no finite elements.
"""

from __future__ import annotations

import itertools
import math
import random
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml

from solver.campaign.spec import MAX_CAMPAIGN_MEMBERS, load_campaign
from solver.cli import main
from solver.config import CaseError, case_from_dict, load_case
from solver.model.protocols import MAX_PLOT_SWITCHES, BiasProtocol, TemperatureProtocol
from solver.numerics.time_stepping import StepSettings, TimeStepper, landing
from solver.preflight.bounds import (
    MAX_MIN_TIME_STEPS,
    MAX_OUTPUT_TIMES,
    MAX_PL_PROBES,
    MAX_PROTOCOL_MILESTONES,
    check_counts,
)
from tests.one_node import OneNodeProblem

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "cases" / "reference_forward.yaml"
GAP_UM = 4.0


def square_case(period_s: float, duration_s: float = 14400.0, **time) -> dict:
    """A case mapping with one +-4 V/µm square-wave bias segment."""
    data = {"name": "square", "bias": {"protocol": [
        {"kind": "square", "duration_s": duration_s, "period_s": period_s,
         "field_high_V_per_um": 4.0, "field_low_V_per_um": -4.0}]}}
    if time:
        data["time"] = time
    return data


def cli(args: list[str], capsys) -> tuple[int, list[str], float]:
    """(exit code, stderr lines, wall time [s]) of the command line."""
    t0 = time.perf_counter()
    code = main(args)
    wall = time.perf_counter() - t0
    return code, capsys.readouterr().err.strip().splitlines(), wall


# --------------------------------------------------------------------------------------------
# The examples: --check and a run exit 2 with one line, fast and small


SQUARE_MESSAGES = {
    1e-5: "error: bias.protocol[0].period_s: 1e-05 s over duration_s = 14400 s gives 2879999999 "
          "square-wave switches before time.t_end_s (2879999999 protocol milestones in all), at "
          "most 1000000 per run (the stepper lands on each): lengthen period_s or shorten "
          "duration_s",
    1e-6: "error: bias.protocol[0].period_s: 1e-06 s over duration_s = 14400 s gives "
          "28799999999 square-wave switches before time.t_end_s (28799999999 protocol milestones "
          "in all), at most 1000000 per run (the stepper lands on each): lengthen period_s or "
          "shorten duration_s",
}


@pytest.mark.parametrize("period_s", [1e-5, 1e-6])
def test_square_wave_of_a_tiny_period_is_refused_by_check(period_s, tmp_path, capsys):
    """2 switches per period over 14 400 s, less the last edge on the segment end: 2.88e9 - 1
    and 2.88e10 - 1, counted by bisection in microseconds (was: 36 s and 830 MB at 1e-5 s)."""
    path = tmp_path / "square.yaml"
    path.write_text(yaml.safe_dump(square_case(period_s)))
    tracemalloc.start()
    try:
        code, err, wall = cli([str(path), "--check"], capsys)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert code == 2
    assert err == [SQUARE_MESSAGES[period_s]]
    assert wall < 2.0, f"--check took {wall:.2f} s"
    assert peak < 50e6, f"--check allocated {peak / 1e6:.0f} MB"


@pytest.mark.parametrize("period_s", [1e-5, 1e-6])
def test_square_wave_of_a_tiny_period_is_refused_by_a_run(period_s, tmp_path, capsys):
    """A run (no --check) refuses it the same way before its output directory exists."""
    path = tmp_path / "square.yaml"
    path.write_text(yaml.safe_dump(square_case(period_s)))
    out = tmp_path / "out"
    code, err, wall = cli([str(path), "--output", str(out)], capsys)
    assert code == 2 and err == [SQUARE_MESSAGES[period_s]]
    assert wall < 2.0 and not out.exists()


PL_MESSAGES = {
    1e-5: "error: pl.step_um: 1e-05 µm gives 700001 PL probes per profile over the 7 µm wire, "
          "at most 20000: use pl.step_um >= 0.00036 µm (or pl.enabled: false)",
    1e-9: "error: pl.step_um: 1e-09 µm gives 7000000001 PL probes per profile over the 7 µm "
          "wire, at most 20000: use pl.step_um >= 0.00036 µm (or pl.enabled: false)",
}


@pytest.mark.parametrize("step_um", [1e-5, 1e-9])
@pytest.mark.parametrize("check", [True, False], ids=["check", "run"])
def test_pl_step_of_too_many_probes_is_refused(step_um, check, tmp_path, capsys):
    """7 µm / step + 1 probes per profile (1e-5: was 3 GB in 7 s; 1e-9 passed --check)."""
    out = tmp_path / "out"
    args = [str(REFERENCE), "--set", f"pl.step_um={step_um}", "--output", str(out)]
    code, err, wall = cli([*args, "--check"] if check else args, capsys)
    assert code == 2 and err == [PL_MESSAGES[step_um]]
    assert wall < 2.0 and not out.exists()


def test_the_suggested_step_passes():
    """The step the PL message suggests is accepted (and one probe more is not)."""
    case = load_case(REFERENCE)
    ok = case.model_copy(update={"pl": case.pl.model_copy(update={"step_um": 0.00036})})
    check_counts(ok)
    length = case.geometry.length_um
    at_limit = case.pl.model_copy(update={"step_um": length / (MAX_PL_PROBES - 1)})
    check_counts(case.model_copy(update={"pl": at_limit}))
    above = case.pl.model_copy(update={"step_um": length / MAX_PL_PROBES})
    with pytest.raises(CaseError, match=r"^pl\.step_um: .* gives 20001 PL probes"):
        check_counts(case.model_copy(update={"pl": above}))
    off = above.model_copy(update={"enabled": False})
    check_counts(case.model_copy(update={"pl": off}))  # no PL, no probes


# --------------------------------------------------------------------------------------------
# The other counts: limits at their edge, generous for real use


def test_milestone_limit_is_exact_at_its_edge():
    """Period 2 s over 1e6 s: 999 999 switches (the last edge is the segment end) pass; a
    period a little shorter gives more than 1e6 and is refused, naming period_s."""
    check_counts(case_from_dict(square_case(2.0, 1.0e6, t_end_s=1.0e6)))
    with pytest.raises(CaseError) as err:
        check_counts(case_from_dict(square_case(1.999, 1.0e6, t_end_s=1.0e6)))
    assert str(err.value).startswith("bias.protocol[0].period_s: 1.999 s over duration_s = "
                                     "1e+06 s gives 1000500 square-wave switches")
    assert f"at most {MAX_PROTOCOL_MILESTONES} per run" in str(err.value)


def test_milestones_are_counted_before_t_end_only():
    """A long fast square wave cut early by t_end_s counts only its switches before t_end."""
    check_counts(case_from_dict(square_case(1e-3, 1e6, t_end_s=100.0)))  # 2e5 switches


def test_temperature_square_wave_is_bounded_too():
    data = {"name": "t", "temperature": {"T_K": 300.0, "protocol": [
        {"kind": "square", "duration_s": 14400.0, "period_s": 1e-4, "T_high_K": 310.0,
         "T_low_K": 300.0}]}}
    with pytest.raises(CaseError, match=r"^temperature\.protocol\[0\]\.period_s: .* gives "
                       r"287999999 square-wave switches"):
        check_counts(case_from_dict(data))


def test_one_second_square_wave_over_four_hours_passes():
    """Real use: 28 799 switches of a 1 s square wave over the 4 h default run."""
    case = case_from_dict(square_case(1.0))
    check_counts(case)
    bias = BiasProtocol.from_config(case.bias, GAP_UM, True)
    assert bias.schedule.milestone_count(14400.0) == 28799


def test_output_times_are_bounded():
    n = MAX_OUTPUT_TIMES
    ok = {"name": "o", "time": {"t_end_s": 1.0e4, "output_times_s": [float(i) for i in range(n)]}}
    check_counts(case_from_dict(ok))
    ok["bias"] = {"protocol": [{"kind": "step", "duration_s": 10.0, "field_V_per_um": 1.0,
                                "output_times_s": [1.0]}]}
    with pytest.raises(CaseError) as err:
        check_counts(case_from_dict(ok))
    assert str(err.value) == (
        "time.output_times_s: 10001 output times per run (time.output_times_s and the protocol "
        "segments' output_times_s), at most 10000 (each writes a profile, a field snapshot and "
        "a PL map)")


def test_fewest_time_steps_are_bounded(tmp_path, capsys):
    case = case_from_dict({"name": "d", "time": {"t_end_s": 1.0e10}})  # dt_max 1000: 1e7 steps
    check_counts(case)
    code, err, _ = cli([str(REFERENCE), "--set", "time.dt_max_s=1e-4", "--check"], capsys)
    assert code == 2 and err == [
        f"error: time.dt_max_s: 0.0001 s gives at least 1.44e+08 time steps to time.t_end_s = "
        f"14400 s, at most {MAX_MIN_TIME_STEPS} per run: use time.dt_max_s >= 0.0015 s"]


def test_every_shipped_case_is_within_the_bounds():
    cases = sorted((REPO / "cases").glob("*.yaml"))
    assert len(cases) >= 10
    for path in cases:
        check_counts(load_case(path))


def write_campaign(tmp_path, product: dict, members=None) -> Path:
    spec = {"name": "big", "base": str(REFERENCE), "product": product}
    if members is not None:
        spec["members"] = members
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump({"campaign": spec}))
    return path


def test_campaign_members_are_counted_before_they_are_built(tmp_path, capsys):
    """1e5 members (five keys of ten values) are refused from the list lengths, in the CLI too,
    before the campaign directory exists; a 100 x 100 sweep is the limit and passes."""
    product = {f"pl.step_um{k}": [0.01 * (i + 1) for i in range(10)] for k in range(5)}
    path = write_campaign(tmp_path, product)
    out = tmp_path / "out"
    code, err, wall = cli([str(path), "--output", str(out)], capsys)
    assert code == 2 and err == [
        "error: campaign.product: 10 x 10 x 10 x 10 x 10 values = 100000 members, at most "
        "10000 per campaign (each is a run): sweep fewer values or split the campaign"]
    assert wall < 2.0 and not out.exists()
    side = math.isqrt(MAX_CAMPAIGN_MEMBERS)
    load_campaign(write_campaign(tmp_path, {"pl.step_um": [0.01] * side,
                                            "pl.psf_fwhm_um": [0.35] * side}))
    listed = [{"name": f"m{i}"} for i in range(3)]
    with pytest.raises(CaseError, match=r"^campaign\.members: 3 listed members x 10000 product "
                       r"points = 30000 members, at most 10000"):
        load_campaign(write_campaign(tmp_path, {"pl.step_um": [0.01] * side,
                                                "pl.psf_fwhm_um": [0.35] * side}, listed))


# --------------------------------------------------------------------------------------------
# Lazy milestones: the same floats and jumps as the lists they replace


def protocols() -> list[tuple[object, float]]:
    """(protocol, t_end) pairs: boundaries, ramps, awkward square-wave periods and duties,
    a t_end inside a segment, and a temperature square wave."""
    def bias(segments):
        case = case_from_dict({"name": "p", "bias": {"protocol": segments}})
        return BiasProtocol.from_config(case.bias, GAP_UM, True)

    out = [
        (bias([{"kind": "step", "duration_s": 0.1, "field_V_per_um": 1.0},
               {"kind": "ramp", "duration_s": 0.2, "field_end_V_per_um": 3.0},
               {"kind": "hold", "duration_s": 0.3},
               {"kind": "reversal", "duration_s": 1.0 / 3.0}]), 10.0),
        (bias([{"kind": "hold", "duration_s": 0.7, "field_V_per_um": 2.0},
               {"kind": "square", "duration_s": 7.3, "period_s": 1.0 / 3.0, "duty": 0.3,
                "field_high_V_per_um": 4.0, "field_low_V_per_um": -1.0},
               {"kind": "square", "duration_s": 5.0, "period_s": 0.7, "duty": 0.85,
                "field_high_V_per_um": 1.0},
               {"kind": "step", "duration_s": 1.0, "field_V_per_um": 0.0}]), 11.1),
        (bias([{"kind": "hold", "duration_s": 1.0e6, "field_V_per_um": 4.0},
               {"kind": "square", "duration_s": 300.1, "period_s": 0.1, "duty": 0.5,
                "field_high_V_per_um": 4.0}]), 1.0e6 + 300.1),
    ]
    case = case_from_dict({"name": "t", "temperature": {"T_K": 350.0, "protocol": [
        {"kind": "ramp", "duration_s": 10.0, "T_end_K": 400.0},
        {"kind": "square", "duration_s": 1000.0, "period_s": 3.7, "T_high_K": 420.0,
         "T_low_K": 380.0}, {"kind": "hold", "duration_s": 5.0, "T_K": 380.0}]}})
    out.append((TemperatureProtocol.from_config(case.temperature), 2000.0))
    return out


def listed_before(protocol, t_end: float) -> tuple[list[float], list[float]]:
    """The milestones and jumps inside (0, t_end) as the stepper got them before this issue:
    every switch time enumerated in a loop (the reference the lazy times must equal)."""
    pieces = protocol.schedule.pieces
    jumps = []
    for k, p in enumerate(pieces):
        if p.kind == "square" and p.a != p.b:
            stop, i = min(p.t1_s, t_end), 0
            while (high_end := p.t0_s + (i + p.duty) * p.period_s) < stop:
                jumps.append(high_end)
                if (edge := p.t0_s + (i + 1) * p.period_s) >= stop:
                    break
                jumps.append(edge)
                i += 1
        if k + 1 < len(pieces) and 0.0 < p.t1_s < t_end:
            before, after = p.end(), pieces[k + 1].start
            if abs(after - before) > 1e-14 * max(abs(before), abs(after)):
                jumps.append(p.t1_s)
    boundaries = [p.t1_s for p in pieces if 0.0 < p.t1_s < t_end]
    return sorted(set(boundaries) | set(jumps)), sorted(set(jumps))


def lazy_milestones(protocol, t_end: float) -> list[float]:
    """Every milestone inside (0, t_end), asked for one at a time."""
    out, after = [], 0.0
    while (m := protocol.next_milestone(after)) is not None and m < t_end:
        out.append(m)
        after = m
    return out


@pytest.mark.parametrize("k", range(4))
def test_next_milestone_gives_the_listed_floats(k):
    protocol, t_end = protocols()[k]
    listed, jumps = listed_before(protocol, t_end)
    assert (protocol.milestones(t_end), protocol.jumps(t_end)) == (listed, jumps)
    assert lazy_milestones(protocol, t_end) == listed  # bitwise
    assert [m for m in listed if protocol.is_jump(m)] == jumps
    assert protocol.schedule.milestone_count(t_end) == len(listed)
    assert protocol.schedule.jump_count(t_end) == len(jumps)
    # Between milestones nothing is a jump; a time just off a switch is not one either.
    assert not any(protocol.is_jump(0.5 * (a + b)) for a, b in itertools.pairwise(listed))
    assert not any(protocol.is_jump(math.nextafter(m, math.inf)) for m in jumps)


def test_landing_with_drives_is_landing_on_the_merged_list():
    """The stepper's next target from the drives equals bisection in the merged list, for
    random times and steps (bitwise)."""
    rng = random.Random(27)
    (bias, _), (_, _), (temp, t_end) = protocols()[0], protocols()[1], protocols()[3]
    square = protocols()[1][0]
    outputs = [0.05, 1.0, 17.0, 999.0]
    merged = sorted(set(outputs) | {t_end} | set(listed_before(bias, t_end)[0])
                    | set(listed_before(square, t_end)[0]) | set(listed_before(temp, t_end)[0]))
    lists = sorted(set(outputs) | {t_end})
    for _ in range(3000):
        t = rng.choice([rng.uniform(0.0, t_end), rng.choice(merged[:-1])])
        dt = 10.0 ** rng.uniform(-6, 3)
        assert landing(t, dt, lists, (bias, square, temp)) == landing(t, dt, merged)


class JumpOde(OneNodeProblem):
    """y' = -y + E(t) on one node, E from the bias protocol's forward field, so a jump of E
    shows in the steps (restart) and the solution (:class:`tests.one_node.OneNodeProblem`)."""

    def __init__(self, bias):
        super().__init__(0.0)
        self.bias = bias

    def source(self, t):
        return 0.3 + 0.1 * self.bias.values(t).forward_field_V_per_um  # y in [0, 1]


def test_stepper_with_lazy_drives_repeats_the_listed_run_bitwise():
    """The whole adaptive run (every accepted time and step, the final state) with the
    protocol as a drive equals the run with its milestones and jumps listed up front."""
    bias, t_end = protocols()[1]
    common = {"t_end": t_end, "output_times": (0.0, 1.0, 5.0), "dt_initial": 1e-3,
              "tol_y": 1e-4, "dt_max": 0.5}
    milestones, jumps = listed_before(bias, t_end)
    listed = StepSettings(**common, milestones=tuple(milestones), jumps=tuple(jumps))
    lazy = StepSettings(**common, drives=(bias,))
    runs = []
    for settings in (listed, lazy):
        steps, pb = [], JumpOde(bias)
        stepper = TimeStepper(pb, settings, on_step=lambda t, dt, its, c: steps.append((t, dt)))
        stepper.run()
        runs.append((steps, pb.w_n.tobytes(), vars(stepper.counters)))
    assert len(runs[0][0]) > 100
    assert runs[0] == runs[1]


def test_stepper_settings_of_a_million_switches_cost_nothing_up_front():
    """A protocol at the milestone limit: settings and the first landing in milliseconds and
    without a list (was: every switch time built before the first step)."""
    case = case_from_dict(square_case(2.0, 1.0e6, t_end_s=1.0e6))
    bias = BiasProtocol.from_config(case.bias, GAP_UM, True)
    tracemalloc.start()
    try:
        t0 = time.perf_counter()
        settings = StepSettings.from_config(case.time, protocols=(bias,))
        stepper = TimeStepper(None, settings)
        first = landing(0.0, 10.0, stepper.milestones, settings.drives)
        wall = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert first == (1.0, 1.0)  # the first switch: end of the high half of the first period
    assert wall < 0.5 and peak < 1e6, (wall, peak)


def test_plot_segments_of_a_fast_square_wave_are_one_band():
    case = case_from_dict(square_case(0.01, 100.0, t_end_s=100.0))
    bias = BiasProtocol.from_config(case.bias, GAP_UM, True)
    assert bias.schedule.milestone_count(100.0) > MAX_PLOT_SWITCHES
    assert bias.segments_for_plot(100.0) == [(0.0, 100.0, "square 4/-4 V/µm, period 0.01 s")]
    slow = BiasProtocol.from_config(case_from_dict(square_case(10.0, 100.0)).bias, GAP_UM, True)
    assert len(slow.segments_for_plot(100.0)) == 20
