"""Everyday use of run_case.py: --help, --list-presets, --check with units, logging levels."""

from __future__ import annotations

import contextlib
import io
import logging
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from solver.cli import main
from solver.logging_setup import get_logger, setup_logging

REPO_ROOT = Path(__file__).resolve().parents[2]
GOOD_CASE = str(REPO_ROOT / "cases" / "reference_forward.yaml")
OPTIONS = ("--set", "--output", "--check", "--list-presets", "--print-schema", "--quiet",
           "--log-level", "--jobs", "--force", "--restart", "--help")


def run_main(argv):
    """main(argv) -> (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_help_lists_every_option_and_exit_codes():
    code, out, _ = run_main(["--help"])
    assert code == 0
    for option in OPTIONS:
        assert option in out, option
    for text in ("exit codes", "2 invalid input", "3 solver failure", "4 interrupted"):
        assert text in out
    usage = out[:out.index("\n\n")]  # the usage lines name every form, fits included
    assert "run_case.py fit FIT" in usage and "CAMPAIGN" in usage and "CASE" in usage


def test_list_presets_shows_cases_campaigns_and_fits_with_descriptions():
    code, out, _ = run_main(["--list-presets"])
    assert code == 0
    for sub, top in (("cases", None), ("campaigns", "campaign"), ("fits", "fit")):
        paths = sorted((REPO_ROOT / sub).glob("*.yaml"))
        assert paths, sub
        for path in paths:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            if top:
                data = data[top]
            line = next(ln for ln in out.splitlines() if f"{sub}/{path.name}" in ln)
            assert " ".join(str(data.get("description", "")).split())[:40] in line


def test_check_prints_derived_parameters_with_units(tmp_path):
    code, out, err = run_main([GOOD_CASE, "--check", "--output", str(tmp_path / "never")])
    assert code == 0 and not err
    block = out[out.index("# derived parameters"):]
    for fragment in ("thermal voltage k_BT/e       25.852 mV", "Debye length at x_ref",
                     " nm ", "hop rate w_Br", " 1/s", "hop rate w_Cl",
                     "applied voltage |dpsi|       16 V", "left contact potential       8 V",
                     "mesh cells                   916   (exact)", "cm^2/s"):
        assert fragment in block, fragment
    assert all(ln.startswith("#") for ln in block.splitlines())
    assert not (tmp_path / "never").exists()
    assert yaml.safe_load(out)["checkpoint"] == {"every_steps": 100, "every_minutes": 10.0}


@pytest.mark.parametrize("case, overrides, expected", [
    (GOOD_CASE, [], {"Newton step tolerance": "1e-06   (solver.newton_stol = auto)",
                     "Jacobian reuse steps": "0   (solver.jacobian_reuse_steps = auto, 1D)"}),
    (str(REPO_ROOT / "cases" / "wire3d.yaml"), [],
     {"Newton step tolerance": "1e-06   (solver.newton_stol = auto)",
      "Jacobian reuse steps": "20   (solver.jacobian_reuse_steps = auto, 3D)"}),
    (GOOD_CASE, ["--set", "solver.newton_stol=1e-8", "--set", "solver.jacobian_reuse_steps=3"],
     {"Newton step tolerance": "1e-08", "Jacobian reuse steps": "3"}),
])
def test_check_resolves_the_auto_newton_settings(tmp_path, case, overrides, expected):
    """--check prints what a run resolves 'auto' to (newton.NEWTON_STOL_AUTO,
    JACOBIAN_REUSE_STEPS_AUTO), not 'auto' alone; a number given in the case is echoed."""
    code, out, err = run_main([case, "--check", *overrides, "--output", str(tmp_path / "n")])
    assert code == 0 and not err
    for name, value in expected.items():
        (line,) = [ln for ln in out.splitlines() if ln.startswith(f"#   {name} ")]
        assert line[len(f"#   {name}"):].strip() == value, line


@pytest.mark.parametrize("level, quiet, shown", [
    (None, False, {"INFO", "WARNING"}), (None, True, {"WARNING"}),
    ("debug", True, {"DEBUG", "INFO", "WARNING"}), ("error", False, set()),
])
def test_log_levels(level, quiet, shown):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        setup_logging(level, quiet, rank=0)
        log = get_logger("test")
        log.debug("DEBUG line")
        log.info("INFO line")
        log.warning("WARNING line")
    got = {w for w in ("DEBUG", "INFO", "WARNING") if f"{w} line" in err.getvalue()}
    assert got == shown
    setup_logging(None, True, rank=1)
    assert get_logger().getEffectiveLevel() == logging.CRITICAL  # other ranks stay silent


def test_run_logs_progress_lines_unless_quiet(tmp_path):
    """Non-interactive stderr: one log line per output time, nothing under --quiet."""
    args = [GOOD_CASE, "--set", "time.t_end_s=1e-5", "--set", "time.output_times_s=[0,5e-6,1e-5]",
            "--set", "output.figures=false", "--set", "output.vtx=false",
            "--set", "mesh.h_max_um=0.05"]
    proc = subprocess.run([sys.executable, "run_case.py", *args, "--output", str(tmp_path / "a")],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "INFO reference_forward: 520 cells (P1), 1 MPI rank(s)" in proc.stderr
    assert "INFO t = 5e-06 s (50%)" in proc.stderr and "INFO t = 1e-05 s (100%)" in proc.stderr
    assert "reference_forward: L_m = " in proc.stdout  # the summary line
    proc = subprocess.run([sys.executable, "run_case.py", *args, "--output", str(tmp_path / "b"),
                           "--quiet"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 0 and proc.stderr == "" and proc.stdout == ""


@pytest.mark.parametrize("args", [
    [GOOD_CASE, "--check"], ["--list-presets"], ["--help"], [GOOD_CASE, "--check", "--quiet"],
])
def test_closed_stdout_ends_quietly(args, tmp_path):
    """``run_case.py CASE --check | head -1``: the reader closes the pipe before anything is
    written; the command exits 0 (solver/exit_codes.py) with nothing on stderr (before: PETSc's
    SIGPIPE handler, "Caught signal number 13 Broken Pipe", MPI_Abort, exit 15)."""
    proc = subprocess.Popen([sys.executable, "run_case.py", *args, "--output",
                             str(tmp_path / "never")] if "--check" in args else
                            [sys.executable, "run_case.py", *args],
                            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # long before the interpreter has started
    try:
        err = proc.stderr.read().decode(errors="replace")
        code = proc.wait(timeout=120)
    finally:
        proc.kill()
    assert code == 0, err
    assert err == "", err
    assert not (tmp_path / "never").exists()


def test_check_of_a_body_shows_its_own_parameters_not_the_wires(capsys):
    """--check on a nanocrystal: its size, S/V, the light at the beam centre and the surface
    rates at T; no gap, bias or contact potentials (a body has none); halides by the pair's
    names (w_I, CsPbI3 for Br/I)."""
    from solver.cli import main

    assert main(["cases/nc_expulsion_003.yaml", "--check"]) == 0
    out = capsys.readouterr().out
    for text in ("sphere radius 3V/S", "surface to volume S/V", "carrier density there",
                 "expulsion rate k_out", "refill rate k_in", "hop rate w_I",
                 "x_V,I (pure CsPbI3)"):
        assert text in out, text
    for text in ("gap between contact lines", "applied voltage", "contact potential",
                 "Debye length", "w_Cl"):
        assert text not in out, text
