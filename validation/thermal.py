"""Generate docs/validation_thermal.md (seed 000: thermal halide interdiffusion, no bias).

One command (runs the thermal cases, or reuses finished runs in the results directory):

    .venv/bin/python validation/thermal.py --results results/thermal [--docs docs] [--force]

Runs (each ~1-2 s, under ``--results``):
    thermal_75C, thermal_100C, thermal_125C, thermal_reverse_125C: the case files as they are.
    arrhenius_<T>: the same three forward cases to 1 h with outputs every 5-15 min, for the
        Boltzmann-Matano analysis while neither wire end has been reached yet.
    formation_<T>: the forward cases with ``material.vacancy_model=formation_energy`` on a
        4 + 4 µm wire for 120 s, a sensitivity study of the vacancy model.
    equilibration/<setting>/...: the rate scan of ``material.vacancy_equilibration`` for both
        seeds (validation/equilibration.py, ~40 runs of 2-6 s).
A run is reused when ``summary.json`` exists, completed and holds the same resolved case.

Every number in the report is computed here from those outputs (profiles, time series) and from
two independent numpy references (:mod:`solver.analysis.fick` for the local-equilibrium
interdiffusion, :func:`solver.analysis.thermal.poisson_boltzmann_vacancies` for the
vacancy distribution); seed values come from :data:`solver.analysis.thermal.SEED_000` and the
tolerances are the constants below, fixed before looking at the results.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from solver.analysis.fick import solve_fick_1d  # noqa: E402
from solver.analysis.matano import boltzmann_matano  # noqa: E402
from solver.analysis.thermal import (  # noqa: E402
    SEED_000,
    arrhenius_fit,
    br_rich_length_um,
    cl_plateau,
    interdiffusivity_cm2_per_s,
    local_equilibrium_interdiffusivity_cm2_per_s,
    max_gradient_per_um,
    poisson_boltzmann_vacancies,
    vacancy_potential_shift,
)
from solver.config import case_to_dict, load_case  # noqa: E402
from solver.constants import BOLTZMANN_EV_PER_K  # noqa: E402
from solver.outputs import git_info, read_profile_csv, read_timeseries_csv  # noqa: E402
from solver.parameters import from_case  # noqa: E402
from solver.physics.initial import initial_composition  # noqa: E402
from validation.common import md_cell  # noqa: E402

FORWARD = {"75C": 348.15, "100C": 373.15, "125C": 398.15}
CASES = [f"thermal_{k}" for k in FORWARD] + ["thermal_reverse_125C"]
ARRHENIUS_TIMES_S = [0.0, 300.0, 600.0, 900.0, 1200.0, 1800.0, 2700.0, 3600.0]
FORMATION_TIMES_S = [0.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0]
# formation-energy runs: D is ~100x larger, so a longer wire (4 + 4 µm) keeps the ends untouched
FORMATION_GEOMETRY = ["geometry.length_um=8.0", "geometry.interface_um=4.0",
                      "electrodes.right.start_um=7.95", "electrodes.right.end_um=8.0"]
HOUR = 3600.0

# Criteria (fixed in advance; each is printed next to its result in the report).
BR_LEVEL = 0.9  # [-] "Br-rich region": y >= 0.9 (composition unchanged within 10 %)
TOL_SHRINK_UM = 0.3  # [µm] seed "about 1 µm" -> 0.7 ... 1.3 µm
TOL_BR_END_UM = 0.25  # [µm] seed "about 0.5 µm" -> 0.25 ... 0.75 µm
TOL_Y = 0.02  # [-] seed compositions are given to two decimals
UNIFORM_FRACTION = 0.5  # "rises nearly uniformly": spread over the outer half < 0.5 * rise
SMOOTH_MAX_GRADIENT = 1.0  # [1/µm] "one smooth profile" at 10 h: |dy/dz| <= 1/µm (13/µm at 0)
Q_RANGE = (0.1, 0.9)  # normalized compositions over which D(y) is reported/checked
END_TOL = 0.005  # [-] Boltzmann-Matano semi-infinite condition: ends moved by < this
TOL_EA_EV = 0.02  # [eV] issue 5 acceptance
TOL_REVERSE = 0.01  # [-] reverse (mirror) vs forward D(y) at 125 °C
TOL_BR_DRIFT = 1e-8  # [-] total Br conservation
Y_BR_SIDE, Y_CL_SIDE = 0.9, 0.3  # compositions nearest the pure phases reliably analysed


# --------------------------------------------------------------------------------- runs


def ensure_run(name: str, case_path: Path, overrides: list[str], results: Path,
               force: bool) -> Path:
    """Run ``case_path`` (with overrides) into results/name unless an identical run exists."""
    from solver.run import run_case

    out = results / name
    case = load_case(case_path, overrides)
    summary = out / "summary.json"
    if summary.exists() and not force:
        old = json.loads(summary.read_text())
        if old.get("status") == "completed" and old.get("case") == case_to_dict(case):
            print(f"reuse {out}")
            return out
        print(f"stale or failed run in {out}: running again")
    print(f"run   {case_path.name} {' '.join(overrides)} -> {out}")
    run_case(case, out, case_path=str(case_path), overrides=overrides, quiet=True)
    return out


def load_profiles(out: Path) -> dict[float, dict]:
    """{t_s: profile columns} of a run."""
    profs = {}
    for f in sorted((out / "profiles").glob("*.csv")):
        t, cols = read_profile_csv(f)
        profs[t] = cols
    return profs


def max_br_drift(out: Path) -> tuple[float, float]:
    """(largest |total Br(t)/total Br(0) - 1| over the accepted steps, final drift).

    The per-step value comes from timeseries.csv (11 significant digits, so it resolves drifts
    down to ~1e-10 only); the final one is summary.json's, computed in double precision.
    """
    ts = read_timeseries_csv(out / "timeseries.csv")
    tb = ts["total_br_um"]
    final = json.loads((out / "summary.json").read_text())["total_br_relative_drift"]
    return float(np.max(np.abs(tb / tb[0] - 1.0))), abs(float(final))


# --------------------------------------------------------------------------------- analysis


def step_values(params) -> tuple[float, float]:
    """(c_left, c_right): initial plateau compositions at the left and right wire ends."""
    if params.br_rich_left:
        return params.y_br, params.y_cl
    return params.y_cl, params.y_br


def matano(prof: dict, t: float, params):
    c_l, c_r = step_values(params)
    return boltzmann_matano(prof["z_um"], prof["y"], t, c_l, c_r)


def ends_untouched(prof: dict, params) -> bool:
    c_l, c_r = step_values(params)
    return abs(prof["y"][0] - c_l) < END_TOL and abs(prof["y"][-1] - c_r) < END_TOL


def q_range_D(res) -> np.ndarray:
    sel = (res.q > Q_RANGE[0]) & (res.q < Q_RANGE[1])
    return res.D_cm2_per_s[sel]


def wire_metrics(profs: dict, params) -> dict:
    """Seed-000 observables of one forward run (or of the local-equilibrium reference)."""
    times = sorted(profs)
    left = params.br_rich_left
    m = {}
    for t in times:
        p = profs[t]
        pl = cl_plateau(p["z_um"], p["y"], params.interface_um, params.length_um, left)
        m[t] = {"br_length_um": br_rich_length_um(p["z_um"], p["y"], left, BR_LEVEL),
                "plateau": pl, "max_gradient_per_um": max_gradient_per_um(p["z_um"], p["y"])}
    return m


def local_equilibrium_reference(params, times_s) -> dict[float, dict]:
    """Fick's law with D(y) = lambda^2 x_V,eq(y) k_eff(y) (vacancies following y), numpy FV."""
    n = round(params.length_um / 0.002)

    def diffusivity(y):
        return local_equilibrium_interdiffusivity_cm2_per_s(y, params) * 1e8  # [µm²/s]

    z, outs = solve_fick_1d(params.length_um, n, diffusivity,
                            lambda z: initial_composition(z, params), times_s, dt_max_s=30.0,
                            dt_initial_s=0.01, growth=1.15)
    zz = np.concatenate([[0.0], z, [params.length_um]])
    return {t: {"z_um": zz, "y": np.concatenate([[c[0]], c, [c[-1]]])}
            for t, c in zip(times_s, outs, strict=True)}


