"""Messages name the right key and the right fix (issue 27, kind 6).

Every example of the issue with its exact line and exit code:

- a protocol segment's level is refused (and warned about) under its own key
  (``temperature.protocol[1].T_K``), never under a legal ``temperature.T_K``;
- no bound message compares a value with itself ("100 µm is above 100 µm");
- a value that looks given in another unit leads a derived refusal (mesh size, counts,
  derived parameters, cross-key rules) with "did you give nm?";
- a ``reversal`` after 0 V/µm is an input error naming the segment;
- ``--output ""`` is an input error; a full disk while writing a figure names the figure;
- campaign members' warnings reach the campaign's console and ``campaign.csv``;
  ``run_case.py CAMPAIGN --check`` checks every member, ``--fit FIT --check`` works.
"""

from __future__ import annotations

import contextlib
import errno
import io
import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CASE = REPO / "cases" / "reference_forward.yaml"
PYTHON = sys.executable

#: The usual-range text of a temperature warning (solver/config/plausible.py).
T_RANGE = ("is below the usual range 200 ... 700 K (halide hopping is frozen below ~200 K, the "
           "lead-halide perovskites decompose or melt above ~700-900 K, and the model's "
           "parameters are calibrated at 300-400 K)")


def run_main(argv: list[str]) -> tuple[int, str, str]:
    """``solver.cli.main(argv)`` in this process: (exit code, stdout, stderr)."""
    from solver.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def check_case(*overrides: str) -> tuple[int, str]:
    """``run_case.py reference_forward.yaml --check --set ...``: (exit code, stderr)."""
    argv = [str(CASE), "--check"]
    for o in overrides:
        argv += ["--set", o]
    code, _, err = run_main(argv)
    assert "Traceback" not in err
    return code, err


def assert_error(got: tuple[int, str], line: str) -> None:
    """Exit 2 and exactly the one line ``error: <line>`` on stderr."""
    code, err = got
    assert (code, err) == (2, f"error: {line}\n")


TEMPERATURE_PROTOCOL = "temperature.protocol=[{kind: hold, duration_s: 100}, {%s}]"


# 1. The key the user wrote ----------------------------------------------------------------


def test_too_low_temperature_segment_is_named_by_its_own_key_not_temperature_T_K():
    """The issue's example: T_K = 398 K (legal), a step to a level that freezes the hop rates
    is refused as temperature.protocol[1].T_K (its °C reading first, kind 3)."""
    got = check_case("temperature.T_K=398",
                     TEMPERATURE_PROTOCOL % "kind: step, duration_s: 100, T_K: 1")
    assert_error(got, f"temperature.protocol[1].T_K: 1 K {T_RANGE}; did you give °C? (1 °C = "
                 "274.15 K); with this value: at 1 K, derived hop rate w_Br = 0 is not a "
                 "positive finite number (check it together with material.hop_activation_eV "
                 "and material.T_ref_K)")


def test_every_level_key_of_a_segment_is_named_as_written():
    got = check_case("temperature.T_K=398",
                     TEMPERATURE_PROTOCOL % "kind: ramp, duration_s: 100, T_end_K: 2")
    assert got[1].startswith("error: temperature.protocol[1].T_end_K: 2 K is below")
    # T(0), where the derived parameters are taken, is the first segment's level
    got = check_case("temperature.T_K=398", "temperature.protocol=[{kind: square, duration_s: "
                     "100, period_s: 10, T_high_K: 3, T_low_K: 398}]")
    assert got[1].startswith("error: temperature.protocol[0].T_high_K: 3 K is below")


def test_derived_level_check_alone_names_the_segment_key():
    """Without the unit-hint wrapper (solver.preflight.check_temperature_levels itself)."""
    from solver.config import CaseError, case_from_dict
    from solver.preflight.checks import check_temperature_levels, model_parameters

    case = case_from_dict({"name": "t", "temperature": {"T_K": 398.0, "protocol": [
        {"kind": "hold", "duration_s": 100.0}, {"kind": "step", "duration_s": 100.0,
                                                "T_K": 1.0}]}})
    with pytest.raises(CaseError) as err:
        check_temperature_levels(case, model_parameters(case))
    assert str(err.value) == (
        "temperature.protocol[1].T_K: at 1 K, derived hop rate w_Br = 0 is not a positive "
        "finite number (check it together with material.hop_activation_eV and "
        "material.T_ref_K)")


