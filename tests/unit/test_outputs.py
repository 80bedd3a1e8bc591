"""Unit tests of solver.outputs: CSV/JSON round trips and the provenance record."""

import json
import math

import numpy as np
import pytest

from solver.io.files import (
    PROFILE_COLUMNS,
    read_profile_csv,
    read_timeseries_csv,
    write_json,
    write_profile_csv,
    write_timeseries_csv,
)
from solver.io.provenance import provenance


def test_json_round_trip_with_numpy(tmp_path):
    data = {
        "name": "case",
        "L_m_um": np.float64(0.123456789012345),
        "n": np.int64(7),
        "ok": np.bool_(True),
        "profile": np.linspace(0.0, 1.0, 3),
        "nested": {"t": (1.0, 2.0), "bad": float("nan"), "inf": np.inf},
        "path": tmp_path,
    }
    path = write_json(tmp_path / "sub" / "summary.json", data)
    back = json.loads(path.read_text())
    assert back["L_m_um"] == 0.123456789012345
    assert back["n"] == 7 and back["ok"] is True
    assert back["profile"] == [0.0, 0.5, 1.0]
    assert back["nested"] == {"t": [1.0, 2.0], "bad": None, "inf": None}
    assert back["path"] == str(tmp_path)
    assert list((tmp_path / "sub").iterdir()) == [path]  # no temporary file left behind


def test_json_rejects_unknown_types_and_keeps_old_file(tmp_path):
    path = write_json(tmp_path / "a.json", {"x": 1})
    with pytest.raises(TypeError):
        write_json(path, {"x": object()})
    assert json.loads(path.read_text()) == {"x": 1}
    assert len(list(tmp_path.iterdir())) == 1


def test_timeseries_csv_round_trip(tmp_path):
    rows = [
        {"t_s": 0.0, "dt_s": 1e-9, "newton_iterations": 0, "L_m_um": 0.0},
        {"t_s": 1.0 / 3.0, "dt_s": 2e-9, "newton_iterations": 3, "L_m_um": np.float64(1e-3)},
        {"t_s": 2.0, "dt_s": 4e-9, "newton_iterations": 4},  # missing column -> empty -> nan
    ]
    path = write_timeseries_csv(tmp_path / "timeseries.csv", rows)
    lines = path.read_text().splitlines()
    assert lines[0] == "t_s,dt_s,newton_iterations,L_m_um"
    assert lines[1].split(",")[2] == "0"
    assert lines[2].split(",")[0] == "3.3333333333e-01"
    back = read_timeseries_csv(path)
    np.testing.assert_allclose(back["t_s"], [0.0, 1.0 / 3.0, 2.0], rtol=1e-10)
    np.testing.assert_array_equal(back["newton_iterations"], [0, 3, 4])
    assert back["L_m_um"][1] == pytest.approx(1e-3) and math.isnan(back["L_m_um"][2])


def test_timeseries_csv_explicit_columns_and_empty(tmp_path):
    path = write_timeseries_csv(tmp_path / "e.csv", [], columns=["t_s", "L_m_um"])
    assert path.read_text() == "t_s,L_m_um\n"


def test_profile_csv_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    z = np.sort(rng.uniform(0.0, 7.0, 25))
    cols = [z, rng.uniform(0, 1, 25), rng.uniform(0, 1, 25), 10 ** rng.uniform(-9, -6, 25),
            rng.normal(size=25), rng.normal(size=25)]
    path = write_profile_csv(tmp_path / "profiles" / "t0001.csv", *cols, t_s=3600.0)
    lines = path.read_text().splitlines()
    assert lines[0] == "# t_s=3.6000000000e+03"
    assert lines[1] == "z_um,y,x_Br,x_V,psi_V,E_V_per_um"
    assert len(lines) == 27
    t_s, back = read_profile_csv(path)
    assert t_s == 3600.0
    assert tuple(back) == PROFILE_COLUMNS
    for name, col in zip(PROFILE_COLUMNS, cols, strict=True):
        np.testing.assert_allclose(back[name], col, rtol=1e-10, atol=0.0)
    # also readable by plain numpy
    assert np.loadtxt(path, delimiter=",", skiprows=2).shape == (25, 6)


def test_profile_csv_length_mismatch(tmp_path):
    with pytest.raises(ValueError):
        write_profile_csv(tmp_path / "p.csv", [0, 1], [1, 1], [1, 1], [0, 0], [0, 0], [0], 0.0)


def test_provenance_keys():
    info = provenance()
    for key in ("package", "version", "git", "versions", "mpi_size", "hostname",
                "timestamp_utc"):
        assert key in info
    assert isinstance(info["version"], str) and info["version"]
    assert set(info["git"]) == {"commit", "dirty"}
    for key in ("python", "dolfinx", "basix", "ufl", "ffcx", "petsc4py", "petsc", "mpi4py",
                "numpy"):
        assert key in info["versions"]
    assert info["versions"]["python"] and info["versions"]["numpy"]
    assert info["mpi_size"] >= 1
    json.dumps(info)  # serialisable as is


def test_git_info(tmp_path):
    import shutil
    import subprocess

    from solver.io.provenance import git_info

    if shutil.which("git") is None:
        pytest.skip("git not installed")
    assert git_info(tmp_path) == {"commit": None, "dirty": None}
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "f.txt").write_text("a\n")
    assert git_info(tmp_path)["commit"] is None  # no commit yet
    subprocess.run([*git, "-C", str(tmp_path), "add", "f.txt"], check=True)
    subprocess.run([*git, "-C", str(tmp_path), "commit", "-qm", "x"], check=True)
    info = git_info(tmp_path)
    assert len(info["commit"]) == 40 and info["dirty"] is False
    (tmp_path / "f.txt").write_text("b\n")
    assert git_info(tmp_path)["dirty"] is True
    (tmp_path / "ignored").mkdir()
    (tmp_path / ".gitignore").write_text("ignored/\n")
    assert git_info(tmp_path / "ignored") == {"commit": None, "dirty": None}
