"""Figures across runs, the readers of run and campaign results they need, and their command.

``make run`` writes them into ``results/figures/``::

    python -m solver.figures.compare compare --forward results/reference_forward \\
        --reverse results/reference_reverse --campaign results/fig1e --output results/figures

(``python -m solver.plotting compare ...`` is the same command) gives
``migration_length_vs_field.png`` (L_m after the run against the signed field, as seed 001
Fig. 1e) and ``profiles_forward_vs_reverse.png`` (the final profiles of the two runs overlaid,
as seed 001 Fig. 2b/2d and Fig. 3a/b); the figures cite seed 001 as :data:`PAPER`. The readers
(:func:`read_run_profiles`, :func:`read_campaign_migration`) raise :class:`ResultsError` with a
one-line message when a results directory lacks what a figure needs. Matplotlib (Agg); no dolfinx.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from solver.analysis.observables import FRONT_LEVEL
from solver.config.drive import polarity_sign
from solver.figures.device import (
    Device,
    br_left,
    front_level,
    labels,
    mark_device,
    x_v_axis_label,
)
from solver.figures.style import (
    FORWARD_COLOUR,
    MINUS,
    REVERSE_COLOUR,
    S_PER_H,
    hours,
    positive,
    save,
)
from solver.model.species import pair_named

__all__ = [
    "COMPARISON_FIGURE",
    "MIGRATION_FIGURE",
    "ResultsError",
    "compare_campaign",
    "compare_main",
    "compare_runs",
    "migration_vs_field_figure",
    "plot_migration_vs_field",
    "plot_profiles_comparison",
    "profiles_comparison_figure",
    "read_campaign_migration",
    "read_run_profiles",
    "rectification_ratios",
]

#: How the figures cite the experiment the model is compared with (the "seed 001" of the docs).
PAPER = "Kong et al. 2020"

#: ``prog`` of the command line (``python -m solver.plotting`` passes its own).
PROG = "python -m solver.figures.compare"


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
    ax.set_title(f"$L_m$ vs field (cf. {PAPER} Fig. 1e)", fontsize="medium")
    ax.legend(fontsize="small", loc="upper left")
    ax.grid(True, alpha=0.3)

    # Right: magnitudes on a log axis, so that the small reverse branch is readable.
    ax_log.plot(f[fwd], positive(np.abs(L[fwd])), "o-", color=FORWARD_COLOUR, label="forward")
    rev_label = "reverse"
    if np.any(rev) and np.all(L[rev] < 0):
        rev_label += " ($L_m$ < 0: the front moves slightly\ninto the Cl-rich segment)"
    ax_log.plot(-f[rev], positive(np.abs(L[rev])), "s-", color=REVERSE_COLOUR,
                label=rev_label)
    ax_log.set_yscale("log")
    ax_log.set_xlabel("|applied field| [V/µm]")
    ax_log.set_ylabel(f"$|L_m|$ {after} [µm]")
    ax_log.set_title("magnitudes, log scale", fontsize="medium")
    ratios = rectification_ratios(f, L)
    if ratios:
        e_max = max(ratios)
        ax_log.text(0.45, 0.52, f"rectification ratio\nR = $L_m$(+E) / |$L_m$({MINUS}E)|\n"
                    f"= {ratios[e_max]:.3g} at E = {e_max:g} V/µm\n({PAPER}: nearly 20 at 4 V/µm)",
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
    return save(fig, path)


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
        axes[1].plot(z0, positive(np.asarray(initial["x_v"], float) / scale), ":", color="0.35",
                     lw=1.2, label="initial")
    _draw_runs(axes, runs, scale, with_field)
    front_level(axes[0], level, device)
    names = labels(device)
    axes[0].set_ylabel(names["y"])
    axes[0].set_ylim(-0.02, 1.08)
    axes[1].set_yscale("log")
    axes[1].set_ylabel(x_v_axis_label(device, x_v_cl_ref))
    axes[-1].set_xlabel("z [µm]")
    for ax in axes:
        ax.grid(True, alpha=0.3)
        if device is not None:
            mark_device(ax, device, labels=ax is axes[0],
                        electrode_labels=_both_polarities(device.br_rich_side))
            ax.set_xlim(0.0, device.length_um)
    left = br_left(device)
    axes[0].legend(fontsize="small", loc="center left" if left else "center right")
    axes[1].legend(fontsize="small", loc="lower left" if left else "lower right")
    fig.suptitle(_comparison_title(title, device))
    return fig


def _draw_runs(axes, runs, scale: float, with_field: bool) -> None:
    """The curves of :func:`profiles_comparison_figure`: per ``(profile, name, colour,
    linestyle)`` of ``runs``, y on ``axes[0]`` and x_V / ``scale`` on ``axes[1]``; with
    ``with_field`` ψ on ``axes[2]`` (solid) and E on its twin axis (dashed)."""
    for prof, name, colour, ls in runs:
        z = np.asarray(prof["z_um"], float)
        label = f"{name}, {hours(prof['t_s'])}"
        axes[0].plot(z, np.asarray(prof["y"], float), ls, color=colour, lw=1.6, label=label,
                     gid=f"y_{name}")
        axes[1].plot(z, positive(np.asarray(prof["x_v"], float) / scale), ls, color=colour,
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


def _both_polarities(br_rich_side: str) -> dict[str, str]:
    """Electrode names of a forward/reverse comparison: the polarity differs between the two
    runs, so each zone names both signs ("Au (+ fwd, − rev)")."""
    br = br_rich_side
    return {side: f"Au ({'+' if side == br else MINUS} fwd, "
                  f"{MINUS if side == br else '+'} rev)" for side in ("left", "right")}


def _comparison_title(title: str, device: Device | None) -> str:
    """Title of :func:`profiles_comparison_figure`: ``title`` (or the default) and, with a
    device, the field magnitude, bias, T and which electrode forward puts at +."""
    head = title or f"Forward vs reverse bias (cf. {PAPER} Fig. 2b/2d, Fig. 3a/b)"
    if device is not None:
        head += (f"\n{'3D model, ' if device.dimension == 3 else ''}"
                 f"±{abs(device.forward_field_V_per_um):g} V/µm "
                 f"({device.bias_V:.3g} V over the {device.gap_um:g} µm gap), "
                 f"T = {device.T_K:g} K; forward puts + on the {labels(device)['a_rich']} "
                 f"({device.br_rich_side}) electrode")
    return head


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
        x_v_cl_ref: divisor of x_V [-], x_V,eq(y_Cl) of the Cl-rich segment (named with its
            value in the axis label; :func:`_x_v_cl`), or None: x_V unscaled.
        level: front composition level [-].
        title: first title line.

    Returns:
        The path written.
    """
    fig = profiles_comparison_figure(forward, reverse, device=device, initial=initial,
                                     x_v_cl_ref=x_v_cl_ref, level=level, title=title)
    return save(fig, path)


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
    from solver.io.files import read_profile_csv

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
    return polarity_sign(row.get("bias.polarity")) * field, lm, str(row.get("member", ""))


def _x_v_cl(case: Mapping) -> float | None:
    """x_V,eq of the Cl-rich segment (seed 001 Fig. 3 scaling), frozen vacancy model only."""
    m = case.get("material", {})
    if m.get("vacancy_model", "frozen") != "frozen":
        return None
    try:
        pair = pair_named(m.get("halides"))
        y = float(m[pair.key("y_{}_segment", "b")])
        x_a, x_b = (float(m[pair.key("x_v_{}", w)]) for w in ("a", "b"))
        return math.exp(y * math.log(x_a) + (1 - y) * math.log(x_b))
    except (KeyError, TypeError, ValueError):  # also an unknown pair (KeyError)
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


def compare_main(argv: Sequence[str] | None = None, prog: str = PROG) -> int:
    """``python -m solver.figures.compare compare ...``: the cross-run figures; returns the
    exit code (``prog``: the program name in usage and error messages).

    Exit 0 when every requested figure was written, 2 when an input is missing or unreadable
    (one line on stderr per problem; the other figures are still written).
    """
    parser = argparse.ArgumentParser(
        prog=prog,
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
