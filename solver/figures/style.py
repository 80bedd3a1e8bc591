"""Shared look of the figures: colours, resolution, time and log-axis helpers, the PNG writer.

Matplotlib with the non-interactive Agg backend (selected on import). Times are shown in hours,
positions in µm.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

# Non-interactive backend (pyplot picks its backend at the first figure, so this may follow the
# import).
matplotlib.use("Agg")

__all__ = [
    "DPI",
    "ELECTRODE_COLOUR",
    "FORWARD_COLOUR",
    "GAP_COLOUR",
    "MINUS",
    "REVERSE_COLOUR",
    "S_PER_H",
    "hours",
    "positive",
    "save",
    "suptitle",
    "time_colours",
]

S_PER_H = 3600.0
DPI = 150
ELECTRODE_COLOUR = "#d4a017"  # gold: the Au electrodes
GAP_COLOUR = "#7fa7d9"
FORWARD_COLOUR = "#c0392b"
REVERSE_COLOUR = "#1f5fa8"
MINUS = "\u2212"


def save(fig, path) -> Path:
    """Write ``fig`` as PNG to ``path`` (parent directories created) and close it.

    Raises:
        OSError: the file cannot be written (a full disk: ENOSPC); its ``filename`` is
            ``path`` (matplotlib's own error names no file), and a partly written file is
            removed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fig.savefig(os.fspath(path), dpi=DPI, format="png")
    except OSError as exc:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
        if exc.filename is None:  # name the figure, not the run directory
            raise OSError(exc.errno, exc.strerror or str(exc), os.fspath(path)) from exc
        raise
    finally:
        plt.close(fig)
    return path


def time_colours(times_s: np.ndarray):
    """One colour per time, viridis scaled from the first to the last time."""
    cmap = matplotlib.colormaps["viridis"]
    lo, hi = float(np.min(times_s)), float(np.max(times_s))
    span = hi - lo if hi > lo else 1.0
    return [cmap(0.9 * (t - lo) / span) for t in times_s]


def hours(t_s: float) -> str:
    """A time [s] as "<t> h" with three significant digits."""
    return f"{float(t_s) / S_PER_H:.3g} h"


def positive(values) -> np.ndarray:
    """Values for a log axis: non-positive entries become NaN (gaps)."""
    v = np.asarray(values, dtype=float)
    return np.where(v > 0.0, v, np.nan)


def suptitle(fig, device, title: str) -> None:
    """Title: ``title`` (unless it is just the case name) over the device's bias and T
    (``device``: a :class:`solver.figures.device.Device` or None)."""
    if device is None:
        text = title
    elif title and title != device.name:
        text = f"{title}\n{device.title()}"
    else:
        text = device.title()
    if text:
        fig.suptitle(text)
