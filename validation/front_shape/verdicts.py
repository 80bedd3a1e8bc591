"""Front-shape verdicts: the criteria, which hypothesis holds, and the findings in words.

The criteria are those of docs/validation.md: *smooths with bias* (width at 4 V/µm more than
:data:`SMOOTHING_FACTOR` × the width at 1.5 V/µm) and *~12 % Cl* (Cl ahead of the front at
4 V/µm within :data:`CL_TARGET`). :func:`verdicts` and :func:`three_d_verdicts` apply them; the
findings and the closing verdict (:func:`three_d_findings`, :func:`candidate_findings`,
:func:`overall_verdict`) state, from the numbers, which of the three explanations holds.
"""

from __future__ import annotations

import numpy as np

from solver.pl.output import CL_UPTAKE_MARGIN_UM
from validation.front_shape.study import CANDIDATES, FIELDS, KINDS_3D, WIDTHS_3D_NM
from validation.front_shape.text import nm, pct, ratio_text, width

#: Cl ahead (PL-apparent) after 4 h without bias that seed 001's control (Fig. S8: "no
#: discernible emission wavelength change") excludes: half the ~12 % it reports under bias
#: (the lower end of the Cl criterion).
NOBIAS_DISCERNIBLE = 0.06
RECTIFICATION_RANGE = (10.0, 40.0)  # R = L_m(+4)/|L_m(-4)| "~20" (docs/validation.md)
# Same criteria as docs/validation.md (validation.rectification).
SMOOTHING_FACTOR = 1.2  # "smooths with bias": width(4 V/µm) > 1.2 x width(1.5 V/µm)
CL_TARGET = (0.06, 0.24)  # "up to ~12 % Cl": max Cl ahead of the front within a factor 2


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


def true_verdict(c: dict) -> dict:
    """:func:`verdicts` of a candidate's true composition."""
    return verdicts({"x": {f: c["fields"][f]["true"] for f in FIELDS}})["x"]


def cl_ahead_pl(c: dict) -> float:
    """PL-apparent Cl ahead of a candidate's front at 4 V/µm."""
    return c["fields"][4.0]["pl"]["max_cl_ahead"]


def rectification(c: dict) -> float:
    """R = L_m(+4) / |L_m(-4)| of a candidate (nan without both runs)."""
    lm = c["L_m"]
    return lm[4.0] / abs(lm[-4.0]) if lm.get(-4.0) and 4.0 in lm else float("nan")


def discernible(nobias: dict | None) -> bool:
    """Cl ahead without bias at least NOBIAS_DISCERNIBLE (PL-apparent): against Fig. S8."""
    return bool(nobias) and nobias["pl"]["max_cl_ahead"] >= NOBIAS_DISCERNIBLE


def nobias_cl_text(c: dict) -> str:
    """PL-apparent Cl ahead of a candidate without bias, or "(no control run)"."""
    return pct(c["nobias"]["pl"]["max_cl_ahead"]) if c["nobias"] else "(no control run)"


def _lm(r: dict) -> str:
    """L_m of a 3D member [µm], 3 decimals."""
    return f"{r['L_m_um']:.3f}"


def _series(main: dict, w: int, get) -> str:
    """``get`` of wire ``w`` at each field, joined by " / "."""
    return " / ".join(get(main[(w, f)]) for f in FIELDS)


def three_d_findings(main: dict, fine: dict, vd: dict, true_1d: dict) -> list[str]:
    """Findings of the 3D part, from the numbers (``vd``: :func:`three_d_verdicts`, unused in
    the text; ``true_1d``: the 1D true-composition metrics by field)."""
    L = ["### Findings (3D)", ""]
    complete = [w for w in WIDTHS_3D_NM if all((w, f) in main for f in FIELDS)]
    for w in complete:
        L.append(f"- **{w} nm** (1.5 / 2.5 / 4 V/µm): lateral spread "
                 f"{_series(main, w, lambda r: nm(r['spread_um']))}; averaged width "
                 f"{_series(main, w, lambda r: width(r['averaged']))}; PL width "
                 f"{_series(main, w, lambda r: width(r['pl']))}; L_m "
                 f"{_series(main, w, _lm)} µm.")
    if complete:
        L += _mechanism_findings(main, complete, true_1d)
    L.append(_cl_ahead_finding(main))
    if fine:
        L.append(_resolution_finding(main, fine))
    return L


def _mechanism_findings(main: dict, complete: list[int], true_1d: dict) -> list[str]:
    """The 1D comparison, the tilt mechanism and what PL sees (all wires complete)."""
    L = []
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
    return L


