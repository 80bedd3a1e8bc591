"""Front-shape study, data: read the campaign outputs and measure the fronts.

True and PL-apparent front metrics of the 1D device after 4 h (:func:`one_d_study`), the 3D
members' own metrics from their summaries (:func:`three_d_study`) and the vacancy-supply
candidates with their no-bias control (:func:`candidates_study`). A member counts only once its
run completed.
"""

from __future__ import annotations

import functools
import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from solver.config import load_case
from solver.io.files import read_profile_csv
from solver.pl import PLSettings, pl_map
from solver.pl.output import emission_of, front_metrics, settings_of
from validation.common import REPO

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
#: Compositions reported for the 3D wires, with their labels.
KINDS_3D = {"averaged": "cross-section averaged", "pl": "PL-apparent (spectrum peak)",
            "pl_mean": "PL-apparent (mean energy)"}
RESOLUTION_WIDTHS_NM = (300, 400)  # campaigns/front_shape_3d_resolution.yaml: 6 x 6 cells
WIDTHS_3D_NM = (200, 300, 400)


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


def three_d_member(run: Path) -> dict | None:
    """The 4-h metrics of one 3D member from its summary.json (None if not completed).

    The run itself computed them (solver/pl/output.py): ``averaged`` from the cross-section
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
