"""Campaigns and fits on the optional engines (issue 31 acceptance): a small campaign through a
dask ``LocalCluster`` (2 workers) and through ``mpi4py.futures`` under the venv's ``mpirun -n 3``
gives the same ``campaign.csv`` as the local pool (every column but the members' wall times); a
rerun on another engine reuses every member; a fit through dask equals the local fit to 1e-12.

Each member is ~1 s (60 s of the forward case on a 100 nm mesh). The dask tests are skipped
where dask.distributed is not installed (``pip install .[cluster]``).
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
MPIRUN = Path(sys.executable).parent / "mpirun"
CASE = REPO / "cases" / "reference_forward.yaml"
TINY = {"time.t_end_s": 60, "mesh.h_max_um": 0.1, "output.figures": False,
        "output.vtx": False}
#: Columns that differ between two runs of the same member (timing only).
TIMING = ("wall_time_s",)


def write_campaign(tmp_path: Path) -> Path:
    spec = {"name": "engines", "base": str(CASE), "set": TINY,
            "product": {"bias.field_V_per_um": [2.0, -2.0]}}
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump({"campaign": spec}))
    return path


def campaign(path: Path, out: Path, *options: str, mpi_ranks: int = 0):
    cmd = [sys.executable, str(REPO / "run_case.py"), str(path), "--output", str(out),
           *options]
    if mpi_ranks:
        cmd = [str(MPIRUN), "-n", str(mpi_ranks), sys.executable, "-m", "mpi4py.futures",
               *cmd[1:]]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=REPO)


def rows(out: Path) -> list[dict]:
    """campaign.csv without its timing columns."""
    with (out / "campaign.csv").open() as fh:
        return [{k: v for k, v in r.items() if k not in TIMING} for r in csv.DictReader(fh)]


@pytest.fixture(scope="module")
def local_campaign(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("engines")
    path = write_campaign(tmp)
    out = tmp / "local"
    proc = campaign(path, out, "-j", "2")
    assert proc.returncode == 0, proc.stderr
    return path, out


def test_dask_local_cluster_gives_the_local_campaign_csv_and_a_rerun_reuses(local_campaign,
                                                                            tmp_path):
    pytest.importorskip("distributed")
    path, local = local_campaign
    out = tmp_path / "dask"
    proc = campaign(path, out, "--executor", "dask", "-j", "2", "--quiet")
    assert proc.returncode == 0, proc.stderr
    got, want = rows(out), rows(local)
    assert got == want and all(r["status"] == "completed" for r in got)
    report = json.loads((out / "campaign.json").read_text())
    assert report["executor"] == "dask LocalCluster (2 workers)" and report["ran"] == 2
    assert not list((out / "logs").glob("stop-*"))  # the stop file is removed at the end
    # A rerun on the local pool reuses both members (same reuse keys whatever the engine).
    again = campaign(path, out, "-j", "2", "--quiet")
    assert again.returncode == 0, again.stderr
    assert json.loads((out / "campaign.json").read_text())["reused"] == 2


@pytest.mark.mpi
def test_mpi4py_futures_under_mpirun_3_gives_the_local_campaign_csv(local_campaign, tmp_path):
    path, local = local_campaign
    out = tmp_path / "mpi"
    proc = campaign(path, out, "--executor", "mpi", "--quiet", mpi_ranks=3)
    assert proc.returncode == 0, proc.stderr
    assert rows(out) == rows(local)
    report = json.loads((out / "campaign.json").read_text())
    assert report["executor"] == "mpi4py.futures (2 worker ranks)" and report["ran"] == 2


def fit_file(tmp_path: Path) -> Path:
    """A fit of sources.alpha_br to one made-up L_m at +4 V/µm after 60 s (2-3 model runs)."""
    (tmp_path / "lm.csv").write_text("field_V_per_um,t_s,L_m_um,sigma_um\n4.0,60.0,0.01,0.001\n")
    common = {k: v for k, v in TINY.items() if k != "time.t_end_s"}
    spec = {"name": "enginefit", "base": str(CASE), "set": common,
            "parameters": {"sources.alpha_br": {"initial": 1.3e-5, "min": 1e-7, "max": 1e-3}},
            "data": {"migration_length": {"file": "lm.csv"}},
            "optimizer": {"max_nfev": 2}}
    path = tmp_path / "fit.yaml"
    path.write_text(yaml.safe_dump({"fit": spec}))
    return path


def test_fit_through_dask_equals_the_local_fit(tmp_path):
    pytest.importorskip("distributed")
    path = fit_file(tmp_path)
    results = {}
    for engine in ("local", "dask"):
        out = tmp_path / engine
        cmd = [sys.executable, str(REPO / "run_case.py"), "fit", str(path), "--output",
               str(out), "--executor", engine, "-j", "2", "--quiet"]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=REPO)
        assert proc.returncode == 0, proc.stderr
        results[engine] = json.loads((out / "fit.json").read_text())
    local, dask = results["local"], results["dask"]
    assert dask["runs"]["ran"] == local["runs"]["ran"] > 0  # computed again, not reused
    for key, p in local["parameters"].items():
        assert dask["parameters"][key]["value"] == pytest.approx(p["value"], rel=1e-12, abs=0)
        assert dask["parameters"][key]["standard_error"] == pytest.approx(
            p["standard_error"], rel=1e-12, abs=0)
    assert dask["cost"] == pytest.approx(local["cost"], rel=1e-12, abs=0)
