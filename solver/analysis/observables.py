"""Scalar observables of 1D profiles (docs/model.md, "Observables").

Pure numpy; no dolfinx. Every function takes the profile as sorted node arrays on one process
(the caller gathers distributed fields to rank 0 first) and treats the profile as the
piecewise-linear interpolant of the nodal values.

Conventions (docs/case_format.md):
    z  [um]   node coordinates, strictly increasing, 0 = left wire end.
    y  [-]    halide composition x_Br / (x_Br + x_Cl); 1 = pure bromide, 0 = pure chloride.
    The front z_f is the y = 0.55 crossing nearest the initial interface.
    L_m = z_f(0) - z_f(t) if the Br-rich side is left, z_f(t) - z_f(0) if right: positive when
    the front moves into the Br-rich segment.
"""

from __future__ import annotations

import numpy as np

FRONT_LEVEL = 0.55  # [-] y level that defines the front (docs/model.md, "Observables")

__all__ = [
    "FRONT_LEVEL",
    "cl_uptake",
    "crossings",
    "front_position",
    "integrate",
    "migration_length",
    "sharpness",
]


def _as_profile(z, f) -> tuple[np.ndarray, np.ndarray]:
    """Validate and convert a (z, f) pair to 1D float arrays of equal length.

    Raises:
        ValueError: if shapes differ, fewer than 2 nodes, or z is not strictly increasing.
    """
    z = np.asarray(z, dtype=float).ravel()
    f = np.asarray(f, dtype=float).ravel()
    if z.shape != f.shape:
        raise ValueError(f"z and values differ in length ({z.size} vs {f.size})")
    if z.size < 2:
        raise ValueError("a profile needs at least 2 nodes")
    if np.any(np.diff(z) <= 0.0):
        raise ValueError("z must be strictly increasing (sort and deduplicate the nodes first)")
    return z, f


def crossings(z, f, level: float) -> np.ndarray:
    """All positions where the piecewise-linear interpolant of f equals ``level``.

    A node whose value equals ``level`` exactly counts as a crossing (once); a sign change of
    ``f - level`` across a cell gives the linearly interpolated root inside that cell. Cells
    where both ends lie exactly on ``level`` contribute their end nodes only.

    Args:
        z: node coordinates [um], strictly increasing.
        f: nodal values [any unit].
        level: value to cross [same unit as f].

    Returns:
        Sorted array of crossing positions [um] (possibly empty).
    """
    z, f = _as_profile(z, f)
    d = f - level
    on_node = z[d == 0.0]
    i = np.nonzero(d[:-1] * d[1:] < 0.0)[0]
    t = d[i] / (d[i] - d[i + 1])  # in (0, 1)
    inside = z[i] + t * (z[i + 1] - z[i])
    return np.sort(np.concatenate([on_node, inside]))


def _nearest(points: np.ndarray, z_ref: float) -> float:
    """The element of ``points`` nearest to ``z_ref`` (the left one on ties); nan if empty."""
    if points.size == 0:
        return float("nan")
    return float(points[np.argmin(np.abs(points - z_ref))])


def front_position(z, y, z_ref: float, level: float = FRONT_LEVEL) -> float:
    """Front position: the crossing of ``y = level`` nearest to ``z_ref``.

    All crossings of the piecewise-linear profile are found (see :func:`crossings`) and the one
    with the smallest ``|z - z_ref|`` is returned.

    Args:
        z: node coordinates [um], strictly increasing.
        y: composition x_Br / (x_Br + x_Cl) at the nodes [-].
        z_ref: reference position [um], normally the initial interface.
        level: composition that defines the front [-] (default 0.55).

    Returns:
        Front position [um]; ``nan`` if y never crosses ``level``.
    """
    return _nearest(crossings(z, y, level), float(z_ref))


def migration_length(z_f0: float, z_f: float, br_rich_side: str) -> float:
    """Migration length L_m of the front [um], positive when it moves into the Br-rich segment.

    Args:
        z_f0: initial front position [um].
        z_f: current front position [um].
        br_rich_side: ``"left"`` or ``"right"``, the side of the wire that is initially Br-rich.

    Returns:
        ``z_f0 - z_f`` if the Br-rich side is left, ``z_f - z_f0`` if right [um]
        (nan propagates).

    Raises:
        ValueError: if ``br_rich_side`` is neither ``"left"`` nor ``"right"``.
    """
    if br_rich_side == "left":
        return float(z_f0) - float(z_f)
    if br_rich_side == "right":
        return float(z_f) - float(z_f0)
    raise ValueError(f"br_rich_side must be 'left' or 'right', got {br_rich_side!r}")


def integrate(z, f) -> float:
    """Trapezoid-rule integral of f over z (exact for piecewise-linear f).

    Args:
        z: node coordinates [um], strictly increasing, any spacing.
        f: nodal values [unit F].

    Returns:
        Integral [F * um].
    """
    z, f = _as_profile(z, f)
    return float(np.sum(0.5 * (f[1:] + f[:-1]) * np.diff(z)))


def _restrict(z: np.ndarray, fs: list[np.ndarray], z_lo: float, z_hi: float):
    """Nodes inside (z_lo, z_hi) plus the two end points, with each f interpolated there.

    Returns:
        (z_sub, [f_sub, ...]) on [z_lo, z_hi] clipped to [z[0], z[-1]].
    """
    a, b = max(float(z_lo), z[0]), min(float(z_hi), z[-1])
    if not b > a:
        raise ValueError(f"segment [{z_lo}, {z_hi}] does not overlap the mesh [{z[0]}, {z[-1]}]")
    keep = (z > a) & (z < b)
    z_sub = np.concatenate([[a], z[keep], [b]])
    return z_sub, [np.concatenate([[np.interp(a, z, f)], f[keep], [np.interp(b, z, f)]])
                   for f in fs]


