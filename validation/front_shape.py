"""Generate docs/validation_front_shape.md: does what the microscope sees explain the front shape?

Seed 001 reports two features the 1D model does not reproduce (docs/validation.md): about 12 %
Cl in the Br-rich segment after 4 h forward bias (Fig. 2a), and a front that smooths as the
bias rises (the seed's model, Fig. 2b; its experiment says the moving front "remained sharp",
Fig. S4). This study tests three explanations and states which holds:

1. PL resolution alone: the experiment measures composition by confocal PL, so the front width
   and the Cl ahead of the front are evaluated on the true and on the PL-apparent composition
   (solver/pl.py) of the 1D device (campaigns/front_shape.yaml);
2. the 3D bottom-contact geometry: cross-section-averaged and PL-apparent (section-integrated)
   numbers for 200/300/400 nm wires (campaigns/front_shape_3d.yaml, with a resolution check in
   front_shape_3d_resolution.yaml);
3. more vacancies where the front moves (free surface, contact edges): 1D variants of the
   vacancy fraction, contact creation rate and surface exchange, with a no-bias control
   (campaigns/front_shape_candidates.yaml, front_shape_candidates_nobias.yaml).

One command (runs or resumes the campaigns first; 1D parts about 2 min):

    python validation/front_shape.py [--results results] [--jobs 2] [--no-run] [--3d]

``--3d`` also runs the 3D campaigns (measured: 3.4 h of CPU, 1.7 h with ``--jobs 2``: 9 members
of 6-22 min and 2 of about 45 min); without it the report states that the 3D part is pending.
Every number in the report is computed here from the campaign outputs.
"""

from __future__ import annotations

import argparse
import functools
import json
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
CAMPAIGN_3D_RES = "front_shape_3d_resolution"
CAMPAIGN_CAND = "front_shape_candidates"
CAMPAIGN_NOBIAS = "front_shape_candidates_nobias"
#: Members of campaigns/front_shape_candidates.yaml: (name, label).
CANDIDATES = (
    ("baseline", "reference device (x_V,Br = 2e-9, calibrated sources)"),
    ("xvbr_x10", "x_V,Br x 10 (2e-8)"),
    ("xvbr_x100", "x_V,Br x 100 (2e-7)"),
    ("xvbr_x1000", "x_V,Br x 1000 (2e-6)"),
    ("sources_x3", "contact vacancy creation x 3"),
    ("sources_x10", "contact vacancy creation x 10"),
    ("surface_exchange", "surface exchange, k = 1e-2 /s"),
    ("surface_xvbr_x100", "surface exchange, k = 1e-2 /s, x_V,Br x 100"),
    ("surface_xvbr_x1000", "surface exchange, k = 1e-2 /s, x_V,Br x 1000"),
)
#: Cl ahead (PL-apparent) after 4 h without bias that seed 001's control (Fig. S8: "no
#: discernible emission wavelength change") excludes: half the ~12 % it reports under bias
#: (the lower end of the Cl criterion).
NOBIAS_DISCERNIBLE = 0.06
RECTIFICATION_RANGE = (10.0, 40.0)  # R = L_m(+4)/|L_m(-4)| "~20" (docs/validation.md)
#: Compositions reported for the 3D wires, with their labels.
KINDS_3D = {"averaged": "cross-section averaged", "pl": "PL-apparent (spectrum peak)",
            "pl_mean": "PL-apparent (mean energy)"}
RESOLUTION_WIDTHS_NM = (300, 400)  # campaigns/front_shape_3d_resolution.yaml: 6 x 6 cells
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
    "control": "Fig. S8: \"the control group without bias did not show any discernible "
               "emission wavelength change at room temperature\"",
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


@functools.cache
def repo_case(name: str):
    """The shipped case ``cases/<name>`` (validated once; cases are immutable)."""
    return load_case(REPO / "cases" / name)


def completed_summary(run: Path) -> dict | None:
    """A run's summary.json if the run completed, else None (missing, running or failed)."""
    f = run / "summary.json"
    if not f.exists():
        return None
    s = json.loads(f.read_text(encoding="utf-8"))
    return s if s.get("status") == "completed" else None


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


def ratio_text(v: dict) -> str:
    """width(4)/width(1.5) of a verdict, or n/a where a width is unresolved."""
    return "n/a (unresolved)" if not np.isfinite(v["ratio"]) else f"{v['ratio']:.2f}"


def yes_no(v: dict, key: str) -> str:
    if key == "smooths" and not np.isfinite(v["ratio"]):
        return "n/a"
    return "yes" if v[key] else "**no**"


def pct(v: float) -> str:
    """A fraction in percent; below 1e-8 (round-off, including tiny negatives) "< 1e-6 %"."""
    if not np.isfinite(v):
        return "n/a"
    return "< 1e-6 %" if v < 1e-8 else f"{100 * v:.2g} %"


def one_d_study(root: Path) -> tuple[dict, object]:
    """{label: {field: metrics}} for the true composition and every PL variant."""
    case = repo_case("reference_forward.yaml")
    labels = {"true composition": None, **variants(settings_of(case.pl))}
    table: dict[str, dict[float, dict]] = {k: {} for k in labels}
    for f in FIELDS:
        p0, p1 = member_profiles(root / f"forward__field_V_per_um={f}")
        for label, st in labels.items():
            table[label][f] = measure(p0, p1, case, st)
    return table, case


