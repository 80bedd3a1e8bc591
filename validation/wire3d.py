"""Generate docs/validation_3d.md: 1D/3D consistency of L_m and the thick-wire study (issue 4).

One command (runs or resumes ``campaigns/wire3d_consistency.yaml`` first, about an hour on 2
cores; the 400 nm wire dominates):

    python -m validation.wire3d [--results results] [--jobs 2] [--no-run]

Every number in the report is computed here from ``results/wire3d_consistency/`` (member
summaries, time series and cross-section-averaged profiles). Acceptance (issue 4): with the
contacts covering the full wire bottom and a thin wire, the 3D L_m after 4 h at ±4 V/µm agrees
with the 1D result within 10%.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from solver.io.files import read_profile_csv, read_timeseries_csv
from validation.common import commit_text, report_arguments, report_provenance, run_campaigns

CAMPAIGN = "wire3d_consistency"
RESOLUTION = "wire3d_resolution"  # the 200 nm wire at +4 V/µm with 4 x 4 cells across
T_END = 14400.0
TOLERANCE = 0.10  # issue 4: |L_m(3D) / L_m(1D) - 1| <= 10% for the thin wire
WIRES = (("3d_200nm", "200 nm x 200 nm"), ("3d_400nm", "400 nm x 400 nm"))
REFERENCE = "1d_zone"
FIELDS = (4.0, -4.0)


def member(name: str, field: float) -> str:
    """Campaign member name of wire ``name`` at ``field`` [V/µm]."""
    return f"{name}__field_V_per_um={float(field)}"


def summary(root: Path, name: str, field: float) -> dict:
    """summary.json of a member."""
    return json.loads((root / member(name, field) / "summary.json").read_text())


def final_profile(root: Path, name: str, field: float) -> dict:
    """Last cross-section-averaged profile of a member, columns as arrays."""
    path = max((root / member(name, field) / "profiles").glob("t_*.csv"))
    _, prof = read_profile_csv(path)
    return {k: np.asarray(v) for k, v in prof.items()}


def relative_difference(value: float, reference: float) -> float:
    """value / reference − 1."""
    return value / reference - 1.0


def fig_profiles(root: Path, path: Path) -> None:
    """y and x_V after 4 h at ±4 V/µm: 1D and the two 3D wires (cross-section averages)."""
    fig, axes = plt.subplots(2, 2, figsize=(10, 6.5), sharex=True)
    styles = {REFERENCE: ("k", "-", "1D (zone contacts)"), "3d_200nm": ("C0", "--", "3D 200 nm"),
              "3d_400nm": ("C3", ":", "3D 400 nm")}
    for col, field in enumerate(FIELDS):
        for name, (c, ls, label) in styles.items():
            p = final_profile(root, name, field)
            axes[0, col].plot(p["z_um"], p["y"], color=c, ls=ls, label=label)
            axes[1, col].semilogy(p["z_um"], np.maximum(p["x_V"], 1e-30), color=c, ls=ls,
                                  label=label)
        axes[0, col].set_title(f"{field:+g} V/µm, 4 h (cross-section averages)")
        axes[1, col].set_xlabel("z [µm]")
    axes[0, 0].set_ylabel("y = x_Br / (x_Br + x_Cl)")
    axes[1, 0].set_ylabel("x_V")
    axes[0, 0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def fig_front(root: Path, path: Path) -> None:
    """L_m and the lateral front spread against time at +4 V/µm."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
    for name, c in ((REFERENCE, "k"), ("3d_200nm", "C0"), ("3d_400nm", "C3")):
        ts = read_timeseries_csv(root / member(name, 4.0) / "timeseries.csv")
        t_h = np.asarray(ts["t_s"]) / 3600.0
        ax1.plot(t_h, ts["migration_length_um"], color=c, label=name)
        if name != REFERENCE:
            ax2.plot(t_h, np.asarray(ts["front_spread_um"]) * 1e3, color=c, label=name)
    ax1.set_xlabel("t [h]")
    ax1.set_ylabel("L_m [µm] (+4 V/µm)")
    ax1.legend()
    ax2.set_xlabel("t [h]")
    ax2.set_ylabel("lateral front spread [nm] (+4 V/µm)")
    ax2.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run_rows(root: Path, ref: dict) -> tuple[list[str], list[tuple[float, float, float]]]:
    """Rows of the all-runs table, and the thin-wire checks (field, L_m, difference vs 1D)."""
    rows, checks = [], []
    for name, label in (("1d_zone", "1D, zone contacts"), *WIRES):
        for f in FIELDS:
            s = summary(root, name, f)
            lm = s["migration_length_um"]
            diff = relative_difference(lm, ref[f]["migration_length_um"])
            spread = s.get("front_lateral_spread_um")
            rows.append(
                f"| {label} | {f:+g} | {lm:.4f} | "
                + ("—" if name == REFERENCE else f"{100 * diff:+.1f}%")
                + f" | {'—' if spread is None else f'{1e3 * spread:.1f}'} | {s['n_cells']} | "
                f"{s['n_dofs']} | {s['steps']} | {s['newton_iterations']} | "
                f"{s['wall_time_s']:.0f} |"
            )
            if name == "3d_200nm":
                checks.append((f, lm, diff))
    return rows, checks


