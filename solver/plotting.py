"""PNG figures of profiles, the migration length and run diagnostics.

Matplotlib with the non-interactive Agg backend; no dolfinx. Every function writes one PNG and
closes its figure. Times are shown in hours, positions in um.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (after selecting the backend)
import numpy as np  # noqa: E402

from solver.observables import FRONT_LEVEL  # noqa: E402

__all__ = ["plot_profiles", "plot_timeseries", "plot_diagnostics"]

S_PER_H = 3600.0
DPI = 150

# Accepted column names for plot_diagnostics, first match wins.
DIAGNOSTIC_KEYS = {
    "t": ("t_s", "t"),
    "dt": ("dt_s", "dt"),
    "newton": ("newton_iterations", "newton_its", "newton_it", "n_newton"),
    "drift": ("br_total_rel_drift", "br_rel_drift", "rel_br_drift", "br_drift_rel"),
    "total_br": ("total_br_um", "total_br"),
}


def _save(fig, path) -> Path:
    """Write ``fig`` as PNG to ``path`` (parent directories created) and close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(os.fspath(path), dpi=DPI, format="png")
    plt.close(fig)
    return path


def _time_colours(times_s: np.ndarray):
    """One colour per time, viridis scaled from the first to the last time."""
    cmap = matplotlib.colormaps["viridis"]
    lo, hi = float(np.min(times_s)), float(np.max(times_s))
    span = hi - lo if hi > lo else 1.0
    return [cmap(0.9 * (t - lo) / span) for t in times_s]


def plot_profiles(profiles: list[dict], path, title: str = "", *,
                  x_v_cl_ref: float | None = None, level: float = FRONT_LEVEL) -> Path:
    """Composition and vacancy profiles at several times (cf. seed 001 Fig. 3a/b).

    Top panel: y(z) for each profile, coloured by time, with the front level ``y = level``
    dashed. Bottom panel: x_V(z) / x_v_cl_ref on a log axis (x_V rescaled by its value in the
    chloride segment); plain x_V if ``x_v_cl_ref`` is None.

    Args:
        profiles: dicts with keys ``t_s`` [s], ``z_um`` [um], ``y`` [-], ``x_v`` [-].
        path: output PNG path.
        title: figure title.
        x_v_cl_ref: reference vacancy fraction of the chloride segment [-] (> 0) or None.
        level: front composition level to mark [-].

    Returns:
        The path written.
    """
    fig, (ax_y, ax_v) = plt.subplots(2, 1, sharex=True, figsize=(7.0, 6.5),
                                     constrained_layout=True)
    times = np.array([float(p["t_s"]) for p in profiles])
    scale = 1.0 if x_v_cl_ref is None else float(x_v_cl_ref)
    for p, colour in zip(profiles, _time_colours(times) if profiles else [], strict=True):
        label = f"{float(p['t_s']) / S_PER_H:.3g} h"
        z = np.asarray(p["z_um"], dtype=float)
        ax_y.plot(z, np.asarray(p["y"], dtype=float), color=colour, label=label)
        x_v = np.asarray(p["x_v"], dtype=float) / scale
        ax_v.plot(z, np.where(x_v > 0.0, x_v, np.nan), color=colour, label=label)
    ax_y.axhline(level, color="0.4", ls="--", lw=0.8, label=f"y = {level:g}")
    ax_y.set_ylabel("y = x_Br / (x_Br + x_Cl)")
    ax_y.set_ylim(-0.02, 1.02)
    ax_y.legend(fontsize="small", loc="best")
    ax_v.set_yscale("log")
    ax_v.set_ylabel("x_V / x_V,Cl" if x_v_cl_ref is not None else "x_V")
    ax_v.set_xlabel("z [um]")
    for ax in (ax_y, ax_v):
        ax.grid(True, which="major", alpha=0.3)
    if title:
        fig.suptitle(title)
    return _save(fig, path)