def test_segment_level_bound_error_has_the_reason_of_its_parent_key():
    got = check_case("temperature.T_K=398",
                     TEMPERATURE_PROTOCOL % "kind: step, duration_s: 100, T_K: 1000")
    assert_error(got, "temperature.protocol[1].T_K: 1000 K is above 900 K (expected 0 < T_K <= "
                 "900 K: above ~900 K CsPbBr3 (840 K) and CsPbCl3 (888 K) melt; the model "
                 "describes vacancy hops in a crystal)")
    got = check_case("bias.protocol=[{kind: step, duration_s: 100, field_V_per_um: 5000}]")
    assert_error(got, "bias.protocol[0].field_V_per_um: 5000 V/µm is above 1000 V/µm (expected "
                 "-1000 <= field_V_per_um <= 1000 V/µm: 10 MV/cm, ten times the dielectric "
                 "breakdown of any halide perovskite); did you give V/cm? (5000 V/cm = 0.5 "
                 "V/µm)")


def test_segment_level_in_celsius_warns_under_its_key():
    code, err = check_case("temperature.T_K=398",
                           TEMPERATURE_PROTOCOL % "kind: step, duration_s: 100, T_K: 75")
    assert (code, err) == (0, f"warning: temperature.protocol[1].T_K: 75 K {T_RANGE}; did you "
                           "give °C? (75 °C = 348.15 K)\n")


# 2. No value compared with itself --------------------------------------------------------


def test_bound_messages_show_enough_digits_to_differ():
    assert_error(check_case("geometry.width_um=100.0000001"),
                 "geometry.width_um: 100.0000001 µm is above 100 µm (expected 0.001 <= width_um "
                 "<= 100 µm: a wire section between 1 nm and 100 µm); did you give nm? (100 nm "
                 "= 0.1 µm)")
    assert_error(check_case("bias.protocol=[{kind: square, duration_s: 100.0000001, period_s: "
                            "100.0000002, field_high_V_per_um: 4}]"),
                 "bias.protocol[0].period_s: 100.0000002 s is longer than duration_s = "
                 "100.0000001 s (at least one period per square segment)")
    assert_error(check_case("geometry.length_um=100", "electrodes.right.start_um=99",
                            "electrodes.right.end_um=100", "mesh.h_max_um=100.0000001"),
                 "mesh.h_max_um: 100.0000001 µm is above geometry.length_um = 100 µm (expected "
                 "5.8e-06 <= h_max_um <= 100 µm: a cell cannot be longer than the wire)")
    assert_error(check_case("time.t_end_s=100", "time.output_times_s=[0, 100.00000001]"),
                 "time.output_times_s[1]: 100.00000001 not in [0, time.t_end_s = 100]")


def test_apart_never_prints_two_different_numbers_alike():
    from solver.config.errors import apart

    assert apart(100.0000001, 100.0) == ("100.0000001", "100")
    assert apart(0.0, 0.0) == ("0", "0")  # "0 is not above 0": equal stays equal
    assert apart(5.8e-6, 100.0) == ("5.8e-06", "100")  # already apart: the usual %g
    base = [1.0, 100.0, 7.0, 1e14, 0.3]
    for x, k in itertools.product(base, range(1, 15)):
        y = x * (1.0 + 10.0 ** -k)
        a, b = apart(y, x)
        assert float(a) > float(b) == x, (x, k, a, b)  # read back, still above the bound


# 3. The unit hint first --------------------------------------------------------------------

NM_WIRE = ("geometry.length_um=7000", "geometry.interface_um=1250",
           "electrodes={left: {start_um: 0, end_um: 50}, right: {start_um: 6950, end_um: 7000}}")
NM_HINT = ("geometry.length_um: 7000 µm is above the usual range 0.1 ... 100 µm (nanowires are "
           "0.1-100 µm long); did you give nm? (7000 nm = 7 µm); with this value: ")


def test_wire_length_in_nm_gets_the_unit_hint_before_the_mesh_size_error():
    assert_error(check_case(*NM_WIRE, "pl.enabled=false"), NM_HINT + (
        "mesh.max_cells: the mesh would have about 7e+05 cells, more than mesh.max_cells = "
        "200000 (raise mesh.h_min_nm, mesh.h_max_um or mesh.growth, or mesh.max_cells)"))
    assert_error(check_case(*NM_WIRE), NM_HINT + (
        "pl.step_um: 0.01 µm gives 700001 PL probes per profile over the 7000 µm wire, at most "
        "20000: use pl.step_um >= 0.36 µm (or pl.enabled: false)"))


def test_unit_hint_leads_a_cross_key_rule_too():
    assert_error(check_case("geometry.length_um=0.05"),
                 "geometry.length_um: 0.05 µm is below the usual range 0.1 ... 100 µm "
                 "(nanowires are 0.1-100 µm long); did you give mm? (0.05 mm = 50 µm); with this "
                 "value: electrodes.left.end_um: 1.5 µm is above geometry.length_um = 0.05 µm "
                 "(must be <= it: inside the wire)")


