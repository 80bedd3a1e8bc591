"""The same case under ``mpirun -n 2`` (distributed 1D mesh) gives the serial result.

Both runs are the session's shared ones (tests/regression/conftest.py: reference_forward, 600 s,
50 nm mesh), also read by test_fields_reader.py and test_restart.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from solver.io.files import read_profile_csv, read_timeseries_csv

MPIRUN = Path(sys.executable).parent / "mpirun"


@pytest.mark.mpi
@pytest.mark.skipif(not MPIRUN.exists(), reason="mpirun from the mpich wheel not found")
def test_two_ranks_match_serial(forward_600s, forward_600s_two_ranks):
    serial, parallel = forward_600s, forward_600s_two_ranks
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
