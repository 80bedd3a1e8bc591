"""Runs shared by several regression modules (session-scoped: each is computed once per pytest
session, and no test writes into them).

- ``forward_600s``: cases/reference_forward.yaml, 600 s on the 50 nm mesh, no figures (VTX
  fields and PL on, the case defaults), serial, in-process: the uninterrupted reference of
  test_restart.py and test_output_locking.py, the serial side of test_mpi.py and the 1D run
  of test_fields_reader.py.
- ``forward_600s_two_ranks``: the same under ``mpirun -n 2`` (test_mpi.py,
  test_fields_reader.py).
- ``wire3d_coarse``: cases/wire3d.yaml on the coarse structured mesh, 0.05 s, no figures,
  serial: the serial side of test_3d.py's 2-rank comparison and the 3D run of
  test_fields_reader.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MPIRUN = Path(sys.executable).parent / "mpirun"
#: Arguments of the shared 1D run (a copy is used by the modules that rerun it).
FORWARD_600S = [str(REPO / "cases" / "reference_forward.yaml"), "--quiet",
                "--set", "time.t_end_s=600", "--set", "mesh.h_max_um=0.05",
                "--set", "output.figures=false"]
#: The coarse 3D wire: 2 x 2 hexahedra across, 50 nm layers, 0.05 s (85 steps).
WIRE3D_COARSE = [str(REPO / "cases" / "wire3d.yaml"), "--set", "mesh.h3d_max_um=0.1",
                 "--set", "mesh.h3d_min_um=0.025", "--set", "mesh.h3d_axial_um=0.05",
                 "--set", "time.t_end_s=0.05", "--set", "output.figures=false", "--quiet"]


def run_case_cli(args: list[str], out: Path, ranks: int = 1,
                 timeout_s: float = 900) -> subprocess.CompletedProcess:
    """``run_case.py ARGS --output OUT`` from the repository root, on ``ranks`` MPI ranks."""
    cmd = [sys.executable, str(REPO / "run_case.py"), *args, "--output", str(out)]
    if ranks > 1:
        cmd = [str(MPIRUN), "-n", str(ranks), *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, cwd=REPO,
                          check=False)


@pytest.fixture(scope="session")
def forward_600s(tmp_path_factory) -> Path:
    from solver.cli import main

    out = tmp_path_factory.mktemp("shared") / "forward_600s"
    assert main([*FORWARD_600S, "--output", str(out)]) == 0
    return out


@pytest.fixture(scope="session")
def forward_600s_two_ranks(tmp_path_factory) -> Path:
    if not MPIRUN.exists():
        pytest.skip("mpirun from the mpich wheel not found")
    out = tmp_path_factory.mktemp("shared") / "forward_600s_two_ranks"
    proc = run_case_cli(FORWARD_600S, out, ranks=2)
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="session")
def wire3d_coarse(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("shared") / "wire3d_coarse"
    proc = run_case_cli(WIRE3D_COARSE, out)
    assert proc.returncode == 0, proc.stderr
    return out
