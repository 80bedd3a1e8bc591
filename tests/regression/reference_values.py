"""Pinned results of the shipped cases (gold values), and the script that regenerates them.

``reference_values.json`` holds, for every case in ``cases/``, the migration length, front
position and final total Br after 4 h (1D; thermal cases shortened to 4 h; cases with a bias
protocol run whole) or after a short coarse run (3D), computed by this code.
``test_reference_values.py`` reruns them and compares the quantities to 1e-10 relative and the
step and iteration counts exactly: a restructuring of the code must not move a digit. When a
change is *meant* to move the results, regenerate deliberately and say so in the commit message:

    python tests/regression/reference_values.py --write
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
VALUES = Path(__file__).with_name("reference_values.json")
QUANTITIES = ("migration_length_um", "front_position_um", "total_br_final_um",
              "total_vacancy_final_um")
#: Counts compared exactly: a different step or Newton history is a different computation.
COUNTS = ("steps", "rejected_steps", "newton_iterations", "jacobian_assemblies")
#: A body's (nanocrystal, film) pinned quantities, from summary.json "body", instead of the
#: front's (which a uniform body does not have).
BODY_QUANTITIES = ("y_mean", "x_v_mean", "inventory", "pl_peak_nm")
RTOL = 1e-10
#: Absolute floor [µm] for quantities that are zero up to round-off (no_sources L_m ~ 1e-8).
ATOL_UM = 1e-10

COMMON = ["output.figures=false", "output.vtx=false"]
ONE_D = ["time.t_end_s=14400"]
THREE_D = ["time.t_end_s=0.05", "mesh.h3d_axial_um=0.05"]


def overrides_for(case: Path) -> list[str]:
    """The overrides of the pinned run of ``case``."""
    data = yaml.safe_load(case.read_text(encoding="utf-8")) or {}
    three_d = (data.get("geometry") or {}).get("dimension") == 3
    extra = THREE_D if three_d else ONE_D
    if (data.get("bias") or {}).get("protocol") is not None or data.get("body") is not None:
        extra = []  # a bias protocol (or a body's light protocol) runs whole
    if "output_times_s" in (data.get("time") or {}):
        extra = [*extra, "time.output_times_s=[0]"]
    return [*COMMON, *extra]


def run(case: Path) -> dict:
    """Run one pinned case in-process; return its quantities."""
    import solver  # noqa: F401  (dolfinx_solver first)
    from solver.config import load_case
    from solver.run import run_case

    with tempfile.TemporaryDirectory() as tmp:
        s = run_case(load_case(str(case), overrides_for(case)), Path(tmp) / case.stem,
                     quiet=True)
    if "body" in s:
        return {"total_br_final_um": s["total_br_final_um"],
                **{q: s["body"][q] for q in BODY_QUANTITIES}, **{q: s[q] for q in COUNTS}}
    return {q: s[q] for q in (*QUANTITIES, *COUNTS)}


def quantities(pinned: dict) -> tuple[str, ...]:
    """The quantities compared for a pinned entry (a body's or a wire's)."""
    return (("total_br_final_um", *BODY_QUANTITIES) if "y_mean" in pinned else QUANTITIES)


def cases() -> list[Path]:
    return sorted((REPO / "cases").glob("*.yaml"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help=f"rewrite {VALUES.name}")
    ap.add_argument("--add-missing", action="store_true",
                    help="compute only the cases that have no entry yet and add them (the "
                    "others keep their values and their commit)")
    a = ap.parse_args()
    if a.add_missing:
        table = json.loads(VALUES.read_text(encoding="utf-8"))
        for case in cases():
            if case.stem not in table["cases"]:
                table["cases"][case.stem] = {"overrides": overrides_for(case), **run(case)}
                print(case.stem, table["cases"][case.stem])
        VALUES.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
        return
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True, check=False).stdout.strip()
    table = {"regenerate": "python tests/regression/reference_values.py --write",
             "computed_at_commit": commit, "rtol": RTOL, "atol_um": ATOL_UM, "cases": {}}
    for case in cases():
        table["cases"][case.stem] = {"overrides": overrides_for(case), **run(case)}
        print(case.stem, table["cases"][case.stem])
    if a.write:
        VALUES.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
