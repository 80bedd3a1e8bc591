"""Deprecated: moved to :mod:`solver.pl.figures` (the PL wavelength map); re-exports its names."""

import warnings

from solver.pl.figures import (
    CMAP,
    MAP_TITLE,
    plot_wavelength_map,
    settings_text,
    wavelength_map_figure,
)

__all__ = ["CMAP", "MAP_TITLE", "plot_wavelength_map", "settings_text", "wavelength_map_figure"]

warnings.warn("solver.pl_figures is deprecated and will be removed after release 0.2: import "
              "solver.pl.figures (docs/architecture.md, Deprecated paths)",
              DeprecationWarning, stacklevel=2)