def fig_profiles(root: Path, case, path: Path) -> None:
    """True and PL-apparent (default and mean-energy) composition after 4 h at each bias: y
    (top row) and the Cl fraction 1 - y on a log scale (bottom row), with the front, the
    width levels (y = 0.2, 0.9), the start of the "Cl ahead" region (front + margin) and the
    seed's ~12 % Cl."""
    em, base = emission_of(case.pl), settings_of(case.pl)
    fig, axes = plt.subplots(2, len(FIELDS), figsize=(12, 6.2), sharex=True, sharey="row",
                             constrained_layout=True)
    for k, f in enumerate(FIELDS):
        p0, p1 = member_profiles(root / f"forward__field_V_per_um={f}")
        front = measure(p0, p1, case, None)["front_um"]
        curves = [(p1["z_um"], p1["y"], "k-", "true y")]
        for st, style, lab in ((base, "C0--", "PL spectrum peak"),
                               (replace(base, peak="mean_energy"), "C1:", "PL mean energy")):
            m = pl_map(p1["z_um"], p1["y"], em, st)
            curves.append((m.z_um, m.y_apparent, style, lab))
        top, bottom = axes[0, k], axes[1, k]
        for z, y, style, lab in curves:
            top.plot(z, y, style, lw=1.5, label=lab)
            bottom.semilogy(z, np.clip(1.0 - y, 1e-9, None), style, lw=1.5)
        for lev in (0.2, 0.9):
            top.axhline(lev, color="0.7", lw=0.6, ls="-")
        for ax in (top, bottom):
            ax.axvline(front, color="C3", lw=0.8)
            ax.axvline(front - CL_UPTAKE_MARGIN_UM if case.geometry.br_rich_side == "left"
                       else front + CL_UPTAKE_MARGIN_UM, color="C3", lw=0.8, ls="--")
        bottom.axhline(0.12, color="C2", lw=1.0, ls="-.", label="seed: ~12 % Cl")
        top.set_title(f"forward {f:g} V/µm, 4 h", fontsize=9)
        bottom.set_xlim(1.0, 4.0)
        bottom.set_ylim(1e-9, 1.5)
        bottom.set_xlabel("z [µm] (red: front y = 0.55; dashed: front − 0.5 µm)")
    axes[0, 0].set_ylabel("y = Br / (Br + Cl)  (grey: 0.2, 0.9)")
    axes[1, 0].set_ylabel("Cl fraction 1 − y (log)")
    axes[0, 0].legend(fontsize=8, loc="lower left")
    axes[1, 0].legend(fontsize=8, loc="center left")
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


def three_d_member(run: Path) -> dict | None:
    """The 4-h metrics of one 3D member from its summary.json (None if not completed).

    The run itself computed them (solver/pl_output.py): ``averaged`` from the cross-section
    average of y, ``pl`` from the PL of the section's sample lines (each line's spectrum
    integrated over the section, then the peak), both with the case's PL defaults.
    ``pl_mean`` is the mean-energy PL of the section, computed here from the averaged profile:
    with no bowing and no funnelling the emission energy is linear in y and every line emits
    alike, so the intensity-weighted mean energy over spot and section is E of the spot-weighted
    section average of y, exactly (None if the profiles are missing or the case bows/funnels).
    """
    s = completed_summary(run)
    if s is None or "pl" not in s:
        return None
    pl = s["pl"]
    metrics = {}
    for kind, suffix in (("averaged", ""), ("pl", "_pl")):
        metrics[kind] = {"front_um": pl[f"front_um{suffix}"], "width_um": pl[f"width_um{suffix}"],
                         "max_cl_ahead": pl[f"max_cl_ahead{suffix}"],
                         "mean_cl_increase": pl[f"mean_cl_increase{suffix}"],
                         "width_resolved": pl.get(f"width_resolved{suffix}")}
    metrics["pl_mean"] = None
    case = repo_case("wire3d.yaml")
    linear = s["case"].get("pl", {}).get("bowing_eV", 0.0) == 0.0 and \
        not s["case"].get("pl", {}).get("funnelling", False)
    if linear and (run / "profiles" / f"t_{T_END:012.3f}s.csv").exists():
        p0, p1 = member_profiles(run)
        metrics["pl_mean"] = measure(p0, p1, case,
                                     replace(settings_of(case.pl), peak="mean_energy"))
    geo, mesh = s["case"]["geometry"], s["case"]["mesh"]
    return {**metrics, "L_m_um": s["migration_length_um"],
            "spread_um": s["front_lateral_spread_um"], "n_dofs": s["n_dofs"],
            "wall_s": s["wall_time_s"], "steps": s["steps"],
            "cells_across": round(geo["width_um"] / mesh["h3d_max_um"]),
            "cell_nm": 1e3 * mesh["h3d_max_um"], "run": run}


def three_d_study(root: Path, resolution_root: Path) -> dict:
    """The 3D members (``--3d``): {"main": {(width_nm, field): member}, "fine": {...}}."""
    out: dict[str, dict] = {"main": {}, "fine": {}}
    for w in WIDTHS_3D_NM:
        for f in FIELDS:
            m = three_d_member(root / f"w{w}nm__field_V_per_um={f}")
            if m is not None:
                out["main"][(w, f)] = m
    for w in RESOLUTION_WIDTHS_NM:
        for f in FIELDS:
            m = three_d_member(resolution_root / f"w{w}nm_6x6__field_V_per_um={f}")
            if m is not None:
                out["fine"][(w, f)] = m
    return out


def three_d_verdicts(main: dict) -> dict:
    """Per wire width and composition kind: width(4)/width(1.5), smooths?, Cl within target?"""
    res = {}
    for w in WIDTHS_3D_NM:
        if not all((w, f) in main for f in FIELDS):
            continue
        for kind in KINDS_3D:
            rows = {f: main[(w, f)][kind] for f in FIELDS}
            if all(r is not None for r in rows.values()):
                res[(w, kind)] = verdicts({"x": rows})["x"]
    return res


def fig_3d_profiles(main: dict, path: Path) -> None:
    """Cross-section-averaged (solid) and PL-apparent (dashed) y(z) after 4 h, per wire width."""
    widths = [w for w in WIDTHS_3D_NM if any((w, f) in main for f in FIELDS)]
    if not widths:
        return
    fig, axes = plt.subplots(1, len(widths), figsize=(4 * len(widths), 3.4), sharey=True,
                             constrained_layout=True, squeeze=False)
    for ax, w in zip(axes[0], widths, strict=True):
        for k, f in enumerate(FIELDS):
            m = main.get((w, f))
            if m is None:
                continue
            _, p1 = read_profile_csv(m["run"] / "profiles" / f"t_{T_END:012.3f}s.csv")
            ax.plot(p1["z_um"], p1["y"], f"C{k}-", lw=1.5, label=f"{f:g} V/µm averaged")
            pl = np.loadtxt(m["run"] / "pl" / "pl_wavelength.csv", delimiter=",", skiprows=1)
            last = np.isclose(pl[:, 0], T_END)
            ax.plot(pl[last, 1], pl[last, 4], f"C{k}--", lw=1.0,
                    label=f"{f:g} V/µm PL spectrum peak")
        across = next(main[(w, f)]["cells_across"] for f in FIELDS if (w, f) in main)
        ax.set_title(f"{w} nm wire, {across} x {across} cells across, 4 h forward", fontsize=9)
        ax.set_xlim(1.0, 4.0)
        ax.set_xlabel("z [µm]")
    axes[0][0].set_ylabel("y = Br / (Br + Cl)")
    axes[0][0].legend(fontsize=7, loc="lower left")
    fig.savefig(path, dpi=120)
    plt.close(fig)


