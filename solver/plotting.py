"""Deprecated: moved to :mod:`solver.figures` (``device``, ``run``, ``compare``, ``style``).

This module re-exports the old public names so that ``from solver.plotting import ...`` and
``python -m solver.plotting compare ...`` keep working unchanged.
"""


from __future__ import annotations

import sys
import warnings

from solver.figures.compare import (
    COMPARISON_FIGURE,
    MIGRATION_FIGURE,
    ResultsError,
    compare_campaign,
    compare_main,
    compare_runs,
    migration_vs_field_figure,
    plot_migration_vs_field,
    plot_profiles_comparison,
    profiles_comparison_figure,
    read_campaign_migration,
    read_run_profiles,
    rectification_ratios,
)
from solver.figures.device import Device, mark_device
from solver.figures.run import (
    BR_DRIFT_LABEL,
    BR_EXCHANGE_LABEL,
    DIAGNOSTIC_KEYS,
    DRIVE_PANEL_HEIGHT,
    HOT_SHADE,
    KELVIN_0C,
    MAX_SEGMENT_LINES,
    NO_BIAS_V,
    REVERSE_SHADE,
    ZERO_SHADE,
    diagnostics_figure,
    plot_diagnostics,
    plot_profiles,
    plot_timeseries,
    positive_side_of,
    profiles_figure,
    timeseries_figure,
)
from solver.figures.style import (
    DPI,
    ELECTRODE_COLOUR,
    FORWARD_COLOUR,
    GAP_COLOUR,
    MINUS,
    REVERSE_COLOUR,
    S_PER_H,
)

__all__ = [
    "BR_DRIFT_LABEL",
    "BR_EXCHANGE_LABEL",
    "COMPARISON_FIGURE",
    "DIAGNOSTIC_KEYS",
    "DPI",
    "DRIVE_PANEL_HEIGHT",
    "ELECTRODE_COLOUR",
    "FORWARD_COLOUR",
    "GAP_COLOUR",
    "HOT_SHADE",
    "KELVIN_0C",
    "MAX_SEGMENT_LINES",
    "MIGRATION_FIGURE",
    "MINUS",
    "NO_BIAS_V",
    "REVERSE_COLOUR",
    "REVERSE_SHADE",
    "S_PER_H",
    "ZERO_SHADE",
    "Device",
    "ResultsError",
    "compare_campaign",
    "compare_main",
    "compare_runs",
    "diagnostics_figure",
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
    "read_campaign_migration",
    "read_run_profiles",
    "rectification_ratios",
    "timeseries_figure",
]

warnings.warn("solver.plotting is deprecated and will be removed after release 0.2: "
              "import solver.figures.run / solver.figures.compare / solver.figures.device "
              "(docs/architecture.md, Deprecated paths)", DeprecationWarning, stacklevel=2)


if __name__ == "__main__":
    sys.exit(compare_main(prog="python -m solver.plotting"))
