"""PNG figures of profiles, the migration length, run diagnostics and forward/reverse comparisons.

Matplotlib with the non-interactive Agg backend; no dolfinx. Every ``plot_*`` function writes one
PNG (creating its directory only then) and closes its figure; the ``*_figure`` builders return
the open figure instead (for tests and notebooks). Times are shown in hours, positions in µm.

Per run (``solver.run`` writes them into ``<output>/figures/`` when ``output.figures`` is true):
:func:`plot_profiles`, :func:`plot_timeseries`, :func:`plot_diagnostics`. Given a
:class:`Device`, profile plots shade the two electrode zones (gold, marked + / − by polarity;
by side, with each profile's polarity in the legend, when a bias protocol reverses it) and the
gap between the contact lines, and carry the bias and temperature in the title. The L_m(t)
figure of a protocol run has a panel per changing drive (E(t), T(t)) and is shaded by level.

Across runs (``make run`` writes them into ``results/figures/``)::

    python -m solver.plotting compare --forward results/reference_forward \\
        --reverse results/reference_reverse --campaign results/fig1e --output results/figures

gives ``migration_length_vs_field.png`` (L_m after the run against the signed field, as seed 001
Fig. 1e) and ``profiles_forward_vs_reverse.png`` (the final profiles of the two runs overlaid,
as seed 001 Fig. 2b/2d and Fig. 3a/b).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.ticker
import matplotlib.transforms
import numpy as np

from solver.observables import FRONT_LEVEL

# Non-interactive backend (pyplot picks its backend at the first figure, so this may follow the
# import).
matplotlib.use("Agg")

__all__ = [
    "Device",
    "compare_main",
    "mark_device",
    "migration_vs_field_figure",
    "plot_diagnostics",
    "plot_migration_vs_field",
    "plot_profiles",
    "plot_profiles_comparison",
    "plot_timeseries",
    "positive_side_of",
    "profiles_comparison_figure",
    "profiles_figure",
    "timeseries_figure",
]

S_PER_H = 3600.0
DPI = 150
ELECTRODE_COLOUR = "#d4a017"  # gold: the Au electrodes
GAP_COLOUR = "#7fa7d9"
FORWARD_COLOUR = "#c0392b"
REVERSE_COLOUR = "#1f5fa8"
MINUS = "\u2212"

# Accepted column names for plot_diagnostics, first match wins.
DIAGNOSTIC_KEYS = {
    "t": ("t_s", "t"),
    "dt": ("dt_s", "dt"),
    "newton": ("newton_iterations", "newton_its", "newton_it", "n_newton"),
    "drift": ("br_total_rel_drift", "br_rel_drift", "rel_br_drift", "br_drift_rel"),
    "total_br": ("total_br_um", "total_br"),
}


# --------------------------------------------------------------------------- the device


@dataclass(frozen=True)
class Device:
    """What a figure needs to know about the wire, the electrodes and the bias.

    Attributes:
        length_um: wire length [µm].
        electrode_left_um, electrode_right_um: electrode zones (start, end) [µm]; the contact
            lines are the inner edges (left end, right start).
        forward_field_V_per_um: signed forward field [V/µm] (> 0: higher potential on the
            Br-rich electrode; < 0: reverse).
        T_K: temperature [K].
        br_rich_side: "left" or "right".
        sources_on: electrode sources active (``sources.model`` not "none").
        name: case name.
        bias_protocol, temperature_protocol: True if the bias / temperature follow a protocol
            (the title then says so instead of giving one value).
    """

    length_um: float
    electrode_left_um: tuple[float, float]
    electrode_right_um: tuple[float, float]
    forward_field_V_per_um: float
    T_K: float
    br_rich_side: str = "left"
    sources_on: bool = True
    name: str = ""
    bias_protocol: bool = False
    temperature_protocol: bool = False

    @classmethod
    def from_case_dict(cls, case: Mapping) -> Device:
        """Build from a resolved case mapping (``solver.config.case_to_dict``, or the ``case``
        entry of ``summary.json``)."""
        el, bias = case["electrodes"], case["bias"]
        sign = 1.0 if bias.get("polarity", "forward") == "forward" else -1.0
        return cls(
            length_um=float(case["geometry"]["length_um"]),
            electrode_left_um=(float(el["left"]["start_um"]), float(el["left"]["end_um"])),
            electrode_right_um=(float(el["right"]["start_um"]), float(el["right"]["end_um"])),
            forward_field_V_per_um=sign * float(bias["field_V_per_um"]),
            T_K=float(case["temperature"]["T_K"]),
            br_rich_side=str(case["geometry"].get("br_rich_side", "left")),
            sources_on=case.get("sources", {}).get("model", "contact") != "none",
            name=str(case.get("name", "")),
            bias_protocol=bias.get("protocol") is not None,
            temperature_protocol=case["temperature"].get("protocol") is not None,
        )

    @property
    def contact_left_um(self) -> float:
        """Left contact line [µm]."""
        return self.electrode_left_um[1]

    @property
    def contact_right_um(self) -> float:
        """Right contact line [µm]."""
        return self.electrode_right_um[0]

    @property
    def gap_um(self) -> float:
        """Distance between the contact lines [µm]."""
        return self.contact_right_um - self.contact_left_um

    @property
    def bias_V(self) -> float:
        """|Δψ| = |forward field| · gap [V]."""
        return abs(self.forward_field_V_per_um) * self.gap_um

    @property
    def polarity(self) -> str:
        """"forward", "reverse" or "no bias"."""
        if self.forward_field_V_per_um > 0:
            return "forward"
        return "reverse" if self.forward_field_V_per_um < 0 else "no bias"

    @property
    def positive_side(self) -> str | None:
        """Side ("left"/"right") of the electrode at the higher potential; None without bias."""
        if self.forward_field_V_per_um == 0:
            return None
        other = "right" if self.br_rich_side == "left" else "left"
        return self.br_rich_side if self.forward_field_V_per_um > 0 else other

    def bias_text(self) -> str:
        """E.g. "forward 4 V/µm (16 V over the 4 µm gap)"."""
        if self.bias_protocol:
            return f"bias protocol over the {self.gap_um:g} µm gap"
        if self.polarity == "no bias":
            return "no bias"
        return (f"{self.polarity} {abs(self.forward_field_V_per_um):g} V/µm "
                f"({self.bias_V:.3g} V over the {self.gap_um:g} µm gap)")

    def title(self) -> str:
        """Case name, bias and temperature, for figure titles."""
        head = f"{self.name}: " if self.name else ""
        temp = "T protocol" if self.temperature_protocol else f"T = {self.T_K:g} K"
        return f"{head}{self.bias_text()}, {temp}"


def mark_device(ax, device: Device, *, labels: bool = True,
                electrode_labels: Mapping[str, str] | None = None) -> dict:
    """Shade the electrode zones and the gap on ``ax`` (x in µm) and mark the contact lines.

    The patches carry ``gid`` "electrode_left", "electrode_right" and "gap" (tests find them
    there). With ``labels``, the zones are named at the top of the axes ("Au (+)", "gap 4 µm",
    "Au (−)"); ``electrode_labels`` ({"left": ..., "right": ...}) replaces the electrode names.

    Returns:
        ``{gid: patch}`` of the three shaded regions.
    """
    patches = {}
    positive = device.positive_side
    for side, (a, b) in (("left", device.electrode_left_um), ("right", device.electrode_right_um)):
        patch = ax.axvspan(a, b, color=ELECTRODE_COLOUR, alpha=0.18, lw=0, zorder=0)
        patch.set_gid(f"electrode_{side}")
        patches[f"electrode_{side}"] = patch
    gap = ax.axvspan(device.contact_left_um, device.contact_right_um, color=GAP_COLOUR,
                     alpha=0.07, lw=0, zorder=0)
    gap.set_gid("gap")
    patches["gap"] = gap
    for z in (device.contact_left_um, device.contact_right_um):
        ax.axvline(z, color=ELECTRODE_COLOUR, lw=0.9, ls="-", alpha=0.8, zorder=1)
    if labels:
        trans = matplotlib.transforms.blended_transform_factory(ax.transData, ax.transAxes)
        for side, (a, b) in (("left", device.electrode_left_um),
                             ("right", device.electrode_right_um)):
            sign = "" if positive is None else (" (+)" if side == positive else f" ({MINUS})")
            text = (electrode_labels or {}).get(side, f"Au{sign}")
            ax.text(0.5 * (a + b), 0.97, text, transform=trans, ha="center", va="top",
                    fontsize="small", color="#7a5c00", gid=f"label_electrode_{side}")
        ax.text(0.5 * (device.contact_left_um + device.contact_right_um), 0.97,
                f"gap {device.gap_um:g} µm", transform=trans, ha="center", va="top",
                fontsize="small", color="#2c4f7c", gid="label_gap")
    return patches


# --------------------------------------------------------------------------- helpers


def _save(fig, path) -> Path:
    """Write ``fig`` as PNG to ``path`` (parent directories created) and close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fig.savefig(os.fspath(path), dpi=DPI, format="png")
    finally:
        plt.close(fig)
    return path


