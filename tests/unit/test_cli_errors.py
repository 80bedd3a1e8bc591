"""run_case.py as a subprocess: bad input exits 2 with one ``error:`` line, never a traceback."""

import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

from solver.config import CaseError

REPO_ROOT = Path(__file__).resolve().parents[2]
INVALID_DIR = Path(__file__).resolve().parent / "cases_invalid"
GOOD_CASE = "cases/reference_forward.yaml"

#: invalid case file -> substring the error line must contain (the dotted key, or the file)
EXPECTED = {
    "unknown_top_level_key.yaml": "geometri: unknown key",
    "unknown_nested_key.yaml": "geometry.lenght_um: unknown key",
    "wrong_type.yaml": "temperature.T_K:",
    "quoted_number.yaml": "bias.field_V_per_um:",
    "section_not_mapping.yaml": "geometry: must be a mapping",
    "negative_length.yaml": "geometry.length_um:",
    "x_v_br_too_large.yaml": "material.x_v_br:",
    "f0_out_of_range.yaml": "transport.f0:",
    "bad_enum.yaml": "bias.polarity:",
    "missing_name.yaml": "name: required",
    "bad_name.yaml": "name:",
    "electrodes_overlapping.yaml": "electrodes.right.start_um:",
    "electrodes_swapped.yaml": "electrodes.right.start_um:",
    "electrode_start_after_end.yaml": "electrodes.left.end_um:",
    "electrode_outside_wire.yaml": "electrodes.right.end_um:",
    "interface_inside_electrode.yaml": "geometry.interface_um:",
    "y_segments_inverted.yaml": "material.y_cl_segment:",
    "mesh_h_min_above_h_max.yaml": "mesh.h_max_um:",
    "output_time_beyond_end.yaml": "time.output_times_s[2]:",
    "output_times_unsorted.yaml": "time.output_times_s:",
    "dt_initial_above_max.yaml": "time.dt_initial_s:",
    "malformed.yaml": "malformed.yaml: invalid YAML",
    "duplicate_key.yaml": "duplicate_key.yaml: invalid YAML: duplicate key",
    "top_level_list.yaml": "top_level_list.yaml: the top level must be a mapping",
    "empty.yaml": "empty.yaml: empty case file",
    "huge_mesh.yaml": "mesh.max_cells: the mesh would have about",
    # the unit hint first (1 °C = 274.15 K is usual), then the derived refusal
    "hop_rate_underflow.yaml": "temperature.T_K: 1 K is below the usual range",
    "checkpoint_negative.yaml": "checkpoint.every_steps:",
}


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """Run ``run_case.py`` from the repository root."""
    return subprocess.run(
        [sys.executable, "run_case.py", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_input_error(proc: subprocess.CompletedProcess, expected: str) -> None:
    """Exit 2, one ``error:`` line on stderr containing ``expected``, no traceback."""
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    assert expected in lines[0]


def test_every_invalid_file_has_an_expectation():
    files = {p.name for p in INVALID_DIR.glob("*.yaml")}
    assert files == set(EXPECTED)
    assert len(files) >= 10


@pytest.fixture(scope="module")
def invalid_runs() -> dict[str, subprocess.CompletedProcess]:
    """Run ``run_case.py`` on every invalid file, all processes concurrently (saves ~15 s)."""
    procs = {}
    for name in sorted(EXPECTED):
        args = [sys.executable, "run_case.py", str(INVALID_DIR.relative_to(REPO_ROOT) / name)]
        pipe = subprocess.PIPE
        procs[name] = (
            args,
            subprocess.Popen(args, cwd=REPO_ROOT, stdout=pipe, stderr=pipe, text=True),
        )
    runs = {}
    for name, (args, proc) in procs.items():
        out, err = proc.communicate(timeout=120)
        runs[name] = subprocess.CompletedProcess(args, proc.returncode, out, err)
    return runs


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_case_exits_2(invalid_runs, name):
    assert_input_error(invalid_runs[name], EXPECTED[name])


def test_missing_file_exits_2():
    assert_input_error(run_cli("cases/does_not_exist.yaml"), "does_not_exist.yaml: no such file")


def test_check_prints_resolved_case():
    proc = run_cli(GOOD_CASE, "--check")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("# ")
    assert "T_K: 300.0" in proc.stdout
    assert "D_cl_ref_cm2_per_s" in proc.stdout  # defaults are filled in


def test_check_with_override():
    proc = run_cli(GOOD_CASE, "--check", "--set", "temperature.T_K=350")
    assert proc.returncode == 0, proc.stderr
    assert "T_K: 350.0" in proc.stdout


def test_bad_override_value_exits_2():
    assert_input_error(run_cli(GOOD_CASE, "--set", "time.t_end_s=-1"), "time.t_end_s:")


def test_override_without_equals_exits_2():
    assert_input_error(run_cli(GOOD_CASE, "--set", "time.t_end_s"), "time.t_end_s")


def test_override_into_scalar_exits_2():
    proc = run_cli(GOOD_CASE, "--set", "temperature.T_K.x=1")
    assert_input_error(proc, "temperature.T_K.x:")


def test_existing_output_dir_needs_force(tmp_path):
    (tmp_path / "old.txt").write_text("x")
    proc = run_cli(GOOD_CASE, "--output", str(tmp_path))
    assert_input_error(proc, "use --force")


def test_print_schema():
    proc = run_cli("--print-schema")
    assert proc.returncode == 0, proc.stderr
    schema = json.loads(proc.stdout)
    assert "geometry" in schema["properties"]


def test_missing_case_argument_is_an_argparse_error():
    proc = run_cli()
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


# --------------------------------------------------------------------------------------------
# In-process wiring to solver.run (replaced by a fake: no dolfinx, no solve)


class FakeSolverFailure(Exception):
    """Stands in for solver.run.SolverFailure."""


@pytest.fixture
def fake_run(monkeypatch):
    """Install a fake ``solver.run`` module; return the list of recorded calls."""
    calls = []

    def run_case(case, output_dir, *, case_path, overrides, quiet):
        calls.append(dict(case=case, output_dir=output_dir, case_path=case_path,
                          overrides=overrides, quiet=quiet))
        if case.bias.field_V_per_um == 13.0:
            raise FakeSolverFailure("Newton diverged at t = 1 s")
        if case.mesh.max_cells == 1:
            raise CaseError("mesh.max_cells: 50000 cells exceed mesh.max_cells = 1")
        return {"ok": True}

    module = types.ModuleType("solver.run")
    module.run_case = run_case
    module.SolverFailure = FakeSolverFailure
    monkeypatch.setitem(sys.modules, "solver.run", module)
    return calls


def test_main_runs_with_default_output_dir(fake_run, monkeypatch, tmp_path):
    from solver.cli import main

    monkeypatch.chdir(tmp_path)
    case_path = str(REPO_ROOT / GOOD_CASE)
    assert main([case_path, "--set", "bias.field_V_per_um=2", "--quiet"]) == 0
    (call,) = fake_run
    assert call["output_dir"] == Path("results") / "reference_forward"
    assert call["case_path"] == case_path
    assert call["overrides"] == ["bias.field_V_per_um=2"]
    assert call["quiet"] is True
    assert call["case"].bias.field_V_per_um == 2.0


def test_main_force_and_existing_dir(fake_run, tmp_path, capsys):
    from solver.cli import main

    (tmp_path / "old.txt").write_text("x")
    case_path = str(REPO_ROOT / GOOD_CASE)
    assert main([case_path, "--output", str(tmp_path)]) == 2
    assert "use --force" in capsys.readouterr().err
    assert not fake_run
    assert main([case_path, "--output", str(tmp_path), "--force"]) == 0
    assert fake_run[0]["output_dir"] == tmp_path
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main([case_path, "--output", str(empty)]) == 0


def test_main_solver_failure_exits_3(fake_run, tmp_path, capsys):
    from solver.cli import main

    argv = [str(REPO_ROOT / GOOD_CASE), "--output", str(tmp_path / "out")]
    assert main([*argv, "--set", "bias.field_V_per_um=13"]) == 3
    assert capsys.readouterr().err.strip() == "error: Newton diverged at t = 1 s"


def test_main_case_error_from_run_exits_2(fake_run, tmp_path, capsys):
    from solver.cli import main

    argv = [str(REPO_ROOT / GOOD_CASE), "--output", str(tmp_path / "out")]
    assert main([*argv, "--set", "mesh.max_cells=1"]) == 2
    assert capsys.readouterr().err.strip().startswith("error: mesh.max_cells: ")


def test_check_output_is_a_valid_case_file(tmp_path):
    from solver.config import load_case

    proc = run_cli(GOOD_CASE, "--check", "--set", "bias.polarity=reverse")
    assert proc.returncode == 0, proc.stderr
    resolved = tmp_path / "resolved.yaml"
    resolved.write_text(proc.stdout, encoding="utf-8")
    expected = load_case(REPO_ROOT / GOOD_CASE, ["bias.polarity=reverse"])
    assert load_case(resolved) == expected
