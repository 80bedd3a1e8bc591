"""Figures of one run: profiles, the migration length L_m(t) with the applied drive, diagnostics.

``solver.run`` writes them into ``<output>/figures/`` when ``output.figures`` is true:
:func:`plot_profiles`, :func:`plot_timeseries`, :func:`plot_diagnostics`. Every ``plot_*``
function writes one PNG (creating its directory only then) and closes its figure; the
``*_figure`` builders return the open figure instead (for tests and notebooks). Given a
:class:`~solver.figures.device.Device`, profile plots shade the two electrode zones (gold,
marked + / − by polarity; by side, with each profile's polarity in the legend, when a bias
protocol reverses it) and the gap between the contact lines, and carry the bias and temperature
in the title. The L_m(t) figure of a protocol run has a panel per changing drive (E(t), T(t)) and
is shaded by level. Times are shown in hours, positions in µm. Matplotlib (Agg); no dolfinx.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np

from solver.analysis.observables import FRONT_LEVEL
from solver.figures.device import (
    Device,
    br_left,
    front_level,
    labels,
    mark_device,
    x_v_axis_label,
)
from solver.figures.style import MINUS, S_PER_H, hours, positive, save, suptitle, time_colours

__all__ = [
    "DIAGNOSTIC_KEYS",
    "NO_BIAS_V",
    "body_timeseries_figure",
    "diagnostics_figure",
    "plot_body_timeseries",
    "plot_diagnostics",
    "plot_profiles",
    "plot_timeseries",
    "positive_side_of",
    "profiles_figure",
    "timeseries_figure",
]

# Accepted column names for plot_diagnostics, first match wins.
DIAGNOSTIC_KEYS = {
    "t": ("t_s", "t"),
    "dt": ("dt_s", "dt"),
    "newton": ("newton_iterations", "newton_its", "newton_it", "n_newton"),
    "drift": ("br_total_rel_drift", "br_rel_drift", "rel_br_drift", "br_drift_rel"),
    "total_br": ("total_br_um", "total_br"),
}


# --------------------------------------------------------------------------- profiles


def _has(profiles: Sequence[Mapping], key: str) -> bool:
    return bool(profiles) and all(p.get(key) is not None for p in profiles)


def profiles_figure(profiles: list[dict], title: str = "", *, x_v_cl_ref: float | None = None,
                    level: float = FRONT_LEVEL, device: Device | None = None):
    """The figure of :func:`plot_profiles`, open (the caller saves or closes it)."""
    with_field = _has(profiles, "psi_V") and _has(profiles, "E_V_per_um")
    n = 3 if with_field else 2
    fig, axes = plt.subplots(n, 1, sharex=True, figsize=(7.5, 3.0 * n + 0.6),
                             constrained_layout=True)
    scale = 1.0 if x_v_cl_ref is None else float(x_v_cl_ref)
    electrode_labels, polarity_text = _profile_polarities(profiles, device)
    ax_e = _draw_profiles(axes, profiles, scale, polarity_text, with_field)
    front_level(axes[0], level, device)
    _label_profile_axes(axes, ax_e, x_v_cl_ref, with_field, device)
    for ax in axes:
        ax.grid(True, which="major", alpha=0.3)
        if device is not None:
            mark_device(ax, device, labels=ax is axes[0], electrode_labels=electrode_labels)
            ax.set_xlim(0.0, device.length_um)
    axes[0].legend(fontsize="small", loc="center left" if br_left(device) else "center right",
                   title="t (polarity: electrode at +)" if polarity_text else "t",
                   title_fontsize="small")
    suptitle(fig, device, title)
    return fig


def _draw_profiles(axes, profiles, scale: float, polarity_text, with_field: bool):
    """The curves of :func:`profiles_figure`, one colour per time: y on ``axes[0]``, x_V /
    ``scale`` on ``axes[1]``, and with ``with_field`` ψ on ``axes[2]`` and E on its twin axis
    (created at the first profile). Returns the twin axis, or None."""
    times = np.array([float(p["t_s"]) for p in profiles])
    colours = time_colours(times) if profiles else []
    ax_e = None
    for k, (p, colour) in enumerate(zip(profiles, colours, strict=True)):
        label = hours(p["t_s"]) + (f" ({polarity_text[k]})" if polarity_text else "")
        z = np.asarray(p["z_um"], dtype=float)
        axes[0].plot(z, np.asarray(p["y"], dtype=float), color=colour, label=label)
        axes[1].plot(z, positive(np.asarray(p["x_v"], dtype=float) / scale), color=colour,
                     label=label)
        if with_field:
            axes[2].plot(z, np.asarray(p["psi_V"], dtype=float), color=colour, label=label)
            if ax_e is None:
                ax_e = axes[2].twinx()
            ax_e.plot(z, np.asarray(p["E_V_per_um"], dtype=float), color=colour, ls="--",
                      lw=0.9)
    return ax_e


def _label_profile_axes(axes, ax_e, x_v_ref: float | None, with_field: bool,
                        device: Device | None = None) -> None:
    """Axis labels and scales of :func:`profiles_figure` (``x_v_ref``: the divisor of x_V,
    named with its value by :func:`~solver.figures.device.x_v_axis_label`; the halides named
    after the device's pair)."""
    names = labels(device)
    axes[0].set_ylabel(names["y"])
    axes[0].set_ylim(-0.02, 1.08)
    axes[1].set_yscale("log")
    axes[1].set_ylabel(x_v_axis_label(device, x_v_ref))
    if with_field:
        axes[2].set_ylabel(r"potential $\psi$ [V] (solid)")
        if ax_e is not None:
            ax_e.set_ylabel(r"field $E = -d\psi/dz$ [V/µm] (dashed)")
    axes[-1].set_xlabel("z [µm]")


#: Contact-potential difference [V] below which a recorded profile counts as unbiased.
NO_BIAS_V = 1.0e-6


def positive_side_of(profile: Mapping, device: Device) -> str | None:
    """Side ("left"/"right") whose contact line is at the higher potential in a recorded
    profile (from its ``psi_V``), None without bias or without a potential."""
    if profile.get("psi_V") is None:
        return None
    z = np.asarray(profile["z_um"], dtype=float)
    psi = np.asarray(profile["psi_V"], dtype=float)
    drop = float(np.interp(device.contact_left_um, z, psi)
                 - np.interp(device.contact_right_um, z, psi))
    if not abs(drop) > NO_BIAS_V:
        return None
    return "left" if drop > 0 else "right"


def _profile_polarities(profiles: Sequence[Mapping], device: Device | None):
    """Electrode labels and per-profile polarity texts of :func:`profiles_figure`.

    A constant bias keeps the device's labels ("Au (+)", "Au (−)") and no per-profile text.
    Under a bias protocol the polarity is read from each profile's potential: the same for all
    profiles gives signed labels; different ones (e.g. after a reversal) give "Au (left)",
    "Au (right)" and a legend text per profile ("forward, + left", "reverse, + right",
    "no bias"); without potentials the electrodes are named by side only.

    Returns:
        (electrode_labels or None, list of texts or None).
    """
    if device is None or not device.bias_protocol or not profiles:
        return None, None
    by_side = {"left": "Au (left)", "right": "Au (right)"}
    if not all(p.get("psi_V") is not None for p in profiles):
        return by_side, None
    sides = [positive_side_of(p, device) for p in profiles]
    if len(set(sides)) == 1:
        side = sides[0]
        if side is None:
            return {"left": "Au", "right": "Au"}, None
        return {s: f"Au ({'+' if s == side else MINUS})" for s in ("left", "right")}, None
    texts = []
    for side in sides:
        if side is None:
            texts.append("no bias")
        else:
            kind = "forward" if side == device.br_rich_side else "reverse"
            texts.append(f"{kind}, + {side}")
    return by_side, texts

def plot_profiles(profiles: list[dict], path, title: str = "", *,
                  x_v_cl_ref: float | None = None, level: float = FRONT_LEVEL,
                  device: Device | None = None) -> Path:
    """Composition, vacancy, potential and field profiles at several times (seed 001 Fig. 3).

    Panels: y(z) coloured by time with the front level dotted; x_V(z) / x_v_cl_ref on a log axis
    (x_V / x_V,eq(y_Cl), the Cl-rich segment's equilibrium, plain x_V if None); and, when every
    profile has ``psi_V`` and ``E_V_per_um``, the potential (solid, left axis) and the field
    (dashed, right axis). With ``device`` the electrodes and the gap are shaded and the
    title carries the bias and the temperature. The electrodes are labelled + / − for a
    constant bias; under a bias protocol whose polarity changes between the profiles (e.g.
    forward then reverse) they are named "Au (left)" / "Au (right)" and each profile's legend
    entry gives its polarity, read from its potential at the contact lines.

    Args:
        profiles: dicts with keys ``t_s`` [s], ``z_um`` [µm], ``y`` [-], ``x_v`` [-] and
            optionally ``psi_V`` [V], ``E_V_per_um`` [V/µm].
        path: output PNG path.
        title: figure title (the case name; the device adds bias and temperature).
        x_v_cl_ref: divisor of x_V [-] (> 0), x_V,eq(y_Cl) = the equilibrium vacancy fraction
            at the Cl-rich segment's composition (not ``material.x_v_cl``, the y = 0 end
            member); named with its value in the axis label; None: x_V unscaled.
        level: front composition level to mark [-].
        device: electrodes, bias and temperature, or None.

    Returns:
        The path written.
    """
    fig = profiles_figure(profiles, title, x_v_cl_ref=x_v_cl_ref, level=level, device=device)
    return save(fig, path)


DRIVE_PANEL_HEIGHT = 1.0  # height of an E(t) / T(t) panel relative to the L_m panel's 3
REVERSE_SHADE = "#cfdcef"
ZERO_SHADE = "0.88"
HOT_SHADE = "#f6d5c2"
KELVIN_0C = 273.15


def _varies(values) -> bool:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return v.size > 1 and float(np.ptp(v)) > 0.0


def _level_spans(t_s, values, classify) -> list[tuple[float, float, object]]:
    """Merged (t0, t1, class) spans [s] of a drive recorded per accepted step.

    The value on row k is the drive of the step (t[k-1], t[k]] (the stepper lands on every
    switch), so the spans follow the rows; ``classify(value)`` gives a class or None (not
    shaded); consecutive steps of one class are merged."""
    t = np.asarray(t_s, dtype=float)
    v = np.asarray(values, dtype=float)
    spans: list[list] = []
    for k in range(1, t.size):
        if not t[k] > t[k - 1]:
            continue
        cls = classify(float(v[k]))
        if spans and spans[-1][2] == cls and spans[-1][1] == t[k - 1]:
            spans[-1][1] = float(t[k])
        else:
            spans.append([float(t[k - 1]), float(t[k]), cls])
    return [(a, b, c) for a, b, c in spans if c is not None]


def _bias_shading(t_s, field, device: Device | None = None):
    """Spans and legend entries: reverse bias (E < 0) and no bias (E = 0) shaded."""
    def cls(e: float):
        return "reverse" if e < 0 else ("zero" if e == 0 else None)

    spans = _level_spans(t_s, field, cls)
    b_rich = labels(device)["b_rich"]
    styles = {"reverse": (REVERSE_SHADE, f"reverse bias (E < 0: + on the {b_rich} side)"),
              "zero": (ZERO_SHADE, "no bias (E = 0)")}
    present = {c for _, _, c in spans}
    entries = [(c, *styles[c]) for c in ("reverse", "zero") if c in present]
    if entries:
        entries.insert(0, ("forward", "white", "forward bias (E > 0), unshaded"))
    return spans, styles, entries


def _celsius(T_K: float) -> str:
    return f"{T_K - KELVIN_0C:.4g} °C"


def _temperature_shading(t_s, T_K):
    """Spans and legend entries: the hotter half of the temperature range shaded."""
    T = np.asarray(T_K, dtype=float)
    lo, hi = float(np.nanmin(T)), float(np.nanmax(T))
    mid = 0.5 * (lo + hi)
    spans = _level_spans(t_s, T, lambda v: "hot" if v > mid else None)
    levels = np.unique(T[np.isfinite(T)])
    if levels.size == 2:
        hot = f"T = {hi:g} K ({_celsius(hi)})"
        cold = f"T = {lo:g} K ({_celsius(lo)}), unshaded"
    else:
        hot = f"T > {mid:.5g} K ({_celsius(mid)}, upper half of the range)"
        cold = f"T ≤ {mid:.5g} K, unshaded"
    styles = {"hot": (HOT_SHADE, hot)}
    entries = [("cold", "white", cold), ("hot", *styles["hot"])] if spans else []
    return spans, styles, entries


def timeseries_figure(t_s, L_m_um, title: str = "", *, device: Device | None = None,
                      segments=(), drive: Mapping | None = None):
    """The figure of :func:`plot_timeseries`, open.

    Axes: ``fig.axes[0]`` is L_m(t); then one panel per drive quantity that changes during the
    run (gid "drive_field": E(t) [V/µm]; gid "drive_T": T(t) [K], °C on the right)."""
    t = np.asarray(t_s, dtype=float)
    drive = drive or {}
    shown = [k for k in ("field_V_per_um", "T_K")
             if drive.get(k) is not None and len(drive[k]) == t.size and _varies(drive[k])]
    ratios = [3.0] + [DRIVE_PANEL_HEIGHT] * len(shown)
    fig, axes = plt.subplots(len(ratios), 1, sharex=True, squeeze=False,
                             figsize=(6.5, 4.0 + 1.2 * len(shown)), constrained_layout=True,
                             gridspec_kw={"height_ratios": ratios})
    axes = list(axes[:, 0])
    ax = axes[0]
    t_h = t / S_PER_H
    ax.plot(t_h, np.asarray(L_m_um, dtype=float), "-", gid="migration_length")
    ax.axhline(0.0, color="0.5", lw=0.6)
    ax.set_ylabel(r"migration length $L_m$ [µm]")
    _shade_by_level(axes, t, drive, shown, device)
    for axis, key in zip(axes[1:], shown, strict=True):
        _drive_panel(axis, t_h, key, np.asarray(drive[key], dtype=float))
    for axis in axes:
        axis.grid(True, alpha=0.3)
    axes[-1].set_xlabel("t [h]")
    _segment_marks(fig, axes, segments)
    text = device.title() if device is not None else title
    if text:
        fig.suptitle(text, fontsize="medium")
    return fig


def _shade_by_level(axes, t, drive: Mapping, shown: list[str],
                    device: Device | None = None) -> None:
    """Shade every panel by level (never by segment index): bias polarity if the bias changes
    (``"field_V_per_um"`` in ``shown``), else the hotter half of the temperature range; a legend
    above the first panel says what the shading means."""
    if "field_V_per_um" in shown:
        spans, styles, entries = _bias_shading(t, drive["field_V_per_um"], device)
    elif "T_K" in shown:
        spans, styles, entries = _temperature_shading(t, drive["T_K"])
    else:
        return
    for a, b, cls in spans:
        for axis in axes:
            axis.axvspan(a / S_PER_H, b / S_PER_H, color=styles[cls][0], lw=0, zorder=0,
                         gid=f"shade_{cls}")
    if entries:
        from matplotlib.patches import Patch

        handles = [Patch(facecolor=c, edgecolor="0.6", lw=0.5, label=lab)
                   for _, c, lab in entries]
        # above the panel: never over the curve or the segment labels
        axes[0].legend(handles=handles, fontsize="x-small", loc="lower left",
                       bbox_to_anchor=(0.0, 1.01), borderaxespad=0.0, ncols=2, frameon=False,
                       title="shading (all panels):", title_fontsize="x-small",
                       alignment="left")


def _drive_panel(axis, t_h, key: str, values: np.ndarray) -> None:
    """One drive panel of :func:`timeseries_figure`: E(t) [V/µm] (``key`` "field_V_per_um")
    or T(t) [K] with °C on the right, as a step plot against ``t_h`` [h]."""
    if key == "field_V_per_um":
        axis.step(t_h, values, where="pre", color="k", lw=1.0, gid="drive_field")
        axis.axhline(0.0, color="0.5", lw=0.6)
        axis.set_ylabel("field E\n[V/µm]")
    else:
        axis.step(t_h, values, where="pre", color="#b03a2e", lw=1.0, gid="drive_T")
        axis.set_ylabel("T [K]")
        sec = axis.secondary_yaxis("right", functions=(lambda k: k - KELVIN_0C,
                                                       lambda c: c + KELVIN_0C))
        sec.set_ylabel("[°C]")
    axis.set_gid(f"panel_{key}")
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    pad = 0.15 * (hi - lo)
    axis.set_ylim(lo - pad, hi + pad)
    axis.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=3))