def D_at_length(runs: dict[float, dict], params, ell_um: float, y_levels) -> np.ndarray:
    """D(y) [cm²/s] at the diffusion length ell = sqrt(D(q=0.5) t), log-interpolated in time.

    Uses the outputs whose ends are untouched; NaN where ell is outside their range.
    """
    ells, Ds = [], []
    for t, prof in sorted(runs.items()):
        if t <= 0 or not ends_untouched(prof, params):
            continue
        res = matano(prof, t, params)
        d_half = float(res.D_at_q([0.5])[0]) * 1e8  # [µm²/s]
        ells.append(math.sqrt(d_half * t))
        Ds.append(res.D_at(y_levels))
    ells = np.array(ells)
    Ds = np.array(Ds)
    out = np.full(len(y_levels), np.nan)
    if ells.size < 2 or not ells[0] <= ell_um <= ells[-1]:
        return out
    for j in range(len(y_levels)):
        out[j] = math.exp(np.interp(math.log(ell_um), np.log(ells), np.log(Ds[:, j])))
    return out


def row(target: str, seed: str, ours: str, ok: bool | None, criterion: str) -> dict:
    """One row of the targets table; every cell escaped for Markdown (:func:`md_cell`)."""
    return {"target": md_cell(target), "seed": md_cell(seed), "ours": md_cell(ours),
            "result": "n/a" if ok is None else ("pass" if ok else "FAIL"),
            "criterion": md_cell(criterion)}


# --------------------------------------------------------------------------------- figures