def verdicts(table: dict) -> dict:
    """Per label: smoothing with bias (bool) and Cl ahead within the target (bool)."""
    res = {}
    for label, rows in table.items():
        w15, w4 = rows[1.5]["width_um"], rows[4.0]["width_um"]
        if rows[1.5].get("width_resolved") is False or rows[4.0].get("width_resolved") is False:
            w15 = w4 = float("nan")  # a jump between probes has no width to compare
        cl4 = rows[4.0]["max_cl_ahead"]
        res[label] = {
            "ratio": w4 / w15 if w15 > 0 else float("nan"),
            "smooths": bool(np.isfinite(w4) and np.isfinite(w15) and w4 > SMOOTHING_FACTOR * w15),
            "cl_ok": bool(np.isfinite(cl4) and CL_TARGET[0] <= cl4 <= CL_TARGET[1]),
        }
    return res


def write_report(path: Path, table: dict, verdict: dict, three_d: dict | None, cand: dict,
                 case) -> None:
    prov = provenance()
    git = prov.get("git") or {}
    pl = case.pl
    L = []
    L += ["# Front shape: what explains a front that smooths with bias and ~12 % Cl ahead of it?",
          "",
          "Generated by `python validation/front_shape.py` (`make front-shape`; `ARGS=--3d` for "
          "the 3D part) from `campaigns/front_shape*.yaml`; do not edit by hand. "
          f"Code version {prov.get('version', '?')}, commit {git.get('commit')}"
          f"{' (dirty tree)' if git.get('dirty') else ''}.",
          "",
          "**Question.** Seed 001 (the rectification paper: CsPbBr3–CsPbCl3 nanowires on two "
          "gold electrodes, 4 h of bias at room temperature) reports Cl in the Br-rich segment "
          "ahead of the moving front and a model front that smooths as the bias rises. Our 1D "
          "model's forward front stays sharp, sharpens with bias and has essentially no Cl ahead "
          "of it (docs/validation.md). Three explanations are tested, each against the same two "
          "criteria:",
          "",
          "1. **PL resolution alone**: the experiment measures composition by confocal "
          "photoluminescence (PL), not directly (1D device, `campaigns/front_shape.yaml`);",
          "2. **the 3D bottom-contact geometry**: the contacts inject at the bottom of the wire, "
          "so the front can tilt across the section (`campaigns/front_shape_3d.yaml`);",
          "3. **more vacancies where the front moves** (free surface, contact edges; 1D "
          "variants, `campaigns/front_shape_candidates.yaml` and its no-bias control "
          "`front_shape_candidates_nobias.yaml`).",
          "",
          "**Criteria.** *Smooths with bias*: front width at 4 V/µm more than "
          f"{SMOOTHING_FACTOR:g} × the width at 1.5 V/µm (not evaluated where a width is below "
          f"the sampling: n/a). *~12 % Cl*: Cl ahead of the front at 4 V/µm between "
          f"{100 * CL_TARGET[0]:g} % and {100 * CL_TARGET[1]:g} % (within a factor 2). The same "
          "criteria as docs/validation.md.",
          "",
          "**Terms.**",
          "",
          "- *y* = x_Br/(x_Br + x_Cl), the Br fraction of the halide sites; the device starts "
          "with y = 1 (CsPbBr3) left of z = 3.5 µm and y = 0.1 on the right (the seed's "
          "Cl-rich segment), contacts at z = 1.5 and 5.5 µm (4 µm gap).",
          "- *Front*: the y = 0.55 crossing nearest the initial interface (seed 001, Fig. 1e). "
          "*L_m*: the distance the front moved into the Br-rich segment after 4 h; "
          "*R* = L_m(+4 V/µm) / |L_m(−4 V/µm)|, the rectification ratio (seed ≈ 20; "
          f"accepted {RECTIFICATION_RANGE[0]:g}–{RECTIFICATION_RANGE[1]:g} as in "
          "docs/validation.md).",
          "- *Width*: distance between the y = 0.2 and y = 0.9 crossings nearest the front; "
          "\"unresolved\" where the transition lies between two neighbouring samples (the "
          "number is then an upper bound of order the sample spacing).",
          "- *Cl ahead*: the largest Cl fraction 1 − y in the initial Br-rich segment more "
          f"than {CL_UPTAKE_MARGIN_UM:g} µm beyond the front (docs/model.md, \"Observables\"). "
          "*Mean Cl gain*: the mean increase of 1 − y over the whole initial Br-rich segment, "
          "including the part the front swept over (so it is large whenever the front moved).",
          "- *True* values use the computed y(z); *PL-apparent* values the same definitions on "
          "the composition read back from the synthetic PL peak wavelength (docs/model.md, "
          f"\"Synthetic photoluminescence\"): Gaussian spot of FWHM {pl.psf_fwhm_um:g} µm "
          f"(PSF), line width {pl.linewidth_eV:g} eV, bowing {pl.bowing_eV:g} eV, peak of "
          f"the summed spectrum, probes every {pl.step_um * 1e3:.0f} nm; *mean energy* is the "
          "intensity-weighted mean photon energy instead of the peak; *funnelling* lets "
          "carriers recombine at the lowest gap within a diffusion length L.",
          "- *x_V,Br*: the equilibrium halide-vacancy site fraction of CsPbBr3 (2e-9 in the "
          "reference device); *k*: the rate at which a surface exchange relaxes x_V to its "
          "local equilibrium.",
          "",
          "## Seed 001's statements",
          "",
          f"- Front shape: {SEED['width']}.",
          f"- Cl ahead of the front: {SEED['cl']}.",
          f"- Control: {SEED['control']}.",
          "",
          "## 1. PL resolution alone (1D)",
          "",
          "**Method.** The 1D reference device (cases/reference_forward.yaml) after 4 h of "
          "forward bias at 1.5, 2.5 and 4 V/µm; the synthetic PL with the case defaults and "
          "with the variants in the rows below. Figures: the profiles "
          "(`figures/front_shape_profiles_4h.png`: y on top, the Cl fraction 1 − y on a log "
          "scale below, with the 12 % level) and the PL map (`figures/front_shape_pl_map.png`, "
          "seed 001's Fig. 1d).",
          "",
          "### Front width after 4 h (y = 0.2 … 0.9)",
          "",
          "| composition | " + " | ".join(f"{f:g} V/µm" for f in FIELDS)
          + f" | width(4)/width(1.5) | smooths with bias (> {SMOOTHING_FACTOR:g})? |",
          "|---|" + "---|" * (len(FIELDS) + 2)]
    for label, rows in table.items():
        v = verdict[label]
        L.append(f"| {label} | " + " | ".join(width(rows[f]) for f in FIELDS)
                 + f" | {ratio_text(v)} | {yes_no(v, 'smooths')} |")
    L += ["",
          f"### Cl ahead of the front after 4 h (max 1 − y beyond front + "
          f"{CL_UPTAKE_MARGIN_UM:g} µm)",
          "",
          "| composition | " + " | ".join(f"{f:g} V/µm" for f in FIELDS)
          + f" | mean Cl gain, 4 V/µm | ~12 % at 4 V/µm (accept "
          f"{100 * CL_TARGET[0]:g}–{100 * CL_TARGET[1]:g} %)? |",
          "|---|" + "---|" * (len(FIELDS) + 2)]
    for label, rows in table.items():
        v = verdict[label]
        L.append(f"| {label} | " + " | ".join(pct(rows[f]["max_cl_ahead"]) for f in FIELDS)
                 + f" | {pct(rows[4.0]['mean_cl_increase'])} | "
                 f"{yes_no(v, 'cl_ok')} |")
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
          "### Findings (1D)",
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
          "### Verdict on PL resolution alone",
          "",
          f"- **PL resolution alone explains the smoothing with bias: "
          f"{'HOLDS for ' + ', '.join(any_smooth) if any_smooth else 'FAILS'}.** "
          "The resolution-limited width is independent of bias (mean energy) or the front "
          "looks sharper than it is (spectrum peak). Note that the seed's own experiment says "
          "the front \"remained sharp\" (Fig. S4): the smoothing with bias is a property of the "
          "seed's *model* (Fig. 2b), which PL cannot reproduce here either way.",
          f"- **PL resolution alone explains ~12 % Cl ahead of the front: "
          f"{'HOLDS for ' + ', '.join(any_cl) if any_cl else 'FAILS'}.** Blurring by a "
          "0.25–0.5 µm PSF leaves at most "
          f"{pct(max(table[k][4.0]['max_cl_ahead'] for k in pl_labels))} Cl half a micrometre "
          "beyond a sharp front; the Cl the seed reports must be in the wire, not in the "
          "optics.",
          "- **How sure.** " + ("Both conclusions hold for every PSF from 0.25 to 0.5 µm, for "
          "both peak definitions and with or without funnelling (the rows above)"
          if not (any_smooth or any_cl) else "Not robust: some PL variants pass (rows above)")
          + "; they rest on the 1D profile, i.e. on a front that is flat across the section. "
          "What the 1D model cannot contain is a front that varies across the section: the "
          "bottom-contact geometry (next section) is the next candidate, then enhanced vacancy "
          "supply along the free surface or at the contact edges.",
          "",
          "## 2. The 3D bottom-contact geometry (200, 300, 400 nm wires)",
          ""]
    L += three_d_section(three_d, table["true composition"])
    L += ["", "## 3. More vacancies where the front moves (1D)", "",
          "**Why.** Seed 001 explains its model's smoothing by \"enhanced vacancy mediated "
          "interdiffusion\" from larger vacancy creation rates, and the issue names enhanced "
          "vacancy supply along the free surface or at the contact edges. In a section-averaged "
          "(1D) description these are: a larger equilibrium vacancy fraction in the Br-rich "
          "segment (surface sites make vacancies more easily than the bulk); faster creation at "
          "the contacts; and an exchange of vacancies with the surface along the whole wire, "
          "which relaxes x_V towards its equilibrium at a rate k (the `schottky` equilibration "
          "channel of docs/model.md with E_a = 0, so k is the same at every temperature; its "
          "compensating charge is made with it). "
          "`campaigns/front_shape_candidates.yaml` (−4, 1.5, 2.5, 4 V/µm) and "
          "`front_shape_candidates_nobias.yaml` (the same wires without bias, seed 001's "
          "control, Fig. S8), 4 h at 300 K; PL with the case defaults.",
          ""]
    L += candidates_section(cand)
    L += ["", *candidate_findings(cand)]
    L += ["", *overall_verdict(verdict, three_d, cand)]
    path.write_text("\n".join(L) + "\n", encoding="utf-8")


