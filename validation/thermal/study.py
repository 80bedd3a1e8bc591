"""Seed 000 study: the thermal runs and every number of the report, computed from their outputs.

Data -> metrics: :func:`run_all` runs (or reuses) the cases under ``--results``;
:func:`analyse` reads their profiles and time series and returns the targets table rows and the
quantities the figures, the metrics file and the report text need. Two independent numpy
references enter: :mod:`solver.analysis.fick` (local-equilibrium interdiffusion) and
:func:`solver.analysis.thermal.poisson_boltzmann_vacancies` (vacancy distribution).
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np

from solver.analysis.fick import solve_fick_1d
from solver.analysis.thermal import (
    SEED_000,
    arrhenius_fit,
    interdiffusivity_cm2_per_s,
    local_equilibrium_interdiffusivity_cm2_per_s,
    poisson_boltzmann_vacancies,
)
from solver.config import load_case
from solver.model.parameters import from_case
from solver.physics.initial import initial_composition
from validation.common import REPO, md_cell
from validation.thermal_data import (
    ARRHENIUS_TIMES_S,
    CASES,
    FORMATION_GEOMETRY,
    FORMATION_TIMES_S,
    FORWARD,
    HOUR,
    Q_RANGE,
    SMOOTH_MAX_GRADIENT,
    TOL_BR_DRIFT,
    TOL_BR_END_UM,
    TOL_EA_EV,
    TOL_REVERSE,
    TOL_SHRINK_UM,
    TOL_Y,
    UNIFORM_FRACTION,
    Y_BR_SIDE,
    Y_CL_SIDE,
    ends_untouched,
    ensure_run,
    load_profiles,
    matano,
    max_br_drift,
    q_range_D,
    step_values,
    wire_metrics,
)

CASES_DIR = REPO / "cases"
T15, T5, T10 = 1.5 * HOUR, 5 * HOUR, 10 * HOUR
#: Compositions of the D(y) table.
Y_LEVELS = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]


# --------------------------------------------------------------------------------- runs


def run_all(results: Path, force: bool) -> tuple[dict, dict, dict]:
    """Run or reuse every seed-000 case: (the case files as they are, the 1-h Arrhenius runs,
    the formation-energy runs), each ``{name or temperature label: run directory}``."""
    outs = {name: ensure_run(name, CASES_DIR / f"{name}.yaml", [], results, force)
            for name in CASES}
    arr_outs, form_outs = {}, {}
    for key in FORWARD:
        path = CASES_DIR / f"thermal_{key}.yaml"
        arr_outs[key] = ensure_run(
            f"arrhenius_{key}", path,
            ["time.t_end_s=3600", f"time.output_times_s={ARRHENIUS_TIMES_S}"],
            results, force)
        form_outs[key] = ensure_run(
            f"formation_{key}", path,
            ["material.vacancy_model=formation_energy", *FORMATION_GEOMETRY,
             "time.t_end_s=120", f"time.output_times_s={FORMATION_TIMES_S}"],
            results, force)
    return outs, arr_outs, form_outs


# --------------------------------------------------------------------------------- helpers


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


def fmt(v, spec=".3g") -> str:
    """``v`` formatted with ``spec``; "n/a" for None or a non-finite float."""
    return "n/a" if v is None or (isinstance(v, float) and not math.isfinite(v)) else \
        format(v, spec)


def shrink(w: dict) -> float:
    """Shrinkage of the Br-rich region over the first 1.5 h [µm] (of :func:`wire_metrics`)."""
    return w[0.0]["br_length_um"] - w[T15]["br_length_um"]


def rise(w: dict, t: float) -> float:
    """Rise of the Cl-rich plateau's mean y from 0 to ``t``."""
    return w[t]["plateau"]["mean"] - w[0.0]["plateau"]["mean"]


def mid_shift(prof_t: dict, prof_0: dict, y_mid: float, p100) -> float:
    """Displacement of the y_mid crossing toward the Br-rich end [µm] (> 0: into Br)."""
    from solver.analysis.observables import crossings

    z_t = crossings(prof_t["z_um"], prof_t["y"], y_mid)
    z_0 = crossings(prof_0["z_um"], prof_0["y"], y_mid)
    if z_t.size == 0 or z_0.size == 0:
        return math.nan
    d = float(z_t[np.argmin(np.abs(z_t - p100.interface_um))] - z_0[0])
    return -d if p100.br_rich_left else d


# --------------------------------------------------------------------------------- metrics


