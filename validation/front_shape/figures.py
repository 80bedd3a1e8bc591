"""Figures of the front-shape report (docs/figures/front_shape_*.png).

True and PL-apparent profiles after 4 h (:func:`fig_profiles`), the synthetic PL map of seed
001's Fig. 1d (:func:`fig_map`) and the 3D wires' averaged and PL-apparent profiles
(:func:`fig_3d_profiles`). Matplotlib's Agg backend.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from solver.io.files import read_profile_csv
from solver.pl import pl_map
from solver.pl.figures import plot_wavelength_map
from solver.pl.output import CL_UPTAKE_MARGIN_UM, emission_of, settings_of
from validation.front_shape.study import FIELDS, T_END, WIDTHS_3D_NM, measure, member_profiles


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
