"""Every shipped case runs end to end through the CLI and writes every promised output."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from solver.cli import main
from solver.io.files import read_profile_csv, read_timeseries_csv
from solver.model.species import HALIDE_PAIRS, output_names

CASES = sorted(Path("cases").glob("*.yaml"))
SHORT = ["--set", "time.t_end_s=600", "--set", "mesh.h_max_um=0.05", "--quiet",
         "--set", "output.figures=true", "--set", "output.vtx=true"]


# 3D cases: a coarse structured mesh and a short horizon (the full 3D run is a benchmark).
SHORT_3D = ["--set", "time.t_end_s=0.05", "--set", "mesh.h3d_axial_um=0.05", "--quiet"]


def t_end_of(case: Path) -> float:
    return 0.05 if is_3d(case) else 600.0


def is_3d(case: Path) -> bool:
    data = yaml.safe_load(case.read_text(encoding="utf-8")) or {}
    return (data.get("geometry") or {}).get("dimension") == 3


def short_args(case: Path) -> list[str]:
    """SHORT (SHORT_3D), plus output times inside the shortened run for cases that list them."""
    data = yaml.safe_load(case.read_text(encoding="utf-8")) or {}
    args = list(SHORT_3D if is_3d(case) else SHORT)
    if "output_times_s" in (data.get("time") or {}):
        t = t_end_of(case)
        args += ["--set", f"time.output_times_s=[0,{t / 2},{t}]"]
    return args


#: Cases that differ from another case here only in a number (temperature.T_K from
#: thermal_75C): their outputs are written by the same paths, and their runs are checked in the
#: default suite by the gold values (test_reference_values.py); they run here in the slow suite.
SAME_PATHS_AS_ANOTHER = {"thermal_100C", "thermal_125C"}


def _case_param(case: Path):
    marks = [pytest.mark.slow] if case.stem in SAME_PATHS_AS_ANOTHER else []
    return pytest.param(case, id=case.stem, marks=marks)


@pytest.mark.parametrize("case", [_case_param(c) for c in CASES])
def test_case_runs_and_writes_outputs(case, tmp_path):
    out = tmp_path / case.stem
    assert main([str(case), "--output", str(out), *short_args(case)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    if "body" in summary:
        _check_body_outputs(case, out, summary)
        return
    pair = HALIDE_PAIRS[summary["case"]["material"]["halides"]]
    for key in ("migration_length_um", "front_position_um", output_names(pair)["uptake"],
                "total_br_relative_drift", "steps", "newton_iterations", "wall_time_s",
                "provenance", "case"):
        assert key in summary, key
    assert summary["status"] == "completed"
    assert summary["t_final_s"] == pytest.approx(t_end_of(case))
    # Setup (mesh, problem, forms) is part of the run's wall time.
    assert 0.0 < summary["setup_time_s"] < summary["wall_time_s"]
    assert summary["provenance"]["versions"]["dolfinx"].startswith("0.11")
    ts = read_timeseries_csv(out / "timeseries.csv")
    for col in ("t_s", "front_um", "migration_length_um", "total_br_um", "total_v_um",
                "x_v_min", "x_v_max", "dt_s", "newton_iterations"):
        assert col in ts, col
    profiles = sorted((out / "profiles").glob("*.csv"))
    assert len(profiles) == len(summary["case"]["time"]["output_times_s"])
    t, prof = read_profile_csv(profiles[-1])
    assert t == pytest.approx(t_end_of(case))
    assert set(prof) >= {"z_um", "y", "x_Br", "x_V", "psi_V", "E_V_per_um"}
    for fig in ("profiles.png", "migration_length.png", "diagnostics.png"):
        assert (out / "figures" / fig).stat().st_size > 1000
    assert (out / "fields" / "state.bp").is_dir()
    # Physics sanity per case.
    L_m = summary["migration_length_um"]
    if case.stem == "reference_forward":
        assert L_m > 0.01
    if case.stem == "no_sources":
        assert abs(L_m) < 1e-3 and abs(summary["total_br_relative_drift"]) < 1e-8
    assert math.isfinite(L_m)


def _check_body_outputs(case: Path, out: Path, summary: dict) -> None:
    """A nanocrystal or film: its observables instead of a front (docs/nanocrystals.md)."""
    assert summary["status"] == "completed"
    assert summary["t_final_s"] == pytest.approx(t_end_of(case))
    for key in ("y_mean", "x_v_mean", "pl_peak_nm"):
        assert math.isfinite(summary["body"][key]), key
        assert math.isfinite(summary["body_initial"][key]), key
    ts = read_timeseries_csv(out / "timeseries.csv")
    for col in ("t_s", "y_mean", "x_v_mean", "pl_peak_nm", "inventory", "dt_s",
                "newton_iterations"):
        assert col in ts, col
    t, prof = read_profile_csv(sorted((out / "profiles").glob("*.csv"))[-1])
    assert t == pytest.approx(t_end_of(case))
    assert set(prof) >= {"z_um", "y", "x_V", "theta"}
    for fig in ("profiles.png", "body_timeseries.png", "diagnostics.png"):
        assert (out / "figures" / fig).stat().st_size > 1000
    assert not (out / "figures" / "migration_length.png").exists()
    assert (out / "fields" / "state.bp").is_dir()
    # The light moved iodide out: the PL peak moved towards CsPbBr3 (shorter wavelength).
    assert summary["body"]["pl_peak_nm"] < summary["body_initial"]["pl_peak_nm"]


def test_zone_options_run(tmp_path):
    """The zone options (potential imposed over the electrode zones, zone sources) run and
    still move the front forward."""
    out = tmp_path / "zone"
    argv = ["cases/reference_forward.yaml", "--output", str(out), *SHORT,
            "--set", "electrodes.potential_on=zone", "--set", "sources.model=zone"]
    assert main(argv) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["migration_length_um"] > 0.01


def test_solver_failure_exits_3_and_keeps_outputs(tmp_path, capsys):
    """A Newton failure below dt_min exits 3, says what failed, and still writes the outputs up
    to the last good state (summary marked failed)."""
    out = tmp_path / "fail"
    argv = ["cases/reference_forward.yaml", "--output", str(out), *SHORT,
            "--set", "solver.newton_max_it=1", "--set", "time.dt_min_s=1e-9"]
    assert main(argv) == 3
    err = capsys.readouterr().err
    assert "Newton failed" in err and "dt_min" in err and "Traceback" not in err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "failed" and "Newton failed" in summary["message"]
    assert (out / "timeseries.csv").exists()
    assert any((out / "profiles").glob("*.csv"))


def test_a_crystal_without_the_first_halide_runs_to_a_summary(tmp_path):
    """Seed 002's CsPbCl3 starts with no Br (y = 0): the run completes and its relative Br drift
    is nan (was: ZeroDivisionError while writing summary.json)."""
    case = tmp_path / "plate.yaml"
    case.write_text(yaml.safe_dump({
        "name": "plate", "material": {"halides": "Br/Cl"},
        "body": {"kind": "nanocrystal", "edges_nm": [19, 19, 4], "reduction": "slab",
                 "y_initial": 0.0},
        "surfaces": [{"kind": "solution", "concentration_mol_per_L": 1.0,
                      "rate_constant_um_per_s_per_M": 1e-5}],
        "time": {"t_end_s": 1.0}, "output": {"vtx": False, "figures": False}}))
    out = tmp_path / "out"
    assert main([str(case), "--output", str(out), "--quiet"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "completed"
    assert summary["total_br_initial_um"] == 0.0 and summary["total_br_final_um"] > 0.0
    assert summary["total_br_relative_drift"] is None  # nan, written as null


def test_a_body_reports_the_halide_it_lost(tmp_path):
    """An expelling crystal with loss (sublimation): timeseries.csv's lost_per_volume is what
    lattice and inventory no longer hold; each vacancy is an expelled iodide, held or lost, so
    lost = x_V - x_V(0) - inventory/volume, and it grows."""
    case = tmp_path / "nc.yaml"
    case.write_text(yaml.safe_dump({
        "name": "nc", "material": {"halides": "Br/I"},
        "body": {"kind": "nanocrystal", "edge_nm": 23.0, "y_initial": 0.4},
        "light": {"irradiance_W_per_cm2": 50.0},
        "surfaces": [{"kind": "expulsion", "light_rate_um_per_s": 1e-6,
                      "refill_rate_per_s": 0.1, "loss_rate_per_s": 0.01}],
        "time": {"t_end_s": 300.0}, "output": {"vtx": False, "figures": False}}))
    out = tmp_path / "out"
    assert main([str(case), "--output", str(out), "--quiet"]) == 0
    ts = read_timeseries_csv(out / "timeseries.csv")
    lost = np.asarray(ts["lost_per_volume"])
    expected = (np.asarray(ts["x_v_mean"]) - ts["x_v_mean"][0]
                - np.asarray(ts["inventory_per_volume"]))
    assert lost[-1] > 1e-3 and np.all(np.diff(lost) > -1e-12)
    assert np.max(np.abs(lost - expected)) < 1e-9
