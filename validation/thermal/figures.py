"""Figures of the seed-000 report (docs/figures/thermal_*.png), from :mod:`.study`'s results.

Composition and vacancy profiles at 100 °C against the local-equilibrium reference, D(y) by
Boltzmann–Matano, the Arrhenius plot and total-Br conservation. Matplotlib's Agg backend.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from solver.analysis.thermal import SEED_000
from solver.constants import BOLTZMANN_EV_PER_K
from solver.io.files import read_timeseries_csv
from validation.thermal_data import HOUR, Q_RANGE, TOL_BR_DRIFT


def fig_profiles(path: Path, profs: dict, ref: dict, params, wire: dict) -> None:
    """thermal_100C composition at 0, 1.5, 5, 10 h with the local-equilibrium reference and
    the seed's plateau and Br-rich end marks (left); computed x_V against x_V,eq(y) (right)."""
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
    """Matano D(y) at each temperature with the model's local D, the local-equilibrium D and
    the reverse junction, over the seed's range."""
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
    """Arrhenius plot of Matano D near the pure phases (same time, equal diffusion length) with
    the fits and the input pure-phase D; ``T`` in K."""
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
    """|total Br(t) / total Br(0) − 1| over time for each run in ``outs``."""
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



def write_figures(figdir: Path, st: dict) -> None:
    """The four figures into ``figdir`` from :func:`validation.thermal.study.analyse`'s dict."""
    fig_profiles(figdir / "thermal_profiles_100C.png", st["profs100"], st["ref"], st["p100"],
                 st["wire"])
    fig_D(figdir / "thermal_D.png", st["mat"], st["local"], st["leq"], st["rev"],
          st["rev"].D_cm2_per_s)
    fig_arrhenius(figdir / "thermal_arrhenius.png", st["T"], st["fixed"], st["equal"],
                  st["fits"], st["inputs"])
    fig_conservation(figdir / "thermal_conservation.png", st["outs"])
