"""How the front-shape report writes its numbers: widths, percentages, ratios, yes/no."""

from __future__ import annotations

import numpy as np


def nm(v: float) -> str:
    """A length in µm as whole nm; "n/a" if not finite."""
    return "n/a" if not np.isfinite(v) else f"{v * 1e3:.0f} nm"


def width(metrics: dict) -> str:
    """A front width, or "unresolved" where it is below the sample spacing at the front
    (``width_resolved`` of solver.pl_output.front_metrics: a jump between neighbouring probes)."""
    if metrics.get("width_resolved") is False:
        return f"{nm(metrics['width_um'])} (unresolved: < 1 probe step)"
    return nm(metrics["width_um"])


def ratio_text(v: dict) -> str:
    """width(4)/width(1.5) of a verdict, or n/a where a width is unresolved."""
    return "n/a (unresolved)" if not np.isfinite(v["ratio"]) else f"{v['ratio']:.2f}"


def yes_no(v: dict, key: str) -> str:
    """Table cell of verdict ``v[key]``: "yes", "**no**", or "n/a" for a smoothing verdict
    whose width ratio is not defined (unresolved width)."""
    if key == "smooths" and not np.isfinite(v["ratio"]):
        return "n/a"
    return "yes" if v[key] else "**no**"


def pct(v: float) -> str:
    """A fraction in percent; below 1e-8 (round-off, including tiny negatives) "< 1e-6 %"."""
    if not np.isfinite(v):
        return "n/a"
    return "< 1e-6 %" if v < 1e-8 else f"{100 * v:.2g} %"