def plot_timeseries(t_s, L_m_um, path, title: str = "", *, device: Device | None = None,
                    segments=(), drive: Mapping | None = None) -> Path:
    """Migration length L_m against time; for a protocol run, the applied drive below it.

    For each drive quantity in ``drive`` that changes during the run, a small panel shows it as
    a step plot (E(t) [V/µm]; T(t) [K], with °C on the right axis). All panels are shaded by
    level, not by segment: reverse bias (E < 0) and no bias (E = 0) when the field changes,
    else the hotter half of the temperature range; a legend says what the shading means.
    Segment labels are written along the top only where they fit inside their segment.

    Args:
        t_s: times [s].
        L_m_um: migration length at those times [µm].
        path: output PNG path.
        title: figure title.
        device: adds bias and temperature to the title, or None.
        segments: (t0 [s], t1 [s], label) of protocol segments (``solver.model.protocols``):
            boundaries are dotted (up to 12 segments), labels written where there is room.
        drive: the drive per row of ``t_s`` (timeseries.csv): ``field_V_per_um`` (signed
            forward field [V/µm]) and/or ``T_K`` [K]; the value on row k applies to the step
            (t[k-1], t[k]]. None or constant: no drive panel.

    Returns:
        The path written.
    """
    fig = timeseries_figure(t_s, L_m_um, title, device=device, segments=segments, drive=drive)
    return save(fig, path)


