"""Figures of docs/validation.md (docs/figures/fig1e_*, fig2_*, fig3_*, figS4_*.png).

L_m against the field (seed 001 Fig. 1e), composition after 4 h (Fig. 2b/2d), vacancies with
and without sources (Fig. 3a/3b) and the front position against time (Fig. S4).
Matplotlib's Agg backend.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from validation.rectification.study import T_END, profile


def fig_field_sweep(fields, L, fit, path):
    """L_m after 4 h against the field with the linear fit of the forward branch."""
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(fields, L, "o-", label="model, 4 h")
    xs = np.linspace(1.5, 4.0, 10)
    ax.plot(xs, fit[0] * xs + fit[1], "k--", lw=1,
            label=f"linear fit 1.5–4 V/µm (R² = {fit[2]:.4f})")
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set_xlabel("applied field [V/µm] (negative = reverse)")
    ax.set_ylabel("migration length L_m after 4 h [µm]")
    ax.set_title("Seed 001 Fig. 1e: migration length vs bias")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


def fig_profiles(root, path):
    """y(z) at 0, 2 and 4 h, forward and reverse 4 V/µm (``root``: the fig1e campaign)."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    for ax, field, title in ((axes[0], 4.0, "forward 4 V/µm (Fig. 2b)"),
                             (axes[1], -4.0, "reverse 4 V/µm (Fig. 2d)")):
        name = f"field_V_per_um={field}"
        for t, style in ((0.0, ":"), (T_END / 2, "--"), (T_END, "-")):
            p = profile(root, name, t)
            ax.plot(p["z_um"], p["y"], style, label=f"{t / 3600:.0f} h")
        ax.axhline(0.55, color="0.5", lw=0.8)
        ax.set_title(title)
        ax.set_xlabel("z [µm]")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("y = x_Br / (x_Br + x_Cl)")
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


def fig_vacancies(fig1e_root, models_root, x_v_cl, path):
    """x_V / x_V,Cl initially and after 4 h without and with sources, ±4 V/µm."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    for ax, field, title in ((axes[0], 4.0, "forward (Fig. 3a)"),
                             (axes[1], -4.0, "reverse (Fig. 3b)")):
        p0 = profile(fig1e_root, f"field_V_per_um={field}", 0.0)
        pn = profile(models_root, f"no_sources__field_V_per_um={field}", T_END)
        ps = profile(fig1e_root, f"field_V_per_um={field}", T_END)
        ax.semilogy(p0["z_um"], p0["x_V"] / x_v_cl, ":", label="initial")
        ax.semilogy(pn["z_um"], np.maximum(pn["x_V"] / x_v_cl, 1e-30), "--",
                    label="4 h, no sources")
        ax.semilogy(ps["z_um"], ps["x_V"] / x_v_cl, "-", label="4 h, with sources")
        ax.set_ylim(1e-6, 1e3)
        ax.set_title(title)
        ax.set_xlabel("z [µm]")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("x_V / x_V,Cl segment")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


def fig_front_time(t_h, zf, fit, path):
    """Front position against time [h] at forward 4 V/µm with the fit over 1-4 h."""
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.plot(t_h, zf, "-", label="front z_f(t), forward 4 V/µm")
    ts = np.linspace(1, 4, 10)
    ax.plot(ts, fit[0] * ts + fit[1], "k--", lw=1, label=f"linear fit 1–4 h (R² = {fit[2]:.5f})")
    ax.set_xlabel("t [h]")
    ax.set_ylabel("front position z_f [µm]")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)



def write_figures(figs: Path, st: dict) -> None:
    """The four figures into ``figs`` from :func:`validation.rectification.study.analyse`."""
    fig_field_sweep(st["fields"], st["L"], st["fit"], figs / "fig1e_migration_vs_field.png")
    fig_profiles(st["fig1e_root"], figs / "fig2_profiles_4h.png")
    fig_vacancies(st["fig1e_root"], st["models_root"], st["x_v_cl"], figs / "fig3_vacancies.png")
    fig_front_time(st["t_h"], st["zf"], st["front_fit"], figs / "figS4_front_vs_time.png")