def _time_colours(times_s: np.ndarray):
    """One colour per time, viridis scaled from the first to the last time."""
    cmap = matplotlib.colormaps["viridis"]
    lo, hi = float(np.min(times_s)), float(np.max(times_s))
    span = hi - lo if hi > lo else 1.0
    return [cmap(0.9 * (t - lo) / span) for t in times_s]


def _hours(t_s: float) -> str:
    return f"{float(t_s) / S_PER_H:.3g} h"


def _positive(values) -> np.ndarray:
    """Values for a log axis: non-positive entries become NaN (gaps)."""
    v = np.asarray(values, dtype=float)
    return np.where(v > 0.0, v, np.nan)


def _has(profiles: Sequence[Mapping], key: str) -> bool:
    return bool(profiles) and all(p.get(key) is not None for p in profiles)


def _suptitle(fig, device: Device | None, title: str) -> None:
    """Title: ``title`` (unless it is just the case name) over the device's bias and T."""
    if device is None:
        text = title
    elif title and title != device.name:
        text = f"{title}\n{device.title()}"
    else:
        text = device.title()
    if text:
        fig.suptitle(text)


# --------------------------------------------------------------------------- one run


def profiles_figure(profiles: list[dict], title: str = "", *, x_v_cl_ref: float | None = None,
                    level: float = FRONT_LEVEL, device: Device | None = None):
    """The figure of :func:`plot_profiles`, open (the caller saves or closes it)."""
    with_field = _has(profiles, "psi_V") and _has(profiles, "E_V_per_um")
    n = 3 if with_field else 2
    fig, axes = plt.subplots(n, 1, sharex=True, figsize=(7.5, 3.0 * n + 0.6),
                             constrained_layout=True)
    ax_y, ax_v = axes[0], axes[1]
    times = np.array([float(p["t_s"]) for p in profiles])
    scale = 1.0 if x_v_cl_ref is None else float(x_v_cl_ref)
    colours = _time_colours(times) if profiles else []
    electrode_labels, polarity_text = _profile_polarities(profiles, device)
    ax_e = None
    for k, (p, colour) in enumerate(zip(profiles, colours, strict=True)):
        label = _hours(p["t_s"]) + (f" ({polarity_text[k]})" if polarity_text else "")
        z = np.asarray(p["z_um"], dtype=float)
        ax_y.plot(z, np.asarray(p["y"], dtype=float), color=colour, label=label)
        ax_v.plot(z, _positive(np.asarray(p["x_v"], dtype=float) / scale), color=colour,
                  label=label)
        if with_field:
            axes[2].plot(z, np.asarray(p["psi_V"], dtype=float), color=colour, label=label)
            if ax_e is None:
                ax_e = axes[2].twinx()
            ax_e.plot(z, np.asarray(p["E_V_per_um"], dtype=float), color=colour, ls="--",
                      lw=0.9)
    _front_level(ax_y, level, device)
    ax_y.set_ylabel(r"$y = x_{Br}/(x_{Br}+x_{Cl})$")
    ax_y.set_ylim(-0.02, 1.08)
    ax_v.set_yscale("log")
    ax_v.set_ylabel(r"$x_V / x_{V,Cl}$" if x_v_cl_ref is not None else r"$x_V$")
    if with_field:
        axes[2].set_ylabel(r"potential $\psi$ [V] (solid)")
        if ax_e is not None:
            ax_e.set_ylabel(r"field $E = -d\psi/dz$ [V/µm] (dashed)")
    axes[-1].set_xlabel("z [µm]")
    for ax in axes:
        ax.grid(True, which="major", alpha=0.3)
        if device is not None:
            mark_device(ax, device, labels=ax is ax_y, electrode_labels=electrode_labels)
            ax.set_xlim(0.0, device.length_um)
    ax_y.legend(fontsize="small", loc="center left" if _br_left(device) else "center right",
                title="t (polarity: electrode at +)" if polarity_text else "t",
                title_fontsize="small")
    _suptitle(fig, device, title)
    return fig


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