def body_timeseries_figure(series: Mapping, title: str = ""):
    """A nanocrystal's or film's time strip: the PL peak [nm], the mean composition ȳ and the
    mean vacancy fraction (with the surface inventory per volume, if any) against time, the
    light and temperature below (``series``: timeseries.csv columns, ``t_s`` [s], ``y_mean``,
    ``pl_peak_nm``, ``x_v_mean``, optional ``inventory_per_volume``, ``T_K``)."""
    t = np.asarray(series["t_s"], dtype=float)
    scale, unit = (S_PER_H, "h") if t[-1] > 2 * S_PER_H else (60.0, "min") \
        if t[-1] > 120.0 else (1.0, "s")
    panels = [("pl_peak_nm", "PL peak [nm]"), ("y_mean", "mean y [-]"),
              ("x_v_mean", "mean x_V [-]")]
    if _varies(series.get("T_K", [0.0])):
        panels.append(("T_K", "T [K]"))
    fig, axes = plt.subplots(len(panels), 1, figsize=(6.4, 1.9 * len(panels) + 0.6),
                             sharex=True, layout="constrained")
    for ax, (key, label) in zip(axes, panels, strict=True):
        ax.plot(t / scale, np.asarray(series[key], dtype=float), color="C0", lw=1.4)
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    if "inventory_per_volume" in series:
        axes[2].plot(t / scale, np.asarray(series["inventory_per_volume"], dtype=float),
                     color="C3", lw=1.2, ls="--", label="surface inventory / volume")
        axes[2].legend(loc="best", fontsize=8)
    axes[-1].set_xlabel(f"t [{unit}]")
    suptitle(fig, None, title)
    return fig