def fig_profiles(path: Path, profs: dict, ref: dict, params, wire: dict) -> None:
    colors = {0.0: "k", 1.5 * HOUR: "tab:red", 5 * HOUR: "tab:green", 10 * HOUR: "tab:blue"}
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12, 4.4))
    for t, p in sorted(profs.items()):
        c = colors.get(t, "gray")
        ax.plot(p["z_um"], p["y"], color=c, label=f"model {t / HOUR:g} h")
        if t in ref and t > 0:
            ax.plot(ref[t]["z_um"], ref[t]["y"], color=c, ls="--", lw=1)
    z_cl = [params.interface_um + 0.5 * (params.length_um - params.interface_um),
            params.length_um]
    for y_seed, t in ((SEED_000.y_cl_initial, 0.0), (SEED_000.y_cl_1p5h, 1.5 * HOUR),
                      (SEED_000.y_cl_5h, 5 * HOUR)):
        ax.plot(z_cl, [y_seed, y_seed], color=colors[t], lw=6, alpha=0.3, solid_capstyle="butt")
    l0 = wire[0.0]["br_length_um"]
    ax.axvline(l0 - SEED_000.br_shrink_1p5h_um, color=colors[1.5 * HOUR], ls=":", lw=1.5)
    ax.axvline(SEED_000.br_length_5h_um, color=colors[5 * HOUR], ls=":", lw=1.5)
    ax.plot([], [], color="gray", ls="--", lw=1, label="local-equilibrium x_V (numpy ref.)")
    ax.plot([], [], color="gray", lw=6, alpha=0.3, label="seed: Cl-rich plateau")
    ax.plot([], [], color="gray", ls=":", label="seed: Br-rich end (y>=0.9) at 1.5 h / 5 h")
    ax.set_xlabel("z [µm]")
    ax.set_ylabel("y = x_Br/(x_Br+x_Cl)")
    ax.set_title("thermal_100C: composition at 0, 1.5, 5, 10 h")
    ax.legend(fontsize=7, loc="center left")
    for t, p in sorted(profs.items()):
        c = colors.get(t, "gray")
        bx.semilogy(p["z_um"], p["x_V"], color=c, label=f"x_V {t / HOUR:g} h")
        if t > 0:
            bx.semilogy(p["z_um"], params.x_v_eq(p["y"]), color=c, ls="--", lw=1)
    y0 = profs[0.0]["y"]
    bx.semilogy(profs[0.0]["z_um"], params.x_v_eq(y0), color="k", ls=":", lw=1.5,
                label="background x_V,eq(y(z,0))")
    bx.plot([], [], color="gray", ls="--", lw=1, label="x_V,eq(y(z,t)) (following y)")
    bx.set_xlabel("z [µm]")
    bx.set_ylabel("x_V")
    bx.set_title("vacancies: computed vs following the composition")
    bx.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def fig_D(path: Path, mat: dict, local: dict, leq: dict, rev, reverse_D) -> None:
    fig, ax = plt.subplots(figsize=(6.5, 4.6))
    colors = {"75C": "tab:blue", "100C": "tab:red", "125C": "k"}
    ax.axhspan(*SEED_000.D_range_cm2_per_s, color="gold", alpha=0.25,
               label="seed: 1e-13 ... 1e-12 cm²/s (75-125 °C)")
    for key, res in mat.items():
        sel = (res.q > Q_RANGE[0]) & (res.q < Q_RANGE[1])
        ax.semilogy(res.c[sel], res.D_cm2_per_s[sel], color=colors[key],
                    label=f"Matano, computed {key} (1.5 h)")
        ax.semilogy(res.c[sel], local[key][sel], color=colors[key], ls=":", lw=1)
    ys = np.linspace(0.22, 1.0, 200)
    for key, f in leq.items():
        ax.semilogy(ys, f(ys), color=colors[key], ls="--", lw=1)
    sel = (rev.q > Q_RANGE[0]) & (rev.q < Q_RANGE[1])
    ax.semilogy(rev.c[sel][::25], reverse_D[sel][::25], "o", mfc="none", color="k", ms=4,
                label="Matano, reverse 125 °C")
    ax.plot([], [], color="gray", ls=":", label="model lambda² x_V k_eff(y) on the profile")
    ax.plot([], [], color="gray", ls="--", label="if x_V = x_V,eq(y) (local equilibrium)")
    ax.set_xlabel("y")
    ax.set_ylabel("D [cm²/s]")
    ax.set_ylim(1e-15, 3e-12)
    ax.set_title("Interdiffusion coefficient D(y)")
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def fig_arrhenius(path: Path, T, fixed: dict, equal: dict, fits: dict, inputs: dict) -> None:
    fig, ax = plt.subplots(figsize=(9.0, 4.6))
    x = 1000.0 / np.asarray(T)
    xs = np.linspace(x.min() - 0.05, x.max() + 0.05, 50)
    k_b = BOLTZMANN_EV_PER_K
    for side, color in (("Br", "tab:green"), ("Cl", "tab:blue")):
        ax.semilogy(x, fixed[side], "o", color=color, label=f"y = {fits[side]['y']:g}, same t")
        Ea, D0 = fits[side]["fixed"]
        ax.semilogy(xs, D0 * np.exp(-Ea * xs / (1000.0 * k_b)), color=color,
                    label=f"fit {Ea:.3f} eV")
        if np.all(np.isfinite(equal[side])):
            ax.semilogy(x, equal[side], "s", mfc="none", color=color,
                        label=f"y = {fits[side]['y']:g}, equal diffusion length")
            Ea2, D02 = fits[side]["equal"]
            ax.semilogy(xs, D02 * np.exp(-Ea2 * xs / (1000.0 * k_b)), color=color, ls="--",
                        lw=1, label=f"fit {Ea2:.3f} eV")
        ax.semilogy(x, inputs[side], "x:", color=color, ms=7, lw=1,
                    label=f"input: pure CsPb{side}3, synthesis x_V")
    ax.set_xlabel("1000 / T [1/K]")
    ax.set_ylabel("D [cm²/s]")
    ax.set_title("Arrhenius plot (Matano D near the pure phases)")
    ax.legend(fontsize=6.5, loc="center left", bbox_to_anchor=(1.02, 0.5))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def fig_conservation(path: Path, outs: dict[str, Path]) -> None:
    fig, ax = plt.subplots(figsize=(6.5, 4.0))
    for name, out in outs.items():
        ts = read_timeseries_csv(out / "timeseries.csv")
        tb = ts["total_br_um"]
        drift = np.abs(tb / tb[0] - 1.0)
        ax.semilogy(ts["t_s"][1:] / HOUR, np.maximum(drift[1:], 1e-18), label=name)
    ax.axhline(TOL_BR_DRIFT, color="r", ls="--", lw=1, label="criterion 1e-8")
    ax.set_xlabel("t [h]")
    ax.set_ylabel("|total Br / total Br(0) - 1|")
    ax.set_title("Total Br conservation")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# --------------------------------------------------------------------------------- report