#: Quantities of the resolution table: (label, value of a member).
RESOLUTION_QUANTITIES = (
    ("L_m [µm]", lambda r: r["L_m_um"]),
    ("lateral spread [nm]", lambda r: 1e3 * r["spread_um"]),
    ("width, averaged [nm]", lambda r: 1e3 * r["averaged"]["width_um"]),
    ("width, PL mean energy [nm]", lambda r: 1e3 * r["pl_mean"]["width_um"]),
    ("Cl ahead, averaged [%]", lambda r: 100 * r["averaged"]["max_cl_ahead"]),
    ("Cl ahead, PL mean energy [%]", lambda r: 100 * r["pl_mean"]["max_cl_ahead"]),
)


def three_d_section(three_d: dict | None, true_1d: dict) -> list[str]:
    """The report's 3D part: tables, resolution check, findings."""
    L: list[str] = []
    if three_d is None or not three_d["main"]:
        return [*L, "**Pending** (not run). `python validation/front_shape.py --3d` "
                    "(`make front-shape ARGS=--3d`, 3.4 h of CPU, 1.7 h with 2 jobs) runs "
                    "`campaigns/front_shape_3d.yaml` and `front_shape_3d_resolution.yaml` and "
                    "fills this section."]
    main, fine = three_d["main"], three_d["fine"]
    L += ["**Method.** `cases/wire3d.yaml` (7 µm wire on two bottom electrodes, structured "
          "hexahedra, box Scharfetter–Gummel fluxes) with square sections of 200, 300 and "
          "400 nm, forward bias for 4 h (`campaigns/front_shape_3d.yaml`). Averaged: the front "
          "metrics of the cross-section average of y. PL: the synthetic PL of the section "
          "(the spectra of a grid of lines along the wire, summed over the section, then the "
          "peak; case defaults), computed by the run itself; PL mean energy: the "
          "intensity-weighted mean photon energy over spot and section, which for a linear "
          "E(y) (no bowing) without funnelling is exactly that of the averaged profile, "
          "computed here from it. Lateral spread: the distance "
          "between the foremost and hindmost y = 0.55 crossing among the lines.",
          "",
          "**Resolution.** 4 × 4 cells across every section (50, 75, 100 nm cells), 10 nm axial "
          "layers. The 200 nm convergence study (docs/validation_3d_convergence.md) found the "
          "section cells the limiting resolution: at 50 nm cells the averaged front width is "
          "within 17 % (GCI) of its extrapolated value and the lateral spread within 5 %, both "
          "converging from above; the 10 nm layers change the width by < 0.3 % against 6.7 nm. "
          "The widest wire is repeated with 6 × 6 cells (table below).",
          "",
          "| wire | cells across | field [V/µm] | L_m [µm] | lateral spread | width: averaged "
          "/ PL peak / PL mean energy | Cl ahead: averaged / PL peak / PL mean energy | "
          "wall [s] |",
          "|---|---|---|---|---|---|---|---|"]
    for f in FIELDS:
        L.append(f"| 1D (flat front) | — | {f:g} | — | 0 | {width(true_1d[f])} / — / — | "
                 f"{pct(true_1d[f]['max_cl_ahead'])} / — / — | — |")
    for (w, f), r in sorted(main.items()):
        kinds = [r[k] for k in KINDS_3D]
        L.append(f"| {w} nm | {r['cells_across']} × {r['cells_across']} | {f:g} | "
                 f"{r['L_m_um']:.3f} | {nm(r['spread_um'])} | "
                 + " / ".join(width(m) if m else "—" for m in kinds) + " | "
                 + " / ".join(pct(m["max_cl_ahead"]) if m else "—" for m in kinds)
                 + f" | {r['wall_s']:.0f} |")
    vd = three_d_verdicts(main)
    L += ["", "![3D averaged and PL-apparent profiles](figures/front_shape_3d_profiles_4h.png)",
          "", f"### Smoothing with bias and Cl ahead (criteria as in 1D: width(4)/width(1.5) > "
          f"{SMOOTHING_FACTOR:g}; Cl ahead at 4 V/µm in {100 * CL_TARGET[0]:g}–"
          f"{100 * CL_TARGET[1]:g} %)", "",
          "| wire | composition | width(4)/width(1.5) | smooths with bias? | ~12 % Cl ahead? |",
          "|---|---|---|---|---|"]
    for (w, kind), v in sorted(vd.items()):
        L.append(f"| {w} nm | {KINDS_3D[kind]}"
                 f" | {ratio_text(v)} | {yes_no(v, 'smooths')} | {yes_no(v, 'cl_ok')} |")
    if fine:
        L += ["", "### Resolution check: 4 × 4 vs 6 × 6 cells across "
              "(`campaigns/front_shape_3d_resolution.yaml`)", "",
              "| wire | field [V/µm] | quantity | 4 × 4 | 6 × 6 | change |",
              "|---|---|---|---|---|---|"]
        for (w, f), r6 in sorted(fine.items()):
            r4 = main.get((w, f))
            if r4 is None:
                continue
            for lab, get in RESOLUTION_QUANTITIES:
                a, b = get(r4), get(r6)
                change = f"{100 * (b - a) / a:+.1f} %" if abs(a) > 1e-12 else "n/a"
                L.append(f"| {w} nm | {f:g} | {lab} | {a:.4g} | {b:.4g} | {change} |")
    L += ["", *three_d_findings(main, fine, vd, true_1d)]
    return L


