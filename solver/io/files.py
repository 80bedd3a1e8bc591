"""Output files written atomically: JSON, time-series and profile CSV, and their readers.

Every writer creates the parent directory, writes to a temporary file in the same directory and
moves it into place with ``os.replace`` (:func:`write_atomic`), so a reader never sees a
half-written file. numpy only; no dolfinx.

File formats:
    JSON: UTF-8, indent 2, strict (NaN and infinities are written as ``null``).
    Time series CSV: one header line with the column names, then one line per row; floats in
        ``%.10e``, integers and booleans as integers, None/missing as an empty field.
    Profile CSV: a comment line ``# t_s=<t in %.10e>``, a header line
        ``z_um,y,x_Br,x_V,psi_V,E_V_per_um`` (``x_Br``: the first halide of the pair), then one
        line per node in ``%.10e``.

Code that must be able to replace a writer (tests simulating a full disk) calls it through the
module (``files.write_json``), so that patching ``solver.io.files.write_json`` reaches it.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np

__all__ = [
    "FLOAT_FMT",
    "PROFILE_COLUMNS",
    "read_profile_csv",
    "read_timeseries_csv",
    "to_jsonable",
    "write_atomic",
    "write_json",
    "write_profile_csv",
    "write_text_atomic",
    "write_timeseries_csv",
]

PROFILE_COLUMNS = ("z_um", "y", "x_Br", "x_V", "psi_V", "E_V_per_um")
FLOAT_FMT = "%.10e"


# --------------------------------------------------------------------------- atomic writes


def write_atomic(path, write, *, binary: bool = False) -> Path:
    """Write ``path`` atomically: ``write(fh)`` fills a temporary file in the same directory,
    which is fsynced and moved into place with ``os.replace``; on any error it is removed (and
    an ``OSError`` names ``path`` as its ``filename``), and an existing ``path`` is unchanged.

    Args:
        path: destination; parent directories are created.
        write: callable receiving the open file handle (text: UTF-8, no newline translation).
        binary: open the temporary file in binary mode.

    Returns:
        The destination path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        mode = {"mode": "wb"} if binary else {"mode": "w", "encoding": "utf-8", "newline": ""}
        with os.fdopen(fd, **mode) as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        if exc.errno is None:
            raise
        raise OSError(exc.errno, exc.strerror, os.fspath(path)) from exc  # name the destination
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`write_atomic`)."""
    return write_atomic(path, lambda fh: fh.write(text))


# --------------------------------------------------------------------------- JSON


def to_jsonable(obj, *, keep_nonfinite: bool = False):
    """Recursively convert ``obj`` to plain JSON types.

    numpy scalars become Python scalars, arrays become (nested) lists, tuples become lists,
    paths become strings, mapping keys become strings, non-finite floats become None (strict
    JSON) or, with ``keep_nonfinite``, stay as they are (checkpoints: ``json`` writes NaN and
    Infinity and reads them back exactly).

    Raises:
        TypeError: for objects with no JSON representation.
    """
    def rec(value):
        return to_jsonable(value, keep_nonfinite=keep_nonfinite)

    if isinstance(obj, dict):
        return {str(k): rec(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [rec(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return rec(obj.tolist())
    if isinstance(obj, np.generic):
        return rec(obj.item())
    if isinstance(obj, float):
        return obj if (keep_nonfinite or math.isfinite(obj)) else None
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    raise TypeError(f"cannot write {type(obj).__name__} to JSON")


def write_json(path, data) -> Path:
    """Write ``data`` as strict JSON (indent 2, trailing newline) atomically.

    Args:
        path: destination file.
        data: JSON-like structure; numpy values are converted (see :func:`to_jsonable`).

    Returns:
        The destination path.
    """
    text = json.dumps(to_jsonable(data), indent=2, allow_nan=False) + "\n"
    return write_text_atomic(path, text)


# --------------------------------------------------------------------------- CSV


def _csv_field(value) -> str:
    """One CSV field: floats in FLOAT_FMT, ints/bools as ints, None as empty, else str."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None:
        return ""
    if isinstance(value, (bool, int)):
        return str(int(value))
    if isinstance(value, float):
        return FLOAT_FMT % value
    return str(value)