def plot_timeseries(t_s, L_m_um, path, title: str = "") -> Path:
    """Migration length L_m against time.

    Args:
        t_s: times [s].
        L_m_um: migration length at those times [um].
        path: output PNG path.
        title: figure title.

    Returns:
        The path written.
    """
    fig, ax = plt.subplots(figsize=(6.0, 4.0), constrained_layout=True)
    ax.plot(np.asarray(t_s, dtype=float) / S_PER_H, np.asarray(L_m_um, dtype=float), "-")
    ax.axhline(0.0, color="0.5", lw=0.6)
    ax.set_xlabel("t [h]")
    ax.set_ylabel("L_m [um]")
    ax.grid(True, alpha=0.3)
    if title:
        ax.set_title(title)
    return _save(fig, path)


def _column(series: dict, name: str):
    """The first available column of DIAGNOSTIC_KEYS[name] as a float array, or None."""
    for key in DIAGNOSTIC_KEYS[name]:
        if key in series and series[key] is not None:
            return np.asarray(series[key], dtype=float)
    return None


def _br_drift(series: dict):
    """Relative total-Br drift: the drift column, else (N_Br - N_Br[0]) / N_Br[0]; or None."""
    drift = _column(series, "drift")
    if drift is not None:
        return drift
    total = _column(series, "total_br")
    if total is None or total.size == 0 or total[0] == 0.0:
        return None
    return (total - total[0]) / total[0]


def _missing(ax, what: str) -> None:
    """Mark a panel whose data are not available."""
    ax.text(0.5, 0.5, f"{what}: not available", ha="center", va="center",
            transform=ax.transAxes)


def _plot_dt(ax, t, dt) -> None:
    """dt against t on log-log axes (non-positive values dropped)."""
    ok = (t > 0) & (dt > 0)
    if not np.any(ok):
        return _missing(ax, "dt")
    ax.loglog(t[ok], dt[ok], ".-", ms=2, lw=0.6)
    ax.set_ylabel("dt [s]")


def _plot_newton(ax, t, its) -> None:
    """Newton iterations per accepted step against t (log t if possible)."""
    ax.plot(t, its, ".", ms=2)
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    if np.any(t > 0):
        ax.set_xscale("log")
    ax.set_ylabel("Newton its")


def _plot_drift(ax, t, drift) -> None:
    """|relative total Br drift| against t (log y when any value is non-zero)."""
    mag = np.abs(drift)
    ax.plot(t, mag, "-", lw=0.8)
    if np.any(t > 0):
        ax.set_xscale("log")
    if np.any(mag > 0):
        ax.set_yscale("log")
    ax.set_ylabel("|Br drift| (rel.)")


def plot_diagnostics(timeseries: dict, path, title: str = "") -> Path:
    """Time-step size, Newton iterations and relative total-Br drift against time.

    Columns are looked up by the names in ``DIAGNOSTIC_KEYS`` (first match wins): time
    ``t_s`` [s], step ``dt_s`` [s], ``newton_iterations`` [-], relative drift of the total Br
    content ``br_total_rel_drift`` [-] (``(N_Br(t) - N_Br(0)) / N_Br(0)``; computed from a
    total-Br column ``total_br_um`` if the drift column is absent). A missing column leaves its
    panel with a "not available" note.

    Args:
        timeseries: mapping of column name to 1D array-like, all of the same length.
        path: output PNG path.
        title: figure title.

    Returns:
        The path written.
    """
    fig, axes = plt.subplots(3, 1, sharex=True, figsize=(6.5, 7.5), constrained_layout=True)
    t = _column(timeseries, "t")
    panels = (("dt", _plot_dt), ("newton", _plot_newton), ("drift", _plot_drift))
    for ax, (name, plot) in zip(axes, panels, strict=True):
        values = _br_drift(timeseries) if name == "drift" else _column(timeseries, name)
        if t is None or values is None or values.size != t.size or t.size == 0:
            _missing(ax, name)
        else:
            plot(ax, t, values)
        ax.grid(True, which="major", alpha=0.3)
    axes[-1].set_xlabel("t [s]")
    if title:
        fig.suptitle(title)
    return _save(fig, path)
