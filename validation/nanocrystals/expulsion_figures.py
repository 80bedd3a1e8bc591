"""Figures of validation/nanocrystals/expulsion.py (matplotlib, Agg, small PNGs)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from validation.nanocrystals.expulsion_model import PeakScale


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def static_figure(runs: dict, scale: PeakScale, times: dict, seed: dict, path: Path) -> None:
    """PL peak vs time: light at 23.5 and 35 °C (left), dark after light (right), with the
    10 % thresholds and the seed's times (dashed)."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(8.0, 3.2), constrained_layout=True)
    panels = (("segregation_room_s", "segregation_hot_s"), ("recovery_room_s", "recovery_hot_s"))
    for ax, keys in zip(axes, panels, strict=True):
        for key, colour in zip(keys, ("tab:blue", "tab:red"), strict=True):
            r = runs[key]
            label = "23.5 °C" if "room" in key else "35 °C"
            ax.plot(r["t_s"] / 60.0, r["pl_peak_nm"], color=colour,
                    label=f"{label}: model {times[key] / 60:.3g} min")
            t0 = 0.0 if key.startswith("segregation") else (600.0 if "room" in key else 90.0)
            ax.axvline((t0 + seed[key][0]) / 60.0, color=colour, ls="--", lw=0.8)
        for thr in (scale.segregated_threshold_nm, scale.mixed_threshold_nm):
            ax.axhline(thr, color="0.6", lw=0.6, ls=":")
        ax.set_xlabel("t [min]")
        ax.set_ylabel("PL peak [nm]")
        ax.legend(fontsize=7)
    axes[0].set_title("light, 50 W/cm² (seed: dashed)", fontsize=9)
    axes[0].set_xlim(0, 15)
    axes[1].set_title("light 10 min / 90 s, then dark", fontsize=9)
    axes[1].set_xscale("log")
    axes[1].set_xlim(0.5, 250)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def dynamic_figure(runs: dict, scale: PeakScale, path: Path) -> None:
    """Item 7: PL and T around the heater switch (heating at 300 s, cooling at 390 s)."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(8.0, 3.2), constrained_layout=True)
    for ax, key, t_sw, seed_s in ((axes[0], "heating", 300.0, 4.0),
                                  (axes[1], "cooling", 390.0, 8.0)):
        r = runs[key]
        keep = r["t_s"] >= t_sw - 30.0
        ax.plot(r["t_s"][keep] - t_sw, r["pl_peak_nm"][keep], color="tab:blue", label="model PL")
        ax.axhline(scale.mixed_threshold_nm, color="tab:green", ls=":", lw=0.8,
                   label="mixed (within 10 %)")
        ax.axvspan(0.0, seed_s, color="tab:orange", alpha=0.2, label=f"seed: remixed ≤{seed_s:g} s")
        ax.set_xlabel(f"t − {t_sw:g} s [s]")
        ax.set_ylabel("PL peak [nm]")
        twin = ax.twinx()
        twin.plot(r["t_s"][keep] - t_sw, r["T_K"][keep] - 273.15, color="tab:red", lw=0.8)
        twin.set_ylabel("T [°C]", color="tab:red")
        ax.set_title(f"heater {'on' if key == 'heating' else 'off'} under light", fontsize=9)
        ax.legend(fontsize=7, loc="center right")
    fig.savefig(path, dpi=80)
    plt.close(fig)


def pulse_figure(rows: list, path: Path) -> None:
    """Item 7 pulse trains: the model's shift fraction after 180 s, labelled with the seed's
    verdict."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 3.0), constrained_layout=True)
    names = [r["train"] for r in rows]
    frac = np.array([r["shift_fraction_180s"] for r in rows])
    colours = {"none": "tab:green", "milder": "tab:orange", "severe": "tab:red"}
    ax.bar(names, frac, color=[colours[r["seed_verdict"]] for r in rows])
    for i, r in enumerate(rows):
        ax.text(i, frac[i] + 0.02, f"seed: {r['seed_verdict']}", ha="center", fontsize=7)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("model shift fraction after 180 s")
    ax.set_xlabel("heater pulse width/period [s]")
    ax.set_title("0 = mixed, 1 = CsPbBr3; bar colour = seed's verdict", fontsize=9)
    fig.savefig(path, dpi=80)
    plt.close(fig)
