"""Benchmark: Krylov iterations per Newton step of a 3D wire under 2x mesh refinement (issue 10).

Runs the case with an iterative preset (default ``gmres_twolevel``) on its own mesh and on
meshes refined 2x, 4x, ... in each direction (cross-section cell size ``mesh.h3d_max_um`` and
axial layer ``mesh.h3d_axial_um`` both halved), each as its own ``run_case.py`` process, and
prints per mesh: dofs, steps, Newton iterations, Krylov iterations, Krylov iterations per
Newton step, its growth against the previous mesh (the issue's target: at most 2x), wall time,
L_m and the lateral front spread. With ``--lu`` each mesh is also run with the default direct
solver, and the relative differences of L_m and the spread are printed.

The 4-h runs of cases/wire3d.yaml take about 2 min (1x) and 18 min (2x) on one core with
gmres_twolevel, about the same again with --lu.

    python benchmarks/bench_krylov.py --lu                    # wire3d, 4 h, meshes 1x and 2x
    python benchmarks/bench_krylov.py --levels 2 --lu --set time.t_end_s=1800
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_3d import run

REPO = Path(__file__).resolve().parent.parent


def mesh_sizes(case: str, overrides: list[str]) -> tuple[float, float]:
    """(h3d_max_um, h3d_axial_um) of the case after the overrides."""
    sys.path.insert(0, str(REPO))
    from solver.config import load_case

    m = load_case(REPO / case, overrides).mesh
    if m.h3d_axial_um is None:
        raise SystemExit("bench_krylov needs a structured wire (mesh.h3d_axial_um set)")
    return m.h3d_max_um, m.h3d_axial_um


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("case", nargs="?", default="cases/wire3d.yaml",
                    help="structured 3D wire case (default: cases/wire3d.yaml, 4 h forward)")
    ap.add_argument("--solver", default="gmres_twolevel", help="iterative preset")
    ap.add_argument("--levels", type=int, default=2, help="meshes: 1x, 2x, ... (default 2)")
    ap.add_argument("--ranks", type=int, default=1, help="MPI ranks of every run (default 1)")
    ap.add_argument("--lu", action="store_true", help="also run the default direct solver")
    ap.add_argument("--set", dest="overrides", action="append", default=[],
                    help="case override key=value for every run (repeatable), e.g. "
                    "time.t_end_s=1800")
    ap.add_argument("--out", default=None, help="keep the runs here (default: temporary)")
    a = ap.parse_args(argv)

    h_section, h_axial = mesh_sizes(a.case, a.overrides)
    root = Path(a.out) if a.out else Path(tempfile.mkdtemp(prefix="bench_krylov_"))
    rows, previous = [], None
    for level in range(a.levels):
        f = 2 ** level
        mesh = [f"mesh.h3d_max_um={h_section / f:g}", f"mesh.h3d_axial_um={h_axial / f:g}",
                "mesh.max_cells=100000000", "pl.enabled=false"]
        s = run(a.case, a.ranks, [*a.overrides, *mesh, f"solver.linear_solver={a.solver}"],
                root / f"x{f}_{a.solver}")
        per_newton = s["linear_iterations"] / max(s["newton_iterations"], 1)
        row = {"refinement": f, "dofs": s["n_dofs"], "steps": s["steps"],
               "newton": s["newton_iterations"], "krylov": s["linear_iterations"],
               "krylov_per_newton": round(per_newton, 2),
               "growth": round(per_newton / previous, 2) if previous else None,
               "wall_time_s": round(s["wall_time_s"], 1),
               "L_m_um": s["migration_length_um"],
               "spread_um": s["front_lateral_spread_um"]}
        previous = per_newton
        if a.lu:
            d = run(a.case, a.ranks, [*a.overrides, *mesh], root / f"x{f}_default")
            row.update({
                "direct_solver": d["linear_solver"], "direct_wall_time_s":
                round(d["wall_time_s"], 1),
                "L_m_rel_diff": abs(s["migration_length_um"] / d["migration_length_um"] - 1),
                "spread_rel_diff": abs(s["front_lateral_spread_um"]
                                       / d["front_lateral_spread_um"] - 1)})
        rows.append(row)
        print(json.dumps(row), flush=True)
    keys = list(rows[0])
    print("\n| " + " | ".join(keys) + " |\n|" + "---|" * len(keys))
    for r in rows:
        print("| " + " | ".join("—" if r[k] is None else f"{r[k]:.7g}" if isinstance(r[k], float)
                                else str(r[k]) for k in keys) + " |")
    print(f"\nruns kept in {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