def test_no_hint_without_a_unit_slip():
    """A mesh-size refusal of a usual wire stays the mesh-size line."""
    code, err = check_case("mesh.max_cells=100")
    assert code == 2 and err.startswith("error: mesh.max_cells: the mesh would have 916 cells")


# 4. reversal after 0 V/µm --------------------------------------------------------------------


@pytest.mark.parametrize(("protocol", "line"), [
    ("[{kind: step, duration_s: 100, field_V_per_um: 0}, {kind: reversal, duration_s: 100}]",
     "bias.protocol[1].kind: reversal has nothing to reverse: bias.protocol[0] ends at 0 V/µm; "
     "use kind: step with a signed field_V_per_um (or give the previous segment a field)"),
    ("[{kind: reversal, duration_s: 100, field_V_per_um: 4}]",
     "bias.protocol[0].kind: reversal has nothing to reverse: the protocol starts from 0 V/µm; "
     "use kind: step with a signed field_V_per_um (or give the previous segment a field)"),
    ("[{kind: square, duration_s: 40, period_s: 20, field_high_V_per_um: 4}, "
     "{kind: reversal, duration_s: 100}]",  # the square ends low, at 0 V/µm
     "bias.protocol[1].kind: reversal has nothing to reverse: bias.protocol[0] ends at 0 V/µm; "
     "use kind: step with a signed field_V_per_um (or give the previous segment a field)"),
])
def test_reversal_after_zero_field_is_an_input_error(protocol, line):
    assert_error(check_case(f"bias.protocol={protocol}"), line)


def test_reversal_after_a_field_still_reverses_it():
    from solver.config import case_from_dict
    from solver.model.protocols import BiasProtocol

    case = case_from_dict({"name": "r", "bias": {"protocol": [
        {"kind": "step", "duration_s": 10.0, "field_V_per_um": 0.0},
        {"kind": "step", "duration_s": 10.0, "field_V_per_um": 2.5},
        {"kind": "reversal", "duration_s": 10.0},
        {"kind": "reversal", "duration_s": 10.0, "field_V_per_um": 4.0}]}})
    bias = BiasProtocol.from_config(case.bias, case.gap_um, True)
    assert [bias.values(t).forward_field_V_per_um for t in (5.0, 15.0, 25.0, 35.0)] == [
        0.0, 2.5, -2.5, 4.0]


# 5. --output "" and a full disk while writing a figure ---------------------------------------