def seed_rows(st: dict) -> list[dict]:
    """Targets of the 100 °C run: Br-rich shrinkage and end, Cl-rich plateau, uniform rise,
    smoothness after 10 h and the direction of the interface (model and local-eq. reference)."""
    wire, wire_ref, p100 = st["wire"], st["wire_ref"], st["p100"]
    rows = []
    s15 = shrink(wire)
    rows.append(row("Br-rich region (y >= 0.9) shrinks in 1.5 h at 100 °C",
                    f"~{SEED_000.br_shrink_1p5h_um:g} µm", f"{s15:.2f} µm "
                    f"(local-eq. ref. {shrink(wire_ref):.2f})",
                    abs(s15 - SEED_000.br_shrink_1p5h_um) <= TOL_SHRINK_UM,
                    f"within ±{TOL_SHRINK_UM:g} µm"))
    l5 = wire[T5]["br_length_um"]
    rows.append(row("Br-rich end after 5 h", f"~{SEED_000.br_length_5h_um:g} µm",
                    f"{l5:.2f} µm (ref. {wire_ref[T5]['br_length_um']:.2f})",
                    abs(l5 - SEED_000.br_length_5h_um) <= TOL_BR_END_UM,
                    f"within ±{TOL_BR_END_UM:g} µm"))
    for t, y_seed in ((T15, SEED_000.y_cl_1p5h), (T5, SEED_000.y_cl_5h)):
        mean = wire[t]["plateau"]["mean"]
        rows.append(row(f"Cl-rich part after {t / HOUR:g} h (from {SEED_000.y_cl_initial:g})",
                        f"{y_seed:g}", f"{mean:.3f} (ref. {wire_ref[t]['plateau']['mean']:.3f})",
                        abs(mean - y_seed) <= TOL_Y, f"within ±{TOL_Y:g}; mean y over the "
                        "outer half of the Cl-rich segment"))
    for t in (T15, T5):
        spread, r = wire[t]["plateau"]["spread"], rise(wire, t)
        rows.append(row(f"Cl-rich part rises nearly uniformly ({t / HOUR:g} h)", "uniform",
                        f"spread {spread:.3f} for a rise of {r:.3f} (ref. "
                        f"{wire_ref[t]['plateau']['spread']:.3f} / {rise(wire_ref, t):.3f})",
                        spread < UNIFORM_FRACTION * r,
                        f"spread over the outer half < {UNIFORM_FRACTION:g} x rise"))
    g10 = wire[T10]["max_gradient_per_um"]
    rows.append(row("One smooth profile after 10 h", "single smooth profile",
                    f"max |dy/dz| = {g10:.2f} /µm (ref. "
                    f"{wire_ref[T10]['max_gradient_per_um']:.2f}; 0 h: "
                    f"{wire[0.0]['max_gradient_per_um']:.1f})",
                    g10 <= SMOOTH_MAX_GRADIENT, f"max |dy/dz| <= {SMOOTH_MAX_GRADIENT:g} /µm"))
    y_mid = 0.5 * (p100.y_br + p100.y_cl)
    profs100, ref = st["profs100"], st["ref"]
    sh = mid_shift(profs100[T15], profs100[0.0], y_mid, p100)
    sh_ref = mid_shift(ref[T15], ref[0.0], y_mid, p100)
    rows.append(row(f"Interface (y = {y_mid:.2f}) moves toward the Br-rich end, 1.5 h",
                    "toward the Br-rich end (KPFM junction: ~1.2 µm)",
                    f"{sh:+.3f} µm (ref. {sh_ref:+.3f})", sh > 0.0,
                    "direction only (> 0 = into the Br-rich segment)"))
    st.update(s15=s15, l5=l5, g10=g10)
    return rows


