"""Figure of the synthetic PL: peak wavelength along the wire versus time (seed 001 Fig. 1d).

Each panel is one run (e.g. forward and reverse bias side by side): one horizontal strip per
output time (equal heights, not to scale in time), coloured by the PL peak wavelength along the
wire with a perceptually uniform colour map (viridis) spanning the pure-phase wavelengths
(CsPbCl3, 420 nm, dark to CsPbBr3, 526 nm, yellow), so that a few per cent of Cl in the Br-rich
segment or of Br in the Cl-rich one shows as a change of shade (Br/I: CsPbBr3, 512 nm, dark to
CsPbI3, 729 nm, the range of seed 004's law). The colour bar also reads in the apparent
composition y. Given the electrode zones, they are drawn as gold bars above the map and their
contact lines as dashed lines across it; given the PL settings, the title states them (PSF
FWHM, peak definition, linewidth, funnelling). Matplotlib, Agg backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib
import matplotlib.patheffects
import matplotlib.pyplot as plt
import numpy as np

from solver.pl.model import EmissionModel, PLSettings, PolynomialEmissionModel

matplotlib.use("Agg")

__all__ = ["CMAP", "plot_wavelength_map", "settings_text", "wavelength_map_figure"]

S_PER_H = 3600.0
CMAP = "viridis"  # perceptually uniform: equal wavelength steps look equally different
ELECTRODE_COLOUR = "#d4a017"
MAP_TITLE = "Synthetic PL: peak wavelength along the wire at the output times"

_PEAK_TEXT = {"spectrum": "maximum of the summed spectrum",
              "mean_energy": "mean emitted energy"}


def settings_text(settings: PLSettings, sep: str = "\n") -> str:
    """PSF FWHM, peak definition, linewidth, funnelling and probe spacing of ``settings``, in
    two parts joined by ``sep``."""
    funnel = (f"funnelling on (L = {settings.funnelling_length_um:g} µm)"
              if settings.funnelling_length_um > 0 else "funnelling off")
    return (f"PSF FWHM {settings.psf_fwhm_um:g} µm; peak = "
            f"{_PEAK_TEXT.get(settings.peak, settings.peak)}{sep}linewidth "
            f"{settings.linewidth_eV:g} eV; {funnel}; probes every {settings.step_um:g} µm")


def _mark_electrodes(ax, electrodes) -> None:
    """Gold bars above the map over the electrode zones (gid ``electrode_bar``), dashed contact
    lines (inner edges) across it (gid ``contact_line``)."""
    trans = ax.get_xaxis_transform()
    outline = [matplotlib.patheffects.withStroke(linewidth=2.2, foreground="black")]
    (l0, l1), (r0, r1) = electrodes
    for a, b in ((l0, l1), (r0, r1)):
        bar = ax.axvspan(a, b, ymin=1.0, ymax=1.07, color=ELECTRODE_COLOUR, clip_on=False,
                         lw=0)
        bar.set_gid("electrode_bar")
        ax.text(0.5 * (a + b), 1.035, "Au", transform=trans, ha="center", va="center",
                fontsize=7, color="black")
    for z in (l1, r0):
        line = ax.axvline(z, color="white", lw=1.0, ls="--", path_effects=outline)
        line.set_gid("contact_line")


def wavelength_map_figure(panels: Sequence[tuple], *,
                          emission: EmissionModel | PolynomialEmissionModel,
                          settings: PLSettings | None = None, electrodes=None,
                          title: str = MAP_TITLE):
    """Open figure: for each ``(title, times_s, maps)`` one panel of PL maps
    (:class:`solver.pl.model.PLMap`).

    Rows are the output times (equal height, labelled in hours), columns the probe positions
    [µm]; the colour scale spans the pure-phase wavelengths of ``emission``.

    Args:
        panels: ``(panel title, output times [s], PL maps)`` per panel.
        emission: the E(y) relation (colour range and the y scale of the colour bar).
        settings: the PL settings, stated in the title; None: not stated.
        electrodes: ``((left start, left end), (right start, right end))`` [µm], or None.
        title: first title line.
    """
    fig, axes = plt.subplots(1, len(panels), figsize=(5.6 * len(panels) + 0.8, 4.1),
                             squeeze=False, constrained_layout=True)
    lo, hi = emission.wavelength_range_nm
    image = None
    for k, (ax, (name, times_s, maps)) in enumerate(zip(axes[0], panels, strict=True)):
        z = maps[0].z_um
        grid = np.array([np.interp(z, m.z_um, m.wavelength_nm) for m in maps])
        dz = z[1] - z[0] if z.size > 1 else 1.0
        image = ax.imshow(grid, aspect="auto", origin="upper", cmap=CMAP, vmin=lo, vmax=hi,
                          extent=(z[0] - dz / 2, z[-1] + dz / 2, len(maps) - 0.5, -0.5),
                          interpolation="nearest")
        ax.set_yticks(range(len(maps)), [f"{t / S_PER_H:.3g} h" for t in times_s])
        ax.set_xlabel("position along the wire z [µm]")
        if k == 0:
            ax.set_ylabel("output time t\n(one row each, not to scale)")
        if electrodes is not None:
            _mark_electrodes(ax, electrodes)
        ax.set_title(name, fontsize=9, pad=14 if electrodes is not None else 6)
    bar = fig.colorbar(image, ax=axes[0, -1], label="PL peak wavelength [nm]")
    bar.ax.set_gid("colorbar")
    y_axis = bar.ax.secondary_yaxis(
        "left", functions=(lambda w: emission.composition_from_wavelength(np.clip(w, lo, hi)),
                           emission.wavelength_nm))
    y_axis.set_ylabel(f"apparent y ({emission.pair.a.symbol} fraction)", fontsize=8)
    y_axis.set_ticks([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    y_axis.tick_params(labelsize=7)
    head = title + (f"\n{settings_text(settings)}" if settings is not None else "")
    fig.suptitle(head, fontsize=9)
    return fig


def plot_wavelength_map(panels: Sequence[tuple], path, *,
                        emission: EmissionModel | PolynomialEmissionModel,
                        settings: PLSettings | None = None, electrodes=None,
                        title: str = MAP_TITLE) -> Path:
    """Write :func:`wavelength_map_figure` to ``path`` (PNG, directory created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig = wavelength_map_figure(panels, emission=emission, settings=settings,
                                electrodes=electrodes, title=title)
    try:
        fig.savefig(path, dpi=120, format="png")
    except OSError as exc:  # a full disk: name the figure (matplotlib's error names no file)
        if exc.filename is None:
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
        raise
    finally:
        plt.close(fig)
    return path
