"""Figure of a fit: the data with their stated uncertainties (error bars = 1 σ) and the model
at the best fit, one panel per data kind: L_m [µm] vs field [V/µm] per time (seed 001
Fig. 1e style), y(z) per time, PL peak wavelength [nm] vs z per time; below each panel the
normalised residuals (model - data)/σ."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from solver.fitting.data import Observations

__all__ = ["plot_fit"]

_AXES = {
    "migration_length": ("field [V/µm]", "migration length $L_m$ [µm]"),
    "profiles": ("z [µm]", "composition y [-]"),
    "pl_wavelength": ("z [µm]", "PL peak wavelength [nm]"),
}


def plot_fit(path: Path, obs: Observations, model: np.ndarray, title: str) -> Path:
    """Write the figure to ``path`` (PNG) and return it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kinds = [k for k in _AXES if any(b.kind == k for b in obs.blocks)]
    fig, axes = plt.subplots(2, len(kinds), figsize=(5.5 * len(kinds), 5.5), squeeze=False,
                             sharex="col", gridspec_kw={"height_ratios": [3, 1]})
    start = 0
    colour = iter(plt.rcParams["axes.prop_cycle"].by_key()["color"] * 10)
    for b in obs.blocks:
        ax = axes[0, kinds.index(b.kind)]
        mod = model[start:start + b.value.size]
        start += b.value.size
        groups = [(t, c) for t in np.unique(b.t_s) for c in np.unique(b.condition)
                  if np.any((b.t_s == t) & (b.condition == c))]
        if b.kind == "migration_length":  # one curve per time across the fields
            groups = [(t, None) for t in np.unique(b.t_s)]
        for t, c in groups:
            sel = b.t_s == t if c is None else (b.t_s == t) & (b.condition == c)
            order = np.argsort(b.x[sel])
            col = next(colour)
            label = f"{b.label}, t = {t / 3600:g} h"
            ax.errorbar(b.x[sel][order], b.value[sel][order], yerr=b.sigma[sel][order],
                        fmt="o", ms=3, color=col, capsize=2, label=f"data: {label}")
            ax.plot(b.x[sel][order], mod[sel][order], "-", color=col, label="model (best fit)")
            res = axes[1, kinds.index(b.kind)]
            res.plot(b.x[sel][order], ((mod - b.value) / b.sigma)[sel][order], "o", ms=3,
                     color=col)
        axes[1, kinds.index(b.kind)].set_xlabel(_AXES[b.kind][0])
        axes[1, kinds.index(b.kind)].set_ylabel("(model - data)/σ")
        ax.set_ylabel(_AXES[b.kind][1])
    for ax in axes[0]:
        ax.legend(fontsize=7)
    for ax in axes.ravel():
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.axhline(0.0, color="k", lw=0.8)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
