"""3D wire: serial vs mpirun -n 2, user meshes (.msh / .vtu) with their tag checks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from solver.io.files import read_profile_csv, read_timeseries_csv

REPO = Path(__file__).resolve().parents[2]
MPIRUN = Path(sys.executable).parent / "mpirun"
COARSE = ["--set", "mesh.h3d_max_um=0.1", "--set", "mesh.h3d_min_um=0.025",
          "--set", "mesh.h3d_axial_um=0.05",
          "--set", "time.t_end_s=0.05", "--set", "output.figures=false", "--quiet"]


def run(args, out, ranks=1):
    cmd = [sys.executable, str(REPO / "run_case.py"), *args, "--output", str(out)]
    if ranks > 1:
        cmd = [str(MPIRUN), "-n", str(ranks), *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=REPO,
                          check=False)


def _assert_same_run(got: Path, ref: Path) -> None:
    """Same time steps, totals and front (1e-8), and the same final profiles (y, psi 1e-8;
    x_V 1e-7) in two output directories."""
    ts_ref = read_timeseries_csv(ref / "timeseries.csv")
    ts_got = read_timeseries_csv(got / "timeseries.csv")
    assert len(ts_ref["t_s"]) == len(ts_got["t_s"])
    for col in ("t_s", "total_br_um", "total_v_um", "front_um"):
        np.testing.assert_allclose(ts_got[col], ts_ref[col], rtol=1e-8, err_msg=col)
    _, p_ref = read_profile_csv(max((ref / "profiles").glob("*.csv")))
    _, p_got = read_profile_csv(max((got / "profiles").glob("*.csv")))
    for col in ("y", "psi_V"):
        np.testing.assert_allclose(p_got[col], p_ref[col], rtol=1e-8, atol=1e-10, err_msg=col)
    np.testing.assert_allclose(p_got["x_V"], p_ref["x_V"], rtol=1e-7, err_msg="x_V")


@pytest.mark.mpi
@pytest.mark.skipif(not MPIRUN.exists(), reason="mpirun from the mpich wheel not found")
def test_3d_two_ranks_match_serial(tmp_path, wire3d_coarse):
    """The serial side is the session's shared coarse 3D run (conftest.py, WIRE3D_COARSE: the
    same arguments as COARSE here)."""
    serial, parallel = wire3d_coarse, tmp_path / "p"
    proc = run(["cases/wire3d.yaml", *COARSE], parallel, ranks=2)
    assert proc.returncode == 0, proc.stderr
    _assert_same_run(parallel, serial)
    s = json.loads((parallel / "summary.json").read_text())
    assert s["provenance"]["mpi_size"] == 2 if "mpi_size" in s["provenance"] else True
    assert np.isfinite(s["front_lateral_spread_um"])
    assert (s["cell_type"], s["flux_scheme"]) == ("hexahedron", "exponential_fitting")
    assert (parallel / "fields" / "state.bp").is_dir()


@pytest.mark.slow
@pytest.mark.mpi
@pytest.mark.skipif(not MPIRUN.exists(), reason="mpirun from the mpich wheel not found")
def test_3d_two_level_krylov_matches_lu(tmp_path):
    """In the slow suite (four 3D runs, three on 2 ranks, ~40 CPU-s). The default suite keeps
    the preset's answer = LU's (tests/unit/test_linear_solvers.py,
    test_every_preset_gives_the_lu_answer[gmres_twolevel], to 1e-8), its coarse space
    (tests/unit/test_coarse_space.py) and 2 ranks = serial in 3D (test_3d_two_ranks_match_serial
    above); what only this test measures is the 3D 2-rank iteration count against ILU(0) alone.

    gmres_twolevel (GMRES; Schwarz ILU(0) smoothing + cross-section coarse space) on 2
    ranks gives serial LU's answer, and its coarse space keeps the Krylov iterations per
    Newton step few: without it (Schwarz/ILU(0) alone) the same run needs many more.

    Both sides converge Newton to 1e-11, so that what is compared is the linear solver. Solved
    accurately (ksp_rtol 1e-10) the run is LU's to 1e-8, time steps included. The preset's
    own inexact solves (ksp_rtol 1e-3) leave the iterate an error the update-based Newton test
    does not see (~1e-10), which the step-size controller amplifies into step sizes that differ
    by up to 5e-8 relative (a difference d of the solutions changes the next step by about
    d / (3 time.tol_y) ~ 170 d); its results at the end time must still equal LU's to 1e-8.
    """
    lu, exact, krylov, local = (tmp_path / k for k in ("lu", "exact", "k", "ilu"))
    tight = ["--set", "solver.newton_stol=1e-11"]
    assert run(["cases/wire3d.yaml", *COARSE, *tight], lu).returncode == 0
    twolevel = ["--set", "solver.linear_solver=gmres_twolevel", *tight]
    proc = run(["cases/wire3d.yaml", *COARSE, *twolevel, "--set",
                "solver.petsc_options.ksp_rtol=1e-10"], exact, ranks=2)
    assert proc.returncode == 0, proc.stderr
    _assert_same_run(exact, lu)
    proc = run(["cases/wire3d.yaml", *COARSE, *twolevel], krylov, ranks=2)
    assert proc.returncode == 0, proc.stderr
    s = json.loads((krylov / "summary.json").read_text())
    ref = json.loads((lu / "summary.json").read_text())
    assert s["linear_solver"] == "gmres_twolevel"
    assert s["t_final_s"] == ref["t_final_s"]
    for key in ("migration_length_um", "front_position_um", "total_br_final_um",
                "total_vacancy_final_um"):
        assert s[key] == pytest.approx(ref[key], rel=1e-8), key
    per_newton = s["linear_iterations"] / s["newton_iterations"]
    assert run(["cases/wire3d.yaml", *COARSE, "--set",
                "solver.linear_solver=gmres_asm", "--set", "solver.petsc_options.pc_asm_overlap=0",
                "--set", "solver.petsc_options.sub_pc_factor_levels=0"], local,
               ranks=2).returncode == 0
    s_local = json.loads((local / "summary.json").read_text())
    per_newton_local = s_local["linear_iterations"] / s_local["newton_iterations"]
    assert per_newton < 0.5 * per_newton_local, (per_newton, per_newton_local)


def _write_mesh(path: Path):
    """Generate the coarse wire with gmsh and write it (the .msh path)."""
    import gmsh

    from solver.mesh.gmsh_nanowire import build_model

    gmsh.initialize()
    gmsh.option.setNumber("General.Terminal", 0)
    gmsh.model.add("w")
    build_model(gmsh, length=7.0, width=0.2, height=0.2, electrodes=((0.0, 1.5), (5.5, 7.0)),
                interface=3.5, h_max=0.1, h_min=0.025, grading_distance=0.3)
    gmsh.write(str(path))
    gmsh.finalize()


#: The user-mesh runs: the first ~10 steps (from dt_initial_s = 1 ns), enough for the two files
#: of one mesh to give one result (to 1e-12), not the 80 steps of 0.01 s (~11 CPU-s each).
USER_MESH_RUN = ["--set", "time.t_end_s=1e-6", "--set", "output.vtx=false"]


def test_user_msh_and_vtu_meshes(tmp_path):
    msh = tmp_path / "wire.msh"
    _write_mesh(msh)
    out = tmp_path / "from_msh"
    args = ["cases/wire3d.yaml", *COARSE, *USER_MESH_RUN, "--set", f"mesh.file={msh}"]
    proc = run(args, out)
    assert proc.returncode == 0, proc.stderr
    import meshio

    m = meshio.read(msh)
    phys = m.cell_data_dict["gmsh:physical"]
    names = {name: int(tag) for name, (tag, dim) in m.field_data.items()}
    ids = {"zone_left": 1, "zone_right": 2, "gap": 3, "contact_left": 1, "contact_right": 2,
           "free_surface": 3}
    inv = {(int(tag), int(dim)): ids[name] for name, (tag, dim) in m.field_data.items()}
    tets = m.cells_dict["tetra"]
    tris = m.cells_dict["triangle"]
    ctag = np.array([inv[(t, 3)] for t in phys["tetra"]], dtype=np.int32)
    ftag = np.array([inv[(t, 2)] for t in phys["triangle"]], dtype=np.int32)
    assert names
    vtu = tmp_path / "wire.vtu"
    meshio.write(vtu, meshio.Mesh(m.points, [("tetra", tets), ("triangle", tris)],
                                  cell_data={"cell_tags": [ctag, np.zeros(len(tris), np.int32)],
                                             "facet_tags": [np.zeros(len(tets), np.int32), ftag]}))
    out2 = tmp_path / "from_vtu"
    proc2 = run(["cases/wire3d.yaml", *COARSE, *USER_MESH_RUN, "--set", f"mesh.file={vtu}"],
                out2)
    assert proc2.returncode == 0, proc2.stderr
    a = json.loads((out / "summary.json").read_text())
    b = json.loads((out2 / "summary.json").read_text())
    assert a["n_cells"] == b["n_cells"]
    assert a["steps"] == b["steps"] > 5 and a["newton_iterations"] == b["newton_iterations"]
    # Tetrahedra: exponential fitting (the case default) with edge-averaged fluxes, no fallback.
    assert (a["cell_type"], a["flux_scheme"]) == ("tetrahedron", "exponential_fitting")
    assert "uses galerkin fluxes" not in proc.stderr
    assert abs(a["total_br_final_um"] - b["total_br_final_um"]) < 1e-12 * a["total_br_final_um"]
    # Missing tags: one-line error, exit 2
    bad = tmp_path / "bad.vtu"
    meshio.write(bad, meshio.Mesh(m.points, [("tetra", tets)]))
    proc3 = run(["cases/wire3d.yaml", *COARSE, "--set", f"mesh.file={bad}"], tmp_path / "bad")
    assert proc3.returncode == 2 and "cell_tags" in proc3.stderr
    assert "Traceback" not in proc3.stderr