def report_lines(root: Path, res_root: Path, prov: dict) -> tuple[list[str], bool]:
    """The Markdown of docs/validation_3d.md, and whether the thin wire passes (issue 4)."""
    ref = {f: summary(root, REFERENCE, f) for f in FIELDS}
    rows, checks = run_rows(root, ref)
    ratios = {name: summary(root, name, 4.0)["migration_length_um"]
              / abs(summary(root, name, -4.0)["migration_length_um"])
              for name in (REFERENCE, *(w for w, _ in WIRES))}
    ok = all(abs(d) <= TOLERANCE for _, _, d in checks)
    thin = {f: summary(root, "3d_200nm", f) for f in FIELDS}
    thick = {f: summary(root, "3d_400nm", f) for f in FIELDS}
    thick_vs_1d = {f: relative_difference(thick[f]["migration_length_um"],
                                          ref[f]["migration_length_um"]) for f in FIELDS}
    lines = [
        "# 3D wires: consistency with 1D and the thick-wire study",
        "",
        "Generated by `.venv/bin/python -m validation.wire3d` from `results/wire3d_consistency/`",
        "(`campaigns/wire3d_consistency.yaml`); do not edit by hand.",
        (f"Code version {prov['version']}, {commit_text(prov['git'])}, dolfinx "
        f"{prov['versions'].get('dolfinx')}."),
        "",
        "Setting: the reference device (7 µm wire, electrodes 0–1.5 µm and 5.5–7 µm, interface at",
        "3.5 µm) as a square wire lying on the electrodes; the contacts are the whole wire bottom",
        "over each electrode (ψ imposed there, electrode reactions as facet fluxes with the",
        "total rate per cross-section of 1D). Hexahedra: 10 nm axial layers, 100 nm across.",
        "Fluxes: exponential fitting per cell edge (the box Scharfetter–Gummel scheme). The 1D",
        "counterpart imposes ψ on the electrode zones and spreads the reactions over them",
        "(`electrodes.potential_on: zone`, `sources.model: zone`).",
        "",
        "## Acceptance: thin wire within 10% of 1D",
        "",
        "| field [V/µm] | L_m 1D [µm] | L_m 3D 200 nm [µm] | difference | result |",
        "|---|---|---|---|---|",
        *[f"| {f:+g} | {ref[f]['migration_length_um']:.4f} | {lm:.4f} | {100 * d:+.1f}% | "
          f"{'PASS' if abs(d) <= TOLERANCE else 'FAIL'} |" for f, lm, d in checks],
        "",
        f"Overall: **{'PASS' if ok else 'FAIL'}** (tolerance {100 * TOLERANCE:.0f}%).",
        "",
        "## All runs (4 h)",
        "",
        ("| wire | field [V/µm] | L_m [µm] | vs 1D | lateral front spread [nm] | cells | dofs "
        "| steps | Newton its | wall [s] |"),
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Rectification ratio L_m(+4)/|L_m(−4)|: "
        + ", ".join(f"{n} {r:.1f}" for n, r in ratios.items()) + ".",
        "Wall times are single-rank runs, two members at a time on this 2-core machine.",
        "",
        "![profiles](figures/wire3d_profiles.png)",
        "",
        "![front](figures/wire3d_front.png)",
        "",
        "## Thick wire (400 nm)",
        "",
        (f"Forward: L_m = {thick[4.0]['migration_length_um']:.4f} µm "
        f"({100 * thick_vs_1d[4.0]:+.1f}% "
        f"vs 1D), lateral front spread {1e3 * thick[4.0]['front_lateral_spread_um']:.1f} nm; "
        f"reverse: L_m = {thick[-4.0]['migration_length_um']:.4f} µm "
        f"({100 * thick_vs_1d[-4.0]:+.1f}%)."),
        "",
        *resolution_lines(res_root, root),
        *explanation(ref, thin, thick),
    ]
    return lines, ok