def candidates_study(root: Path, nobias_root: Path) -> dict:
    """{member: {"fields": {field: metrics (true and "pl")}, "L_m": {field: L_m [µm]},
    "nobias": metrics at 0 V/µm (true and "pl") or None}}."""
    case = repo_case("reference_forward.yaml")
    st = settings_of(case.pl)
    def true_and_pl(run: Path) -> dict:
        p0, p1 = member_profiles(run)
        return {"true": measure(p0, p1, case, None), "pl": measure(p0, p1, case, st)}

    out = {}
    for name, _ in CANDIDATES:
        rows, lm = {}, {}
        for f in (-4.0, *FIELDS):
            run = root / f"{name}__field_V_per_um={f}"
            summary = completed_summary(run)
            if summary is None:
                continue
            lm[f] = summary["migration_length_um"]
            if f > 0:
                rows[f] = true_and_pl(run)
        nb = true_and_pl(nobias_root / name) if completed_summary(nobias_root / name) else None
        if lm:
            out[name] = {"fields": rows, "L_m": lm, "nobias": nb}
    return out


def candidates_section(cand: dict) -> list[str]:
    """The report's table of the vacancy-supply candidates."""
    if not cand:
        return ["**Not run** (`campaigns/front_shape_candidates.yaml`)."]
    L = ["| candidate | width 1.5 / 2.5 / 4 V/µm (true) | width(4)/width(1.5) | "
         "Cl ahead at 4 V/µm, true / PL | L_m(+4) [µm] | L_m(−4) [µm] | "
         "R = L_m(+4) / \\|L_m(−4)\\| | R in "
         f"{RECTIFICATION_RANGE[0]:g}–{RECTIFICATION_RANGE[1]:g}? | no bias: width / Cl ahead "
         f"(PL) | no bias: Cl discernible (≥ {100 * NOBIAS_DISCERNIBLE:g} %)? |",
         "|---|---|---|---|---|---|---|---|---|---|"]
    for name, label in CANDIDATES:
        c = cand.get(name)
        if c is None or not all(f in c["fields"] for f in FIELDS):
            L.append(f"| {label} | (incomplete) |" + " |" * 8)
            continue
        rows, lm = c["fields"], c["L_m"]
        v = true_verdict(c)
        r = rectification(c)
        nb = c["nobias"]
        L.append(f"| {label} | " + " / ".join(width(rows[f]["true"]) for f in FIELDS)
                 + f" | {ratio_text(v)} | {pct(rows[4.0]['true']['max_cl_ahead'])} / "
                 f"{pct(rows[4.0]['pl']['max_cl_ahead'])} | {lm[4.0]:.3f} | "
                 f"{lm.get(-4.0, float('nan')):+.4f} | {r:.1f} | "
                 f"{'yes' if RECTIFICATION_RANGE[0] <= r <= RECTIFICATION_RANGE[1] else '**no**'}"
                 " | " + (f"{width(nb['pl'])} / {pct(nb['pl']['max_cl_ahead'])} | "
                          f"{'**yes**' if discernible(nb) else 'no'} |"
                          if nb else "not run | |"))
    return L


