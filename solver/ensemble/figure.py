"""The figure of an ensemble run: single-particle traces, the ensemble mean against the rate
equation, and the mean waiting / switching times with their ``a/(x+b)+c`` fits (matplotlib,
Agg)."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from solver.ensemble.observables import inverse_law
from solver.io.files import write_atomic

__all__ = ["ensemble_figure"]


def _fit_panel(ax, results: list, fits: dict) -> None:
    x = np.array([r["c_ug_per_mL"] for r in results])
    xs = np.linspace(x.min(), x.max(), 200)
    for name, colour, marker in (("waiting", "k", "s"), ("switching", "tab:red", "^")):
        m = [r["stats"][f"{name}_mean_s"] for r in results]
        sd = [r["stats"][f"{name}_sd_s"] for r in results]
        ax.errorbar(x, m, yerr=sd, fmt=marker, color=colour, capsize=3, label=f"mean {name}")
        f = fits.get(name, {})
        if all(math.isfinite(f.get(k, math.nan)) for k in "abc"):
            ax.plot(xs, inverse_law(xs, f["a"], f["b"], f["c"]), color=colour, lw=1,
                    label=f"a/(x+b)+c: a={f['a']:.3g}, b={f['b']:.3g}, c={f['c']:.3g}")
    ax.set_xlabel("TBAB concentration x [µg/mL]")
    ax.set_ylabel("time [s]")
    ax.legend(fontsize=7)


def ensemble_figure(results: list, fits: dict, path, title: str = "") -> Path:
    """Write the three-panel PNG to ``path`` (atomically) and return the path."""
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    cmap = plt.get_cmap("viridis")
    for i, r in enumerate(results):
        colour = cmap(i / max(1, len(results) - 1))
        t = r["t_s"]
        for j, trace in enumerate(r["traces"]["intensity"]):
            axes[0].plot(t, trace + 1.5 * i, color=colour, lw=0.5,
                         label=f"{r['c_ug_per_mL']:g} µg/mL" if j == 0 else None)
        axes[1].plot(t, r["mean_fraction"], color=colour, label=f"{r['c_ug_per_mL']:g} µg/mL")
        axes[1].plot(r["fluid_t_s"], r["fluid_mean_fraction"], color=colour, ls="--", lw=1)
    axes[0].set_xlabel("time after injection [s]")
    axes[0].set_ylabel("single-particle intensity (offset per concentration)")
    axes[0].legend(fontsize=7)
    axes[1].set_xlabel("time after injection [s]")
    axes[1].set_ylabel("ensemble mean Br fraction f")
    axes[1].set_title("solid: ensemble, dashed: rate equation", fontsize=8)
    axes[1].legend(fontsize=7)
    _fit_panel(axes[2], results, fits)
    fig.suptitle(title)
    fig.tight_layout()
    try:
        write_atomic(path, lambda fh: fig.savefig(fh, format="png", dpi=110), binary=True)
    finally:
        plt.close(fig)
    return Path(path)
