"""Figure of the synthetic PL: peak wavelength along the wire versus time (seed 001 Fig. 1d).

Each panel is one run (e.g. forward and reverse bias side by side): one horizontal strip per
output time, coloured by the PL peak wavelength along the wire, blue (CsPbCl3) to green
(CsPbBr3), as the seed's confocal images at successive times. Matplotlib, Agg backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from solver.pl import EmissionModel

matplotlib.use("Agg")

__all__ = ["plot_wavelength_map", "wavelength_map_figure"]

S_PER_H = 3600.0


def wavelength_map_figure(panels: Sequence[tuple], *, emission: EmissionModel):
    """Open figure: for each ``(title, times_s, maps)`` one panel of PL maps (solver.pl.PLMap).

    Rows are the output times (equal height, labelled in hours), columns the probe positions
    [µm]; the colour scale spans the pure-phase wavelengths of ``emission``.
    """
    fig, axes = plt.subplots(1, len(panels), figsize=(5.0 * len(panels), 3.2), squeeze=False,
                             constrained_layout=True)
    lo, hi = emission.wavelength_cl_nm, emission.wavelength_br_nm
    image = None
    for ax, (title, times_s, maps) in zip(axes[0], panels, strict=True):
        z = maps[0].z_um
        grid = np.array([np.interp(z, m.z_um, m.wavelength_nm) for m in maps])
        dz = z[1] - z[0] if z.size > 1 else 1.0
        image = ax.imshow(grid, aspect="auto", origin="upper", cmap="winter", vmin=lo,
                          vmax=hi, extent=(z[0] - dz / 2, z[-1] + dz / 2, len(maps) - 0.5, -0.5),
                          interpolation="nearest")
        ax.set_yticks(range(len(maps)), [f"{t / S_PER_H:.3g} h" for t in times_s])
        ax.set_xlabel("z [µm]")
        ax.set_title(title, fontsize=9)
    fig.colorbar(image, ax=axes[0, -1], label="PL peak wavelength [nm]")
    return fig


def plot_wavelength_map(panels: Sequence[tuple], path, *, emission: EmissionModel) -> Path:
    """Write :func:`wavelength_map_figure` to ``path`` (PNG, directory created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig = wavelength_map_figure(panels, emission=emission)
    try:
        fig.savefig(path, dpi=120, format="png")
    finally:
        plt.close(fig)
    return path