def rectification(c: dict) -> float:
    """R = L_m(+4) / |L_m(-4)| of a candidate (nan without both runs)."""
    lm = c["L_m"]
    return lm[4.0] / abs(lm[-4.0]) if lm.get(-4.0) and 4.0 in lm else float("nan")


def discernible(nobias: dict | None) -> bool:
    """Cl ahead without bias at least NOBIAS_DISCERNIBLE (PL-apparent): against Fig. S8."""
    return bool(nobias) and nobias["pl"]["max_cl_ahead"] >= NOBIAS_DISCERNIBLE

def _lm(r: dict) -> str:
    return f"{r['L_m_um']:.3f}"


def _series(main: dict, w: int, get) -> str:
    return " / ".join(get(main[(w, f)]) for f in FIELDS)


def three_d_findings(main: dict, fine: dict, vd: dict, true_1d: dict) -> list[str]:
    """Findings of the 3D part, from the numbers."""
    L = ["### Findings (3D)", ""]
    complete = [w for w in WIDTHS_3D_NM if all((w, f) in main for f in FIELDS)]
    for w in complete:
        L.append(f"- **{w} nm** (1.5 / 2.5 / 4 V/µm): lateral spread "
                 f"{_series(main, w, lambda r: nm(r['spread_um']))}; averaged width "
                 f"{_series(main, w, lambda r: width(r['averaged']))}; PL width "
                 f"{_series(main, w, lambda r: width(r['pl']))}; L_m "
                 f"{_series(main, w, _lm)} µm.")
    if complete:
        L.append("- **1D** (a front flat across the section): "
                 + " / ".join(width(true_1d[f]) for f in FIELDS) + ".")
        excess = [r["averaged"]["width_um"] - r["spread_um"] for r in main.values()]
        L.append("- **Mechanism.** The front tilts across the section (the contacts inject at "
                 "the bottom of the wire, docs/validation_3d.md), more at higher bias and in "
                 "thicker wires: lateral spread "
                 + "; ".join(f"{w} nm: {_series(main, w, lambda r: nm(r['spread_um']))}"
                             for w in complete)
                 + f" at {' / '.join(f'{f:g}' for f in FIELDS)} V/µm. The averaged width is "
                 "that tilt plus a local width like 1D's: width − spread = "
                 f"{nm(min(excess))} to {nm(max(excess))} over all members. So the "
                 "cross-section average smooths with bias because the tilt grows with bias, "
                 "not because the local front broadens.")
        pl_sharp = [(w, f) for (w, f), r in main.items() if r["pl"].get("width_resolved") is False]
        L.append("- **What PL sees.** The spectrum peak within the spot is one phase's line or "
                 "the other's, so the PL-apparent front stays a step "
                 f"(unresolved) in {len(pl_sharp)} of {len(main)} members, including "
                 + ", ".join(f"{w} nm at {f:g} V/µm" for w, f in sorted(pl_sharp)
                             if f == FIELDS[-1]) + ": a tilted front can look sharp in PL "
                 "while the averaged composition is smooth. Seed 001's experiment reports a "
                 "front that \"remained sharp\" (Fig. S4); its model (Fig. 2b) a smoothing "
                 "front: both are consistent with a tilt of this size.")
    hit = sorted((w, f) for (w, f), r in main.items()
                 if r["averaged"]["max_cl_ahead"] >= CL_TARGET[0])
    if hit:
        L.append(f"- **Cl ahead of the front** (more than {CL_UPTAKE_MARGIN_UM:g} µm beyond the "
                 "averaged front) appears where the tilt is longer than that margin: "
                 + "; ".join(f"{w} nm at {f:g} V/µm: spread {nm(main[(w, f)]['spread_um'])}, "
                             f"Cl ahead {pct(main[(w, f)]['averaged']['max_cl_ahead'])} "
                             f"averaged, {pct(main[(w, f)]['pl_mean']['max_cl_ahead'])} in "
                             f"mean-energy PL, {pct(main[(w, f)]['pl']['max_cl_ahead'])} at "
                             "the spectrum peak" for w, f in hit)
                 + ". It is the leading part of a tilted front, not Cl mixed through the "
                 "section: a uniform mix would move the spectrum peak as far as the mean "
                 "energy, while the peak stays on the Br line (the Cl-rich part of the section "
                 "adds a second line, not a shift).")
    else:
        cl = [max(r["averaged"]["max_cl_ahead"], r["pl"]["max_cl_ahead"]) for r in main.values()]
        L.append(f"- **Cl ahead of the front** (more than {CL_UPTAKE_MARGIN_UM:g} µm beyond it):"
                 f" at most {pct(max(cl))} in any wire, averaged or PL-apparent: the tilt stays "
                 "within the front region.")
    if fine:
        ch = []
        for (w, f), r6 in sorted(fine.items()):
            r4 = main.get((w, f))
            if r4 is not None:
                ch.append(f"{w} nm at {f:g} V/µm: averaged width {width(r4['averaged'])} → "
                          f"{width(r6['averaged'])}, spread {nm(r4['spread_um'])} → "
                          f"{nm(r6['spread_um'])}, Cl ahead "
                          f"{pct(r4['averaged']['max_cl_ahead'])} → "
                          f"{pct(r6['averaged']['max_cl_ahead'])}")
        L.append("- **Resolution** (4 × 4 → 6 × 6 cells across): " + "; ".join(ch) + ".")
    return L


