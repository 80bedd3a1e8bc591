"""Edge-by-edge assembly of the box-hexahedron fluxes (solver/numerics/edge_assembly.py).

The edge path must be the cell kernels' scheme to round-off (residual and Jacobian at a
perturbed state), must be chosen only where it is exact (rectangular boxes, serial, constant
temperature), and a run with it must give the cell kernels' answer.
"""

import json
from pathlib import Path

import numpy as np
import pytest
from mpi4py import MPI

from solver.cli import main
from solver.config import load_case
from solver.numerics.edge_assembly import box_hexahedra
from solver.run import build_problem

REPO_ROOT = Path(__file__).resolve().parents[2]
WIRE3D = str(REPO_ROOT / "cases" / "wire3d.yaml")
COARSE = ["mesh.h3d_max_um=0.1", "mesh.h3d_min_um=0.025", "mesh.h3d_axial_um=0.05"]


def problem(*overrides):
    return build_problem(load_case(WIRE3D, [*COARSE, *overrides]), MPI.COMM_WORLD)[0]


def assembled(p, perturbation):
    """Residual and dense Jacobian through the Newton solver's own callbacks, at the initial
    state plus ``perturbation`` with the contact potentials kept."""
    p.initialise()
    p.w.x.array[:] += perturbation
    p.impose_boundary_values()
    p.bdf.set(0.5, None, 1)
    x = p.w.x.petsc_vec.copy()
    b = x.duplicate()
    p.newton.reuse_jacobian = False
    p.newton._residual(None, x, b)
    p.newton._jacobian(None, x, p.jacobian_matrix, None)
    return b.array.copy(), p.jacobian_matrix.convert("dense").getDenseArray().copy()


def test_edge_and_cell_assembly_agree_to_round_off():
    edge, cell = problem(), problem("solver.edge_assembly=false")
    assert edge.edge_fluxes is not None and cell.edge_fluxes is None
    rng = np.random.default_rng(3)
    perturbation = 0.05 * rng.standard_normal(edge.w.x.array.size)
    b_e, a_e = assembled(edge, perturbation)
    b_c, a_c = assembled(cell, perturbation)
    assert np.abs(b_c).max() > 0 and np.abs(a_c).max() > 0
    assert np.abs(b_e - b_c).max() <= 1e-12 * np.abs(b_c).max()
    assert np.abs(a_e - a_c).max() <= 1e-12 * np.abs(a_c).max()


def test_box_detection():
    p = problem()
    msh = p.W.mesh
    ok, volume, h = box_hexahedra(msh)
    assert ok and np.all(volume > 0)
    np.testing.assert_allclose(volume, np.prod(h, axis=1))
    # Shear the wire (x += 0.3 z): parallelepipeds, not boxes, so the cell kernels are used.
    x = msh.geometry.x
    saved = x.copy()
    try:
        x[:, 0] += 0.3 * x[:, 2]
        assert not box_hexahedra(msh)[0]
    finally:
        x[:] = saved


def test_cell_kernels_where_edges_do_not_apply():
    assert problem("temperature.protocol=[{kind: square, duration_s: 100.0, period_s: 50.0, "
                   "duty: 0.5, T_high_K: 310.0, T_low_K: 300.0}]").edge_fluxes is None
    assert problem("solver.edge_assembly=false").edge_fluxes is None


@pytest.mark.slow
def test_short_run_same_answer(tmp_path):
    """In the slow suite (two 3D runs of 2 s, ~11 CPU-s). The default suite keeps: the residual
    and Jacobian of both paths equal to 1e-12 at a perturbed state
    (test_edge_and_cell_assembly_agree_to_round_off: the same Newton iterates, so the same run),
    the edge path's run pinned to 1e-10 (tests/regression/test_reference_values.py, wire3d),
    and the 3D 'auto' Newton settings (tests/unit/test_cli_usability.py,
    test_check_resolves_the_auto_newton_settings)."""
    runs = {}
    for edges in ("true", "false"):
        sets = [*COARSE, "time.t_end_s=2", "output.figures=false", "output.vtx=false",
                "pl.enabled=false", f"solver.edge_assembly={edges}"]
        out = tmp_path / edges
        args = [WIRE3D, "--quiet", "--output", str(out)]
        for o in sets:
            args += ["--set", o]
        assert main(args) == 0
        runs[edges] = json.loads((out / "summary.json").read_text())
    edge, cell = runs["true"], runs["false"]
    assert (edge["flux_assembly"], cell["flux_assembly"]) == ("edges", "cells")
    assert edge["jacobian_reuse_steps"] == cell["jacobian_reuse_steps"] == 20  # auto in 3D
    assert edge["newton_stol"] == cell["newton_stol"] == 1e-6  # auto in 3D
    assert edge["steps"] == cell["steps"] > 10
    for key in ("migration_length_um", "total_br_final_um", "total_vacancy_final_um"):
        assert edge[key] == pytest.approx(cell[key], rel=1e-9, abs=1e-14), key
