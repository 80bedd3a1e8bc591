r"""Observed order of convergence and Richardson extrapolation from three meshes.

A quantity computed on meshes of size :math:`h_1 > h_2 > h_3` is modelled as

.. math::
    f(h) = f^* + C\,h^p,

three equations for the extrapolated value :math:`f^*`, the constant :math:`C` and the observed
order :math:`p`. With :math:`e_{12} = f_1 - f_2` and :math:`e_{23} = f_2 - f_3`, :math:`p` is the
root of

.. math::
    \frac{e_{12}}{e_{23}} = \frac{h_1^p - h_2^p}{h_2^p - h_3^p},

whose right-hand side increases monotonically from :math:`\ln(h_1/h_2)/\ln(h_2/h_3)` at
:math:`p \to 0` to infinity, so the root is unique when it exists; for a constant refinement ratio
:math:`r` it is the textbook :math:`p = \ln(e_{12}/e_{23})/\ln r`. Then
:math:`C = e_{12}/(h_1^p - h_2^p)` and :math:`f^* = f_3 - C h_3^p`. The fine-grid convergence
index (Roache, *Verification and Validation in Computational Science and Engineering*, 1998;
Celik et al., *J. Fluids Eng.* 130, 078001, 2008) bounds the relative error of :math:`f_3` as
:math:`\mathrm{GCI} = F_s\,|e_{23}/f_3|/(r_{23}^p - 1)` with safety factor :math:`F_s = 1.25`.

If :math:`e_{12}` and :math:`e_{23}` have opposite signs the sequence is not monotone (oscillatory
convergence or not yet in the asymptotic range) and no order is defined: :func:`richardson`
then returns ``p = nan`` and the spread of the three values as the uncertainty.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: Safety factor of the grid convergence index for a three-mesh study (Roache 1998).
GCI_SAFETY_FACTOR = 1.25


@dataclass(frozen=True)
class Extrapolation:
    """Result of :func:`richardson` (same units as the values; ``order`` dimensionless)."""

    order: float
    extrapolated: float
    gci_fine: float  # relative error bound of the finest value, or the relative spread
    monotone: bool


def _ratio_gap(p: float, h1: float, h2: float, h3: float, target: float) -> float:
    return (h1 ** p - h2 ** p) / (h2 ** p - h3 ** p) - target


def observed_order(h: tuple[float, float, float], f: tuple[float, float, float],
                   p_max: float = 20.0) -> float:
    """The observed order p of f(h) = f* + C h^p through three points (see module docstring).

    Args:
        h: mesh sizes, strictly decreasing (any length unit).
        f: the quantity on those meshes.
        p_max: largest order searched.

    Returns:
        p, or nan if the differences change sign, vanish, or no root lies in (0, p_max].

    Raises:
        ValueError: ``h`` not strictly decreasing and positive.
    """
    h1, h2, h3 = (float(v) for v in h)
    if not (h1 > h2 > h3 > 0.0):
        raise ValueError(f"mesh sizes must be positive and strictly decreasing, got {h}")
    e12, e23 = float(f[0]) - float(f[1]), float(f[1]) - float(f[2])
    if e12 == 0.0 or e23 == 0.0 or (e12 > 0) != (e23 > 0):
        return math.nan
    target = e12 / e23
    lo, hi = 1e-9, p_max
    if _ratio_gap(lo, h1, h2, h3, target) > 0.0 or _ratio_gap(hi, h1, h2, h3, target) < 0.0:
        return math.nan
    for _ in range(200):  # bisection: the gap is monotone in p
        mid = 0.5 * (lo + hi)
        if _ratio_gap(mid, h1, h2, h3, target) < 0.0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def richardson(h: tuple[float, float, float], f: tuple[float, float, float]) -> Extrapolation:
    """Observed order, extrapolated value and fine-grid convergence index of a three-mesh study.

    Args:
        h: mesh sizes, strictly decreasing. f: the quantity on those meshes.

    Returns:
        :class:`Extrapolation`. For a non-monotone sequence: order nan, extrapolated value the
        finest one, and ``gci_fine`` the spread (max - min)/|f_3| of the three values.
    """
    p = observed_order(h, f)
    f1, f2, f3 = (float(v) for v in f)
    if not math.isfinite(p):
        spread = (max(f) - min(f)) / abs(f3) if f3 != 0.0 else math.inf
        return Extrapolation(math.nan, f3, spread, False)
    c = (f1 - f2) / (h[0] ** p - h[1] ** p)
    f_star = f3 - c * h[2] ** p
    r23 = h[1] / h[2]
    gci = GCI_SAFETY_FACTOR * abs((f2 - f3) / f3) / (r23 ** p - 1.0) if f3 != 0.0 else math.inf
    return Extrapolation(p, f_star, gci, True)