def _cl_ahead_finding(main: dict) -> str:
    """Where Cl appears ahead of the averaged front, or its largest value."""
    hit = sorted((w, f) for (w, f), r in main.items()
                 if r["averaged"]["max_cl_ahead"] >= CL_TARGET[0])
    if hit:
        return (f"- **Cl ahead of the front** (more than {CL_UPTAKE_MARGIN_UM:g} µm beyond the "
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
    cl = [max(r["averaged"]["max_cl_ahead"], r["pl"]["max_cl_ahead"]) for r in main.values()]
    return (f"- **Cl ahead of the front** (more than {CL_UPTAKE_MARGIN_UM:g} µm beyond it):"
            f" at most {pct(max(cl))} in any wire, averaged or PL-apparent: the tilt stays "
            "within the front region.")


def _resolution_finding(main: dict, fine: dict) -> str:
    """4 × 4 against 6 × 6 cells across: width, spread and Cl ahead."""
    ch = []
    for (w, f), r6 in sorted(fine.items()):
        r4 = main.get((w, f))
        if r4 is not None:
            ch.append(f"{w} nm at {f:g} V/µm: averaged width {width(r4['averaged'])} → "
                      f"{width(r6['averaged'])}, spread {nm(r4['spread_um'])} → "
                      f"{nm(r6['spread_um'])}, Cl ahead "
                      f"{pct(r4['averaged']['max_cl_ahead'])} → "
                      f"{pct(r6['averaged']['max_cl_ahead'])}")
    return "- **Resolution** (4 × 4 → 6 × 6 cells across): " + "; ".join(ch) + "."


def _complete(cand: dict, name: str) -> dict | None:
    """Candidate ``name`` if it has every forward field, else None."""
    c = cand.get(name)
    return c if c is not None and all(f in c["fields"] for f in FIELDS) else None


def candidate_findings(cand: dict) -> list[str]:
    """Findings of the vacancy-supply candidates, from the numbers."""
    def get(name):
        return _complete(cand, name)

    L = ["### Findings (more vacancies)", ""]
    base, x1000 = get("baseline"), get("xvbr_x1000")
    if base and x1000:
        L.append(_equilibrium_finding(base, x1000))
    fast = [(lab, get(n)) for n, lab in CANDIDATES if n.startswith("sources_") and get(n)]
    if fast and base:
        L.append(_sources_finding(base, fast))
    L += _surface_findings(cand)
    if base and base["nobias"]:
        L.append(_nobias_finding(base["nobias"]))
    return L


def _equilibrium_finding(base: dict, x1000: dict) -> str:
    """A larger equilibrium vacancy fraction (x_V,Br × 1000) against the reference."""
    dl = 100 * (x1000["L_m"][4.0] - base["L_m"][4.0]) / base["L_m"][4.0]
    return ("- **A larger equilibrium vacancy fraction does nothing under bias.** "
             f"x_V,Br × 1000 changes L_m(+4) by {dl:+.2f} % and the width at 4 V/µm from "
             f"{width(base['fields'][4.0]['true'])} to {width(x1000['fields'][4.0]['true'])}"
             ": the field sweeps the mobile vacancies out of the gap (they relax in "
             "~1e-4–1e-3 s, docs/model.md), so under bias the vacancy content is set by "
             "the contacts' creation, not by the equilibrium. Without bias the same wire "
             + (f"mixes: {width(x1000['nobias']['pl'])} PL-apparent width and "
                f"{pct(x1000['nobias']['pl']['max_cl_ahead'])} Cl ahead after 4 h."
                if x1000["nobias"] else "was not run."))


def _sources_finding(base: dict, fast: list[tuple[str, dict]]) -> str:
    """Faster vacancy creation at the contacts against the reference."""
    return ("- **Faster creation at the contacts** moves the front further and widens it "
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


def _surface_findings(cand: dict) -> list[str]:
    """Surface exchange along the wire, and the intermediate supply's sharp front."""
    def get(name):
        return _complete(cand, name)

    L = []
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
    return L


def _nobias_finding(nb: dict) -> str:
    """The reference device without bias."""
    return ("- **The reference device itself, without bias**, broadens over 4 h at 300 K: "
             f"PL-apparent width {width(nb['pl'])}, Cl ahead {pct(nb['pl']['max_cl_ahead'])} "
             f"(true: {width(nb['true'])}, {pct(nb['true']['max_cl_ahead'])}). This is "
             "interdiffusion by the Cl-rich side's equilibrium vacancies (x_V,Cl = 3e-7), "
             "which bias sweeps away. Below the Cl threshold used here, but a broadened PL "
             "front; whether seed 001's Fig. S8 would show it we cannot tell from its text.")


def overall_verdict(one_d_verdict: dict, three_d: dict | None, cand: dict) -> list[str]:
    """The closing verdict over the three hypotheses."""
    L = ["## Verdict", ""]
    pl_labels = [k for k in one_d_verdict if k.startswith("PL")]
    pl_smooth = any(one_d_verdict[k]["smooths"] for k in pl_labels)
    pl_cl = any(one_d_verdict[k]["cl_ok"] for k in pl_labels)
    L.append(f"1. **PL resolution alone: smoothing {'HOLDS' if pl_smooth else 'FAILS'}, "
             f"~12 % Cl {'HOLDS' if pl_cl else 'FAILS'}** (every PSF and peak definition "
             "tried; section 1).")
    L.append(_three_d_verdict(three_d))
    if cand:
        L.append(_candidates_verdict(cand))
    L += ["", *how_sure(three_d, cand)]
    return L


def _three_d_verdict(three_d: dict | None) -> str:
    """Item 2 of the verdict: the 3D bottom-contact geometry (or pending)."""
    if not (three_d and three_d["main"]):
        return "2. **3D bottom-contact geometry: pending** (not run; section 2)."
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
    return (f"2. **3D bottom-contact geometry: smoothing {which('smooths')}; ~12 % Cl "
             f"{which('cl_ok')}** (averaged width(4)/width(1.5): {ratios}; section 2)."
             + ("" if any(v["smooths"] or v["cl_ok"] for (w, k), v in vd.items()
                          if k == "pl") else
                " Neither at the PL spectrum peak, which keeps the front a step."))


def _candidates_verdict(cand: dict) -> str:
    """Item 3 of the verdict: more vacancies where the front moves."""
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
    return txt + " (section 3)."


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
