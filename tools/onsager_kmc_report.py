"""Generate docs/onsager_kmc.md: KMC Onsager coefficients vs ``manning`` and ``ideal``.

Reads the shipped table ``solver/physics/data/onsager_kmc.json`` (written by
``python -m solver.analysis.kmc run`` and ``... fit``; the KMC itself is not rerun here), draws
docs/figures/onsager_kmc.png, and runs the 1D cases that show what the choice changes:

- cases/reference_forward.yaml and reference_reverse.yaml (±4 V/µm, 4 h) with
  ``transport.onsager_model`` = manning, kmc, ideal: L_m, the rectification ratio
  R = L_m(+4)/|L_m(−4)| and the forward front width (y = 0.2 … 0.9 crossings, 4 h);
- cases/thermal_100C.yaml (10 h anneal, no bias) with the same models: Boltzmann–Matano D(y)
  after 1.5 h, and the model interdiffusivity factor k_eff(y) of solver.analysis.thermal.

Usage: ``python tools/onsager_kmc_report.py [--results results/onsager_kmc] [--force]``
(``make onsager-report``; ~1 min).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from solver.analysis import observables  # noqa: E402
from solver.analysis.matano import boltzmann_matano  # noqa: E402
from solver.analysis.thermal import effective_rate_per_s  # noqa: E402
from solver.io.files import read_profile_csv  # noqa: E402
from solver.physics.onsager import (  # noqa: E402
    F0_PEROVSKITE_ANION,
    KMC_TABLE_PATH,
    reduced_onsager,
)

MODELS = ("manning", "kmc", "ideal")
NAMES = (("m_brbr", "m_BrBr"), ("m_brcl", "m_BrCl"), ("m_clcl", "m_ClCl"))
Y_SHOW = (0.1, 0.3, 0.5, 0.7, 0.9)
Y_D = (0.3, 0.5, 0.7, 0.9)
T_MATANO_S = 5400.0


def ratio_label(r: float) -> str:
    return "1/3" if abs(r - 1 / 3) < 1e-9 else f"{r:g}"


def run_case(case: str, model: str, out: Path, force: bool) -> Path:
    """Run ``case`` with ``transport.onsager_model=model`` into ``out`` (reuse if completed)."""
    summary = out / "summary.json"
    if summary.exists() and not force:
        s = json.loads(summary.read_text())
        if s.get("status") == "completed":
            return out
    cmd = [sys.executable, "run_case.py", case, "--output", str(out), "--force", "--quiet",
           "--set", f"transport.onsager_model={model}"]
    print("run", " ".join(cmd[1:]), flush=True)
    subprocess.run(cmd, cwd=REPO, check=True)
    return out


def final_profile(out: Path, t: float | None = None) -> tuple[float, dict]:
    profs = {}
    for f in sorted((out / "profiles").glob("*.csv")):
        tt, cols = read_profile_csv(f)
        profs[tt] = cols
    key = max(profs) if t is None else min(profs, key=lambda x: abs(x - t))
    return key, profs[key]


def bias_numbers(results: Path, force: bool) -> dict:
    out = {}
    for model in MODELS:
        fwd = run_case("cases/reference_forward.yaml", model, results / f"forward_{model}", force)
        rev = run_case("cases/reference_reverse.yaml", model, results / f"reverse_{model}", force)
        lf = json.loads((fwd / "summary.json").read_text())["migration_length_um"]
        lr = json.loads((rev / "summary.json").read_text())["migration_length_um"]
        _, p = final_profile(fwd)
        z_f = observables.front_position(p["z_um"], p["y"], 3.5)
        width = observables.sharpness(p["z_um"], p["y"], z_f)
        out[model] = {"L_fwd_um": lf, "L_rev_um": lr, "R": lf / abs(lr), "width_um": width}
    return out


def thermal_numbers(results: Path, force: bool) -> dict:
    out = {}
    for model in MODELS:
        run = run_case("cases/thermal_100C.yaml", model, results / f"thermal100_{model}", force)
        t, p = final_profile(run, T_MATANO_S)
        res = boltzmann_matano(p["z_um"], p["y"], t, 1.0, 0.22)
        out[model] = {"t_s": t, "D_cm2_per_s": [float(v) for v in res.D_at(list(Y_D))]}
    return out


def response_numbers(seed: int = 2024) -> dict:
    """Reciprocity by linear response at c_Br = 0.5, w_Br/w_Cl = 3 (~30 s CPU)."""
    from solver.analysis.kmc import run_kmc

    kw = {"n_cells": 6, "n_systems": 1024, "n_blocks": 6, "block_jumps": 2000,
          "record_jumps": 200}
    force = 0.3
    eq = run_kmc(0.5, 3.0, 1.0, seed=seed, **kw)
    push_cl = run_kmc(0.5, 3.0, 1.0, seed=seed + 1, force_x=(0.0, force), **kw)
    push_br = run_kmc(0.5, 3.0, 1.0, seed=seed + 2, force_x=(force, 0.0), **kw)
    o = eq.onsager()
    return {"force": force, "c_br": eq.y_br,
            "einstein": {k: list(v) for k, v in o.items()},
            "m_brbr": list(push_br.response_m(0)), "m_clbr": list(push_br.response_m(1)),
            "m_brcl": list(push_cl.response_m(0)), "m_clcl": list(push_cl.response_m(1))}


def figure(table: dict, path: Path) -> None:
    rows = table["rows"]
    ratios = sorted({r["ratio_br_cl"] for r in rows})
    fig, axes = plt.subplots(3, len(ratios), figsize=(3.6 * len(ratios), 9.0), sharex=True)
    yy = np.linspace(0.0, 1.0, 201)
    for j, ratio in enumerate(ratios):
        rs = sorted((r for r in rows if r["ratio_br_cl"] == ratio), key=lambda r: r["y_br"])
        c = np.array([r["y_br"] for r in rs])
        mods = {m: reduced_onsager(yy, 1 - yy, ratio, 1.0, m, F0_PEROVSKITE_ANION)
                for m in MODELS}
        for i, (key, label, color) in enumerate((("m_brbr", "m_BrBr", "C0"),
                                                 ("m_clcl", "m_ClCl", "C1"),
                                                 ("m_brcl", "m_BrCl", "C2"))):
            ax = axes[1 if key == "m_brcl" else 0, j]
            v = np.array([r[f"{key}_per_s"] for r in rs])
            e = np.array([r[f"{key}_err_per_s"] for r in rs])
            ax.errorbar(c, v, yerr=e, fmt="o", ms=3.5, color=color, label=f"{label} KMC")
            ax.plot(yy, getattr(mods["manning"], key), "-", color=color, lw=1,
                    label=f"{label} Manning" if i < 3 else None)
            ax.plot(yy, getattr(mods["kmc"], key), ":", color="k", lw=1)
            if key != "m_brcl":
                ax.plot(yy, getattr(mods["ideal"], key), "--", color=color, lw=0.8, alpha=0.6)
            # relative deviation from Manning (bottom row)
            man = getattr(reduced_onsager(c, 1 - c, ratio, 1.0, "manning", F0_PEROVSKITE_ANION),
                          key)
            off = (i - 1) * 0.006
            axes[2, j].errorbar(c + off, v / man - 1, yerr=e / man, fmt="o", ms=3, color=color,
                                label=label)
            inner = (yy > 0.02) & (yy < 0.98)
            axes[2, j].plot(yy[inner], (getattr(mods["kmc"], key) / getattr(mods["manning"], key)
                                        - 1)[inner], ":", color=color, lw=1)
        axes[2, j].axhline(0.0, color="k", lw=0.6)
        axes[2, j].set_ylim(-0.3, 0.3)
        axes[0, j].set_title(f"w_Br/w_Cl = {ratio_label(ratio)}")
        axes[2, j].set_xlabel("c_Br = x_Br/(x_Br+x_Cl)")
    axes[0, 0].set_ylabel("m_aa [w_Cl]  (dashed: ideal)")
    axes[1, 0].set_ylabel("m_BrCl [w_Cl]")
    axes[2, 0].set_ylabel("KMC/Manning − 1 (dotted: kmc fit)")
    axes[2, 0].legend(fontsize=7)
    axes[0, 0].legend(fontsize=7)
    axes[1, 0].legend(fontsize=7, title="dotted: kmc fit", title_fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def summary_lines(table: dict, bias: dict, thermal: dict) -> list[str]:
    rows = table["rows"]
    ratios = sorted({r["ratio_br_cl"] for r in rows})
    f0x = table["f0_extrapolated"]
    chi = {r: manning_chi2(rows, r) for r in ratios}
    worst_chi = max(v[0] for c in chi.values() for v in c.values())
    diag_dev = max(max(c["m_brbr"][2], c["m_clcl"][2]) for c in chi.values())
    corr = max(fit_max_correction(r) for r in ratios)
    rel_err = np.median([r[f"{k}_err_per_s"] / r[f"{k}_per_s"] for r in rows
                         for k in ("m_brbr", "m_clcl")])
    eq = chi.get(next((r for r in ratios if abs(r - 1) < 1e-9), None), None)
    bm, bk = bias["manning"], bias["kmc"]
    dm = np.array(thermal["manning"]["D_cm2_per_s"])
    dk = np.array(thermal["kmc"]["D_cm2_per_s"])
    return [
        f"- Tracer correlation factor of the lattice from KMC: f0 = {f0x['f0']:.5f} ± "
        f"{f0x['f0_err']:.5f} (extrapolated in 1/N), against {F0_PEROVSKITE_ANION} (matrix "
        "method, used by `manning`) and 0.69 (Ishigaki et al. 1988).",
        "- Manning's collective `m_ab` agree with the KMC at every ratio (1/3, 1, 3, 10) to "
        f"within the statistics: χ²/dof of Manning alone is at most {worst_chi:.2f} over the "
        f"{len(ratios)} ratios × 3 coefficients (11 compositions each); the diagonal differs "
        f"by at most {diag_dev:.1%} in any row (median statistical error {rel_err:.1%}).",
        *([] if eq is None else [
            "- At equal rates Manning's `m_ab` are exact (`m_aa = c_a w (c_a + c_b f0)`, the "
            "label-blind vacancy walk), so those rows test the KMC error bars: χ²/dof = "
            f"{eq['m_brbr'][0]:.2f} (BrBr), {eq['m_brcl'][0]:.2f} (BrCl), "
            f"{eq['m_clcl'][0]:.2f} (ClCl). Values near 2 would mean the quoted errors are "
            "somewhat small (up to ~1.5×) or one ~3σ row; read the error bars with that in "
            "mind."]),
        ("- No correction to Manning is resolved at 3σ, so the fitted `kmc` model *is* "
         "`manning` at the table's ratios and the solver numbers are the same: " if corr < 1e-12
         else f"- The fitted `kmc` model differs from `manning` by at most {corr:.1%} anywhere, "
         "and the solver numbers change accordingly little: ") +
        f"L_m(+4) {bk['L_fwd_um'] / bm['L_fwd_um'] - 1:+.2%}, L_m(−4) "
        f"{bk['L_rev_um'] / bm['L_rev_um'] - 1:+.2%}, R {bk['R'] / bm['R'] - 1:+.2%}, forward "
        f"front width {bk['width_um'] / bm['width_um'] - 1:+.2%}, D(y) at 100 °C "
        f"{np.min(dk / dm - 1):+.1%} … {np.max(dk / dm - 1):+.1%}. `ideal` instead changes "
        f"L_m(+4) by {bias['ideal']['L_fwd_um'] / bm['L_fwd_um'] - 1:+.1%} and D(y) by up to "
        f"{np.max(np.array(thermal['ideal']['D_cm2_per_s']) / dm - 1):+.0%}.",
        "- So, for this lattice without interactions, the Onsager closure is not what keeps D(y) "
        "flat in issue 12: the KMC confirms Manning over the rate ratios 1/3–10.",
    ]


def fmt_pm(v: float, e: float) -> str:
    digits = max(1, min(5, int(-np.floor(np.log10(e))) + 1)) if e > 0 else 4
    return f"{v:.{digits}f} ± {e:.{digits}f}"


def manning_chi2(rows: list[dict], ratio: float) -> dict[str, tuple[float, int, float]]:
    """Per coefficient: (χ²/dof of Manning alone, dof, largest |KMC/Manning − 1|) at ``ratio``."""
    rs = [r for r in rows if r["ratio_br_cl"] == ratio]
    out = {}
    for key, _ in NAMES:
        chi2, dev = 0.0, 0.0
        for r in rs:
            c = r["y_br"]
            mv = getattr(reduced_onsager(c, 1 - c, r["w_br_per_s"], r["w_cl_per_s"], "manning",
                                         F0_PEROVSKITE_ANION), key)
            chi2 += ((r[f"{key}_per_s"] - mv) / r[f"{key}_err_per_s"]) ** 2
            dev = max(dev, abs(r[f"{key}_per_s"] / mv - 1))
        out[key] = (chi2 / len(rs), len(rs), dev)
    return out


def fit_max_correction(ratio: float) -> float:
    """Largest |m_kmc/m_manning − 1| of the fitted model over c in (0, 1), all coefficients."""
    c = np.linspace(0.001, 0.999, 999)
    k = reduced_onsager(c, 1 - c, ratio, 1.0, "kmc", F0_PEROVSKITE_ANION)
    m = reduced_onsager(c, 1 - c, ratio, 1.0, "manning", F0_PEROVSKITE_ANION)
    return float(max(np.max(np.abs(getattr(k, key) / getattr(m, key) - 1)) for key, _ in NAMES))


def _sum_rule_lines(rows: list[dict]) -> list[str]:
    """The sum-rule table of the equal-rate rows (none: no lines)."""
    eq = sorted((r for r in rows if abs(r["ratio_br_cl"] - 1) < 1e-9), key=lambda r: r["y_br"])
    if not eq:
        return []
    lines = ["Sum rule (MODEL.md §3) at equal rates, `m_BrBr + m_BrCl = c_Br w` and "
             "`m_ClCl + m_BrCl = c_Cl w` (± the sum of the two standard errors, an upper "
             "bound of the error of the sum; the unit test "
             "`test_equal_rates_tracer_f0_and_sum_rule` checks it with the exact "
             "per-system error):", "",
             "| c_Br | m_BrBr + m_BrCl | c_Br w | m_ClCl + m_BrCl | c_Cl w |",
             "|---|---|---|---|---|"]
    for r in eq:
        sb = r["m_brbr_per_s"] + r["m_brcl_per_s"]
        eb = r["m_brbr_err_per_s"] + r["m_brcl_err_per_s"]
        sc = r["m_clcl_per_s"] + r["m_brcl_per_s"]
        ec = r["m_clcl_err_per_s"] + r["m_brcl_err_per_s"]
        lines.append(f"| {r['y_br']:.3f} | {fmt_pm(sb, eb)} | {r['y_br']:.4f} | "
                     f"{fmt_pm(sc, ec)} | {1 - r['y_br']:.4f} |")
    lines.append("")
    return lines


def write_report(table: dict, bias: dict, thermal: dict, resp: dict, path: Path) -> None:
    rows = table["rows"]
    st = table["settings"]
    f0x = table["f0_extrapolated"]
    ratios = sorted({r["ratio_br_cl"] for r in rows})
    lines = [
        "# Onsager coefficients from kinetic Monte Carlo (`onsager_model: kmc`)",
        "",
        f"Generated by `.venv/bin/python tools/onsager_kmc_report.py` (`make onsager-report`) on "
        f"{datetime.now(UTC):%Y-%m-%d} from `solver/physics/data/onsager_kmc.json` "
        "(KMC: `.venv/bin/python -m solver.analysis.kmc run`, then `... fit`; `make onsager-kmc`). "
        "Back to [docs/onsager.md](onsager.md).",
        "",
        "## Summary",
        "",
        *summary_lines(table, bias, thermal),
        "",
        "## Method",
        "",
        "- One vacancy in a periodic supercell of the X sublattice of cubic ABX3 "
        f"({st['n_cells']}³ cells, {rows[0]['n_sites']} sites; each X has 8 X neighbours at "
        "a/√2), random Br/Cl occupation, vacancy–atom exchange at `w_Br` or `w_Cl` "
        "(`w_Cl` = 1 /s below), residence-time (BKL) algorithm with mean residence times, "
        "`solver/analysis/kmc.py` (numpy, vectorised over independent systems).",
        "- Generalised Einstein relation with collective displacements "
        "`ΔR_a = Σ_{i∈a} Δr_i`: `m_ab = ⟨ΔR_a·ΔR_b⟩/(z λ_j² t)` per vacancy (x_V factored out). "
        "This is the module's convention `M_ab = x_V λ² m_ab` with `λ² = z λ_j²/6`: pure "
        "lattice `m = w`, uncorrelated `m_aa = c_a w_a`, directly comparable with `ideal` and "
        "`manning` (evaluated at `x_Br = c_Br`, `x_V → 0`).",
        f"- Per table row: {st['n_systems']} independent systems (own random alloy each) × "
        f"{st['n_blocks']} blocks of {st['block_jumps']} jumps "
        f"({st['n_systems'] * st['n_blocks'] * st['block_jumps']:.2e} jumps). Error bars: one "
        "standard error over the independent systems (ratio-of-sums estimator, delta method). "
        f"Total KMC CPU time {st['cpu_s'] / 60:.0f} min.",
        "",
        "![KMC vs Manning and ideal](figures/onsager_kmc.png)",
        "",
        "Points: KMC ± 1σ. Solid: `manning`. Dashed: `ideal`. Dotted: the `kmc` model (fit).",
        "",
        "## Equal rates: the single-species results",
        "",
        "Tracer correlation factor of all atoms, `f = Δ(Σ|Δr_i|²)/(λ_j² Δn)` (slope after the "
        "first block), `w_Br = w_Cl`, `c_Br = 0.5`:",
        "",
        "| supercell | sites N | f (KMC) |",
        "|---|---|---|",
    ]
    for r in table["f0_finite_size"]:
        lines.append(f"| {r['n_cells']}³ | {r['n_sites']} | {fmt_pm(r['f'], r['f_err'])} |")
    lines += [
        f"| fit f0 + c/N, N → ∞ | ∞ | **{fmt_pm(f0x['f0'], f0x['f0_err'])}** |",
        "",
        f"Reference: matrix method of docs/onsager.md §3, `f0 = {F0_PEROVSKITE_ANION}` "
        "(the value `manning` uses); Ishigaki et al., J. Solid State Chem. 73, 179 (1988): "
        "0.69. One vacancy in N sites raises the KMC value by about 1/N.",
        "",
    ]
    lines += _sum_rule_lines(rows)

    ein = resp["einstein"]
    lines += ["## Reciprocity and normalisation by linear response", "",
              f"Same KMC with a small force `F = {resp['force']:g} k_BT` per a/2 along x on one "
              "species only (exchange rates `w_a exp(F_a Δx/2)`); the drift gives "
              "`m_ba = 3⟨ΔR_b,x⟩/(8 F_a t)`, independent of the Einstein (fluctuation) estimate "
              f"of an unpushed run. c_Br = {resp['c_br']:.3f}, w_Br/w_Cl = 3, "
              "three independent runs of 1.2e7 jumps:", "",
              "| | Einstein ⟨ΔR·ΔR⟩ | response (push Br) | response (push Cl) |",
              "|---|---|---|---|",
              f"| m_BrBr | {fmt_pm(*ein['m_brbr'])} | {fmt_pm(*resp['m_brbr'])} | |",
              f"| m_BrCl = m_ClBr | {fmt_pm(*ein['m_brcl'])} | {fmt_pm(*resp['m_clbr'])} "
              f"(Cl drift) | {fmt_pm(*resp['m_brcl'])} (Br drift) |",
              f"| m_ClCl | {fmt_pm(*ein['m_clcl'])} | | {fmt_pm(*resp['m_clcl'])} |", ""]

    lines += ["## KMC vs Manning and ideal", "",
              "`m_ab` in units of `w_Cl`; KMC/Manning − 1 in brackets.", ""]
    for ratio in ratios:
        rs = sorted((r for r in rows if r["ratio_br_cl"] == ratio), key=lambda r: r["y_br"])
        lines += [f"### w_Br/w_Cl = {ratio_label(ratio)}", "",
                  "| c_Br | m_BrBr KMC | Manning | ideal | m_BrCl KMC | Manning | "
                  "m_ClCl KMC | Manning | ideal | f_Br KMC | f_Cl KMC |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in rs:
            c = r["y_br"]
            man = reduced_onsager(c, 1 - c, r["w_br_per_s"], r["w_cl_per_s"], "manning",
                                  F0_PEROVSKITE_ANION)
            cells = [f"{c:.3f}"]
            for key in ("m_brbr", "m_brcl", "m_clcl"):
                v, e = r[f"{key}_per_s"], r[f"{key}_err_per_s"]
                mv = getattr(man, key)
                cells += [fmt_pm(v, e), f"{mv:.4f} ({v / mv - 1:+.1%})"]
                if key == "m_brbr":
                    cells.append(f"{c * r['w_br_per_s']:.4f}")
                elif key == "m_clcl":
                    cells.append(f"{(1 - c) * r['w_cl_per_s']:.4f}")
            cells += [fmt_pm(r["f_br"], r["f_br_err"]), fmt_pm(r["f_cl"], r["f_cl_err"])]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")

    # block-length diagnostic
    worst = 0.0
    for r in rows:
        for key in ("m_brbr", "m_brcl", "m_clcl"):
            e = r[f"{key}_err_per_s"]
            if e > 0:
                # m(n) ≈ m∞ + b/n: the bias of the long blocks is (m_short − m_long)/(ratio − 1)
                nb = r["block_jumps"] / (r["block_jumps"] / 10)
                est_bias = (r[f"{key}_shortblock_per_s"] - r[f"{key}_per_s"]) / (nb - 1)
                worst = max(worst, abs(est_bias) / e)
    lines += ["Block length: the same runs summed in blocks ten times shorter give, with "
              "`m(n) ≈ m∞ + b/n`, an estimated bias of the production blocks of at most "
              f"{worst:.2f} standard errors over all rows and coefficients.", ""]

    fit = table["fit"]
    lines += ["## The `kmc` model (what the solver uses)", "",
              "Per rate ratio, Manning times a polynomial correction in `c = x_Br/(x_Br+x_Cl)`, "
              "weighted least squares on the rows above; the degree starts at −1 (no correction, "
              f"i.e. Manning) and is raised (up to {fit['max_degree']}) only while each added "
              "parameter lowers χ² by more than 9 (a correction resolved at 3σ): "
              "`m_BrBr = m^M_BrBr [1 + (1−c) P_BrBr(c)]`, `m_ClCl = m^M_ClCl [1 + c P_ClCl(c)]`, "
              "`m_BrCl = m^M_BrCl [1 + P_BrCl(c)]`; equal rates: only `P_BrCl`, diagonal from "
              "the sum rule (exact). One-species limits, symmetry and the UFL form are kept. "
              "Only the table's ratios are accepted (`material.hop_ratio_br_cl` ∈ {1/3, 1, 3, "
              "10}); any other ratio is refused before the run (exit 2, "
              "`error: material.hop_ratio_br_cl: ... not in the KMC table`).", "",
              "Columns: degree chosen and χ²/dof of the fit; in brackets χ²/dof of Manning "
              "alone (no correction).", "",
              "| w_Br/w_Cl | BrBr | BrCl | ClCl | largest correction |", "|---|---|---|---|---|"]
    for e in fit["entries"]:
        cells = [ratio_label(e["ratio_br_cl"])]
        man = manning_chi2(rows, next(r for r in ratios
                                      if abs(r - e["ratio_br_cl"]) < 1e-9))
        for k in ("brbr", "brcl", "clcl"):
            v = e.get(f"chi2_dof_{k}")
            mc = man[f"m_{k}"][0]
            cells.append(f"sum rule ({mc:.2f})" if v is None
                         else f"{e[f'degree_{k}']}, {v:.2f} ({mc:.2f})")
        cells.append(f"{fit_max_correction(e['ratio_br_cl']):.1%}")
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")

    lines += ["## What the choice changes (1D reference cases, w_Br/w_Cl = 3)", "",
              "`cases/reference_forward.yaml` / `reference_reverse.yaml` (±4 V/µm, 4 h) with "
              "`--set transport.onsager_model=...`. Front width: distance between the "
              "y = 0.2 and y = 0.9 crossings of the forward profile at 4 h.", "",
              "| model | L_m(+4) [µm] | L_m(−4) [µm] | R = L_m(+4)/abs(L_m(−4)) | "
              "forward front width [nm] |", "|---|---|---|---|---|"]
    for m in MODELS:
        b = bias[m]
        lines.append(f"| {m} | {b['L_fwd_um']:.4f} | {b['L_rev_um']:.4f} | {b['R']:.2f} | "
                     f"{b['width_um'] * 1e3:.1f} |")
    bm, bk = bias["manning"], bias["kmc"]
    lines += ["", f"kmc vs manning: L_m(+4) {bk['L_fwd_um'] / bm['L_fwd_um'] - 1:+.2%}, "
              f"L_m(−4) {bk['L_rev_um'] / bm['L_rev_um'] - 1:+.2%}, "
              f"R {bk['R'] / bm['R'] - 1:+.2%}, front width "
              f"{bk['width_um'] / bm['width_um'] - 1:+.2%}.", ""]

    lines += ["### D(y) at 100 °C", "",
              f"`cases/thermal_100C.yaml` (no bias), Boltzmann–Matano D(y) [cm²/s] of the "
              f"profile at {T_MATANO_S / 3600:g} h, and the model factor "
              "`k_eff(y)` [1/s per w_Cl] of `D = λ² x_V k_eff` (solver/analysis/thermal.py):", "",
              "| model | " + " | ".join(f"D(y={y:g})" for y in Y_D) + " | " +
              " | ".join(f"k_eff({y:g})" for y in Y_D) + " |",
              "|---|" + "---|" * (2 * len(Y_D))]
    for m in MODELS:
        k = effective_rate_per_s(np.array(Y_D), 3.0, 1.0, m, F0_PEROVSKITE_ANION)
        lines.append(f"| {m} | " + " | ".join(f"{d:.3e}" for d in thermal[m]["D_cm2_per_s"])
                     + " | " + " | ".join(f"{v:.4f}" for v in k) + " |")
    dm = np.array(thermal["manning"]["D_cm2_per_s"])
    dk = np.array(thermal["kmc"]["D_cm2_per_s"])
    lines += ["", "kmc/manning − 1 for D(y): " + ", ".join(
        f"y={y:g}: {v:+.1%}" for y, v in zip(Y_D, dk / dm - 1, strict=True)) + ".", ""]
    lines += ["## Caveats", "",
              "- Ideal cubic lattice, no interactions, x_V → 0 (one vacancy per box); the "
              "orthorhombic distortion of CsPbBr3 below ~360 K is not modelled.",
              "- Finite supercell: the tracer f carries a +O(1/N) finite-size term (table "
              "above); the collective `m_ab` at equal rates satisfy the sum rule within their "
              "errors, so no finite-size correction is applied to them.",
              "- The `kmc` model is a smooth fit: between the table compositions it interpolates "
              "corrections to Manning (column 'largest correction' above); rate ratios between "
              "the table's are refused rather than interpolated.",
              "- The KMC statistical error (≈0.7 % on the diagonal, 3–10 % on the cross term) "
              "bounds how well the table can tell `kmc` from `manning`; the solver differences "
              "above are of that size or smaller.", ""]
    path.write_text("\n".join(lines))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", type=Path, default=KMC_TABLE_PATH)
    ap.add_argument("--results", type=Path, default=REPO / "results" / "onsager_kmc")
    ap.add_argument("--report", type=Path, default=REPO / "docs" / "onsager_kmc.md")
    ap.add_argument("--force", action="store_true", help="rerun the solver cases")
    args = ap.parse_args(argv)
    table = json.loads(args.table.read_text())
    figure(table, args.report.parent / "figures" / "onsager_kmc.png")
    bias = bias_numbers(args.results, args.force)
    thermal = thermal_numbers(args.results, args.force)
    resp = response_numbers()
    write_report(table, bias, thermal, resp, args.report)
    (args.results / "numbers.json").write_text(json.dumps(
        {"bias": bias, "thermal": thermal, "response": resp}, indent=1))
    print(f"wrote {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
