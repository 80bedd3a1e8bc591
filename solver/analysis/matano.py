r"""Boltzmann–Matano extraction of a concentration-dependent interdiffusion coefficient D(c).

Theory (Matano 1933; seed 000, Eq. 1 and Fig. 4A). For Fick's second law with a
concentration-dependent coefficient,

.. math::
    \partial_t c = \partial_z\big(D(c)\,\partial_z c\big),

started from a step between the plateaus c_L (z -> -inf) and c_R (z -> +inf) at the plane z_M,
the profile depends on z and t only through the Boltzmann variable (z - z_M)/sqrt(t). Integrating
once gives, at any concentration c* reached at the position z*,

.. math::
    D(c^*) = -\frac{1}{2t}\,\left(\frac{dz}{dc}\right)_{c^*}\int_{c_L}^{c^*}(z - z_M)\,dc,
    \qquad \int_{c_L}^{c_R}(z - z_M)\,dc = 0,

where the second condition locates the Matano plane z_M (equal areas: what left one side arrived
on the other). With z in µm and t in s, D comes out in µm²/s; ``D_cm2_per_s`` = 1e-8 of that.

Numerics (robust for computed and measured profiles):

1. Monotone projection: the profile is sorted by z and projected on the monotone sequences in
   the direction sign(c_R - c_L) (isotonic least squares, pool-adjacent-violators). A monotone
   profile (every computed interdiffusion profile) is left unchanged; noise that makes it
   non-monotone is pooled into flat runs, where D is not evaluated.
2. Optional smoothing (``smooth_um`` > 0, for measured data): Gaussian kernel of that standard
   deviation on a uniform resampling, constant padding at the ends, interpolated back. A
   convolution with a positive kernel keeps the profile monotone.
3. The profile is treated as its piecewise-linear interpolant. The Matano plane is closed form,

   .. math::
       z_M = \frac{c_R z_{end} - c_L z_0 - \int_{z_0}^{z_{end}} c\,dz}{c_R - c_L},

   and the integral is rewritten by parts so that c is never differentiated in it,

   .. math::
       \int_{c_L}^{c^*}(z - z_M)\,dc = (z^* - z_M)(c^* - c_L) - \int_{z_0}^{z^*}(c - c_L)\,dz
       = (z^* - z_M)(c^* - c_R) - \int_{z^*}^{z_{end}}(c_R - c)\,dz .

   Both forms are equal by the definition of z_M; the left one is used for c* in the half of
   the range next to c_L, the right one next to c_R (no cancellation in the tails). Both read the
   profile as extended by a jump from c_L (or c_R) at the wire end, so ``c_left``/``c_right``
   may be the *initial step* values even when the ends of a finite wire have already moved:
   z_M is then the plane that conserves the solute relative to that initial step (the initial
   interface, if solute is conserved).
4. D is evaluated at cell midpoints z* = (z_i + z_{i+1})/2, where the piecewise-linear profile
   has c* = (c_i + c_{i+1})/2 and the exact slope dc/dz = (c_{i+1} - c_i)/h (second-order
   accurate for a smooth profile sampled at the nodes). Cells with a flat (or reversed) slope
   and cells within ``q_min`` of the end values (normalized q = (c - c_L)/(c_R - c_L)) are
   dropped: there dz/dc and the integral are both ill-conditioned.

Semi-infinite assumption: the formula is exact only while neither end of the wire has been
reached (Boltzmann similarity). On a finite wire whose ends have moved the result is an
estimate whose error grows with the change at the ends (seed 000: "sensitive to the boundary
conditions", SI Fig. S14).

CLI::

    python -m solver.analysis.matano PROFILE.csv --t-s T [--column y] [--out D.csv]
        [--c-left CL --c-right CR] [--smooth-um W] [--q-min Q]

PROFILE.csv is a profile file of this solver (``# t_s=...`` line, columns z_um,y,...; default
column y, default t from the file) or any CSV whose first column is z [µm] and whose second (or
``--column`` name/index) is c; lines starting with '#' are skipped, a non-numeric first line is a
header.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "MatanoResult",
    "boltzmann_matano",
    "gaussian_smooth",
    "isotonic",
    "main",
    "matano_plane",
    "read_profile",
    "write_result_csv",
]

UM2_TO_CM2 = 1e-8  # [cm²/µm²]


@dataclass(frozen=True)
class MatanoResult:
    """Output of :func:`boltzmann_matano`.

    Attributes:
        t_s: time of the profile [s].
        c_left, c_right: end (plateau) values used [same unit as c].
        z_matano_um: Matano plane z_M [µm].
        z_um: evaluation points z* (cell midpoints kept) [µm], increasing.
        c: profile value c* at z_um.
        dcdz_per_um: slope dc/dz at z_um [c/µm].
        D_um2_per_s: interdiffusion coefficient D(c*) [µm²/s].
        z_profile_um, c_profile: the profile actually analysed (sorted, monotone, smoothed).
    """

    t_s: float
    c_left: float
    c_right: float
    z_matano_um: float
    z_um: np.ndarray
    c: np.ndarray
    dcdz_per_um: np.ndarray
    D_um2_per_s: np.ndarray
    z_profile_um: np.ndarray
    c_profile: np.ndarray

    @property
    def D_cm2_per_s(self) -> np.ndarray:
        """D(c*) [cm²/s] (1 µm² = 1e-8 cm²)."""
        return self.D_um2_per_s * UM2_TO_CM2

    @property
    def q(self) -> np.ndarray:
        """Normalized concentration q = (c* - c_L)/(c_R - c_L) [-] in (0, 1)."""
        return (self.c - self.c_left) / (self.c_right - self.c_left)

    def D_at(self, c_values) -> np.ndarray:
        """D [cm²/s] at the given concentrations (linear in c between evaluation points).

        Concentrations outside the evaluated range give NaN.
        """
        order = np.argsort(self.c, kind="stable")
        c_sorted, d_sorted = self.c[order], self.D_cm2_per_s[order]
        c_values = np.asarray(c_values, dtype=float)
        if c_sorted.size == 0:
            return np.full(c_values.shape, np.nan)
        return np.interp(c_values, c_sorted, d_sorted, left=np.nan, right=np.nan)

    def D_at_q(self, q_values) -> np.ndarray:
        """D [cm²/s] at normalized concentrations q = (c - c_L)/(c_R - c_L)."""
        q_values = np.asarray(q_values, dtype=float)
        return self.D_at(self.c_left + q_values * (self.c_right - self.c_left))


def isotonic(values, increasing: bool = True, weights=None) -> np.ndarray:
    """Least-squares projection on monotone sequences (pool-adjacent-violators).

    Args:
        values: data in order [any unit].
        increasing: True for non-decreasing, False for non-increasing output.
        weights: positive weights (default 1).

    Returns:
        The monotone sequence m minimising sum w (m - values)², same length.
    """
    v = np.asarray(values, dtype=float).ravel()
    w = np.ones_like(v) if weights is None else np.asarray(weights, dtype=float).ravel()
    if not increasing:
        return -isotonic(-v, True, w)
    means: list[float] = []
    wsum: list[float] = []
    count: list[int] = []
    for vi, wi in zip(v, w, strict=True):
        means.append(float(vi))
        wsum.append(float(wi))
        count.append(1)
        while len(means) > 1 and means[-2] > means[-1]:
            w_new = wsum[-2] + wsum[-1]
            m_new = (means[-2] * wsum[-2] + means[-1] * wsum[-1]) / w_new
            n_new = count[-2] + count[-1]
            del means[-1], wsum[-1], count[-1]
            means[-1], wsum[-1], count[-1] = m_new, w_new, n_new
    return np.repeat(np.array(means), np.array(count, dtype=int))


def gaussian_smooth(z_um, c, width_um: float) -> np.ndarray:
    """Gaussian smoothing of c(z) with standard deviation ``width_um`` [µm], values at z.

    The profile is linearly resampled on a uniform grid (spacing <= width/8 and <= the mean node
    spacing), convolved with a normalized Gaussian truncated at 4 widths with constant (end
    value) padding, and interpolated back. Monotone input gives monotone output.

    Args:
        z_um: strictly increasing node coordinates [µm].
        c: values at z_um.
        width_um: kernel standard deviation [µm] (> 0).

    Returns:
        Smoothed values at z_um.
    """
    z = np.asarray(z_um, dtype=float)
    c = np.asarray(c, dtype=float)
    length = z[-1] - z[0]
    h = min(width_um / 8.0, length / max(z.size - 1, 1))
    n = math.ceil(length / h) + 1
    grid = np.linspace(z[0], z[-1], n)
    h = grid[1] - grid[0]
    vals = np.interp(grid, z, c)
    half = math.ceil(4.0 * width_um / h)
    k = np.exp(-0.5 * (np.arange(-half, half + 1) * h / width_um) ** 2)
    k /= k.sum()
    padded = np.concatenate([np.full(half, vals[0]), vals, np.full(half, vals[-1])])
    smooth = np.convolve(padded, k, mode="valid")
    return np.interp(z, grid, smooth)


def matano_plane(z_um, c, c_left: float, c_right: float) -> float:
    r"""Matano plane z_M [µm] of the piecewise-linear profile (equal areas).

    .. math::
        z_M = \frac{c_R z_{end} - c_L z_0 - \int_{z_0}^{z_{end}} c\,dz}{c_R - c_L}.
    """
    z = np.asarray(z_um, dtype=float)
    c = np.asarray(c, dtype=float)
    total = float(np.sum(0.5 * (c[1:] + c[:-1]) * np.diff(z)))
    return (c_right * z[-1] - c_left * z[0] - total) / (c_right - c_left)


def _prepare(z_um, c) -> tuple[np.ndarray, np.ndarray]:
    """Sort by z, drop non-finite values and repeated z (keep the first)."""
    z = np.asarray(z_um, dtype=float).ravel()
    c = np.asarray(c, dtype=float).ravel()
    if z.shape != c.shape:
        raise ValueError(f"z and c differ in length ({z.size} vs {c.size})")
    ok = np.isfinite(z) & np.isfinite(c)
    z, c = z[ok], c[ok]
    order = np.argsort(z, kind="stable")
    z, c = z[order], c[order]
    keep = np.concatenate([[True], np.diff(z) > 0.0])
    z, c = z[keep], c[keep]
    if z.size < 3:
        raise ValueError("a profile needs at least 3 distinct points")
    return z, c


def boltzmann_matano(z_um, c, t_s: float, c_left: float | None = None,
                     c_right: float | None = None, smooth_um: float = 0.0,
                     q_min: float = 0.01) -> MatanoResult:
    """Extract D(c) from one profile c(z) at time t by the Boltzmann–Matano method.

    See the module docstring for the formulas and the numerical choices.

    Args:
        z_um: positions [µm] (any order; sorted here).
        c: concentration at z_um (any unit; D does not depend on it).
        t_s: time since the initial step [s] (> 0).
        c_left, c_right: plateau values at the left and right ends (the initial step values);
            default: the profile's own end values.
        smooth_um: standard deviation of an optional Gaussian smoothing [µm]; 0 = none.
        q_min: drop evaluation points whose normalized concentration q = (c - c_L)/(c_R - c_L)
            is within q_min of 0 or 1.

    Returns:
        A :class:`MatanoResult`.

    Raises:
        ValueError: t_s <= 0, c_left == c_right, or fewer than 3 points.
    """
    if not t_s > 0.0:
        raise ValueError(f"t_s must be > 0 (got {t_s})")
    z, c = _prepare(z_um, c)
    c_l = float(c[0]) if c_left is None else float(c_left)
    c_r = float(c[-1]) if c_right is None else float(c_right)
    if c_l == c_r:
        raise ValueError("c_left and c_right are equal: no step to analyse")
    s = 1.0 if c_r > c_l else -1.0
    c = isotonic(c, increasing=s > 0)
    if smooth_um > 0.0:
        c = gaussian_smooth(z, c, smooth_um)
    z_m = matano_plane(z, c, c_l, c_r)

    h = np.diff(z)
    zm = z[:-1] + 0.5 * h
    cm = 0.5 * (c[:-1] + c[1:])
    slope = np.diff(c) / h
    # Left integral int_{z0}^{z*} (c - c_L) dz: cumulative trapezoid to node i, plus half a cell.
    cell_left = 0.5 * ((c[:-1] - c_l) + (c[1:] - c_l)) * h
    cum_left = np.concatenate([[0.0], np.cumsum(cell_left)])[:-1]
    int_left = cum_left + 0.5 * h * 0.5 * ((c[:-1] - c_l) + (cm - c_l))
    # Right integral int_{z*}^{z_end} (c_R - c) dz: reverse cumulative, plus half a cell.
    cell_right = 0.5 * ((c_r - c[:-1]) + (c_r - c[1:])) * h
    cum_right = np.concatenate([np.cumsum(cell_right[::-1])[::-1], [0.0]])[1:]
    int_right = cum_right + 0.5 * h * 0.5 * ((c_r - cm) + (c_r - c[1:]))
    q = (cm - c_l) / (c_r - c_l)
    i_left = (zm - z_m) * (cm - c_l) - int_left
    i_right = (zm - z_m) * (cm - c_r) - int_right
    integral = np.where(q < 0.5, i_left, i_right)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = -integral / (2.0 * t_s * slope)
    valid = (q > q_min) & (q < 1.0 - q_min) & (s * slope > 0.0) & np.isfinite(d)
    return MatanoResult(
        t_s=float(t_s), c_left=c_l, c_right=c_r, z_matano_um=float(z_m),
        z_um=zm[valid], c=cm[valid], dcdz_per_um=slope[valid], D_um2_per_s=d[valid],
        z_profile_um=z, c_profile=c,
    )


# --------------------------------------------------------------------------- files and CLI


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_profile(path, column: str | None = None) -> tuple[np.ndarray, np.ndarray, float | None]:
    """Read (z [µm], c, t_s or None) from a solver profile CSV or a plain CSV.

    A file whose first line is ``# t_s=...`` is read with
    :func:`solver.outputs.read_profile_csv` (column default ``y``). Any other file: lines starting
    with '#' are skipped; a first row that is not all numbers is a header; z is the column named
    ``z_um`` (else the first), c the column named or indexed by ``column`` (else the second).

    Returns:
        ``(z_um, c, t_s)``: two 1-D float arrays of the same length (one entry per data row) and
        the time [s] of a solver profile, or None for a plain CSV.

    Raises:
        OSError: the file cannot be opened.
        ValueError: unknown column or unreadable numbers.
    """
    path = Path(path)
    with open(path, encoding="utf-8") as fh:
        first = fh.readline()
    if first.startswith("# t_s="):
        return _read_solver_profile(path, column)
    header, data = _read_plain_table(path)
    iz = header.index("z_um") if header and "z_um" in header else 0
    ic = _plain_column_index(path, column, header, data.shape[1], iz)
    return data[:, iz], data[:, ic], None


def _read_solver_profile(path: Path, column: str | None
                         ) -> tuple[np.ndarray, np.ndarray, float]:
    """``(z_um, c, t_s)`` of a solver profile CSV; ``c`` is the column ``column`` (default ``y``).

    Raises:
        ValueError: no such column (the message lists the file's columns).
    """
    from solver.io.files import read_profile_csv

    t_s, cols = read_profile_csv(path)
    name = column or "y"
    if name not in cols:
        raise ValueError(f"{path}: no column {name!r} (columns: {', '.join(cols)})")
    return cols["z_um"], cols[name], t_s


def _read_plain_table(path: Path) -> tuple[list[str] | None, np.ndarray]:
    """The header (list of names, or None) and the numbers, shape (rows, columns), of a plain CSV.

    Blank lines and lines starting with '#' are skipped; fields are separated by ',' or ';'; a
    first row that is not all numbers is the header.

    Raises:
        ValueError: no data rows, a field that is not a number, rows of unequal length, or fewer
            than two columns.
    """
    rows = _csv_rows(path)
    if not rows:
        raise ValueError(f"{path}: no data")
    header = None
    if not all(_is_number(f) for f in rows[0]):
        header, rows = rows[0], rows[1:]
    data = np.array([[float(f) for f in r] for r in rows], dtype=float)
    if data.ndim != 2 or data.shape[1] < 2:
        raise ValueError(f"{path}: need at least two columns (z_um, c)")
    return header, data


def _csv_rows(path: Path) -> list[list[str]]:
    """The fields (stripped strings) of each line of ``path`` that is neither blank nor a '#'
    comment; ',' and ';' both separate fields."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            rows.append([f.strip() for f in text.replace(";", ",").split(",")])
    return rows


def _plain_column_index(path: Path, column: str | None, header: list[str] | None,
                        n_columns: int, iz: int) -> int:
    """Index of the concentration column of a plain CSV.

    ``column`` None: the second column if z is the first (``iz == 0``), else the first;
    otherwise the header name ``column``, else ``column`` as a 0-based index < ``n_columns``.

    Raises:
        ValueError: ``column`` is neither a header name nor a valid index.
    """
    if column is None:
        return 1 if iz == 0 else 0
    if header and column in header:
        return header.index(column)
    if column.isdigit() and int(column) < n_columns:
        return int(column)
    raise ValueError(f"{path}: no column {column!r}" + (f" (header: {', '.join(header)})"
                                                         if header else ""))


def write_result_csv(path, result: MatanoResult) -> Path:
    """Write z_um, c, q, dcdz_per_um, D_cm2_per_s at the evaluation points (``%.10e``)."""
    from solver.io.files import write_text_atomic

    lines = [
        (f"# Boltzmann-Matano: t_s={result.t_s:.10e} c_left={result.c_left:.10e} "
         f"c_right={result.c_right:.10e} z_matano_um={result.z_matano_um:.10e}"),
        "z_um,c,q,dcdz_per_um,D_cm2_per_s",
    ]
    for row in zip(result.z_um, result.c, result.q, result.dcdz_per_um, result.D_cm2_per_s,
                   strict=True):
        lines.append(",".join(f"{v:.10e}" for v in row))
    return write_text_atomic(path, "\n".join(lines) + "\n")


def main(argv=None) -> int:
    """Command-line entry point; returns the exit code (0 ok, 2 bad input)."""
    parser = argparse.ArgumentParser(
        prog="python -m solver.analysis.matano",
        description="Boltzmann-Matano D(c) from a profile c(z) at time t (z in um, t in s, "
        "D in cm^2/s).",
    )
    parser.add_argument("profile", help="solver profile CSV or any CSV with columns z_um, c")
    parser.add_argument("--t-s", type=float, default=None,
                        help="time since the initial step [s] (default: the '# t_s=' line)")
    parser.add_argument("--column", default=None,
                        help="concentration column name or index (default: y / second column)")
    parser.add_argument("--c-left", type=float, default=None,
                        help="initial plateau value at the left end (default: profile end)")
    parser.add_argument("--c-right", type=float, default=None,
                        help="initial plateau value at the right end (default: profile end)")
    parser.add_argument("--smooth-um", type=float, default=0.0,
                        help="Gaussian smoothing width [um] for noisy data (default 0: none)")
    parser.add_argument("--q-min", type=float, default=0.01,
                        help="skip normalized concentrations within this of 0 and 1")
    parser.add_argument("--out", default=None, help="write z_um,c,q,dcdz,D_cm2_per_s here")
    args = parser.parse_args(argv)
    try:
        z, c, t_file = read_profile(args.profile, args.column)
        t_s = args.t_s if args.t_s is not None else t_file
        if t_s is None:
            raise ValueError("--t-s is required for a file without a '# t_s=' line")
        res = boltzmann_matano(z, c, t_s, args.c_left, args.c_right, args.smooth_um, args.q_min)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"t = {res.t_s:.6g} s, c_left = {res.c_left:.6g}, c_right = {res.c_right:.6g}, "
          f"Matano plane z_M = {res.z_matano_um:.6g} um, {res.c.size} points")
    print(f"{'q':>5} {'c':>10} {'z [um]':>10} {'D [cm^2/s]':>12}")
    for q in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        c_q = res.c_left + q * (res.c_right - res.c_left)
        d_q = float(res.D_at([c_q])[0])
        z_q = float(np.interp(c_q, np.sort(res.c), res.z_um[np.argsort(res.c)],
                              left=np.nan, right=np.nan)) if res.c.size else math.nan
        print(f"{q:5.2f} {c_q:10.4g} {z_q:10.4g} {d_q:12.4e}")
    if args.out:
        write_result_csv(args.out, res)
        print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