@pytest.mark.parametrize("argv", [
    [str(CASE), "--output", ""],
    [str(CASE), "--check", "--output", "   "],
    [str(REPO / "campaigns" / "fig1e.yaml"), "--output", ""],
    ["--fit", str(REPO / "fits" / "fig1e_synthetic.yaml"), "--output", ""],
    ["fit", str(REPO / "fits" / "fig1e_synthetic.yaml"), "--output", "\t"],
])
def test_empty_output_is_an_input_error(argv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(argv)
    prog = "perovskite-ions fit" if argv[0] == "fit" else "run_case.py"
    line = (f"error: argument --output: expected a directory, got {argv[-1]!r} (leave "
            f"--output out for the default results/<name>) (see {prog} --help)")
    assert (code, out, err) == (2, "", " ".join(line.split()) + "\n")  # one line (spaces folded)
    assert not list(tmp_path.iterdir())  # nothing written


def test_run_campaign_api_refuses_an_empty_output(tmp_path, monkeypatch):
    from solver.campaign import run_campaign
    from solver.config import CaseError

    monkeypatch.chdir(tmp_path)
    with pytest.raises(CaseError, match=r"^--output: expected a directory, got ' '"):
        run_campaign(REPO / "campaigns" / "fig1e.yaml", output=" ")
    assert not list(tmp_path.iterdir())


def _full_disk(monkeypatch):
    """Figure.savefig fails as on a full disk: matplotlib's OSError names no file."""
    import matplotlib.figure

    def savefig(self, fname, *args, **kwargs):
        Path(fname).write_bytes(b"\x89PNG partial")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", savefig)


def test_full_disk_while_saving_a_figure_names_the_figure(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from solver.figures.style import save

    _full_disk(monkeypatch)
    path = tmp_path / "figures" / "profiles.png"
    with pytest.raises(OSError) as err:
        save(plt.figure(), path)
    assert err.value.errno == errno.ENOSPC and err.value.filename == str(path)
    assert not path.exists()  # no partial PNG left


def test_run_failure_line_names_the_figure_file(tmp_path, monkeypatch):
    """solver.recording.write_final_outputs: the one-line failure names the figure, not the
    run directory."""
    import types

    import matplotlib.pyplot as plt

    from solver import recording
    from solver.config import case_from_dict
    from solver.figures.style import save

    _full_disk(monkeypatch)
    monkeypatch.setattr(recording, "write_figures",
                        lambda rec, out: save(plt.figure(), out / "figures" / "profiles.png"))
    case = case_from_dict({"name": "f", "pl": {"enabled": False}})
    rec = types.SimpleNamespace(rows=[], profiles=[], case=case)
    summary = {"status": "completed"}
    error = recording.write_final_outputs(rec, tmp_path, summary,
                                          lambda what: f"cannot write {what}")
    assert error == (f"cannot write {tmp_path}/figures/profiles.png: No space left on device")
    assert summary["status"] == "failed"


# 6. Campaign warnings and --check -------------------------------------------------------------

#: A short 1D thermal anneal (no bias, frozen vacancies): each member runs in a few seconds.
_FAST = {"time.t_end_s": 10.0, "time.output_times_s": [0.0, 10.0], "output.vtx": False,
         "output.figures": False, "pl.enabled": False}


def _campaign(tmp_path: Path, temperatures: list, name: str = "celsius") -> Path:
    """A temperature campaign over the thermal_100C case, its values written in °C."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"campaign": {
        "name": name, "base": str(REPO / "cases" / "thermal_100C.yaml"), "set": _FAST,
        "product": {"temperature.T_K": temperatures}}}))
    return path


def _warning_75(member: str) -> str:
    return (f"warning: {member}: temperature.T_K: 75 K {T_RANGE}; did you give °C? (75 °C = "
            "348.15 K)")


def test_member_warnings_are_parsed_from_console_and_logs():
    from solver.campaign.members import member_warnings

    text = ("$ python -m solver.cli ...\nwarning: temperature.T_K: 75 K is below ...\n"
            "2025-01-31 12:00:00,123 WARNING form cache: removed x\n"
            "warning: temperature.T_K: 75 K is below ...\nerror: something\n")
    assert member_warnings(text) == ("temperature.T_K: 75 K is below ...",
                                     "form cache: removed x")


def test_campaign_check_validates_every_member(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = _campaign(tmp_path, [75, 300])
    code, out, err = run_main([str(path), "--check", "-j", "2"])
    assert code == 0
    assert out.splitlines()[1:] == ["  T_K=75: valid, 397 cells, 1 warning(s)",
                                    "  T_K=300: valid, 397 cells"]
    assert err.splitlines() == [_warning_75("T_K=75")]
    path = _campaign(tmp_path, [300, 1000, 1])
    code, out, err = run_main([str(path), "--check"])
    assert code == 2 and out.splitlines()[1:] == ["  T_K=300: valid, 397 cells"]
    lines = err.splitlines()
    assert lines[0] == ("error: campaign member T_K=1000: temperature.T_K: 1000 K is above 900 K "
                        "(expected 0 < T_K <= 900 K: above ~900 K CsPbBr3 (840 K) and CsPbCl3 "
                        "(888 K) melt; the model describes vacancy hops in a crystal)")
    assert lines[1].startswith("error: campaign member T_K=1: temperature.T_K: 1 K is below")
    assert lines[2:] == ["error: campaign celsius: 2 of 3 member(s) invalid (lines above)"]
    assert not (tmp_path / "results").exists()  # nothing written


def test_fit_check_works(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fit = str(REPO / "fits" / "fig1e_synthetic.yaml")
    for argv in (["--fit", fit, "--check"], ["fit", fit, "--check"]):
        code, out, err = run_main(argv)
        assert (code, err) == (0, "")
        assert out.startswith(f"{fit}: valid; base {CASE}; fitting sources.alpha_br, "
                              "sources.alpha_cl to 8 data point(s)")
    assert not list(tmp_path.iterdir())


def test_campaign_in_celsius_shows_member_warnings_and_stores_them(tmp_path):
    """The issue's example: a temperature campaign written in °C completed silently with
    L_m = 0; its members' warnings now reach the console (also when reused) and campaign.csv."""
    from solver.io.files import read_timeseries_csv

    path = _campaign(tmp_path, [75])
    cmd = [PYTHON, str(REPO / "run_case.py"), str(path), "--output", str(tmp_path / "out")]
    for status in ("completed", "reused"):
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=300)
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr.splitlines() == [_warning_75("T_K=75")]
        assert proc.stdout.splitlines()[-1] == (
            f"campaign celsius: 1 members, ran {int(status == 'completed')}, reused "
            f"{int(status == 'reused')}, failed 0, 1 with warnings (above) -> "
            f"{tmp_path / 'out'}/campaign.csv")
        csv = read_timeseries_csv(tmp_path / "out" / "campaign.csv")
        assert list(csv["status"]) == [status]
        assert list(csv["warnings"]) == [_warning_75("T_K=75").removeprefix(
            "warning: T_K=75: ")]