def plot_body_timeseries(series: Mapping, path, title: str = "") -> Path:
    """:func:`body_timeseries_figure` written to ``path`` (PNG). Returns the path."""
    return save(body_timeseries_figure(series, title), path)


MAX_SEGMENT_LINES = 12


def _segment_marks(fig, axes, segments) -> None:
    """Dotted segment boundaries (up to MAX_SEGMENT_LINES segments) on every panel, and each
    segment's label at the top of the first panel if it fits inside the segment (the labels
    of short segments are left out rather than overlapped)."""
    segments = list(segments)
    if len(segments) < 2:
        return
    if len(segments) <= MAX_SEGMENT_LINES:
        for t0, _, _ in segments[1:]:
            for axis in axes:
                axis.axvline(t0 / S_PER_H, color="0.45", lw=0.6, ls=":", zorder=1)
    ax = axes[0]
    fig.canvas.draw()  # settle the layout: label widths are compared in pixels
    renderer = fig.canvas.get_renderer()
    for t0, t1, label in segments:
        a, b = t0 / S_PER_H, t1 / S_PER_H
        text = ax.text(0.5 * (a + b), 0.98, str(label).replace(" -", f" {MINUS}"),
                       transform=ax.get_xaxis_transform(), ha="center", va="top",
                       fontsize="x-small", color="0.25", gid="segment_label")
        room = abs(ax.transData.transform((b, 0))[0] - ax.transData.transform((a, 0))[0])
        if text.get_window_extent(renderer).width > 0.9 * room:
            text.remove()


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