def _columns_of(rows: list[dict]) -> list[str]:
    """Column names in order of first appearance over all rows."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    return list(columns)


def write_timeseries_csv(path, rows: list[dict], columns: list[str] | None = None) -> Path:
    """Write one row per dict, with a header line, atomically.

    Args:
        path: destination file.
        rows: records; a key missing from a row gives an empty field.
        columns: column order; default: keys in order of first appearance over the rows.

    Returns:
        The destination path.
    """
    columns = list(columns) if columns is not None else _columns_of(rows)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_field(row.get(c)) for c in columns])
    return write_text_atomic(path, buf.getvalue())


def _parse_column(values: list[str]):
    """Float array if every non-empty field parses as a float (empty -> nan), else the strings."""
    try:
        return np.array([float(v) if v != "" else np.nan for v in values], dtype=float)
    except ValueError:
        return values


def read_timeseries_csv(path) -> dict:
    """Read a file written by :func:`write_timeseries_csv`.

    Returns:
        Mapping column name -> float array (or list of str for non-numeric columns).
    """
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        data = list(reader)
    return {name: _parse_column([r[i] for r in data]) for i, name in enumerate(header)}


def write_profile_csv(path, z_um, y, x_br, x_v, psi_V, E_V_per_um, t_s: float, *,
                      fraction_column: str = PROFILE_COLUMNS[2],
                      extra_columns: dict | None = None) -> Path:
    """Write one profile (nodes sorted by z) at time ``t_s`` atomically.

    Args:
        path: destination file.
        z_um: node coordinates [um].
        y: composition x_Br / (x_Br + x_Cl) [-] (the first halide's share of the halides).
        x_br: site fraction of the first halide (bromide) [-].
        x_v: vacancy site fraction [-].
        psi_V: electrostatic potential [V].
        E_V_per_um: electric field -dpsi/dz [V/um].
        t_s: time of the profile [s].
        fraction_column: name of the ``x_br`` column, from the case's halide pair
            (``solver.model.species.output_names``; ``x_Br`` for the shipped pairs).
        extra_columns: more columns by name (e.g. ``theta``, a body's surface inventory),
            after the standard ones; None: none (the wire's files are unchanged).

    Returns:
        The destination path.

    Raises:
        ValueError: if the arrays differ in length.
    """
    extra = dict(extra_columns or {})
    cols = [np.asarray(c, dtype=float).ravel()
            for c in (z_um, y, x_br, x_v, psi_V, E_V_per_um, *extra.values())]
    if len({c.size for c in cols}) != 1:
        raise ValueError(f"profile columns differ in length: {[c.size for c in cols]}")
    buf = io.StringIO()
    buf.write(f"# t_s={FLOAT_FMT % float(t_s)}\n")
    header = (*PROFILE_COLUMNS[:2], fraction_column, *PROFILE_COLUMNS[3:], *extra)
    buf.write(",".join(header) + "\n")
    np.savetxt(buf, np.column_stack(cols), fmt=FLOAT_FMT, delimiter=",")
    return write_text_atomic(path, buf.getvalue())


def read_profile_csv(path) -> tuple[float, dict]:
    """Read a file written by :func:`write_profile_csv`.

    Returns:
        ``(t_s, {column: float array})`` with the columns of PROFILE_COLUMNS.
    """
    with open(path, encoding="utf-8") as fh:
        first = fh.readline().strip()
        header = fh.readline().strip().split(",")
        data = np.loadtxt(fh, delimiter=",", ndmin=2)
    if not first.startswith("# t_s="):
        raise ValueError(f"{path}: first line is not '# t_s=...'")
    if data.size == 0:
        data = np.empty((0, len(header)))
    return float(first.split("=", 1)[1]), {name: data[:, i] for i, name in enumerate(header)}
