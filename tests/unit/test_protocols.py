"""Bias and temperature protocols: schedules, segment boundaries, square-wave duty, schema errors.

Fast (no finite elements except the CLI exit-code checks, which stop before meshing).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import yaml

from solver.cli import main
from solver.config import CaseError, case_from_dict, case_to_dict
from solver.model.protocols import BiasProtocol, TemperatureProtocol
from solver.numerics.time_stepping import landing

GAP_UM = 4.0


def bias_of(protocol: list, br_rich_left: bool = True) -> BiasProtocol:
    case = case_from_dict({"name": "p", "bias": {"protocol": protocol}})
    return BiasProtocol.from_config(case.bias, GAP_UM, br_rich_left)


def test_constant_bias_is_the_one_segment_case():
    """The legacy keys and a one-segment protocol give the same bias at every time."""
    legacy = case_from_dict({"name": "p", "bias": {"field_V_per_um": 2.5, "polarity": "reverse"}})
    old = BiasProtocol.from_config(legacy.bias, GAP_UM, True)
    new = bias_of([{"kind": "step", "duration_s": 10.0, "field_V_per_um": 2.5,
                    "polarity": "reverse"}])
    for t in (0.0, 1.0, 10.0, 1e6):
        assert old.values(t) == new.values(t)
        assert old.contact_potentials(t, 0.025) == new.contact_potentials(t, 0.025)
    v = old.values(0.0)
    # Reverse on a Br-left wire: the higher potential on the right (Cl-rich) contact.
    assert v.forward_field_V_per_um == -2.5 and v.bias_V == 2.5 * GAP_UM
    assert (v.psi_left_V, v.psi_right_V) == (-5.0, 5.0)
    assert old.milestones(1e6) == [] and old.jumps(1e6) == []


def test_ramp_reproduces_the_legacy_ramp_law():
    legacy = case_from_dict({"name": "p", "bias": {"field_V_per_um": 4.0, "ramp_s": 100.0}})
    bias = BiasProtocol.from_config(legacy.bias, GAP_UM, True)
    for t in (0.0, 25.0, 50.0, 100.0, 200.0):
        assert bias.values(t).bias_V == pytest.approx(min(1.0, t / 100.0) * 4.0 * GAP_UM,
                                                      rel=1e-15)
    assert bias.milestones(1000.0) == [100.0]
    assert bias.jumps(1000.0) == []  # a kink, not a jump: no restart


def test_segments_are_half_open_on_the_left():
    """A step ending on a boundary sees the old level; the next step the new one."""
    bias = bias_of([{"kind": "step", "duration_s": 0.1, "field_V_per_um": 1.0},
                    {"kind": "step", "duration_s": 0.2, "field_V_per_um": 3.0},
                    {"kind": "reversal", "duration_s": 0.3}])
    t1, t2 = 0.1, 0.1 + 0.2
    assert bias.milestones(10.0) == [t1, t2, t2 + 0.3]
    assert bias.jumps(10.0) == [t1, t2]
    assert bias.values(t1).forward_field_V_per_um == 1.0
    assert bias.values(math.nextafter(t1, 1.0)).forward_field_V_per_um == 3.0
    assert bias.values(t2).forward_field_V_per_um == 3.0
    assert bias.values(math.nextafter(t2, 1.0)).forward_field_V_per_um == -3.0
    assert bias.values(5.0).forward_field_V_per_um == -3.0  # the last level holds
    assert bias.polarities() == {True, False}


@pytest.mark.parametrize(("duty", "high", "low"), [(0.5, 4.0, 0.0), (0.3, 2.0, -1.0),
                                                  (0.85, 1.0, 0.5)])
def test_square_wave_average_matches_the_duty(duty, high, low):
    """Time average over whole periods = duty·high + (1 - duty)·low, integrated exactly over the
    piecewise-constant level between the switch times the stepper lands on."""
    period, n = 7.0, 5
    bias = bias_of([{"kind": "square", "duration_s": n * period, "period_s": period,
                     "duty": duty, "field_high_V_per_um": high, "field_low_V_per_um": low}])
    edges = [0.0, *bias.milestones(1e9)]
    assert len(edges) == 2 * n + 1 and edges[-1] == n * period  # every switch, and the end
    integral = sum((b - a) * bias.values(0.5 * (a + b)).forward_field_V_per_um
                   for a, b in itertools.pairwise(edges))
    expected = duty * high + (1 - duty) * low
    assert integral / (n * period) == pytest.approx(expected, rel=1e-13)
    assert bias.schedule.mean(0.0, n * period) == pytest.approx(expected, abs=1e-4)
    # Levels on the switch times themselves: the level of the interval ending there.
    assert bias.values(duty * period).forward_field_V_per_um == high
    assert bias.values(period).forward_field_V_per_um == low


def test_landing_hits_milestones_exactly():
    milestones = [0.1, 0.1 + 0.2, 1.0 / 3.0 + 0.3]
    t, hit = 0.0, []
    dt = 0.07
    while t < milestones[-1]:
        step, target = landing(t, dt, milestones)
        t = target if target is not None else t + step
        if target is not None:
            hit.append(t)
    assert hit == milestones  # bitwise: the accepted time is the milestone itself


def test_temperature_protocol_starts_at_T_K():
    case = case_from_dict({"name": "p", "temperature": {"T_K": 350.0, "protocol": [
        {"kind": "hold", "duration_s": 10.0},
        {"kind": "ramp", "duration_s": 10.0, "T_end_K": 400.0},
        {"kind": "square", "duration_s": 20.0, "period_s": 10.0, "T_high_K": 420.0,
         "T_low_K": 380.0, "output_times_s": [0.0, 5.0]}]}})
    temp = TemperatureProtocol.from_config(case.temperature)
    assert [temp.T_K(t) for t in (0.0, 10.0, 15.0, 20.0, 22.0, 27.0)] == \
        [350.0, 350.0, 375.0, 400.0, 420.0, 380.0]
    assert temp.jumps(100.0) == [20.0, 25.0, 30.0, 35.0]
    assert temp.outputs_s == (20.0, 25.0)
    assert not temp.is_constant
    # The resolved case validates again (summary.json, checkpoints).
    assert case_from_dict(case_to_dict(case)) == case


def test_resolved_protocol_case_round_trips():
    case = case_from_dict({"name": "p", "bias": {"protocol": [
        {"kind": "step", "duration_s": 5.0, "field_V_per_um": 4.0}, {"kind": "reversal",
                                                                     "duration_s": 5.0}]}})
    assert case_from_dict(case_to_dict(case)) == case


BAD = [
    ({"protocol": [{"kind": "ramp", "duration_s": 1.0}]},
     "bias.protocol[0].field_end_V_per_um: required for kind ramp"),
    ({"protocol": [{"kind": "step", "duration_s": 1.0, "feld_V_per_um": 1.0}]},
     "bias.protocol[0].feld_V_per_um: unknown key (did you mean 'field_V_per_um'?"),
    ({"field_V_per_um": 2.0, "protocol": [{"kind": "hold", "duration_s": 1.0}]},
     "bias.field_V_per_um: not used with bias.protocol"),
    ({"protocol": [{"kind": "hold", "duration_s": -1.0}]},
     "bias.protocol[0].duration_s: -1 s is not above 0 s"),
    ({"protocol": [{"kind": "hold", "duration_s": 1.0, "period_s": 0.5}]},
     "bias.protocol[0].period_s: not used by kind hold"),
    ({"protocol": [{"kind": "square", "duration_s": 1.0, "period_s": 0.5,
                    "field_high_V_per_um": 1.0, "duty": 1.5}]},
     "bias.protocol[0].duty: 1.5 is not below 1"),
    ({"protocol": [{"kind": "step", "duration_s": 1.0, "field_V_per_um": 1.0,
                    "output_times_s": [2.0]}]},
     "bias.protocol[0].output_times_s[0]: 2 not in [0, duration_s = 1]"),
]


@pytest.mark.parametrize(("bias", "expected"), BAD, ids=[b[1].split(":")[0] for b in BAD])
def test_schema_errors_name_the_key(bias, expected):
    with pytest.raises(CaseError) as err:
        case_from_dict({"name": "p", "bias": bias})
    assert str(err.value).startswith(expected), str(err.value)


def test_temperature_schema_error_names_the_key():
    with pytest.raises(CaseError) as err:
        case_from_dict({"name": "p", "temperature": {"protocol": [
            {"kind": "square", "duration_s": 10.0, "period_s": 5.0, "T_high_K": 400.0}]}})
    assert str(err.value).startswith("temperature.protocol[0].T_low_K: required for kind "
                                     "square")


@pytest.mark.parametrize(("bias", "expected"), BAD[:3], ids=["ramp", "unknown", "legacy"])
def test_cli_exits_2_with_one_line(bias, expected, tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"name": "bad", "bias": bias}))
    assert main([str(path), "--output", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {expected}"), err
    assert not (tmp_path / "out").exists()


def test_every_shipped_case_still_validates():
    from pathlib import Path

    from solver.config import load_case

    cases = sorted((Path(__file__).resolve().parents[2] / "cases").glob("*.yaml"))
    assert len(cases) >= 10
    for path in cases:
        case = load_case(path)
        assert case_from_dict(case_to_dict(case)) == case, path.name


def test_square_wave_of_the_periodic_heating_case_lands_on_every_switch():
    from pathlib import Path

    from solver.config import load_case

    case = load_case(Path(__file__).resolve().parents[2] / "cases" / "periodic_heating.yaml")
    temp = TemperatureProtocol.from_config(case.temperature)
    jumps = np.array(temp.jumps(case.time.t_end_s))
    np.testing.assert_allclose(jumps, 1800.0 * np.arange(1, 20), rtol=0, atol=1e-9)


# --------------------------------------------------------------------------------------------
# --check: what it prints about protocols, sources and vacancy equilibration


def check_text(data: dict) -> str:
    """The derived block and protocol tables ``--check`` prints for a case mapping."""
    from solver.preflight import derived_parameters, format_derived, protocol_tables

    case = case_from_dict({"name": "p", **data})
    return format_derived(derived_parameters(case)) + "\n" + protocol_tables(case)


def test_check_prints_a_segment_table_for_a_bias_protocol():
    text = check_text({"bias": {"protocol": [
        {"kind": "step", "duration_s": 100.0, "field_V_per_um": 2.0},
        {"kind": "ramp", "duration_s": 50.0, "field_end_V_per_um": 1.0, "polarity": "reverse"},
        {"kind": "square", "duration_s": 40.0, "field_high_V_per_um": 3.0, "period_s": 20.0,
         "field_low_V_per_um": 1.0},
        {"kind": "reversal", "duration_s": 500.0}]},
        "time": {"t_end_s": 400.0}})
    lines = text.splitlines()
    head = lines.index("# bias protocol (forward field, polarity applied):")
    table = [" ".join(ln.split()) for ln in lines[head + 1:]]
    assert table == [
        "# seg start [s] end [s] kind level",
        "# 0 0 100 step 2 V/um",
        "# 1 100 150 ramp 2 -> -1 V/um",  # start = the previous level, polarity applied
        "# 2 150 190 square high 3 V/um, low 1 V/um, period 20 s, duty 0.5",
        "# 3 190 690 reversal -1 V/um (cut at time.t_end_s)",  # reverses the square's last 1
        # (a square ending at 0 V/um has nothing to reverse: tests/unit/test_messages.py)
    ]
    assert "4 segments   (6 milestones, 5 jumps before t_end; table below)" in text
    assert "1 milestones" not in check_text({"bias": {"protocol": [
        {"kind": "step", "duration_s": 10.0, "field_V_per_um": 1.0},
        {"kind": "reversal", "duration_s": 10.0}]}})


def test_check_temperature_table_holds_the_last_level_to_t_end():
    text = check_text({"temperature": {"T_K": 300.0, "protocol": [
        {"kind": "ramp", "duration_s": 60.0, "T_end_K": 360.0}]}, "time": {"t_end_s": 100.0}})
    table = [" ".join(ln.split()) for ln in text.splitlines()[-3:]]
    assert table == ["# seg start [s] end [s] kind level", "# 0 0 60 ramp 300 -> 360 K",
                     "# 60 100 (held) 360 K (the last level, to time.t_end_s)"]
    assert "1 segment, 1 milestone, 0 jumps before t_end" in text


def test_check_no_negative_zero_and_no_source_equilibria_without_sources():
    text = check_text({"bias": {"field_V_per_um": 0.0}, "sources": {"model": "none"}})
    assert "-0 " not in text and "right contact potential      0 V" in text
    assert "source equilibrium" not in text
    assert "electrode sources            none" in text
    assert "left source equilibrium" in check_text({})


def test_check_prints_the_equilibration_rate_and_time():
    assert "equilibration" not in check_text({})
    text = check_text({"temperature": {"T_K": 373.15},
                       "material": {"vacancy_equilibration": "schottky"}})
    k = 1e13 * math.exp(-1.32 / (8.617333262e-5 * 373.15))
    rate = next(ln for ln in text.splitlines() if "equilibration rate k(T)" in ln)
    time_h = next(ln for ln in text.splitlines() if "equilibration time 1/k" in ln)
    assert f"{k:.6g} 1/s" in rate and "E_a = 1.32 eV" in rate
    assert f"{1 / k / 3600:.6g} h" in time_h