def matano_rows(st: dict) -> list[dict]:
    """D(y) by Boltzmann–Matano at 1.5 h for each temperature (the D(y) table and its range
    targets) and the reverse heterojunction against the forward one at 125 °C."""
    params, outs = st["params"], st["outs"]
    mat, local, leq, d_rows, rows = {}, {}, {}, [], []
    lo, hi = SEED_000.D_range_cm2_per_s
    for key in FORWARD:
        name = f"thermal_{key}"
        pr = params[name]
        profs = load_profiles(outs[name])
        res = matano(profs[T15], T15, pr)
        mat[key] = res
        xv = np.interp(res.z_um, profs[T15]["z_um"], profs[T15]["x_V"])
        local[key] = interdiffusivity_cm2_per_s(res.c, xv, pr)
        leq[key] = functools.partial(local_equilibrium_interdiffusivity_cm2_per_s, params=pr)
        D = q_range_D(res)
        c_l, c_r = step_values(pr)
        moved = max(abs(profs[T15]["y"][0] - c_l), abs(profs[T15]["y"][-1] - c_r))
        d_rows.append({"T": key, "zM": f"{res.z_matano_um - pr.interface_um:+.1e}",
                       "moved": f"{moved:.3f}",
                       **{f"y{y:g}": fmt(float(res.D_at([y])[0])) for y in Y_LEVELS},
                       "range": f"{D.min():.2e} … {D.max():.2e}",
                       "leq": f"{leq[key](np.array([0.3]))[0]:.2e} / "
                              f"{leq[key](np.array([0.9]))[0]:.2e}"})
        in_range = bool(np.all((D >= lo) & (D <= hi)))
        rows.append(row(f"D(y) at {key} (Matano, 1.5 h, {Q_RANGE[0]:g} < q < {Q_RANGE[1]:g})",
                        "1e-13 … 1e-12 cm²/s", f"{D.min():.2e} … {D.max():.2e} cm²/s",
                        in_range, "every value inside the seed's range"))
    # reverse heterojunction (mirror) vs forward at 125 °C
    p_rev = params["thermal_reverse_125C"]
    rev = matano(load_profiles(outs["thermal_reverse_125C"])[T15], T15, p_rev)
    ylv = np.linspace(0.3, 0.9, 13)
    dev = float(np.max(np.abs(rev.D_at(ylv) / mat["125C"].D_at(ylv) - 1.0)))
    rows.append(row("Reverse heterojunction, 125 °C: same D(y)", "similar D (Fig. S15C)",
                    f"max deviation {dev:.1e}", dev <= TOL_REVERSE,
                    f"|D_rev/D_fwd - 1| <= {TOL_REVERSE:g} for 0.3 <= y <= 0.9"))
    st.update(mat=mat, local=local, leq=leq, d_rows=d_rows, rev=rev, dev=dev)
    return rows


def arrhenius_rows(st: dict) -> list[dict]:
    """Matano D near the pure phases from the 1-h runs with frequent outputs, fitted to
    D0 exp(−E_a/k_BT) at the same time and at an equal diffusion length."""
    params, p100 = st["params"], st["p100"]
    arr_profs = {k: load_profiles(st["arr_outs"][k]) for k in FORWARD}
    common = [t for t in ARRHENIUS_TIMES_S if t > 0 and all(
        ends_untouched(arr_profs[k][t], params[f"thermal_{k}"]) for k in FORWARD)]
    t_fix = max(common)
    T = st["T"]
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
    rows = [row("D larger on the Cl-rich side", "larger at Cl-rich y (Fig. 4A)",
                ", ".join(f"{k}: {v:.2f}" for k, v in ratios.items()),
                all(v > 1.0 for v in ratios.values()),
                f"D(y={Y_CL_SIDE:g}) / D(y={Y_BR_SIDE:g}) > 1 at every T (Matano at "
                f"t = {t_fix:g} s, ends untouched)")]
    Ea_in = load_case(CASES_DIR / "thermal_100C.yaml").material.hop_activation_eV
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
    st.update(arr_profs=arr_profs, t_fix=t_fix, fixed=fixed, equal=equal, fits=fits,
              ratios=ratios, ell_star=ell_star, Ea_in=Ea_in, inputs=inputs)
    return rows


def conservation_row(st: dict) -> dict:
    """Total Br conserved over every run and every step (final and per-step drifts)."""
    all_outs = {**st["outs"], **{f"arrhenius_{k}": v for k, v in st["arr_outs"].items()},
                **{f"formation_{k}": v for k, v in st["form_outs"].items()}}
    drift_pairs = {name: max_br_drift(out) for name, out in all_outs.items()}
    drifts = {name: v[1] for name, v in drift_pairs.items()}
    worst_step = max(v[0] for v in drift_pairs.values())
    worst = max(drifts.values())
    step_text = (f"{worst_step:.1e}" if worst_step > 0 else "0 (below the 1e-10 resolution of "
                 "timeseries.csv)")
    st.update(drifts=drifts, worst=worst)
    return row("Total Br conserved (every run, every step)", "conserved (SI Fig. S7)",
               f"final drift <= {worst:.1e}; per step <= {step_text}",
               max(worst, worst_step) < TOL_BR_DRIFT,
               f"|total Br(t)/total Br(0) - 1| < {TOL_BR_DRIFT:g}")