def _front_level(ax, level: float, device: Device | None) -> None:
    """Dotted line at the front level, named at the Cl-rich end (not in the legend)."""
    ax.axhline(level, color="0.4", ls=":", lw=0.8)
    left = _br_left(device)
    ax.annotate(f"front level y = {level:g}", xy=(0.995 if left else 0.005, level),
                xycoords=("axes fraction", "data"), ha="right" if left else "left",
                va="bottom", fontsize="x-small", color="0.3")


def _br_left(device: Device | None) -> bool:
    return device is None or device.br_rich_side == "left"


def plot_profiles(profiles: list[dict], path, title: str = "", *,
                  x_v_cl_ref: float | None = None, level: float = FRONT_LEVEL,
                  device: Device | None = None) -> Path:
    """Composition, vacancy, potential and field profiles at several times (seed 001 Fig. 3).

    Panels: y(z) coloured by time with the front level dotted; x_V(z) / x_v_cl_ref on a log axis
    (x_V rescaled by its value in the chloride segment, plain x_V if None); and, when every
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
        x_v_cl_ref: reference vacancy fraction of the chloride segment [-] (> 0) or None.
        level: front composition level to mark [-].
        device: electrodes, bias and temperature, or None.

    Returns:
        The path written.
    """
    fig = profiles_figure(profiles, title, x_v_cl_ref=x_v_cl_ref, level=level, device=device)
    return _save(fig, path)


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


