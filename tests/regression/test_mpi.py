"""The same case under ``mpirun -n 2`` (distributed 1D mesh) gives the serial result."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from solver.io.files import read_profile_csv, read_timeseries_csv

MPIRUN = Path(sys.executable).parent / "mpirun"
ARGS = ["run_case.py", "cases/reference_forward.yaml", "--quiet", "--set", "time.t_end_s=600",
        "--set", "mesh.h_max_um=0.05", "--set", "output.figures=false"]


@pytest.mark.mpi
@pytest.mark.skipif(not MPIRUN.exists(), reason="mpirun from the mpich wheel not found")
def test_two_ranks_match_serial(tmp_path):
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    subprocess.run([sys.executable, *ARGS, "--output", str(serial)], check=True, timeout=600)
    subprocess.run([str(MPIRUN), "-n", "2", sys.executable, *ARGS, "--output", str(parallel)],
                   check=True, timeout=600)
    ts_s = read_timeseries_csv(serial / "timeseries.csv")
    ts_p = read_timeseries_csv(parallel / "timeseries.csv")
    assert len(ts_s["t_s"]) == len(ts_p["t_s"])
    for col in ("t_s", "front_um", "total_br_um", "total_v_um"):
        np.testing.assert_allclose(ts_p[col], ts_s[col], rtol=1e-8, atol=0, err_msg=col)
    _, ps = read_profile_csv(sorted((serial / "profiles").glob("*.csv"))[-1])
    _, pp = read_profile_csv(sorted((parallel / "profiles").glob("*.csv"))[-1])
    np.testing.assert_allclose(pp["z_um"], ps["z_um"], rtol=0, atol=1e-12)
    for col in ("y", "psi_V"):
        np.testing.assert_allclose(pp[col], ps[col], rtol=1e-8, atol=1e-12, err_msg=col)
    np.testing.assert_allclose(pp["x_V"], ps["x_V"], rtol=1e-8, atol=0, err_msg="x_V")
