"""Generate docs/validation_3d_convergence.md: mesh convergence of the 3D wire (issue 10).

One command (runs or resumes ``campaigns/wire3d_convergence.yaml`` first, about 1.5 h on one
core; the finest mesh dominates):

    python -m validation.wire3d_convergence [--results results] [--jobs 1] [--no-run]

The 200 nm wire of ``cases/wire3d.yaml`` at +4 V/µm for 4 h on three meshes refined together
across the section and along the wire. For each quantity (migration length L_m, lateral front
spread, cross-section-averaged front width) the report gives the three values, the observed
order and the Richardson-extrapolated value with its fine-grid convergence index
(solver/analysis/richardson.py). Every number is computed here from the member summaries and
profiles.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from solver.analysis import observables
from solver.analysis.richardson import richardson
from solver.io.files import read_profile_csv
from validation.common import commit_text, report_arguments, report_provenance, run_campaigns

CAMPAIGN = "wire3d_convergence"
#: (member, cell size across the section [nm], axial layer [nm]), coarse to fine.
MESHES = (("h100nm_ax10nm", 100.0, 10.0), ("h67nm_ax6.7nm", 66.6667, 6.66667),
          ("h50nm_ax5nm", 50.0, 5.0))
#: Diagnostic member (not in the sequence): the middle section with the coarse axial layers.
DIAGNOSTIC = ("h67nm_ax10nm", 66.6667, 10.0)


def summary(root: Path, name: str) -> dict:
    """summary.json of member ``name``."""
    return json.loads((root / name / "summary.json").read_text())


def front_width_nm(root: Path, name: str, s: dict) -> float:
    """Width (y = 0.2 to 0.9) of the final cross-section-averaged front [nm]."""
    path = max((root / name / "profiles").glob("t_*.csv"))
    _, prof = read_profile_csv(path)
    z, y = np.asarray(prof["z_um"]), np.asarray(prof["y"])
    return 1e3 * observables.sharpness(z, y, s["front_position_um"])


def displaced_br_um(root: Path, name: str, s: dict) -> float:
    """Br displaced from the Br-rich part of the gap, ∫(y0 − y) dz from the left electrode's
    end to the initial interface [µm], from the first and last cross-section-averaged profiles:
    the integral counterpart of L_m, insensitive to the shape of the averaged front."""
    files = sorted((root / name / "profiles").glob("t_*.csv"))
    _, p0 = read_profile_csv(files[0])
    _, p1 = read_profile_csv(files[-1])
    z, y = np.asarray(p1["z_um"]), np.asarray(p1["y"])
    y0 = np.interp(z, np.asarray(p0["z_um"]), np.asarray(p0["y"]))
    lo = s["case"]["electrodes"]["left"]["end_um"]
    hi = s["case"]["geometry"]["interface_um"]
    sel = (z >= lo) & (z <= hi)
    return float(np.trapezoid((y0 - y)[sel], z[sel]))


def quantity_rows(label: str, unit: str, values: list[float], h: tuple) -> list[str]:
    """Table row of one quantity on the three meshes (cell sizes ``h`` [nm]): values, observed
    order, Richardson-extrapolated value and GCI (or spread when not monotone)."""
    ex = richardson(h, tuple(values))
    order = f"{ex.order:.2f}" if ex.monotone else "— (not monotone)"
    bound = (f"GCI {100 * ex.gci_fine:.1f}%" if ex.monotone
             else f"spread {100 * ex.gci_fine:.1f}%")
    return [f"| {label} [{unit}] | " + " | ".join(f"{v:.4g}" for v in values)
            + f" | {order} | {ex.extrapolated:.4g} | {bound} |"]


def main(argv=None) -> int:
    """Run or resume the campaign and write docs/validation_3d_convergence.md.

    Returns:
        0, or 1 (nothing written) if a member of the sequence has not completed.
    """
    args = report_arguments(__doc__, "validation_3d_convergence.md", argv,
                            prog="python -m validation.wire3d_convergence")
    root = Path(args.results) / CAMPAIGN
    if not args.no_run:
        run_campaigns((CAMPAIGN,), Path(args.results), args.jobs)
    sums = [summary(root, name) for name, _, _ in MESHES]
    bad = [name for (name, _, _), s in zip(MESHES, sums, strict=True) if s["status"] != "completed"]
    if bad:
        print(f"error: members not completed: {', '.join(bad)}", file=sys.stderr)
        return 1
    h = tuple(hs for _, hs, _ in MESHES)
    lm = [s["migration_length_um"] for s in sums]
    spread = [1e3 * s["front_lateral_spread_um"] for s in sums]
    width = [front_width_nm(root, name, s) for (name, _, _), s in zip(MESHES, sums, strict=True)]
    displaced = [displaced_br_um(root, name, s)
                 for (name, _, _), s in zip(MESHES, sums, strict=True)]
    lines = [*header_lines(report_provenance()), *mesh_rows(root, sums)]
    diag_name = DIAGNOSTIC[0]
    diag = summary(root, diag_name) if (root / diag_name / "summary.json").is_file() else None
    if diag is not None and diag["status"] == "completed":
        rss = diag.get("peak_rss_MB_per_rank") or [float("nan")]
        lines.append(
            f"| {diag_name} (diagnostic) | 3 x 3 | 10 | {diag['n_cells']} | {diag['n_dofs']} | "
            f"{diag['steps']} | {diag['newton_iterations']} | {diag['linear_solver']} | "
            f"{diag['wall_time_s']:.0f} | {max(rss):.0f} |")
    lines += [
        "",
        "## Quantities",
        "",
        "| quantity | 100 nm | 66.7 nm | 50 nm | observed order | extrapolated | error bound |",
        "|---|---|---|---|---|---|---|",
        *quantity_rows("L_m", "µm", lm, h),
        *quantity_rows("Br displaced from the gap, ∫(y0 − y) dz", "µm", displaced, h),
        *quantity_rows("lateral front spread", "nm", spread, h),
        *quantity_rows("front width, section average", "nm", width, h),
        "",
    ]
    lines += [
        f"L_m is the distance the y = {observables.FRONT_LEVEL:g} crossing (the front, "
        "docs/model.md \"Observables\") of the cross-section-averaged composition has "
        "moved. Across a tilted front the averaged profile has a shoulder near that level, so this "
        "crossing can move by tens of nm while the profile moves little; the displaced Br "
        "(the same transport, integrated over the Br-rich part of the gap) does not depend on "
        "that shape.",
        "",
    ]
    if diag is not None and diag["status"] == "completed":
        lines += [
            "Diagnostic, 3 x 3 cells across with the 10 nm layers of the coarsest mesh: "
            f"L_m = {diag['migration_length_um']:.4g} µm, displaced Br "
            f"{displaced_br_um(root, diag_name, diag):.4g} µm, lateral front spread "
            f"{1e3 * diag['front_lateral_spread_um']:.4g} nm, front width "
            f"{front_width_nm(root, diag_name, diag):.4g} nm (the section's effect on its own).",
            "",
        ]
    out = Path(args.docs) / "validation_3d_convergence.md"
    out.write_text("\n".join(lines))
    print(f"wrote {out}")
    return 0


def header_lines(prov: dict) -> list[str]:
    """Title, provenance (code version, commit, dirty tree) and the method paragraph."""
    return [
        "# 3D wire: mesh convergence (200 nm wire, +4 V/µm, 4 h)",
        "",
        "Generated by `.venv/bin/python -m validation.wire3d_convergence` from "
        "`results/wire3d_convergence/`",
        "(`campaigns/wire3d_convergence.yaml`); do not edit by hand.",
        f"Code version {prov['version']}, {commit_text(prov['git'])}.",
        "",
        "The wire of `cases/wire3d.yaml` (7 µm x 200 nm x 200 nm on two bottom electrodes,",
        "hexahedra, box Scharfetter–Gummel fluxes) refined together across the section and along",
        "the wire. Observed order p and extrapolated value from f(h) = f* + C h^p through the",
        "three meshes (h = the cell size across the section; the axial layer scales with it);",
        "GCI: Roache's fine-grid convergence index (safety factor 1.25), a bound on the relative",
        "error of the finest value.",
        "",
        "## Meshes",
        "",
        "| mesh | cells across | axial layer [nm] | cells | dofs | steps | Newton its | "
        "linear solver | wall [s] | peak RSS [MB] |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]


def mesh_rows(root: Path, sums: list[dict]) -> list[str]:
    """Rows of the mesh table (cells, dofs, steps, solver, wall time, peak memory)."""
    lines = []
    for (name, hs, ax), s in zip(MESHES, sums, strict=True):
        rss = s.get("peak_rss_MB_per_rank") or [float("nan")]
        lines.append(
            f"| {name} | {round(200.0 / hs)} x {round(200.0 / hs)} | {ax:.3g} | {s['n_cells']} | "
            f"{s['n_dofs']} | {s['steps']} | {s['newton_iterations']} | {s['linear_solver']} | "
            f"{s['wall_time_s']:.0f} | {max(rss):.0f} |")
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
