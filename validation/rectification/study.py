"""Seed 001 study: read the campaign outputs and compute every number of docs/validation.md.

Data -> metrics: the three campaigns (``fig1e``, ``source_models``, ``absorbing_contact``) under
``--results``; :func:`analyse` returns the quantities of targets A (rectification, linearity,
reverse, front ∝ t, Cl uptake, smoothing, true and PL-apparent), B (no sources) and C
(absorbing contact), the source-model calibration table and the literal form's pile-up.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np

from solver.analysis import observables
from solver.config import load_case
from solver.io.files import read_profile_csv, read_timeseries_csv
from solver.pl import pl_map
from solver.pl.output import emission_of, front_metrics, settings_of
from validation.common import REPO

CAMPAIGNS = ("fig1e", "source_models", "absorbing_contact")
T_END = 14400.0
#: Forward fields of the smoothing and PL-apparent targets [V/µm].
SMOOTHING_FIELDS = (1.5, 2.5, 4.0)


def read_campaign(root: Path) -> list[dict]:
    """Rows of ``root/campaign.csv``, numeric cells as floats."""
    with open(root / "campaign.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        for k, v in r.items():
            try:
                r[k] = float(v)
            except (TypeError, ValueError):
                pass
    return rows


def member_dir(root: Path, name: str) -> Path:
    """Run directory of campaign member ``name``."""
    return root / name


def profile(root: Path, member: str, t: float) -> dict:
    """Profile columns of ``member`` at output time ``t`` [s]."""
    _, p = read_profile_csv(member_dir(root, member) / "profiles" / f"t_{t:012.3f}s.csv")
    return p


def linear_fit(x, y):
    """Least-squares line; returns slope, intercept, R²."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    slope, intercept = np.polyfit(x, y, 1)
    resid = y - (slope * x + intercept)
    r2 = 1.0 - np.sum(resid**2) / np.sum((y - y.mean()) ** 2)
    return float(slope), float(intercept), float(r2)


def by_field(rows, member=None):
    """{field [V/µm]: row} of the completed (or reused) rows, of one variant if ``member``."""
    out = {}
    for r in rows:
        if member is not None and not str(r["member"]).startswith(member + "__"):
            continue
        if r["status"] in ("completed", "reused"):
            out[float(r["bias.field_V_per_um"])] = r
    return dict(sorted(out.items()))


def sweep_metrics(fig1e_root: Path) -> dict:
    """Target A from ``fig1e``: L_m by field, rectification ratio, linear fit of the forward
    branch, largest reverse |L_m|, front position against time (fit over 1-4 h), Cl uptake
    and front widths (y = 0.2…0.9) after 4 h."""
    sweep = by_field(read_campaign(fig1e_root))
    fields = np.array(list(sweep))
    L = np.array([sweep[f]["migration_length_um"] for f in fields])
    lm = {float(f): float(v) for f, v in zip(fields, L, strict=True)}
    ratio = lm[4.0] / abs(lm[-4.0])
    fwd = [f for f in fields if 1.5 <= f <= 4.0]
    fit = linear_fit(fwd, [lm[f] for f in fwd])
    rev_max = max(abs(lm[f]) for f in fields if f < 0)
    ts = read_timeseries_csv(fig1e_root / "field_V_per_um=4.0" / "timeseries.csv")
    t_h = np.asarray(ts["t_s"]) / 3600.0
    zf = np.asarray(ts["front_um"])
    late = t_h >= 1.0
    front_fit = linear_fit(t_h[late], zf[late])
    s4 = json.loads((fig1e_root / "field_V_per_um=4.0" / "summary.json").read_text())
    uptake = s4["cl_uptake_br_segment"]
    widths = {}
    for f in SMOOTHING_FIELDS:
        p = profile(fig1e_root, f"field_V_per_um={f}", T_END)
        z_f = observables.front_position(p["z_um"], p["y"], 3.5)
        widths[f] = observables.sharpness(p["z_um"], p["y"], z_f)
    smooths = widths[4.0] > 1.2 * widths[1.5]
    return {"fields": fields, "L": L, "lm": lm, "ratio": ratio, "fit": fit, "rev_max": rev_max,
            "t_h": t_h, "zf": zf, "front_fit": front_fit, "uptake": uptake, "widths": widths,
            "smooths": smooths}