def _bias_shading(t_s, field):
    """Spans and legend entries: reverse bias (E < 0) and no bias (E = 0) shaded."""
    def cls(e: float):
        return "reverse" if e < 0 else ("zero" if e == 0 else None)

    spans = _level_spans(t_s, field, cls)
    styles = {"reverse": (REVERSE_SHADE, "reverse bias (E < 0: + on the Cl-rich side)"),
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

    # Shading by level (never by segment index): bias polarity if the bias changes, else the
    # hotter half of the temperature range; the legend says what the shading means.
    shading = None
    if "field_V_per_um" in shown:
        shading = _bias_shading(t, drive["field_V_per_um"])
    elif "T_K" in shown:
        shading = _temperature_shading(t, drive["T_K"])
    if shading is not None:
        spans, styles, entries = shading
        for a, b, cls in spans:
            for axis in axes:
                axis.axvspan(a / S_PER_H, b / S_PER_H, color=styles[cls][0], lw=0, zorder=0,
                             gid=f"shade_{cls}")
        if entries:
            from matplotlib.patches import Patch

            handles = [Patch(facecolor=c, edgecolor="0.6", lw=0.5, label=lab)
                       for _, c, lab in entries]
            # above the panel: never over the curve or the segment labels
            ax.legend(handles=handles, fontsize="x-small", loc="lower left",
                      bbox_to_anchor=(0.0, 1.01), borderaxespad=0.0, ncols=2, frameon=False,
                      title="shading (all panels):", title_fontsize="x-small",
                      alignment="left")

    for axis, key in zip(axes[1:], shown, strict=True):
        values = np.asarray(drive[key], dtype=float)
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
    for axis in axes:
        axis.grid(True, alpha=0.3)
    axes[-1].set_xlabel("t [h]")
    _segment_marks(fig, axes, segments)
    text = device.title() if device is not None else title
    if text:
        fig.suptitle(text, fontsize="medium")
    return fig


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
        segments: (t0 [s], t1 [s], label) of protocol segments (``solver.protocols``):
            boundaries are dotted (up to 12 segments), labels written where there is room.
        drive: the drive per row of ``t_s`` (timeseries.csv): ``field_V_per_um`` (signed
            forward field [V/µm]) and/or ``T_K`` [K]; the value on row k applies to the step
            (t[k-1], t[k]]. None or constant: no drive panel.

    Returns:
        The path written.
    """
    fig = timeseries_figure(t_s, L_m_um, title, device=device, segments=segments, drive=drive)
    return _save(fig, path)


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
    _suptitle(fig, device, title)
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
    return _save(fig, path)


# --------------------------------------------------------------------------- comparisons


def _linear_fit(x, y):
    """Least-squares line through (x, y): slope, intercept, R² (None if < 2 points)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if x.size < 2 or np.ptp(x) == 0.0:
        return None
    slope, intercept = np.polyfit(x, y, 1)
    ss = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(np.sum((y - (slope * x + intercept)) ** 2)) / ss if ss > 0 else 1.0
    return float(slope), float(intercept), r2


def rectification_ratios(fields, L_m) -> dict[float, float]:
    """R(|E|) = L_m(+|E|) / |L_m(−|E|)| for every |E| > 0 present with both signs."""
    pairs = dict(zip(np.asarray(fields, float).tolist(), np.asarray(L_m, float).tolist(),
                     strict=True))
    out = {}
    for e, lf in pairs.items():
        if e > 0 and -e in pairs and pairs[-e] != 0.0 and math.isfinite(pairs[-e]):
            out[e] = lf / abs(pairs[-e])
    return dict(sorted(out.items()))


def migration_vs_field_figure(fields_V_per_um, L_m_um, *, t_h: float | None = 4.0,
                              T_K: float | None = None, fit_range=(1.5, 4.0), title: str = ""):
    """The figure of :func:`plot_migration_vs_field`, open."""
    f = np.asarray(fields_V_per_um, dtype=float)
    L = np.asarray(L_m_um, dtype=float)
    order = np.argsort(f)
    f, L = f[order], L[order]
    fwd, rev, zero = f > 0, f < 0, f == 0
    fig, (ax, ax_log) = plt.subplots(1, 2, figsize=(11.5, 4.4), constrained_layout=True,
                                     gridspec_kw={"width_ratios": [1.25, 1.0]})
    after = f"after {t_h:g} h" if t_h is not None else "at the end"
    ax.plot(f, L, "-", color="0.75", lw=1.0, zorder=1)
    ax.plot(f[fwd], L[fwd], "o", color=FORWARD_COLOUR, label="forward (+ on the Br-rich side)",
            zorder=3, gid="forward")
    ax.plot(f[rev], L[rev], "s", color=REVERSE_COLOUR, label="reverse (+ on the Cl-rich side)",
            zorder=3, gid="reverse")
    if np.any(zero):
        ax.plot(f[zero], L[zero], "D", color="0.3", label="no bias", zorder=3)
    sel = fwd & (f >= fit_range[0] - 1e-12) & (f <= fit_range[1] + 1e-12)
    fit = _linear_fit(f[sel], L[sel]) if np.count_nonzero(sel) >= 3 else None
    if fit is not None:
        xs = np.linspace(fit_range[0], fit_range[1], 20)
        ax.plot(xs, fit[0] * xs + fit[1], "k--", lw=0.9, zorder=2,
                label=f"linear fit {fit_range[0]:g}–{fit_range[1]:g} V/µm: "
                      f"{fit[0]:.3g} µm per V/µm, R² = {fit[2]:.4f}")
    ax.axhline(0.0, color="0.5", lw=0.6)
    ax.axvline(0.0, color="0.5", lw=0.6)
    ax.set_xlabel(f"applied field [V/µm]  ({MINUS} = reverse)")
    ax.set_ylabel(f"migration length $L_m$ {after} [µm]")
    ax.set_title("$L_m$ vs field (cf. seed 001 Fig. 1e)", fontsize="medium")
    ax.legend(fontsize="small", loc="upper left")
    ax.grid(True, alpha=0.3)

    # Right: magnitudes on a log axis, so that the small reverse branch is readable.
    ax_log.plot(f[fwd], _positive(np.abs(L[fwd])), "o-", color=FORWARD_COLOUR, label="forward")
    rev_label = "reverse"
    if np.any(rev) and np.all(L[rev] < 0):
        rev_label += " ($L_m$ < 0: the front moves slightly\ninto the Cl-rich segment)"
    ax_log.plot(-f[rev], _positive(np.abs(L[rev])), "s-", color=REVERSE_COLOUR,
                label=rev_label)
    ax_log.set_yscale("log")
    ax_log.set_xlabel("|applied field| [V/µm]")
    ax_log.set_ylabel(f"$|L_m|$ {after} [µm]")
    ax_log.set_title("magnitudes, log scale", fontsize="medium")
    ratios = rectification_ratios(f, L)
    if ratios:
        e_max = max(ratios)
        ax_log.text(0.45, 0.52, f"rectification ratio\nR = $L_m$(+E) / |$L_m$({MINUS}E)|\n"
                    f"= {ratios[e_max]:.3g} at E = {e_max:g} V/µm\n(seed 001: nearly 20 at 4 V/µm)",
                    transform=ax_log.transAxes, ha="center", va="center", fontsize="small",
                    gid="rectification_ratio",
                    bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.85,
                          "edgecolor": "0.7"})
    ax_log.legend(fontsize="small", loc="lower right")
    ax_log.grid(True, which="both", alpha=0.25)
    head = title or "Migration length vs applied field"
    if T_K is not None:
        head += f", T = {T_K:g} K"
    fig.suptitle(head)
    return fig


