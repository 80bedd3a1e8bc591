"""Figure of a fit: the data with their stated uncertainties (error bars = 1 σ) and the model
at the best fit, one column per data kind: L_m [µm] vs field [V/µm] per time (seed 001
Fig. 1e style), y(z) per time, PL peak wavelength [nm] vs z per time; below each panel the
normalised residuals (model - data)/σ.

The model of a migration-length fit is known only at the data fields (one run per field), so
it is drawn as open markers there, not joined by lines; the reverse-bias points (field < 0),
a few nm against µm forward and the ones that fix alpha_cl, get an inset zoomed on them (gid
``reverse_zoom``). Profile and PL models are continuous profiles sampled at the data positions
and are drawn as lines. With ``parameters`` (fit.json's table) the title gives every fitted
value ± its standard error with the unit of its case key."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from solver.fitting.data import Observations

__all__ = ["fit_figure", "fit_title", "plot_fit", "pretty_unit"]

_AXES = {
    "migration_length": ("field [V/µm]", "migration length $L_m$ [µm]"),
    "profiles": ("z [µm]", "composition y [-]"),
    "pl_wavelength": ("z [µm]", "PL peak wavelength [nm]"),
}

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def pretty_unit(unit: str) -> str:
    """A case-key unit for display: ``µm V^-1 s^-1`` -> ``µm V⁻¹ s⁻¹``."""
    return re.sub(r"\^(-?\d+)", lambda m: m.group(1).translate(_SUPERSCRIPT), unit)


def fit_title(name: str, parameters: Mapping[str, Mapping]) -> str:
    """``name`` and one line per fitted key: ``key = value ± SE unit`` (unit of the case key,
    from its description in solver/config/; none if dimensionless)."""
    from solver.config import unit_of_key

    lines = [f"{name}: best fit (± 1 standard error)"]
    for key, p in parameters.items():
        unit = pretty_unit(unit_of_key(key))
        flag = "  (at a bound)" if p.get("at_bound") else ""
        lines.append(f"{key} = {p['value']:.3g} ± {p['standard_error']:.2g}"
                     f"{' ' + unit if unit else ''}{flag}")
    return "\n".join(lines)


def fit_figure(obs: Observations, model: np.ndarray, title: str):
    """The figure of :func:`plot_fit`, open (the caller saves or closes it). ``fig.axes``: the
    data panels, then the residual panels; the reverse-bias inset (gid ``reverse_zoom``) is a
    child axes of the migration-length panel.

    Args:
        obs: the data; one column of panels per data kind present, in the order of ``_AXES``.
        model: the model at the best fit, in the order of ``obs.value`` (shape ``(n_rows,)``).
        title: the figure title (may span several lines).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kinds = [k for k in _AXES if any(b.kind == k for b in obs.blocks)]
    fig, axes = plt.subplots(2, len(kinds), figsize=(6.0 * len(kinds), 6.2), squeeze=False,
                             sharex="col", gridspec_kw={"height_ratios": [3, 1]})
    start = 0
    colour = iter(plt.rcParams["axes.prop_cycle"].by_key()["color"] * 10)
    reverse = []  # (colour, field, data, sigma, model) of the reverse-bias points
    for b in obs.blocks:
        col_k = kinds.index(b.kind)
        mod = model[start:start + b.value.size]
        start += b.value.size
        _plot_block(axes[0, col_k], axes[1, col_k], b, mod, colour, reverse)
    _finish_panels(axes, kinds, reverse)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def _block_groups(b) -> list[tuple]:
    """The curves of block ``b``: ``(time, condition)`` pairs that have rows; for a
    migration-length block one curve per time across the fields (condition None)."""
    if b.kind == "migration_length":  # one set per time across the fields
        return [(t, None) for t in np.unique(b.t_s)]
    return [(t, c) for t in np.unique(b.t_s) for c in np.unique(b.condition)
            if np.any((b.t_s == t) & (b.condition == c))]