def _far_end_is_left(z: np.ndarray, z_sub: np.ndarray, y0_sub: np.ndarray,
                     br_rich_side: str | None) -> bool:
    """Whether the far (wire-end) side of a Br-rich segment is its left end (see cl_uptake)."""
    if br_rich_side is not None:
        if br_rich_side not in ("left", "right"):
            raise ValueError(f"br_rich_side must be 'left', 'right' or None, got {br_rich_side!r}")
        return br_rich_side == "left"
    at_left, at_right = z_sub[0] <= z[0], z_sub[-1] >= z[-1]
    if at_left != at_right:
        return bool(at_left)
    return bool(y0_sub[0] >= y0_sub[-1])


def cl_uptake(z, y, y0, z_lo: float, z_hi: float, *, level: float = FRONT_LEVEL,
              margin_um: float = 0.0, br_rich_side: str | None = None) -> dict:
    """Chloride taken up by the initially Br-rich segment [z_lo, z_hi].

    The segment is the initial Br-rich region, from its far wire end to the initial interface.
    Its far end is given by ``br_rich_side`` (``"left"``: z_lo is the far end). If that is None
    it is inferred: the segment end lying on a wire end (the first or last node) is the far end;
    if neither or both ends do, the end with the larger initial composition ``y0`` is. The other
    end is the interface end.

    Returned quantities (all dimensionless site-fraction measures):

    * ``max_cl_fraction``: ``max(1 - y)`` over the mesh nodes of the segment that lie *beyond
      the current front*, i.e. strictly farther from the interface end than
      ``z_front + margin_um`` (on the far-end side). ``z_front`` is the ``y = level`` crossing
      nearest to the interface end. If y never crosses ``level``, the whole segment counts as
      beyond the front when y at the far end is >= level, and none of it otherwise. ``nan`` if
      no node qualifies. Note: with ``margin_um = 0`` the leading edge of the front itself is
      included, so for a smooth front the value approaches ``1 - level``; pass a margin of a
      few front widths (or the optical resolution) to measure the Cl ahead of the front only.
      ``1 - y`` is the Cl share of the halides, x_Cl / (x_Br + x_Cl), equal to the Cl fraction
      of halide lattice sites up to the O(x_V) vacancy share.
    * ``mean_cl_increase``: length-weighted mean of ``y0 - y`` over the whole segment,
      ``integral(y0 - y) dz / (z_hi - z_lo)`` ([z_lo, z_hi] clipped to the mesh; trapezoid on
      the piecewise-linear profiles, y and y0 interpolated at the ends). It includes the region
      swept by the front, so it measures all Cl gained by the segment per unit length.
    * ``z_front_um``: the front position used [um] (nan if y does not cross ``level``).

    Args:
        z: node coordinates [um], strictly increasing.
        y: current composition at the nodes [-].
        y0: initial composition at the nodes [-].
        z_lo: left end of the Br-rich segment [um].
        z_hi: right end of the Br-rich segment [um] (> z_lo).
        level: composition that defines the front [-].
        margin_um: extra distance beyond the front excluded from ``max_cl_fraction`` [um].
        br_rich_side: ``"left"``, ``"right"`` or None (infer, see above).

    Returns:
        Dict with keys ``max_cl_fraction``, ``mean_cl_increase``, ``z_front_um``.
    """
    z, y = _as_profile(z, y)
    _, y0 = _as_profile(z, y0)
    z_sub, (y_sub, y0_sub) = _restrict(z, [y, y0], z_lo, z_hi)
    mean_inc = integrate(z_sub, y0_sub - y_sub) / (z_sub[-1] - z_sub[0])

    far_is_left = _far_end_is_left(z, z_sub, y0_sub, br_rich_side)
    z_int = z_sub[-1] if far_is_left else z_sub[0]
    z_f = front_position(z, y, z_int, level)
    seg = (z >= z_sub[0]) & (z <= z_sub[-1])
    if np.isnan(z_f):
        y_far = y_sub[0] if far_is_left else y_sub[-1]
        beyond = seg if y_far >= level else np.zeros_like(seg)
    elif far_is_left:
        beyond = seg & (z < z_f - margin_um)
    else:
        beyond = seg & (z > z_f + margin_um)
    max_cl = float(np.max(1.0 - y[beyond])) if np.any(beyond) else float("nan")
    return {"max_cl_fraction": max_cl, "mean_cl_increase": float(mean_inc), "z_front_um": z_f}


def sharpness(z, y, z_front: float, lo: float = 0.2, hi: float = 0.9) -> float:
    """Front width [um]: distance between the ``y = lo`` and ``y = hi`` crossings.

    For each level the crossing nearest to ``z_front`` is used (see :func:`front_position`).

    Args:
        z: node coordinates [um], strictly increasing.
        y: composition at the nodes [-].
        z_front: front position [um].
        lo: lower composition level [-].
        hi: upper composition level [-].

    Returns:
        ``|z_hi - z_lo|`` [um]; ``nan`` if either level is not crossed or z_front is nan.
    """
    if np.isnan(z_front):
        return float("nan")
    z_lo = front_position(z, y, z_front, lo)
    z_hi = front_position(z, y, z_front, hi)
    return float(abs(z_hi - z_lo))