def plot_migration_vs_field(fields_V_per_um, L_m_um, path, *, t_h: float | None = 4.0,
                            T_K: float | None = None, fit_range=(1.5, 4.0),
                            title: str = "") -> Path:
    """Migration length against the signed applied field, forward and reverse (seed 001 Fig. 1e).

    Left: L_m against the signed forward field (negative = reverse), forward and reverse points
    in different colours, with a least-squares line over the forward ``fit_range`` (seed 001:
    linear in 1.5–4 V/µm). Right: |L_m| on a log axis against |field| for both polarities, titled
    with the rectification ratio at the largest field present with both signs.

    Args:
        fields_V_per_um: signed forward fields [V/µm].
        L_m_um: migration lengths [µm] at the end of each run.
        path: output PNG path.
        t_h: duration of the runs [h], for the axis label (None: "at the end").
        T_K: temperature [K] for the title, or None.
        fit_range: forward field range [V/µm] of the linear fit.
        title: figure title.

    Returns:
        The path written.
    """
    fig = migration_vs_field_figure(fields_V_per_um, L_m_um, t_h=t_h, T_K=T_K,
                                    fit_range=fit_range, title=title)
    return _save(fig, path)


def profiles_comparison_figure(forward: Mapping, reverse: Mapping, *, device: Device | None = None,
                               initial: Mapping | None = None, x_v_cl_ref: float | None = None,
                               level: float = FRONT_LEVEL, title: str = ""):
    """The figure of :func:`plot_profiles_comparison`, open."""
    with_field = all(p.get(k) is not None for p in (forward, reverse)
                     for k in ("psi_V", "E_V_per_um"))
    n = 3 if with_field else 2
    fig, axes = plt.subplots(n, 1, sharex=True, figsize=(8.0, 2.9 * n + 0.8),
                             constrained_layout=True)
    scale = 1.0 if x_v_cl_ref is None else float(x_v_cl_ref)
    runs = ((forward, "forward", FORWARD_COLOUR, "-"), (reverse, "reverse", REVERSE_COLOUR, "-"))
    if initial is not None:
        z0 = np.asarray(initial["z_um"], float)
        axes[0].plot(z0, np.asarray(initial["y"], float), ":", color="0.35", lw=1.2,
                     label="initial (t = 0)")
        axes[1].plot(z0, _positive(np.asarray(initial["x_v"], float) / scale), ":", color="0.35",
                     lw=1.2, label="initial")
    for prof, name, colour, ls in runs:
        z = np.asarray(prof["z_um"], float)
        label = f"{name}, {_hours(prof['t_s'])}"
        axes[0].plot(z, np.asarray(prof["y"], float), ls, color=colour, lw=1.6, label=label,
                     gid=f"y_{name}")
        axes[1].plot(z, _positive(np.asarray(prof["x_v"], float) / scale), ls, color=colour,
                     lw=1.4, label=label, gid=f"xv_{name}")
        if with_field:
            axes[2].plot(z, np.asarray(prof["psi_V"], float), "-", color=colour, lw=1.4)
    if with_field:
        ax_e = axes[2].twinx()
        for prof, _, colour, _ in runs:
            ax_e.plot(np.asarray(prof["z_um"], float), np.asarray(prof["E_V_per_um"], float),
                      "--", color=colour, lw=0.9)
        axes[2].set_ylabel(r"potential $\psi$ [V] (solid)")
        ax_e.set_ylabel(r"field $E$ [V/µm] (dashed)")
    _front_level(axes[0], level, device)
    axes[0].set_ylabel(r"$y = x_{Br}/(x_{Br}+x_{Cl})$")
    axes[0].set_ylim(-0.02, 1.08)
    axes[1].set_yscale("log")
    axes[1].set_ylabel(r"$x_V / x_{V,Cl}$" if x_v_cl_ref is not None else r"$x_V$")
    axes[-1].set_xlabel("z [µm]")
    for ax in axes:
        ax.grid(True, alpha=0.3)
        if device is not None:
            # Polarity differs between the two runs: name both signs on each zone.
            br = device.br_rich_side
            names = {side: f"Au ({'+' if side == br else MINUS} fwd, "
                           f"{MINUS if side == br else '+'} rev)" for side in ("left", "right")}
            mark_device(ax, device, labels=ax is axes[0], electrode_labels=names)
            ax.set_xlim(0.0, device.length_um)
    loc = "center left" if _br_left(device) else "center right"
    axes[0].legend(fontsize="small", loc=loc)
    axes[1].legend(fontsize="small", loc="lower left" if _br_left(device) else "lower right")
    head = title or "Forward vs reverse bias (cf. seed 001 Fig. 2b/2d, Fig. 3a/b)"
    if device is not None:
        head += (f"\n±{abs(device.forward_field_V_per_um):g} V/µm "
                 f"({device.bias_V:.3g} V over the {device.gap_um:g} µm gap), "
                 f"T = {device.T_K:g} K; forward puts + on the Br-rich "
                 f"({device.br_rich_side}) electrode")
    fig.suptitle(head)
    return fig


