"""Deprecated: moved to :mod:`solver.pl.figures` (the PL wavelength map); re-exports its names."""

from solver.pl.figures import (
    CMAP,
    MAP_TITLE,
    plot_wavelength_map,
    settings_text,
    wavelength_map_figure,
)

__all__ = ["CMAP", "MAP_TITLE", "plot_wavelength_map", "settings_text", "wavelength_map_figure"]