def true_verdict(c: dict) -> dict:
    """:func:`verdicts` of a candidate's true composition."""
    return verdicts({"x": {f: c["fields"][f]["true"] for f in FIELDS}})["x"]


def cl_ahead_pl(c: dict) -> float:
    """PL-apparent Cl ahead of a candidate's front at 4 V/µm."""
    return c["fields"][4.0]["pl"]["max_cl_ahead"]


def nobias_cl_text(c: dict) -> str:
    return pct(c["nobias"]["pl"]["max_cl_ahead"]) if c["nobias"] else "(no control run)"


def candidate_findings(cand: dict) -> list[str]:
    """Findings of the vacancy-supply candidates, from the numbers."""
    def get(name):
        c = cand.get(name)
        return c if c is not None and all(f in c["fields"] for f in FIELDS) else None

    L = ["### Findings (more vacancies)", ""]
    base, x1000 = get("baseline"), get("xvbr_x1000")
    if base and x1000:
        dl = 100 * (x1000["L_m"][4.0] - base["L_m"][4.0]) / base["L_m"][4.0]
        L.append("- **A larger equilibrium vacancy fraction does nothing under bias.** "
                 f"x_V,Br × 1000 changes L_m(+4) by {dl:+.2f} % and the width at 4 V/µm from "
                 f"{width(base['fields'][4.0]['true'])} to {width(x1000['fields'][4.0]['true'])}"
                 ": the field sweeps the mobile vacancies out of the gap (they relax in "
                 "~1e-4–1e-3 s, docs/model.md), so under bias the vacancy content is set by "
                 "the contacts' creation, not by the equilibrium. Without bias the same wire "
                 + (f"mixes: {width(x1000['nobias']['pl'])} PL-apparent width and "
                    f"{pct(x1000['nobias']['pl']['max_cl_ahead'])} Cl ahead after 4 h."
                    if x1000["nobias"] else "was not run."))
    fast = [(lab, get(n)) for n, lab in CANDIDATES if n.startswith("sources_") and get(n)]
    if fast and base:
        L.append("- **Faster creation at the contacts** moves the front further and widens it "
                 "a little, but not more at higher bias: "
                 + "; ".join(f"{lab}: L_m(+4) {c['L_m'][4.0]:.2f} µm, width(4)/width(1.5) "
                             f"{ratio_text(true_verdict(c))}, R = {rectification(c):.1f}"
                             for lab, c in fast)
                 + f" (reference: L_m(+4) {base['L_m'][4.0]:.2f} µm, R = "
                 f"{rectification(base):.1f}). Relative to the reference, |L_m(−4)| grows "
                 + " / ".join(f"× {abs(c['L_m'][-4.0] / base['L_m'][-4.0]):.1f}" for _, c in fast)
                 + " and L_m(+4) "
                 + " / ".join(f"× {c['L_m'][4.0] / base['L_m'][4.0]:.2f}" for _, c in fast)
                 + ", so the rectification falls.")
    surf = [(lab, get(n)) for n, lab in CANDIDATES if n.startswith("surface_") and get(n)]
    if surf:
        L.append("- **Surface exchange along the wire** (vacancies supplied everywhere against "
                 "the sweep-out): "
                 + "; ".join(f"{lab}: Cl ahead at 4 V/µm {pct(cl_ahead_pl(c))} (PL), without "
                             f"bias {nobias_cl_text(c)}" for lab, c in surf)
                 + ". Cl reaches the Br-rich segment only where the supplied vacancy fraction "
                 "is large enough to mix the segments by diffusion, and then it does so with or "
                 "without bias.")
        mid = get("surface_xvbr_x100")
        if mid:
            L.append("- At the intermediate supply (surface exchange with x_V,Br × 100) the "
                     "profile is broad at low bias and sharp at the highest: widths "
                     + " / ".join(width(mid["fields"][f]["true"]) for f in FIELDS)
                     + f" at {' / '.join(f'{f:g}' for f in FIELDS)} V/µm, and "
                     f"L_m(−4) = {mid['L_m'][-4.0]:+.4f} µm, hence R = "
                     f"{rectification(mid):.0f}: a sharp front again, because the field "
                     "sweeps the supplied vacancies out faster than k = 1e-2 /s replaces them.")
    if base and base["nobias"]:
        nb = base["nobias"]
        L.append("- **The reference device itself, without bias**, broadens over 4 h at 300 K: "
                 f"PL-apparent width {width(nb['pl'])}, Cl ahead {pct(nb['pl']['max_cl_ahead'])} "
                 f"(true: {width(nb['true'])}, {pct(nb['true']['max_cl_ahead'])}). This is "
                 "interdiffusion by the Cl-rich side's equilibrium vacancies (x_V,Cl = 3e-7), "
                 "which bias sweeps away. Below the Cl threshold used here, but a broadened PL "
                 "front; whether seed 001's Fig. S8 would show it we cannot tell from its text.")
    return L