def plot_profiles_comparison(forward: Mapping, reverse: Mapping, path, *,
                             device: Device | None = None, initial: Mapping | None = None,
                             x_v_cl_ref: float | None = None, level: float = FRONT_LEVEL,
                             title: str = "") -> Path:
    """Final profiles of a forward and a reverse run overlaid (seed 001 Fig. 2b/2d, 3a/b).

    Panels: y(z), x_V(z) / x_v_cl_ref (log) and, when both profiles carry them, ψ(z) (solid)
    and E(z) (dashed, right axis); forward red, reverse blue, the initial state dotted. With
    ``device`` (either run's: only geometry, |field| and T are used) the electrodes and the gap
    are shaded.

    Args:
        forward, reverse: profile dicts (keys ``t_s``, ``z_um``, ``y``, ``x_v``, optionally
            ``psi_V``, ``E_V_per_um``).
        path: output PNG path.
        device: geometry, bias magnitude and temperature, or None.
        initial: the t = 0 profile (same keys), or None.
        x_v_cl_ref: x_V of the chloride segment [-] for the rescaled vacancy panel, or None.
        level: front composition level [-].
        title: first title line.

    Returns:
        The path written.
    """
    fig = profiles_comparison_figure(forward, reverse, device=device, initial=initial,
                                     x_v_cl_ref=x_v_cl_ref, level=level, title=title)
    return _save(fig, path)


