"""A short 1D run writes the synthetic PL outputs (pl/*.csv, the map, summary.json 'pl')."""

from __future__ import annotations

import json

import numpy as np
import pytest

from solver.cli import main
from solver.io.files import read_timeseries_csv

SHORT = ["--set", "time.t_end_s=600", "--set", "mesh.h_max_um=0.05",
         "--set", "time.output_times_s=[0,300,600]", "--set", "output.vtx=false", "--quiet"]


def test_short_run_writes_pl_outputs(tmp_path):
    out = tmp_path / "fwd"
    assert main(["cases/reference_forward.yaml", "--output", str(out), *SHORT]) == 0
    summary = json.loads((out / "summary.json").read_text())
    pl = summary["pl"]
    assert pl["t_s"] == pytest.approx(600.0)
    assert pl["settings"]["psf_fwhm_um"] == 0.35
    # The PL front lies within a probe step of the true one, and the run moved it forward.
    assert abs(pl["front_um_pl"] - summary["front_position_um"]) < 0.02
    assert pl["migration_length_um"] == pytest.approx(summary["migration_length_um"], abs=1e-9)
    assert pl["migration_length_um_pl"] > 0.0
    waves = read_timeseries_csv(out / "pl" / "pl_wavelength.csv")
    times = np.unique(waves["t_s"])
    assert times.tolist() == [0.0, 300.0, 600.0]
    n_probe = round(7.0 / 0.01) + 1
    assert len(waves["z_um"]) == 3 * n_probe
    assert 419.0 < min(waves["wavelength_nm"]) and max(waves["wavelength_nm"]) < 527.0
    fronts = read_timeseries_csv(out / "pl" / "pl_fronts.csv")
    for col in ("front_um", "front_um_pl", "width_um", "width_um_pl", "max_cl_ahead",
                "max_cl_ahead_pl", "migration_length_um_pl", "width_resolved",
                "width_resolved_pl"):
        assert len(fronts[col]) == 3, col
    # The PL-apparent front (spectrum peak) jumps between two probes: its width is below the
    # 0.01 µm probe spacing and flagged unresolved; the value itself is kept.
    assert np.all(fronts["width_um_pl"] < 0.01) and np.all(fronts["width_resolved_pl"] == 0)
    assert np.all(fronts["width_resolved"] == 1)
    assert pl["width_resolved_pl"] is False and pl["width_um_pl"] < 0.01
    assert pl["settings"]["step_um"] == 0.01
    assert (out / "figures" / "pl_wavelength_map.png").stat().st_size > 0


def test_pl_disabled_writes_nothing(tmp_path):
    out = tmp_path / "off"
    assert main(["cases/reference_forward.yaml", "--output", str(out), *SHORT,
                 "--set", "pl.enabled=false", "--set", "output.figures=false"]) == 0
    assert json.loads((out / "summary.json").read_text())["pl"] == {}
    assert not (out / "pl").exists()