def overall_verdict(one_d_verdict: dict, three_d: dict | None, cand: dict) -> list[str]:
    """The closing verdict over the three hypotheses."""
    L = ["## Verdict", ""]
    pl_labels = [k for k in one_d_verdict if k.startswith("PL")]
    pl_smooth = any(one_d_verdict[k]["smooths"] for k in pl_labels)
    pl_cl = any(one_d_verdict[k]["cl_ok"] for k in pl_labels)
    L.append(f"1. **PL resolution alone: smoothing {'HOLDS' if pl_smooth else 'FAILS'}, "
             f"~12 % Cl {'HOLDS' if pl_cl else 'FAILS'}** (every PSF and peak definition "
             "tried; section 1).")
    if three_d and three_d["main"]:
        vd = three_d_verdicts(three_d["main"])
        def which(key: str) -> str:
            parts = []
            for kind, label in KINDS_3D.items():
                ws = [w for w in WIDTHS_3D_NM if (w, kind) in vd and vd[(w, kind)][key]]
                if ws:
                    parts.append(f"{', '.join(f'{w} nm' for w in ws)} ({label})")
            return "HOLDS for " + "; ".join(parts) if parts else "FAILS"

        ratios = ", ".join(f"{w} nm {ratio_text(vd[(w, 'averaged')])}"
                           for w in WIDTHS_3D_NM if (w, "averaged") in vd)
        L.append(f"2. **3D bottom-contact geometry: smoothing {which('smooths')}; ~12 % Cl "
                 f"{which('cl_ok')}** (averaged width(4)/width(1.5): {ratios}; section 2)."
                 + ("" if any(v["smooths"] or v["cl_ok"] for (w, k), v in vd.items()
                              if k == "pl") else
                    " Neither at the PL spectrum peak, which keeps the front a step."))
    else:
        L.append("2. **3D bottom-contact geometry: pending** (not run; section 2).")
    if cand:
        rows = []
        for name, label in CANDIDATES[1:]:
            c = cand.get(name)
            if c is None or not all(f in c["fields"] for f in FIELDS):
                continue
            rows.append((label, true_verdict(c), c))
        sm = [lab for lab, v, _ in rows if v["smooths"]]
        clk = [lab for lab, v, _ in rows if v["cl_ok"]]
        near = [(lab, c) for lab, _, c in rows if cl_ahead_pl(c) >= CL_TARGET[0]]
        txt = (f"3. **More vacancies where the front moves: smoothing "
               f"{'HOLDS for ' + ', '.join(sm) if sm else 'FAILS in every variant'}; ~12 % Cl "
               f"{'HOLDS for ' + ', '.join(clk) if clk else 'FAILS in every variant'}**")
        if near:
            txt += ("; the variants with at least "
                    f"{100 * CL_TARGET[0]:g} % Cl ahead under bias ("
                    + ", ".join(f"{lab}: {pct(cl_ahead_pl(c))}" for lab, c in near)
                    + ") give " + ", ".join(nobias_cl_text(c) for _, c in near)
                    + " without bias, which seed 001's control excludes (Fig. S8)")
        L.append(txt + " (section 3).")
    L += ["", *how_sure(three_d, cand)]
    return L


def how_sure(three_d: dict | None, cand: dict) -> list[str]:
    """The uncertainty statement of the verdict, from the resolution check and the scans."""
    L = ["**How sure.**", ""]
    L.append("- PL alone and more vacancies: the conclusions hold over every PSF "
             "(0.25–0.5 µm), both peak definitions, funnelling on/off, x_V,Br over three "
             "decades, contact creation × 3 and × 10 and surface exchange; they do not depend "
             "on a mesh (the 1D device "
             "is resolved to 0.5 nm at the front and agrees with an independent solver).")
    if three_d and three_d["fine"]:
        rows, d_spread, d_width, d_cl = [], [], [], []
        for (w, f), r6 in sorted(three_d["fine"].items()):
            r4 = three_d["main"].get((w, f))
            if r4 is None:
                continue
            d_spread.append(abs(r6["spread_um"] / r4["spread_um"] - 1))
            d_width.append(abs(r6["averaged"]["width_um"] / r4["averaged"]["width_um"] - 1))
            d_cl.append(abs(r6["averaged"]["max_cl_ahead"] - r4["averaged"]["max_cl_ahead"]))
            rows.append(f"{w} nm at {f:g} V/µm: Cl ahead {pct(r4['averaged']['max_cl_ahead'])}"
                        f" → {pct(r6['averaged']['max_cl_ahead'])}")
        L.append("- 3D: the table numbers come from 4 × 4 cells across the section. Refined to "
                 "6 × 6 (`front_shape_3d_resolution.yaml`), the lateral spread changes by at "
                 f"most {100 * max(d_spread):.1f} %, the averaged width by at most "
                 f"{100 * max(d_width):.1f} % and the Cl ahead by at most "
                 f"{100 * max(d_cl):.1f} percentage points (" + "; ".join(rows) + "). On the "
                 "200 nm wire the three-mesh study gives GCI 17 % for the averaged width and 5 % "
                 "for the spread at 4 × 4 cells (docs/validation_3d_convergence.md). So the "
                 "conclusions of section 2 (a tilt that grows with bias and thickness smooths "
                 "the averaged front and, in the thicker wires, puts Cl ahead of it) hold at "
                 "both resolutions; individual percentages carry errors of this size.")
    elif three_d and three_d["main"]:
        L.append("- 3D: 4 × 4 cells across the section, resolution check not run; on the "
                 "200 nm wire width and lateral spread converge from above (GCI 17 % and 5 %).")
    return L

def main(argv=None) -> int:
    args = parse_args(argv)
    results, docs = Path(args.results), Path(args.docs)
    figs = docs / "figures"
    figs.mkdir(parents=True, exist_ok=True)
    names = (CAMPAIGN_1D, CAMPAIGN_CAND, CAMPAIGN_NOBIAS)
    if args.three_d:
        names += (CAMPAIGN_3D, CAMPAIGN_3D_RES)
    if not args.no_run:
        run_campaigns(names, results, args.jobs)
    root = results / CAMPAIGN_1D
    table, case = one_d_study(root)
    fig_profiles(root, case, figs / "front_shape_profiles_4h.png")
    fig_map(root, case, figs / "front_shape_pl_map.png")
    three_d = (three_d_study(results / CAMPAIGN_3D, results / CAMPAIGN_3D_RES)
               if args.three_d else None)
    if three_d is not None:
        fig_3d_profiles(three_d["main"], figs / "front_shape_3d_profiles_4h.png")
    out = docs / "validation_front_shape.md"
    cand = candidates_study(results / CAMPAIGN_CAND, results / CAMPAIGN_NOBIAS)
    write_report(out, table, verdicts(table), three_d, cand, case)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