def fmt(v, spec=".3g") -> str:
    return "n/a" if v is None or (isinstance(v, float) and not math.isfinite(v)) else \
        format(v, spec)


def table(rows: list[dict], cols: list[tuple[str, str]]) -> str:
    lines = ["| " + " | ".join(h for _, h in cols) + " |",
             "|" + "|".join("---" for _ in cols) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(str(r[k]) for k, _ in cols) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--results", default="results/thermal", help="run directory")
    parser.add_argument("--docs", default=str(REPO / "docs"), help="where the report goes")
    parser.add_argument("--force", action="store_true", help="re-run even finished runs")
    args = parser.parse_args(argv)
    results, docs = Path(args.results), Path(args.docs)
    figdir = docs / "figures"
    figdir.mkdir(parents=True, exist_ok=True)
    cases_dir = REPO / "cases"

    # ---- runs
    outs = {name: ensure_run(name, cases_dir / f"{name}.yaml", [], results, args.force)
            for name in CASES}
    arr_outs, form_outs = {}, {}
    for key in FORWARD:
        path = cases_dir / f"thermal_{key}.yaml"
        arr_outs[key] = ensure_run(
            f"arrhenius_{key}", path,
            ["time.t_end_s=3600", f"time.output_times_s={ARRHENIUS_TIMES_S}"],
            results, args.force)
        form_outs[key] = ensure_run(
            f"formation_{key}", path,
            ["material.vacancy_model=formation_energy", *FORMATION_GEOMETRY,
             "time.t_end_s=120", f"time.output_times_s={FORMATION_TIMES_S}"],
            results, args.force)
    params = {name: from_case(load_case(cases_dir / f"{name}.yaml")) for name in CASES}
    T = [FORWARD[k] for k in FORWARD]

    # ---- 100 °C profiles and seed observables
    p100 = params["thermal_100C"]
    profs100 = load_profiles(outs["thermal_100C"])
    out_times = sorted(profs100)
    wire = wire_metrics(profs100, p100)
    ref = local_equilibrium_reference(p100, [t for t in out_times if t > 0])
    ref[0.0] = {"z_um": profs100[0.0]["z_um"], "y": profs100[0.0]["y"]}
    wire_ref = wire_metrics(ref, p100)
    t15, t5, t10 = 1.5 * HOUR, 5 * HOUR, 10 * HOUR

    def shrink(w):
        return w[0.0]["br_length_um"] - w[t15]["br_length_um"]

    def rise(w, t):
        return w[t]["plateau"]["mean"] - w[0.0]["plateau"]["mean"]

    rows = []
    s15 = shrink(wire)
    rows.append(row("Br-rich region (y >= 0.9) shrinks in 1.5 h at 100 °C",
                    f"~{SEED_000.br_shrink_1p5h_um:g} µm", f"{s15:.2f} µm "
                    f"(local-eq. ref. {shrink(wire_ref):.2f})",
                    abs(s15 - SEED_000.br_shrink_1p5h_um) <= TOL_SHRINK_UM,
                    f"within ±{TOL_SHRINK_UM:g} µm"))
    l5 = wire[t5]["br_length_um"]
    rows.append(row("Br-rich end after 5 h", f"~{SEED_000.br_length_5h_um:g} µm",
                    f"{l5:.2f} µm (ref. {wire_ref[t5]['br_length_um']:.2f})",
                    abs(l5 - SEED_000.br_length_5h_um) <= TOL_BR_END_UM,
                    f"within ±{TOL_BR_END_UM:g} µm"))
    for t, y_seed in ((t15, SEED_000.y_cl_1p5h), (t5, SEED_000.y_cl_5h)):
        mean = wire[t]["plateau"]["mean"]
        rows.append(row(f"Cl-rich part after {t / HOUR:g} h (from {SEED_000.y_cl_initial:g})",
                        f"{y_seed:g}", f"{mean:.3f} (ref. {wire_ref[t]['plateau']['mean']:.3f})",
                        abs(mean - y_seed) <= TOL_Y, f"within ±{TOL_Y:g}; mean y over the "
                        "outer half of the Cl-rich segment"))
    for t in (t15, t5):
        spread, r = wire[t]["plateau"]["spread"], rise(wire, t)
        rows.append(row(f"Cl-rich part rises nearly uniformly ({t / HOUR:g} h)", "uniform",
                        f"spread {spread:.3f} for a rise of {r:.3f} (ref. "
                        f"{wire_ref[t]['plateau']['spread']:.3f} / {rise(wire_ref, t):.3f})",
                        spread < UNIFORM_FRACTION * r,
                        f"spread over the outer half < {UNIFORM_FRACTION:g} x rise"))
    g10 = wire[t10]["max_gradient_per_um"]
    rows.append(row("One smooth profile after 10 h", "single smooth profile",
                    f"max |dy/dz| = {g10:.2f} /µm (ref. "
                    f"{wire_ref[t10]['max_gradient_per_um']:.2f}; 0 h: "
                    f"{wire[0.0]['max_gradient_per_um']:.1f})",
                    g10 <= SMOOTH_MAX_GRADIENT, f"max |dy/dz| <= {SMOOTH_MAX_GRADIENT:g} /µm"))

    y_mid = 0.5 * (p100.y_br + p100.y_cl)

    def mid_shift(prof_t, prof_0):
        """Displacement of the y_mid crossing toward the Br-rich end [µm] (> 0: into Br)."""
        from solver.observables import crossings

        z_t = crossings(prof_t["z_um"], prof_t["y"], y_mid)
        z_0 = crossings(prof_0["z_um"], prof_0["y"], y_mid)
        if z_t.size == 0 or z_0.size == 0:
            return math.nan
        d = float(z_t[np.argmin(np.abs(z_t - p100.interface_um))] - z_0[0])
        return -d if p100.br_rich_left else d

    sh = mid_shift(profs100[t15], profs100[0.0])
    sh_ref = mid_shift(ref[t15], ref[0.0])
    rows.append(row(f"Interface (y = {y_mid:.2f}) moves toward the Br-rich end, 1.5 h",
                    "toward the Br-rich end (KPFM junction: ~1.2 µm)",
                    f"{sh:+.3f} µm (ref. {sh_ref:+.3f})", sh > 0.0,
                    "direction only (> 0 = into the Br-rich segment)"))

    # ---- D(y) by Boltzmann-Matano at 1.5 h, each temperature
    mat, local, leq, d_rows = {}, {}, {}, []
    y_levels = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    lo, hi = SEED_000.D_range_cm2_per_s
    for key in FORWARD:
        name = f"thermal_{key}"
        pr = params[name]
        profs = load_profiles(outs[name])
        res = matano(profs[t15], t15, pr)
        mat[key] = res
        xv = np.interp(res.z_um, profs[t15]["z_um"], profs[t15]["x_V"])
        local[key] = interdiffusivity_cm2_per_s(res.c, xv, pr)
        leq[key] = functools.partial(local_equilibrium_interdiffusivity_cm2_per_s, params=pr)
        D = q_range_D(res)
        c_l, c_r = step_values(pr)
        moved = max(abs(profs[t15]["y"][0] - c_l), abs(profs[t15]["y"][-1] - c_r))
        d_rows.append({"T": key, "zM": f"{res.z_matano_um - pr.interface_um:+.1e}",
                       "moved": f"{moved:.3f}",
                       **{f"y{y:g}": fmt(float(res.D_at([y])[0])) for y in y_levels},
                       "range": f"{D.min():.2e} … {D.max():.2e}",
                       "leq": f"{leq[key](np.array([0.3]))[0]:.2e} / "
                              f"{leq[key](np.array([0.9]))[0]:.2e}"})
        in_range = bool(np.all((D >= lo) & (D <= hi)))
        rows.append(row(f"D(y) at {key} (Matano, 1.5 h, {Q_RANGE[0]:g} < q < {Q_RANGE[1]:g})",
                        "1e-13 … 1e-12 cm²/s", f"{D.min():.2e} … {D.max():.2e} cm²/s",
                        in_range, "every value inside the seed's range"))
    # reverse heterojunction (mirror) vs forward at 125 °C
    p_rev = params["thermal_reverse_125C"]
    rev = matano(load_profiles(outs["thermal_reverse_125C"])[t15], t15, p_rev)
    ylv = np.linspace(0.3, 0.9, 13)
    dev = float(np.max(np.abs(rev.D_at(ylv) / mat["125C"].D_at(ylv) - 1.0)))
    rows.append(row("Reverse heterojunction, 125 °C: same D(y)", "similar D (Fig. S15C)",
                    f"max deviation {dev:.1e}", dev <= TOL_REVERSE,
                    f"|D_rev/D_fwd - 1| <= {TOL_REVERSE:g} for 0.3 <= y <= 0.9"))

    # ---- Arrhenius: Matano near the pure phases, from the 1-h runs with frequent outputs
    arr_profs = {k: load_profiles(arr_outs[k]) for k in FORWARD}
    common = [t for t in ARRHENIUS_TIMES_S if t > 0 and all(
        ends_untouched(arr_profs[k][t], params[f"thermal_{k}"]) for k in FORWARD)]
    t_fix = max(common)
    fixed, equal, fits = {}, {}, {}
    ell_star = math.sqrt(float(matano(arr_profs["100C"][t_fix], t_fix, p100).D_at_q([0.5])[0])
                         * 1e8 * t_fix)
    for side, y in (("Br", Y_BR_SIDE), ("Cl", Y_CL_SIDE)):
        fixed[side] = np.array([float(matano(arr_profs[k][t_fix], t_fix,
                                             params[f"thermal_{k}"]).D_at([y])[0])
                                for k in FORWARD])
        equal[side] = np.array([D_at_length(arr_profs[k], params[f"thermal_{k}"], ell_star,
                                            [y])[0] for k in FORWARD])
        fits[side] = {"y": y, "fixed": arrhenius_fit(T, fixed[side]),
                      "equal": arrhenius_fit(T, equal[side])
                      if np.all(np.isfinite(equal[side])) else (math.nan, math.nan)}
    ratios = {k: float(fixed["Cl"][i] / fixed["Br"][i]) for i, k in enumerate(FORWARD)}
    rows.append(row("D larger on the Cl-rich side", "larger at Cl-rich y (Fig. 4A)",
                    ", ".join(f"{k}: {v:.2f}" for k, v in ratios.items()),
                    all(v > 1.0 for v in ratios.values()),
                    f"D(y={Y_CL_SIDE:g}) / D(y={Y_BR_SIDE:g}) > 1 at every T (Matano at "
                    f"t = {t_fix:g} s, ends untouched)"))
    Ea_in = load_case(cases_dir / "thermal_100C.yaml").material.hop_activation_eV
    for side in ("Br", "Cl"):
        for kind, label in (("fixed", f"same annealing time t = {t_fix:g} s"),
                            ("equal", f"equal diffusion length {ell_star * 1e3:.0f} nm")):
            Ea = fits[side][kind][0]
            rows.append(row(f"Activation energy, {side}-rich side (y = {fits[side]['y']:g}), "
                            f"{label}", f"{SEED_000.activation_eV:g} eV (input {Ea_in:g})",
                            f"{fmt(Ea, '.3f')} eV",
                            math.isfinite(Ea) and abs(Ea - Ea_in) <= TOL_EA_EV,
                            f"|E_a - input| <= {TOL_EA_EV:g} eV"))
    # input pure-phase D (model formula with the synthesis vacancy fractions) for the plot
    inputs = {
        "Br": np.array([interdiffusivity_cm2_per_s(1.0, math.exp(params[f"thermal_{k}"].ln_x_v_br),
                                                   params[f"thermal_{k}"]) for k in FORWARD]),
        "Cl": np.array([interdiffusivity_cm2_per_s(0.0, math.exp(params[f"thermal_{k}"].ln_x_v_cl),
                                                   params[f"thermal_{k}"]) for k in FORWARD]),
    }

    # ---- conservation
    all_outs = {**outs, **{f"arrhenius_{k}": v for k, v in arr_outs.items()},
                **{f"formation_{k}": v for k, v in form_outs.items()}}
    drift_pairs = {name: max_br_drift(out) for name, out in all_outs.items()}
    drifts = {name: v[1] for name, v in drift_pairs.items()}
    worst_step = max(v[0] for v in drift_pairs.values())
    worst = max(drifts.values())
    step_text = (f"{worst_step:.1e}" if worst_step > 0 else "0 (below the 1e-10 resolution of "
                 "timeseries.csv)")
    rows.append(row("Total Br conserved (every run, every step)", "conserved (SI Fig. S7)",
                    f"final drift <= {worst:.1e}; per step <= {step_text}",
                    max(worst, worst_step) < TOL_BR_DRIFT,
                    f"|total Br(t)/total Br(0) - 1| < {TOL_BR_DRIFT:g}"))

    # ---- vacancies: pinned, spread, or following the composition?
    # Independent numpy quasi-steady state (zero vacancy flux + Poisson, frozen background) on
    # the computed composition y(z, t), grounded contacts as in the solver and floating.
    vac_rows, qs_dev = [], {}
    z_mid = {"Br-rich middle": 0.5 * p100.interface_um,
             "Cl-rich middle": 0.5 * (p100.interface_um + p100.length_um)}
    y_init = profs100[0.0]["y"]
    snapshots = {ARRHENIUS_TIMES_S[1]: arr_profs["100C"][ARRHENIUS_TIMES_S[1]],
                 t15: profs100[t15], t10: profs100[t10]}
    for t, prof in snapshots.items():
        zt, yt = prof["z_um"], prof["y"]
        ybg = np.interp(zt, profs100[0.0]["z_um"], y_init)
        qs_g, _ = poisson_boltzmann_vacancies(zt, yt, p100, True, y_background=ybg)
        qs_f, _ = poisson_boltzmann_vacancies(zt, yt, p100, False, y_background=ybg)
        qs_dev[t] = float(np.max(np.abs(qs_g / prof["x_V"] - 1.0)))
        for label, zc in z_mid.items():
            i = int(np.argmin(np.abs(zt - zc)))
            vac_rows.append({
                "where": f"{label} (z = {zt[i]:.2f} µm)", "t": f"{t / HOUR:.3g} h",
                "y": f"{yt[i]:.2f}", "bg": f"{p100.x_v_eq(ybg[i]):.2e}",
                "eq": f"{p100.x_v_eq(yt[i]):.2e}", "fe": f"{prof['x_V'][i]:.2e}",
                "qsg": f"{qs_g[i]:.2e}", "qsf": f"{qs_f[i]:.2e}"})

    # ---- formation-energy sensitivity
    form_profs = {k: load_profiles(form_outs[k]) for k in FORWARD}
    f_common = [t for t in FORMATION_TIMES_S if t > 0 and all(
        ends_untouched(form_profs[k][t], params[f"thermal_{k}"]) for k in FORWARD)]
    form_row = {}
    if f_common:
        tf = max(f_common)
        fparams = {k: from_case(load_case(cases_dir / f"thermal_{k}.yaml",
                                          ["material.vacancy_model=formation_energy",
                                           *FORMATION_GEOMETRY]))
                   for k in FORWARD}
        fD = {side: np.array([float(matano(form_profs[k][tf], tf, fparams[k]).D_at([y])[0])
                              for k in FORWARD])
              for side, y in (("Br", Y_BR_SIDE), ("Cl", Y_CL_SIDE))}
        form_row = {"t": tf, "D100": {s: float(v[1]) for s, v in fD.items()},
                    "Ea": {s: arrhenius_fit(T, v)[0] for s, v in fD.items()},
                    "x_v": {k: (math.exp(fparams[k].ln_x_v_br), math.exp(fparams[k].ln_x_v_cl))
                            for k in FORWARD}}
        mt = load_case(cases_dir / "thermal_100C.yaml").material
        form_row["energies"] = {
            "Br": (mt.formation_lattice_br_eV, mt.chemical_potential_br_eV),
            "Cl": (mt.formation_lattice_cl_eV, mt.chemical_potential_cl_eV)}

    # ---- figures
    fig_profiles(figdir / "thermal_profiles_100C.png", profs100, ref, p100, wire)
    fig_D(figdir / "thermal_D.png", mat, local, leq, rev, rev.D_cm2_per_s)
    fig_arrhenius(figdir / "thermal_arrhenius.png", T, fixed, equal, fits, inputs)
    fig_conservation(figdir / "thermal_conservation.png", outs)

    # ---- metrics and report
    metrics = {
        "br_shrink_1p5h_um": s15, "br_length_5h_um": l5,
        "cl_plateau": {f"{t / HOUR:g}h": wire[t]["plateau"] for t in out_times},
        "max_gradient_10h_per_um": g10,
        "D_range_1p5h_cm2_per_s": {k: [float(q_range_D(v).min()), float(q_range_D(v).max())]
                                   for k, v in mat.items()},
        "D_cl_over_br": ratios, "reverse_max_deviation": dev,
        "arrhenius_time_s": t_fix, "arrhenius_length_um": ell_star, "Ea_input_eV": Ea_in,
        "Ea_eV": {s: {"fixed": fits[s]["fixed"][0], "equal": fits[s]["equal"][0]}
                  for s in fits},
        "br_drift_max": worst, "br_drift": drifts,
        "qs_deviation": {str(t): v for t, v in qs_dev.items()},
        "local_equilibrium_reference": {
            "br_shrink_1p5h_um": shrink(wire_ref),
            "cl_plateau": {f"{t / HOUR:g}h": wire_ref[t]["plateau"] for t in sorted(wire_ref)}},
        "formation_energy": form_row,
        "rows": rows,
    }
    # ---- vacancy equilibration on: both seeds under one parameter set (issue 12)
    from equilibration import section as equilibration_section

    eq_lines, eq_entries = equilibration_section(results, args.force)
    metrics["vacancy_equilibration_scan"] = eq_entries
    (docs / "validation_thermal_metrics.json").write_text(json.dumps(metrics, indent=2,
                                                                     default=float) + "\n")
    write_report(docs / "validation_thermal.md", rows, d_rows, vac_rows, form_row, metrics,
                 p100, results, eq_lines)
    n_fail = sum(r["result"] == "FAIL" for r in rows)
    print(f"wrote {docs / 'validation_thermal.md'}: {len(rows) - n_fail} pass, {n_fail} fail")
    return 0


def write_report(path: Path, rows, d_rows, vac_rows, form_row, metrics, p100,
                 results: Path, extra_lines=()) -> None:
    git = git_info(REPO / "solver")
    lam_d = math.sqrt(p100.debye2_um2)
    debye_br = lam_d * math.sqrt(p100.x_ref / math.exp(p100.ln_x_v_br))
    debye_cl = lam_d * math.sqrt(p100.x_ref / p100.x_v_eq(p100.y_cl))
    ea = metrics["Ea_eV"]
    eta_jump = float(vacancy_potential_shift(np.linspace(p100.y_br, p100.y_cl, 2001), p100)[-1])
    l_br = p100.interface_um if p100.br_rich_left else p100.length_um - p100.interface_um
    lines = [
        "# Validation: thermal interdiffusion (seed 000)",
        "",
        ("Generated by `.venv/bin/python validation/thermal.py --results "
         f"{results}` — do not edit by hand. Git commit `{git['commit']}`"
         f"{' (dirty work tree)' if git['dirty'] else ''}, "
         f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC."),
        "",
        ("Cases: `cases/thermal_75C.yaml`, `thermal_100C.yaml`, `thermal_125C.yaml`, "
         "`thermal_reverse_125C.yaml` (no bias, no sources, 10 h; geometry and why in their "
         f"headers): a {p100.length_um:g} µm wire, Br-rich {l_br:g} µm at y = {p100.y_br:g}, "
         f"Cl-rich {p100.length_um - l_br:g} µm at y = {p100.y_cl:g}, frozen (synthesis) "
         f"vacancy fractions {math.exp(p100.ln_x_v_br):.0e} / {math.exp(p100.ln_x_v_cl):.0e}, "
         "hop rates Arrhenius (material.hop_activation_eV). "
         "D(y) is extracted with `solver.analysis.matano` (Boltzmann–Matano, initial step "
         "values as end values). *Local-eq. ref.*: Fick's law solved with numpy "
         "(`solver.analysis.fick`) with D(y) = λ² x_V,eq(y) k_eff(y), i.e. what the model would "
         "give if the vacancies followed the current composition (seed 000's picture)."),
        "",
        "## Targets",
        "",
        table(rows, [("target", "target"), ("seed", "seed 000"), ("ours", "ours"),
                     ("result", "result"), ("criterion", "criterion")]),
        "",
        "![profiles](figures/thermal_profiles_100C.png)",
        "",
        "## D(y) from the computed profiles (Boltzmann–Matano, 1.5 h) [cm²/s]",
        "",
        ("z_M − z_i: Matano plane relative to the initial interface (0 = Br conserved). "
         "*Ends moved by*: largest change of y at a wire end; where it is not small the "
         "semi-infinite assumption fails and D near that end is biased (the seed's "
         "\"sensitive to the boundary conditions\"; at 125 °C the Cl end has moved, so D(0.3) "
         "is overestimated — the Arrhenius section uses earlier profiles)."),
        "",
        table(d_rows, [("T", "T"), ("zM", "z_M − z_i [µm]"), ("moved", "ends moved by")]
              + [(f"y{y:g}", f"y = {y:g}") for y in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)]
              + [("range", "0.1 < q < 0.9"), ("leq", "local-eq. D(0.3) / D(0.9)")]),
        "",
        "![D(y)](figures/thermal_D.png)",
        "",
        "## Arrhenius",
        "",
        (f"Matano D at y = {Y_BR_SIDE} (Br-rich side) and y = {Y_CL_SIDE} (Cl-rich side: the "
         f"Cl-rich plateau is {p100.y_cl:g}, so pure CsPbCl3 is not in the wire), fitted to "
         "D0 exp(−E_a/k_BT) over 75/100/125 °C. *Same time*: profiles at "
         f"t = {metrics['arrhenius_time_s']:g} s, the latest output at which neither wire end "
         f"has moved by {END_TOL:g} (semi-infinite condition of Boltzmann–Matano). *Equal "
         f"diffusion length*: each temperature's D interpolated (log-log in time) to the "
         f"diffusion length sqrt(D(q=0.5) t) = {metrics['arrhenius_length_um'] * 1e3:.0f} nm "
         "of the 100 °C profile, so that the three profiles sample the same part of the wire. "
         f"Fitted E_a: Br side {ea['Br']['fixed']:.3f} (same t) / {ea['Br']['equal']:.3f} eV "
         f"(equal length); Cl side {ea['Cl']['fixed']:.3f} / {ea['Cl']['equal']:.3f} eV; "
         f"input {metrics['Ea_input_eV']:g} eV, seed {SEED_000.activation_eV:g} eV."),
        "",
        "![Arrhenius](figures/thermal_arrhenius.png)",
        "",
        "## Where the vacancies are (thermal_100C)",
        "",
        ("Poisson's background is frozen at x_V,eq(y(z, 0)) (docs/model.md, Electrostatics). "
         "Columns: that "
         "background (*pinned*); x_V,eq(y(z, t)) (*following the composition*, seed 000's "
         "picture); the computed x_V; and an independent numpy quasi-steady state on the "
         "computed y(z, t) (`solver.analysis.thermal.poisson_boltzmann_vacancies`: vacancy "
         "number conserved, zero vacancy flux — so ln x_V + φ jumps by the Kirkendall term "
         f"η0(y), {eta_jump:+.2f} k_BT/e from y = {p100.y_br:g} to {p100.y_cl:g} — and Poisson) "
         "with the solver's grounded contacts (ψ = 0 at both contact lines) and for a floating "
         f"wire. Debye length at 100 °C: {debye_br:.1f} µm at x_V = "
         f"{math.exp(p100.ln_x_v_br):.0e} (Br-rich), {debye_cl:.2f} µm at "
         f"{p100.x_v_eq(p100.y_cl):.1e} (Cl-rich). Largest |quasi-steady grounded / computed − 1| "
         "over the wire: "
         + ", ".join(f"{float(t) / HOUR:.3g} h: {v:.1e}"
                     for t, v in metrics["qs_deviation"].items())
         + "."),
        "",
        table(vac_rows, [("where", "position"), ("t", "t"), ("y", "y"),
                         ("bg", "background x_V,eq(y(z,0))"), ("eq", "x_V,eq(y(z,t))"),
                         ("fe", "computed x_V"), ("qsg", "numpy quasi-steady, grounded"),
                         ("qsf", "numpy quasi-steady, floating")]),
        "",
    ]
    if form_row:
        fx = form_row["x_v"]
        lines += [
            "## Sensitivity: `material.vacancy_model: formation_energy`",
            "",
            "x_V,a = exp(−(E_lat,a + μ_a)/k_BT) with "
            + " and ".join(f"{e:g} + ({mu:g}) = {e + mu:.2f} eV ({a})"
                           for a, (e, mu) in form_row["energies"].items())
            + ": x_V,Br / x_V,Cl = "
            + ", ".join(f"{k}: {a:.1e} / {b:.1e}" for k, (a, b) in fx.items())
            + f". Same cases on a 4 + 4 µm wire (D is ~100x larger; the short wire's ends move "
            f"within seconds), Matano at t = {form_row['t']:g} s: D(100 °C) = "
            f"{form_row['D100']['Br']:.2e} (y = {Y_BR_SIDE}) / {form_row['D100']['Cl']:.2e} "
            f"(y = {Y_CL_SIDE}) cm²/s; fitted E_a = {form_row['Ea']['Br']:.2f} / "
            f"{form_row['Ea']['Cl']:.2f} eV (hop {metrics['Ea_input_eV']:g} eV + vacancy "
            f"formation). The seed's {SEED_000.activation_eV:g} eV and "
            f"{SEED_000.D_range_cm2_per_s[0]:g}…{SEED_000.D_range_cm2_per_s[1]:g} cm²/s require "
            "the frozen (synthesis) vacancy content, which is why `frozen` is the default.",
            "",
        ]
    lines += [
        "## Total Br",
        "",
        "![conservation](figures/thermal_conservation.png)",
        "",
        "Largest drift per run: "
        + ", ".join(f"{k} {v:.1e}" for k, v in metrics["br_drift"].items()) + ".",
        "",
        *extra_lines,
    ]
    path.write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