def pl_metrics(fig1e_root: Path) -> dict:
    """The smoothing and Cl-uptake targets on the PL-apparent composition (synthetic confocal
    PL with the case defaults, docs/model.md "Synthetic photoluminescence")."""
    ref = load_case(REPO / "cases" / "reference_forward.yaml")
    em, pl_settings = emission_of(ref.pl), settings_of(ref.pl)
    pl_seen = {}
    for f in SMOOTHING_FIELDS:
        p0 = profile(fig1e_root, f"field_V_per_um={f}", 0.0)
        p = profile(fig1e_root, f"field_V_per_um={f}", T_END)
        m0 = pl_map(p0["z_um"], p0["y"], em, pl_settings)
        m = pl_map(p["z_um"], p["y"], em, pl_settings, probes_um=m0.z_um)
        pl_seen[f] = front_metrics(m.z_um, m.y_apparent, m0.y_apparent, ref.geometry)
    pl_smooths = pl_seen[4.0]["width_um"] > 1.2 * pl_seen[1.5]["width_um"]
    pl_label = (f"synthetic PL: {pl_settings.peak} peak, PSF {pl_settings.psf_fwhm_um:g} µm, "
                f"probes every {pl_settings.step_um * 1e3:.0f} nm")
    return {"pl_seen": pl_seen, "pl_smooths": pl_smooths,
            "pl_cl": pl_seen[4.0]["max_cl_ahead"], "pl_label": pl_label}


def source_model_rows(models: list[dict]) -> list[tuple]:
    """The calibration table: (variant, L_m at −4/−2/+2/+4 V/µm, ratio ±4, L(4)/L(2), passes)
    per variant of ``source_models``, in campaign order."""
    variants = []
    for r in models:
        v = str(r["member"]).split("__")[0]
        if v not in variants:
            variants.append(v)
    model_rows = []
    for v in variants:
        d = by_field(models, v)
        vals = [d.get(f, {}).get("migration_length_um", float("nan")) for f in (-4, -2, 2, 4)]
        rat = vals[3] / abs(vals[0]) if vals[0] else float("nan")
        lin = vals[3] / vals[2] if vals[2] else float("nan")
        ok = (10 <= rat <= 40) and max(abs(vals[0]), abs(vals[1])) <= 0.1 and abs(lin - 2) < 0.2
        if v == "no_sources":
            ok = max(abs(x) for x in vals) < 0.02
        model_rows.append((v, vals, rat, lin, ok))
    return model_rows


def literal_pileup(models_root: Path) -> dict:
    """Why the seed's literal form (x_V -> 1/2 at both contacts) still carries a steady current:
    peak x_V, content [µm] and equivalent fully vacant width [nm] within 0.1 µm of the
    negative contact (z = 5.5 µm) after 4 h at +4 V/µm."""
    lit = profile(models_root, "literal_fixed_half__field_V_per_um=4.0", T_END)
    z, xv = np.asarray(lit["z_um"]), np.asarray(lit["x_V"])
    near = np.abs(z - 5.5) <= 0.1
    lit_peak, lit_content = float(xv[near].max()), float(np.trapezoid(xv[near], z[near]))
    return {"lit_peak": lit_peak, "lit_content": lit_content,
            "lit_width_nm": lit_content / max(lit_peak, 1e-300) * 1e3}


def analyse(results: Path) -> dict:
    """Every number of the report from the three campaigns under ``results``.

    Returns:
        the union of :func:`sweep_metrics` and :func:`pl_metrics`, with ``nosrc_max`` (target
        B: largest |L_m| without sources [µm]), ``La`` and ``absorb_spread`` (target C: L_m of
        the absorbing-contact scan and its relative spread), ``model_rows``
        (:func:`source_model_rows`), the literal form's pile-up (:func:`literal_pileup`),
        ``x_v_cl`` (the Cl segment's vacancy fraction of the vacancy figure) and the campaign
        roots ``fig1e_root``, ``models_root``.
    """
    fig1e_root, models_root, absorb_root = (results / n for n in CAMPAIGNS)
    st = {"fig1e_root": fig1e_root, "models_root": models_root,
          **sweep_metrics(fig1e_root), **pl_metrics(fig1e_root)}
    # B: no sources
    models = read_campaign(models_root)
    nosrc = by_field(models, "no_sources")
    st["nosrc_max"] = max(abs(r["migration_length_um"]) for r in nosrc.values())
    # C: absorbing contact scan
    absorb = [r for r in read_campaign(absorb_root) if r["status"] in ("completed", "reused")]
    La = np.array([r["migration_length_um"] for r in absorb])
    st["La"] = La
    st["absorb_spread"] = float((La.max() - La.min()) / np.mean(La))
    st["x_v_cl"] = math.exp(0.1 * math.log(2e-9) + 0.9 * math.log(3e-7))
    st["model_rows"] = source_model_rows(models)
    st.update(literal_pileup(models_root))
    return st
