"""Generate docs/validation_front_shape.md: does what the microscope sees explain the front shape?

Seed 001 reports two features the 1D model does not reproduce (docs/validation.md): about 12 %
Cl in the Br-rich segment after 4 h forward bias (Fig. 2a), and a front that smooths as the
bias rises (the seed's model, Fig. 2b; its experiment says the moving front "remained sharp",
Fig. S4). The experiment measures composition by confocal PL, so this study evaluates the front
width and the Cl ahead of the front on the true and on the PL-apparent composition
(solver/pl.py) and states which hypothesis holds.

One command (runs or resumes campaigns/front_shape.yaml first):

    python validation/front_shape.py [--results results] [--jobs 2] [--no-run] [--3d]

``--3d`` also runs campaigns/front_shape_3d.yaml (bottom-contact wires of 200/300/400 nm, about
an hour per member) and adds the cross-section-averaged and PL-apparent numbers; without it the
report states that the 3D part is pending. Every number in the report is computed here from the
campaign outputs.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from solver.config import load_case  # noqa: E402
from solver.outputs import provenance, read_profile_csv  # noqa: E402
from solver.pl import PLSettings, pl_map  # noqa: E402
from solver.pl_figures import plot_wavelength_map  # noqa: E402
from solver.pl_output import CL_UPTAKE_MARGIN_UM, emission_of, front_metrics, settings_of  # noqa: E402
from validation.common import run_campaigns  # noqa: E402

FIELDS = (1.5, 2.5, 4.0)
T_END = 14400.0
CAMPAIGN_1D = "front_shape"
CAMPAIGN_3D = "front_shape_3d"
WIDTHS_3D_NM = (200, 300, 400)
# Same criteria as docs/validation.md (validation/rectification.py).
SMOOTHING_FACTOR = 1.2  # "smooths with bias": width(4 V/µm) > 1.2 x width(1.5 V/µm)
CL_TARGET = (0.06, 0.24)  # "up to ~12 % Cl": max Cl ahead of the front within a factor 2

SEED = {
    "width": "Fig. 2b (the seed's model): the front \"shifts while exhibiting a smoother shape "
             "as the bias intensity increases\"; Fig. S4 (experiment): the moving interface "
             "\"remained sharp\"",
    "cl": "Fig. 2a: Cl in the Br-rich segment \"as high as 12% of halide lattice sites within "
          "4 hrs forward biasing\"",
}


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", default=str(REPO / "results"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-run", action="store_true", help="use existing campaign outputs only")
    ap.add_argument("--docs", default=str(REPO / "docs"))
    ap.add_argument("--3d", dest="three_d", action="store_true",
                    help="also run and report the 3D bottom-contact wires (expensive)")
    return ap.parse_args(argv)


def variants(base: PLSettings) -> dict[str, PLSettings]:
    """PL settings compared: the case default and the optics/carrier alternatives."""
    return {
        "PL default (spectrum peak, PSF 0.35 µm)": base,
        "PL mean energy, PSF 0.35 µm": replace(base, peak="mean_energy"),
        "PL mean energy, PSF 0.25 µm": replace(base, peak="mean_energy", psf_fwhm_um=0.25),
        "PL mean energy, PSF 0.50 µm": replace(base, peak="mean_energy", psf_fwhm_um=0.5),
        "PL spectrum, funnelling L = 0.3 µm": replace(base, funnelling_length_um=0.3),
        "PL spectrum, funnelling L = 1 µm": replace(base, funnelling_length_um=1.0),
    }


def member_profiles(run_dir: Path) -> tuple[dict, dict]:
    """The initial and final (4 h) profiles of a member."""
    _, p0 = read_profile_csv(run_dir / "profiles" / f"t_{0.0:012.3f}s.csv")
    _, p1 = read_profile_csv(run_dir / "profiles" / f"t_{T_END:012.3f}s.csv")
    return p0, p1


def measure(p0: dict, p1: dict, case, settings: PLSettings | None) -> dict:
    """Front metrics of the final profile, true (settings None) or PL-apparent."""
    geo = case.geometry
    if settings is None:
        return front_metrics(p1["z_um"], p1["y"], np.interp(p1["z_um"], p0["z_um"], p0["y"]),
                             geo)
    em = emission_of(case.pl)
    m0 = pl_map(p0["z_um"], p0["y"], em, settings)
    m1 = pl_map(p1["z_um"], p1["y"], em, settings, probes_um=m0.z_um)
    return front_metrics(m1.z_um, m1.y_apparent, m0.y_apparent, geo)


def nm(v: float) -> str:
    return "n/a" if not np.isfinite(v) else f"{v * 1e3:.0f} nm"


def width(metrics: dict) -> str:
    """A front width, or "unresolved" where it is below the sample spacing at the front
    (``width_resolved`` of solver.pl_output.front_metrics: a jump between neighbouring probes)."""
    if metrics.get("width_resolved") is False:
        return f"{nm(metrics['width_um'])} (unresolved: < 1 probe step)"
    return nm(metrics["width_um"])


def pct(v: float) -> str:
    if not np.isfinite(v):
        return "n/a"
    return "< 1e-6 %" if abs(v) < 1e-8 else f"{100 * v:.2g} %"


def one_d_study(root: Path) -> tuple[dict, object]:
    """{label: {field: metrics}} for the true composition and every PL variant."""
    case = load_case(REPO / "cases" / "reference_forward.yaml")
    labels = {"true composition": None, **variants(settings_of(case.pl))}
    table: dict[str, dict[float, dict]] = {k: {} for k in labels}
    for f in FIELDS:
        p0, p1 = member_profiles(root / f"forward__field_V_per_um={f}")
        for label, st in labels.items():
            table[label][f] = measure(p0, p1, case, st)
    return table, case


def fig_profiles(root: Path, case, path: Path) -> None:
    """True and PL-apparent (default and mean-energy) composition after 4 h at each bias."""
    em, base = emission_of(case.pl), settings_of(case.pl)
    fig, axes = plt.subplots(1, len(FIELDS), figsize=(12, 3.4), sharey=True,
                             constrained_layout=True)
    for ax, f in zip(axes, FIELDS, strict=True):
        _, p1 = member_profiles(root / f"forward__field_V_per_um={f}")
        ax.plot(p1["z_um"], p1["y"], "k-", lw=1.5, label="true y")
        for st, style, lab in ((base, "C0--", "PL spectrum peak"),
                               (replace(base, peak="mean_energy"), "C1:", "PL mean energy")):
            m = pl_map(p1["z_um"], p1["y"], em, st)
            ax.plot(m.z_um, m.y_apparent, style, lw=1.5, label=lab)
        ax.set_title(f"forward {f:g} V/µm, 4 h", fontsize=9)
        ax.set_xlim(1.0, 4.0)
        ax.set_xlabel("z [µm]")
    axes[0].set_ylabel("y = Br / (Br + Cl)")
    axes[0].legend(fontsize=8, loc="lower left")
    fig.savefig(path, dpi=120)
    plt.close(fig)


def fig_map(root: Path, case, path: Path) -> None:
    """Seed 001 Fig. 1d: PL wavelength along the wire vs time, forward and reverse 4 V/µm."""
    em, st = emission_of(case.pl), settings_of(case.pl)
    panels = []
    for pol in ("forward", "reverse"):
        run = root / f"{pol}__field_V_per_um=4.0"
        files = sorted((run / "profiles").glob("t_*.csv"))
        times, maps = [], []
        for fpath in files:
            t, p = read_profile_csv(fpath)
            times.append(t)
            maps.append(pl_map(p["z_um"], p["y"], em, st))
        panels.append((f"{pol} 4 V/µm (synthetic PL, PSF {st.psf_fwhm_um:g} µm)", times, maps))
    plot_wavelength_map(panels, path, emission=em)


def three_d_study(root: Path) -> dict:
    """Cross-section-averaged and PL-apparent metrics of the 3D members (``--3d``)."""
    out = {}
    for w in WIDTHS_3D_NM:
        for f in FIELDS:
            run = root / f"w{w}nm__field_V_per_um={f}"
            if not (run / "profiles" / f"t_{T_END:012.3f}s.csv").exists():
                continue
            case = load_case(REPO / "cases" / "wire3d.yaml")
            p0, p1 = member_profiles(run)
            out[(w, f)] = {"averaged": measure(p0, p1, case, None),
                           "pl": measure(p0, p1, case, settings_of(case.pl))}
    return out


def verdicts(table: dict) -> dict:
    """Per label: smoothing with bias (bool) and Cl ahead within the target (bool)."""
    res = {}
    for label, rows in table.items():
        w15, w4 = rows[1.5]["width_um"], rows[4.0]["width_um"]
        cl4 = rows[4.0]["max_cl_ahead"]
        res[label] = {
            "ratio": w4 / w15 if w15 > 0 else float("nan"),
            "smooths": bool(np.isfinite(w4) and np.isfinite(w15) and w4 > SMOOTHING_FACTOR * w15),
            "cl_ok": bool(np.isfinite(cl4) and CL_TARGET[0] <= cl4 <= CL_TARGET[1]),
        }
    return res


def write_report(path: Path, table: dict, verdict: dict, three_d: dict | None, case) -> None:
    prov = provenance()
    git = prov.get("git") or {}
    pl = case.pl
    L = []
    L += ["# Front shape: true and PL-apparent composition",
          "",
          "Generated by `python validation/front_shape.py` (`make front-shape`) from "
          "`campaigns/front_shape.yaml`; do not edit by hand. "
          f"Code version {prov.get('version', '?')}, commit {git.get('commit')}"
          f"{' (dirty tree)' if git.get('dirty') else ''}.",
          "",
          "**Question** (issue 11). The 1D model's forward front stays sharp and sharpens with "
          "bias, with essentially no Cl ahead of it; seed 001 reports Cl in the Br-rich segment "
          "and a model front that smooths with bias. Seed 001 measures composition by confocal "
          "PL. Does the PL measurement alone (its resolution, the peak of a spectrum, carrier "
          "funnelling) explain the difference?",
          "",
          "**Method.** The 1D reference device (cases/reference_forward.yaml) after 4 h of "
          "forward bias at 1.5, 2.5 and 4 V/µm. The synthetic PL (docs/model.md, \"Synthetic "
          "photoluminescence\"; solver/pl.py) is applied to the computed y(z) with the case "
          f"defaults (PSF FWHM {pl.psf_fwhm_um:g} µm, line width {pl.linewidth_eV:g} eV, "
          f"bowing {pl.bowing_eV:g} eV, peak of the spectrum, no funnelling) and with the "
          "variants in the table. Width: distance between the y = 0.2 and y = 0.9 crossings "
          "nearest the front (y = 0.55). Cl ahead: the largest 1 − y in the initial Br-rich "
          f"segment more than {CL_UPTAKE_MARGIN_UM:g} µm beyond the front (docs/model.md, "
          "\"Observables\"); the PL-apparent values use the same definitions on the composition "
          "read from the PL peak. Probes every "
          f"{pl.step_um * 1e3:.0f} nm.",
          "",
          "## Seed 001's statements",
          "",
          f"- Front shape: {SEED['width']}.",
          f"- Cl ahead of the front: {SEED['cl']}.",
          "",
          "## 1D: front width after 4 h (y = 0.2 … 0.9)",
          "",
          "| composition | " + " | ".join(f"{f:g} V/µm" for f in FIELDS)
          + f" | width(4)/width(1.5) | smooths with bias (> {SMOOTHING_FACTOR:g})? |",
          "|---|" + "---|" * (len(FIELDS) + 2)]
    for label, rows in table.items():
        v = verdict[label]
        L.append(f"| {label} | " + " | ".join(width(rows[f]) for f in FIELDS)
                 + f" | {v['ratio']:.2f} | {'yes' if v['smooths'] else '**no**'} |")
    L += ["",
          f"## 1D: Cl ahead of the front after 4 h (max 1 − y beyond front + "
          f"{CL_UPTAKE_MARGIN_UM:g} µm)",
          "",
          "| composition | " + " | ".join(f"{f:g} V/µm" for f in FIELDS)
          + f" | mean Cl gain of the Br segment, 4 V/µm | ~12 % at 4 V/µm (accept "
          f"{CL_TARGET[0]:g}–{CL_TARGET[1]:g})? |",
          "|---|" + "---|" * (len(FIELDS) + 2)]
    for label, rows in table.items():
        v = verdict[label]
        L.append(f"| {label} | " + " | ".join(pct(rows[f]["max_cl_ahead"]) for f in FIELDS)
                 + f" | {rows[4.0]['mean_cl_increase']:.3f} | "
                 f"{'yes' if v['cl_ok'] else '**no**'} |")
    true_rows = table["true composition"]
    pl_labels = [k for k in table if k.startswith("PL")]
    any_smooth = [k for k in pl_labels if verdict[k]["smooths"]]
    any_cl = [k for k in pl_labels if verdict[k]["cl_ok"]]
    default = pl_labels[0]
    mean_lab = pl_labels[1]
    fun_lab = pl_labels[-1]
    L += ["",
          "![true and PL-apparent profiles](figures/front_shape_profiles_4h.png)",
          "",
          "![synthetic PL map](figures/front_shape_pl_map.png)",
          "",
          "## Findings (1D)",
          "",
          f"- **True composition.** The front sharpens as the bias rises: "
          f"{width(true_rows[1.5])} at 1.5 V/µm, {width(true_rows[4.0])} at "
          f"4 V/µm, with at most {pct(true_rows[4.0]['max_cl_ahead'])} Cl ahead of it.",
          f"- **PL, spectrum peak (the default, what a spectrometer reports).** The two phases "
          "emit lines about 0.5 eV apart, far more than a line width, so within the spot the "
          "peak is one line or the other and jumps where their intensities balance: the "
          f"apparent front is a step, {width(table[default][4.0])} wide at 4 V/µm "
          "(a jump between neighbouring probes), sharper than the true one; it adds no Cl ahead "
          f"({pct(table[default][4.0]['max_cl_ahead'])}).",
          f"- **PL, mean energy.** A linear average smooths every front to the PSF: "
          f"{width(table[mean_lab][1.5])} at 1.5 V/µm and "
          f"{width(table[mean_lab][4.0])} at 4 V/µm with a 0.35 µm PSF, scaling with "
          "the PSF (0.25 / 0.50 µm rows); the width is set by the optics, the same at every "
          "bias, so it cannot make the front smoother at higher bias. The Gaussian tail "
          f"{CL_UPTAKE_MARGIN_UM:g} µm beyond the front is "
          f"{pct(table[mean_lab][4.0]['max_cl_ahead'])} Cl.",
          f"- **Funnelling** (carriers captured by the lowest gap within L) moves the apparent "
          f"front toward the Cl-rich side by "
          f"{nm(table[fun_lab][4.0]['front_um'] - table[default][4.0]['front_um'])} at 4 V/µm "
          f"(L = 1 µm), so the apparent migration is shorter; the Br-rich segment looks no "
          f"less Br-rich ({pct(table[fun_lab][4.0]['max_cl_ahead'])} Cl ahead).",
          "",
          "## Verdict",
          "",
          f"- **PL resolution alone explains the smoothing with bias: "
          f"{'HOLDS for ' + ', '.join(any_smooth) if any_smooth else 'FAILS'}.** "
          "The resolution-limited width is independent of bias (mean energy) or the front "
          "looks sharper than it is (spectrum peak). Note that the seed's own experiment says "
          "the front \"remained sharp\" (Fig. S4): the smoothing with bias is a property of the "
          "seed's *model* (Fig. 2b), which PL cannot reproduce here either way.",
          f"- **PL resolution alone explains ~12 % Cl ahead of the front: "
          f"{'HOLDS for ' + ', '.join(any_cl) if any_cl else 'FAILS'}.** Blurring by a "
          "0.25–0.5 µm PSF leaves well under 1 % Cl half a micrometre beyond a sharp front; "
          "the Cl the seed reports must be in the wire, not in the optics.",
          "- **How sure.** " + ("Both conclusions hold for every PSF from 0.25 to 0.5 µm, for "
          "both peak definitions and with or without funnelling (the rows above)"
          if not (any_smooth or any_cl) else "Not robust: some PL variants pass (rows above)")
          + "; they rest on the 1D profile, i.e. on a front that is flat across the section. "
          "What the 1D model cannot contain is a front that varies across the section: the "
          "bottom-contact geometry (next section) is the next candidate, then enhanced vacancy "
          "supply along the free surface or at the contact edges.",
          "",
          "## 3D: bottom-contact wires (200, 300, 400 nm)",
          ""]
    if three_d is None:
        L += ["**Pending** (not run: about an hour per member on one core, 9 members). "
              "`python validation/front_shape.py --3d` runs `campaigns/front_shape_3d.yaml` "
              "(cases/wire3d.yaml with 200/300/400 nm square sections at 1.5/2.5/4 V/µm "
              "forward, 4 h) and fills this section with the cross-section-averaged and "
              "PL-apparent front width and Cl ahead of the front. Still to do before those "
              "numbers count: a section-resolution study (100 nm vs 50 nm cells across the "
              "section), and PL of the full field (the run records the cross-section average "
              "of y, so the 3D PL here is that of the averaged profile; solver.pl.pl_map "
              "already accepts the section's line profiles and integrates their spectra)."]
    else:
        L += ["| wire | field [V/µm] | width, averaged | width, PL | Cl ahead, averaged | "
              "Cl ahead, PL |", "|---|---|---|---|---|---|"]
        for (w, f), r in sorted(three_d.items()):
            L.append(f"| {w} nm | {f:g} | {width(r['averaged'])} | "
                     f"{width(r['pl'])} | {pct(r['averaged']['max_cl_ahead'])} | "
                     f"{pct(r['pl']['max_cl_ahead'])} |")
        L += ["", "PL here is applied to the cross-section-averaged profile; no "
              "section-resolution study yet."]
    path.write_text("\n".join(L) + "\n", encoding="utf-8")


def main(argv=None) -> int:
    args = parse_args(argv)
    results, docs = Path(args.results), Path(args.docs)
    figs = docs / "figures"
    figs.mkdir(parents=True, exist_ok=True)
    names = (CAMPAIGN_1D, CAMPAIGN_3D) if args.three_d else (CAMPAIGN_1D,)
    if not args.no_run:
        run_campaigns(names, results, args.jobs)
    root = results / CAMPAIGN_1D
    table, case = one_d_study(root)
    fig_profiles(root, case, figs / "front_shape_profiles_4h.png")
    fig_map(root, case, figs / "front_shape_pl_map.png")
    three_d = three_d_study(results / CAMPAIGN_3D) if args.three_d else None
    out = docs / "validation_front_shape.md"
    write_report(out, table, verdicts(table), three_d, case)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