def vacancy_study(st: dict) -> None:
    """Vacancies pinned, spread, or following the composition? The computed x_V against an
    independent numpy quasi-steady state (zero vacancy flux + Poisson, frozen background) on
    the computed y(z, t), grounded contacts as in the solver and floating
    (``st["vac_rows"]``, ``st["qs_dev"]``: largest |grounded / computed − 1| per time)."""
    p100, profs100 = st["p100"], st["profs100"]
    vac_rows, qs_dev = [], {}
    z_mid = {"Br-rich middle": 0.5 * p100.interface_um,
             "Cl-rich middle": 0.5 * (p100.interface_um + p100.length_um)}
    y_init = profs100[0.0]["y"]
    snapshots = {ARRHENIUS_TIMES_S[1]: st["arr_profs"]["100C"][ARRHENIUS_TIMES_S[1]],
                 T15: profs100[T15], T10: profs100[T10]}
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
    st.update(vac_rows=vac_rows, qs_dev=qs_dev)


def formation_study(st: dict) -> dict:
    """Sensitivity to ``material.vacancy_model: formation_energy``: Matano D at 100 °C and the
    fitted E_a on the 4 + 4 µm wire, with the vacancy fractions and formation energies
    ({} when no output has untouched ends)."""
    params, T = st["params"], st["T"]
    form_profs = {k: load_profiles(st["form_outs"][k]) for k in FORWARD}
    f_common = [t for t in FORMATION_TIMES_S if t > 0 and all(
        ends_untouched(form_profs[k][t], params[f"thermal_{k}"]) for k in FORWARD)]
    if not f_common:
        return {}
    tf = max(f_common)
    fparams = {k: from_case(load_case(CASES_DIR / f"thermal_{k}.yaml",
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
    mt = load_case(CASES_DIR / "thermal_100C.yaml").material
    form_row["energies"] = {
        "Br": (mt.formation_lattice_br_eV, mt.chemical_potential_br_eV),
        "Cl": (mt.formation_lattice_cl_eV, mt.chemical_potential_cl_eV)}
    return form_row


def analyse(outs: dict, arr_outs: dict, form_outs: dict) -> dict:
    """Every number of the report from the runs of :func:`run_all`.

    Returns:
        a dict with the targets table ``rows`` (in report order), the D(y) table ``d_rows``,
        the vacancy table ``vac_rows``, the formation sensitivity ``form_row`` and the
        intermediate quantities the figures and :func:`metrics` use (profiles, Matano
        results, Arrhenius fits, drifts, ...).
    """
    params = {name: from_case(load_case(CASES_DIR / f"{name}.yaml")) for name in CASES}
    p100 = params["thermal_100C"]
    profs100 = load_profiles(outs["thermal_100C"])
    out_times = sorted(profs100)
    wire = wire_metrics(profs100, p100)
    ref = local_equilibrium_reference(p100, [t for t in out_times if t > 0])
    ref[0.0] = {"z_um": profs100[0.0]["z_um"], "y": profs100[0.0]["y"]}
    st = {"outs": outs, "arr_outs": arr_outs, "form_outs": form_outs, "params": params,
          "T": [FORWARD[k] for k in FORWARD], "p100": p100, "profs100": profs100,
          "out_times": out_times, "wire": wire, "ref": ref,
          "wire_ref": wire_metrics(ref, p100)}
    rows = seed_rows(st)
    rows += matano_rows(st)
    rows += arrhenius_rows(st)
    rows.append(conservation_row(st))
    vacancy_study(st)
    st["form_row"] = formation_study(st)
    st["rows"] = rows
    return st


def metrics(st: dict) -> dict:
    """The metrics file's content (docs/validation_thermal_metrics.json) from :func:`analyse`."""
    wire, wire_ref, fits = st["wire"], st["wire_ref"], st["fits"]
    return {
        "br_shrink_1p5h_um": st["s15"], "br_length_5h_um": st["l5"],
        "cl_plateau": {f"{t / HOUR:g}h": wire[t]["plateau"] for t in st["out_times"]},
        "max_gradient_10h_per_um": st["g10"],
        "D_range_1p5h_cm2_per_s": {k: [float(q_range_D(v).min()), float(q_range_D(v).max())]
                                   for k, v in st["mat"].items()},
        "D_cl_over_br": st["ratios"], "reverse_max_deviation": st["dev"],
        "arrhenius_time_s": st["t_fix"], "arrhenius_length_um": st["ell_star"],
        "Ea_input_eV": st["Ea_in"],
        "Ea_eV": {s: {"fixed": fits[s]["fixed"][0], "equal": fits[s]["equal"][0]}
                  for s in fits},
        "br_drift_max": st["worst"], "br_drift": st["drifts"],
        "qs_deviation": {str(t): v for t, v in st["qs_dev"].items()},
        "local_equilibrium_reference": {
            "br_shrink_1p5h_um": shrink(wire_ref),
            "cl_plateau": {f"{t / HOUR:g}h": wire_ref[t]["plateau"] for t in sorted(wire_ref)}},
        "formation_energy": st["form_row"],
        "rows": st["rows"],
    }