# --------------------------------------------------------------------------- reading results


class ResultsError(Exception):
    """A results directory lacks what a comparison figure needs (one-line message)."""


def _read_summary(run_dir: Path) -> dict:
    path = Path(run_dir) / "summary.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(f"{path}: not found (run the case first)") from None
    except (OSError, ValueError) as exc:
        raise ResultsError(f"{path}: unreadable ({exc})") from None


def _profile_dict(t_s: float, cols: Mapping) -> dict:
    return {"t_s": t_s, "z_um": cols["z_um"], "y": cols["y"], "x_v": cols["x_V"],
            "psi_V": cols.get("psi_V"), "E_V_per_um": cols.get("E_V_per_um")}


def read_run_profiles(run_dir) -> list[dict]:
    """All profiles of a run directory (``profiles/*.csv``), sorted by time.

    Raises:
        ResultsError: no readable profile.
    """
    from solver.outputs import read_profile_csv

    files = sorted((Path(run_dir) / "profiles").glob("*.csv"))
    out = []
    for f in files:
        try:
            t, cols = read_profile_csv(f)
        except (OSError, ValueError, KeyError) as exc:
            raise ResultsError(f"{f}: unreadable profile ({exc})") from None
        out.append(_profile_dict(t, cols))
    if not out:
        raise ResultsError(f"{Path(run_dir) / 'profiles'}: no profile files")
    return sorted(out, key=lambda p: p["t_s"])


def _profile_at(profiles: list[dict], t_s: float | None) -> dict:
    """The profile at ``t_s`` (nearest time), or the last one if None."""
    if t_s is None:
        return profiles[-1]
    return min(profiles, key=lambda p: abs(p["t_s"] - t_s))


def read_campaign_migration(campaign_dir) -> tuple[np.ndarray, np.ndarray, dict]:
    """Signed forward fields and L_m of the finished members of a campaign.

    Reads ``campaign.csv`` (columns ``bias.field_V_per_um``, optionally ``bias.polarity``,
    ``status``, ``migration_length_um``); members that did not complete are left out.

    Returns:
        (fields [V/µm], L_m [µm], info) where info has ``t_h`` and ``T_K`` from a member's
        summary (None when unavailable).

    Raises:
        ResultsError: missing file, no field column or no finished member.
    """
    root = Path(campaign_dir)
    path = root / "campaign.csv"
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except FileNotFoundError:
        raise ResultsError(f"{path}: not found (run the campaign first)") from None
    if not rows or "bias.field_V_per_um" not in rows[0]:
        raise ResultsError(f"{path}: no 'bias.field_V_per_um' column (not a field sweep)")
    points = [p for p in map(_campaign_point, rows) if p is not None]
    if not points:
        raise ResultsError(f"{path}: no completed member")
    info = {"t_h": None, "T_K": None}
    for _, _, member in points:
        try:
            summary = json.loads((root / member / "summary.json").read_text(encoding="utf-8"))
            info = {"t_h": float(summary["t_final_s"]) / S_PER_H,
                    "T_K": float(summary["case"]["temperature"]["T_K"])}
            break
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return (np.array([p[0] for p in points]), np.array([p[1] for p in points]), info)