BR_DRIFT_LABEL = "|total Br drift| (rel.)"
BR_EXCHANGE_LABEL = "|total Br change| (rel.)\nexchange at the electrodes"


def _plot_drift(ax, t, drift, sources_on: bool = False) -> None:
    """|relative total Br change| against t (log y when any value is non-zero).

    Without sources the total Br content is conserved and the curve is the numerical drift;
    with sources on, Br is exchanged at the electrodes and the label says so.
    """
    mag = np.abs(drift)
    ax.plot(t, mag, "-", lw=0.8)
    if np.any(t > 0):
        ax.set_xscale("log")
    if np.any(mag > 0):
        ax.set_yscale("log")
    ax.set_ylabel(BR_EXCHANGE_LABEL if sources_on else BR_DRIFT_LABEL)


def diagnostics_figure(timeseries: dict, title: str = "", *, device: Device | None = None,
                       sources_on: bool | None = None):
    """The figure of :func:`plot_diagnostics`, open."""
    if sources_on is None:
        sources_on = device.sources_on if device is not None else False
    fig, axes = plt.subplots(3, 1, sharex=True, figsize=(6.5, 7.5), constrained_layout=True)
    t = _column(timeseries, "t")
    panels = (("dt", _plot_dt), ("newton", _plot_newton), ("drift", _plot_drift))
    for ax, (name, plot) in zip(axes, panels, strict=True):
        values = _br_drift(timeseries) if name == "drift" else _column(timeseries, name)
        if t is None or values is None or values.size != t.size or t.size == 0:
            _missing(ax, name)
        elif name == "drift":
            plot(ax, t, values, sources_on)
        else:
            plot(ax, t, values)
        ax.grid(True, which="major", alpha=0.3)
    axes[-1].set_xlabel("t [s]")
    suptitle(fig, device, title)
    return fig


def plot_diagnostics(timeseries: dict, path, title: str = "", *, device: Device | None = None,
                     sources_on: bool | None = None) -> Path:
    """Time-step size, Newton iterations and relative change of the total Br content against t.

    Columns are looked up by the names in ``DIAGNOSTIC_KEYS`` (first match wins): time
    ``t_s`` [s], step ``dt_s`` [s], ``newton_iterations`` [-], relative change of the total Br
    content ``br_total_rel_drift`` [-] (``(N_Br(t) - N_Br(0)) / N_Br(0)``; computed from a
    total-Br column ``total_br_um`` if the drift column is absent). A missing column leaves its
    panel with a "not available" note. Without electrode sources that change is the numerical
    drift (conservation check); with sources it is the Br exchanged at the electrodes, and the
    panel is labelled so.

    Args:
        timeseries: mapping of column name to 1D array-like, all of the same length.
        path: output PNG path.
        title: figure title.
        device: adds bias and temperature to the title; its ``sources_on`` is the default of
            ``sources_on``.
        sources_on: electrode sources active (None: from ``device``, else False).

    Returns:
        The path written.
    """
    fig = diagnostics_figure(timeseries, title, device=device, sources_on=sources_on)
    return save(fig, path)