def main(argv=None) -> int:
    """Run or resume the campaigns and write docs/validation_3d.md with its figures.

    Returns:
        0 if the thin wire is within ``TOLERANCE`` of 1D at both fields, else 1.
    """
    args = report_arguments(__doc__, "validation_3d.md", argv,
                            prog="python -m validation.wire3d")
    root = Path(args.results) / CAMPAIGN
    docs = Path(args.docs)
    figs = docs / "figures"
    if not args.no_run:
        run_campaigns((CAMPAIGN, RESOLUTION), Path(args.results), args.jobs)
    figs.mkdir(parents=True, exist_ok=True)
    fig_profiles(root, figs / "wire3d_profiles.png")
    fig_front(root, figs / "wire3d_front.png")
    lines, ok = report_lines(root, Path(args.results) / RESOLUTION, report_provenance())
    (docs / "validation_3d.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {docs / 'validation_3d.md'}: thin-wire 1D/3D {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


def resolution_lines(res_root: Path, root: Path) -> list[str]:
    """The mesh check of the lateral spread: 2 x 2 vs 4 x 4 cells across the 200 nm wire."""
    coarse = summary(root, "3d_200nm", 4.0)
    fine = json.loads((res_root / "3d_200nm_section_50nm" / "summary.json").read_text())
    lm_change = relative_difference(fine["migration_length_um"], coarse["migration_length_um"])
    spread_change = relative_difference(fine["front_lateral_spread_um"],
                                        coarse["front_lateral_spread_um"])
    return [
        "## Mesh check of the lateral spread (200 nm wire, +4 V/µm, 4 h)",
        "",
        "| cells across the section | L_m [µm] | lateral front spread [nm] | dofs | wall [s] |",
        "|---|---|---|---|---|",
        *[f"| {label} | {s['migration_length_um']:.4f} | "
          f"{1e3 * s['front_lateral_spread_um']:.1f} | {s['n_dofs']} | {s['wall_time_s']:.0f} |"
          for label, s in (("2 x 2 (100 nm)", coarse), ("4 x 4 (50 nm)", fine))],
        "",
        ("Halving the cells across the section changes L_m by "
        f"{100 * lm_change:+.1f}%"
        " but the lateral spread by "
        f"{100 * spread_change:+.0f}%:"),
        "L_m is mesh-converged to well within the 10% acceptance, the lateral spread is not",
        "(2–4 cells across the section); read the spreads above as orders of magnitude.",
        "",
    ]


def explanation(ref: dict, thin: dict, thick: dict) -> list[str]:
    """Why the 3D wires differ from 1D where they do (numbers from the runs and the case)."""
    field_kT_per_um = 4.0 / 0.025852  # e E / k_BT at 300 K [1/µm]

    def drift_length(height_um: float) -> float:
        # distance the axial drift carries vacancies while they diffuse across the height
        return field_kT_per_um * height_um ** 2 / np.pi ** 2

    thin_fwd = relative_difference(thin[4.0]["migration_length_um"],
                                   ref[4.0]["migration_length_um"])
    thick_rev = relative_difference(thick[-4.0]["migration_length_um"],
                                    ref[-4.0]["migration_length_um"])
    thick_rev_shift_um = abs(thick[-4.0]["migration_length_um"] - ref[-4.0]["migration_length_um"])
    return [
        "### Why",
        "",
        "- The mean front (hence L_m) is set by the total vacancy current through the wire, and",
        "  the 3D contacts inject the same total rate per cross-section as 1D (flux density",
        ("  r·A_cross/A_contact on the bottom facets). So L_m agrees with 1D to within "
        f"{100 * abs(thin_fwd):.1f}%"
        " (forward) in the 200 nm wire."),
        "- What 1D cannot show is the shape of the front across the section. The likely",
        "  mechanism (a diagnostic run of the 200 nm wire on one cell across found x_V about",
        "  twice as high at the top as at the bottom of the gap after 150 s): the vacancies",
        "  enter through the wire bottom and, near the electrode edge, along a field with a",
        "  vertical component; the strong axial drift carries the resulting vertical",
        "  non-uniformity of x_V into the gap faster than diffusion evens it out over the height",
        ("  h. The drift length over which it survives, (eE/k_BT) h²/π², is "
        f"{drift_length(0.2):.2f} µm for h = 200 nm and {drift_length(0.4):.2f} µm for h = 400 nm"),
        "  (the Br-rich part of the gap is 2 µm long). Where x_V is higher the halides exchange",
        ("  faster and the front advances faster, so the front tilts: lateral spread "
        f"{1e3 * thin[4.0]['front_lateral_spread_um']:.0f} nm (200 nm) and "
        f"{1e3 * thick[4.0]['front_lateral_spread_um']:.0f} nm (400 nm) after 4 h forward."),
        "- In reverse bias the front hardly moves (tens of nm), and the same vertical structure",
        ("  is a larger fraction of that small displacement: "
        f"{100 * thick_rev:+.1f}%"
        " for the 400 nm wire, i.e. "
        f"{1e3 * thick_rev_shift_um:.1f} nm."),
        "",
    ]


if __name__ == "__main__":
    raise SystemExit(main())