def _plot_block(ax, res, b, mod: np.ndarray, colour, reverse: list) -> None:
    """Draw block ``b`` on data panel ``ax`` and residual panel ``res``: per curve of
    :func:`_block_groups` (sorted by x, next colour of the iterator ``colour``) the data ± σ,
    the model ``mod`` (the block's rows of the model) and the normalised residuals; label the
    axes. Reverse-bias points of a migration-length block are appended to ``reverse``."""
    for t, c in _block_groups(b):
        sel = b.t_s == t if c is None else (b.t_s == t) & (b.condition == c)
        order = np.argsort(b.x[sel])
        x, d, s, m = (a[sel][order] for a in (b.x, b.value, b.sigma, mod))
        col = next(colour)
        when = f"t = {t / 3600:g} h"
        ax.errorbar(x, d, yerr=s, fmt="o", ms=3.5, color=col, capsize=2, zorder=3,
                    label=f"data ± 1σ: {b.label}, {when}")
        if b.kind == "migration_length":
            _plot_migration_model(ax, x, d, s, m, col, when, reverse)
        else:
            ax.plot(x, m, "-", color=col, zorder=4,
                    label=f"model profile at the data positions, {when}", gid="model_line")
        res.plot(x, (m - d) / s, "o", ms=3.5, color=col)
    res.set_xlabel(_AXES[b.kind][0])
    res.set_ylabel("(model − data)/σ [-]")
    ax.set_ylabel(_AXES[b.kind][1])


def _plot_migration_model(ax, x, d, s, m, col, when: str, reverse: list) -> None:
    """The migration-length model at the data fields ``x`` [V/µm] as open markers (gid
    ``model_points``, one run per field, not joined); the points with field < 0 (data ``d``,
    ``s``, model ``m`` [µm]) are appended to ``reverse`` for the inset."""
    ax.plot(x, m, "D", ms=7, mfc="none", mew=1.3, color=col, zorder=4,
            label=f"model at the data fields (one run each), {when}", gid="model_points")
    neg = x < 0
    if np.any(neg):
        reverse.append((col, x[neg], d[neg], s[neg], m[neg]))


def _finish_panels(axes, kinds: list[str], reverse: list) -> None:
    """Grids, zero lines, the reverse-bias inset and the legends of the 2 x len(kinds)
    ``axes`` (data panels in row 0, residual panels in row 1)."""
    for ax in axes.ravel():
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.axhline(0.0, color="k", lw=0.8)
    if "migration_length" in kinds:
        ax = axes[0, kinds.index("migration_length")]
        ax.axhline(0.0, color="0.5", lw=0.6)
        ax.axvline(0.0, color="0.5", lw=0.6)
        if reverse:
            _reverse_inset(ax, reverse)
        ax.legend(fontsize=7, loc="lower right")
    for k, ax in enumerate(axes[0]):
        if kinds[k] != "migration_length":
            ax.legend(fontsize=7)


def _reverse_inset(ax, reverse) -> None:
    """Inset in the upper left of ``ax``: the reverse-bias points (field < 0), data ± σ and
    model, on their own L_m scale (they are ~1/20 of the forward values)."""
    ins = ax.inset_axes([0.13, 0.47, 0.34, 0.42])
    ins.set_gid("reverse_zoom")
    for col, x, d, s, m in reverse:
        ins.errorbar(x, d, yerr=s, fmt="o", ms=3, color=col, capsize=2)
        ins.plot(x, m, "D", ms=6, mfc="none", mew=1.2, color=col)
    ins.axhline(0.0, color="0.5", lw=0.6)
    ins.set_title("reverse bias (zoom; fixes alpha_cl)", fontsize=7)
    ins.set_xlabel("field [V/µm]", fontsize=7, labelpad=1)
    ins.set_ylabel("$L_m$ [µm]", fontsize=7, labelpad=2)
    ins.tick_params(labelsize=6)
    ins.grid(alpha=0.3)


def plot_fit(path: Path, obs: Observations, model: np.ndarray, title: str, *,
             parameters: Mapping[str, Mapping] | None = None) -> Path:
    """Write the figure to ``path`` (PNG) and return it.

    Args:
        path: output PNG.
        obs: the data.
        model: the model at the best fit, in the order of ``obs.value``.
        title: the title, or with ``parameters`` its first line (the fit's name).
        parameters: fit.json's ``parameters`` table (key -> value, standard_error, ...); the
            title then lists them with units (:func:`fit_title`).
    """
    import matplotlib.pyplot as plt

    fig = fit_figure(obs, model, fit_title(title, parameters) if parameters else title)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fig.savefig(path, dpi=120)
    finally:
        plt.close(fig)
    return path