def _campaign_point(row: Mapping) -> tuple[float, float, str] | None:
    """(signed forward field, L_m, member) of a finished campaign.csv row, else None."""
    if row.get("status") not in ("completed", "reused"):
        return None
    try:
        field, lm = float(row["bias.field_V_per_um"]), float(row["migration_length_um"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (math.isfinite(field) and math.isfinite(lm)):
        return None
    sign = -1.0 if row.get("bias.polarity") == "reverse" else 1.0
    return sign * field, lm, str(row.get("member", ""))


def _x_v_cl(case: Mapping) -> float | None:
    """x_V,eq of the Cl-rich segment (seed 001 Fig. 3 scaling), frozen vacancy model only."""
    m = case.get("material", {})
    if m.get("vacancy_model", "frozen") != "frozen":
        return None
    try:
        y = float(m["y_cl_segment"])
        return math.exp(y * math.log(float(m["x_v_br"])) + (1 - y) * math.log(float(m["x_v_cl"])))
    except (KeyError, TypeError, ValueError):
        return None


def compare_runs(forward_dir, reverse_dir, path, *, t_s: float | None = None) -> Path:
    """:func:`plot_profiles_comparison` from two run directories (profiles at ``t_s`` or last)."""
    s_fwd, s_rev = _read_summary(forward_dir), _read_summary(reverse_dir)
    p_fwd, p_rev = read_run_profiles(forward_dir), read_run_profiles(reverse_dir)
    case = s_fwd.get("case") or {}
    try:
        device = Device.from_case_dict(case)
    except (KeyError, TypeError, ValueError):
        device = None
    return plot_profiles_comparison(_profile_at(p_fwd, t_s), _profile_at(p_rev, t_s), path,
                                    device=device, initial=p_fwd[0], x_v_cl_ref=_x_v_cl(case),
                                    title=f"{s_fwd.get('case_name', 'forward')} vs "
                                          f"{s_rev.get('case_name', 'reverse')}")


def compare_campaign(campaign_dir, path) -> Path:
    """:func:`plot_migration_vs_field` from a field-sweep campaign directory."""
    fields, lengths, info = read_campaign_migration(campaign_dir)
    t_h = info["t_h"]
    return plot_migration_vs_field(fields, lengths, path,
                                   t_h=round(t_h, 3) if t_h is not None else None,
                                   T_K=info["T_K"],
                                   title=f"Migration length vs applied field "
                                         f"({Path(campaign_dir).name})")


MIGRATION_FIGURE = "migration_length_vs_field.png"
COMPARISON_FIGURE = "profiles_forward_vs_reverse.png"


def compare_main(argv: Sequence[str] | None = None) -> int:
    """``python -m solver.plotting compare ...``: the cross-run figures; returns the exit code.

    Exit 0 when every requested figure was written, 2 when an input is missing or unreadable
    (one line on stderr per problem; the other figures are still written).
    """
    parser = argparse.ArgumentParser(
        prog="python -m solver.plotting",
        description="Figures comparing runs: L_m vs field from a field-sweep campaign, and the "
                    "final profiles of a forward and a reverse run overlaid.")
    sub = parser.add_subparsers(dest="command", required=True)
    cmp = sub.add_parser("compare", help="write the comparison figures")
    cmp.add_argument("--forward", type=Path, help="forward run directory (summary.json, profiles/)")
    cmp.add_argument("--reverse", type=Path, help="reverse run directory")
    cmp.add_argument("--campaign", type=Path, help="field-sweep campaign directory (campaign.csv)")
    cmp.add_argument("--time-s", type=float, default=None,
                     help="profile time to compare [s] (default: the last profile of each run)")
    cmp.add_argument("--output", type=Path, default=Path("results/figures"),
                     help="directory for the PNG files (default: results/figures)")
    args = parser.parse_args(argv)
    if (args.forward is None) != (args.reverse is None):
        parser.error("--forward and --reverse go together")
    if args.forward is None and args.campaign is None:
        parser.error("nothing to do: give --forward/--reverse and/or --campaign")
    status = 0
    jobs = []
    if args.campaign is not None:
        jobs.append((MIGRATION_FIGURE, lambda p: compare_campaign(args.campaign, p)))
    if args.forward is not None:
        jobs.append((COMPARISON_FIGURE,
                     lambda p: compare_runs(args.forward, args.reverse, p, t_s=args.time_s)))
    for name, make in jobs:
        try:
            written = make(args.output / name)
        except ResultsError as exc:
            print(f"error: {name}: {exc}", file=sys.stderr)
            status = 2
            continue
        print(f"wrote {written}")
    return status


if __name__ == "__main__":
    sys.exit(compare_main())
