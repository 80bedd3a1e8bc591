"""Run outputs: provenance record, JSON summary and CSV files, all written atomically.

No dolfinx at module import: :func:`provenance` imports the FEniCSx stack lazily. Every writer
creates the parent directory, writes to a temporary file in the same directory and moves it into
place with ``os.replace``, so a reader never sees a half-written file.

File formats:
    JSON: UTF-8, indent 2, strict (NaN and infinities are written as ``null``).
    Time series CSV: one header line with the column names, then one line per row; floats in
        ``%.10e``, integers and booleans as integers, None/missing as an empty field.
    Profile CSV: a comment line ``# t_s=<t in %.10e>``, a header line
        ``z_um,y,x_Br,x_V,psi_V,E_V_per_um``, then one line per node in ``%.10e``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import platform
import socket
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

__all__ = [
    "PROFILE_COLUMNS",
    "provenance",
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
_GIT_TIMEOUT_S = 10.0
GIT_COMMIT_ENV = "PEROVSKITE_IONS_GIT_COMMIT"  # set from the Docker build argument GIT_COMMIT


# --------------------------------------------------------------------------- provenance


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess | None:
    """Run ``git args`` in ``cwd``; None if git is missing or times out."""
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              timeout=_GIT_TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError):
        return None


def git_info(path: Path) -> dict:
    """Commit and dirty flag of the git work tree that contains ``path``.

    A ``path`` outside any work tree, or ignored by it (e.g. an installed copy inside a
    repository's ``.venv``), gives ``{"commit": None, "dirty": None}``. In a repository without
    commits ``commit`` is None and ``dirty`` True. ``dirty`` ignores untracked files.

    Args:
        path: a directory (normally the ``solver`` package directory).

    Returns:
        ``{"commit": str | None, "dirty": bool | None}``.
    """
    none = {"commit": None, "dirty": None}
    top = _git(["rev-parse", "--show-toplevel"], path)
    if top is None or top.returncode != 0:
        return none
    ignored = _git(["check-ignore", "-q", str(path)], path)
    if ignored is not None and ignored.returncode == 0:
        return none
    head = _git(["rev-parse", "HEAD"], path)
    if head is None or head.returncode != 0:
        return {"commit": None, "dirty": True}
    status = _git(["status", "--porcelain", "--untracked-files=no"], path)
    dirty = None if status is None or status.returncode != 0 else bool(status.stdout.strip())
    return {"commit": head.stdout.strip(), "dirty": dirty}


def recorded_git_info() -> dict | None:
    """The commit recorded at build time for a copy without ``.git`` (the Docker image), or None.

    Read from the environment variable ``PEROVSKITE_IONS_GIT_COMMIT`` (the Dockerfile sets it from
    ``--build-arg GIT_COMMIT=...``): ``<sha>`` gives ``{"commit": sha, "dirty": None}`` (not
    known), ``<sha>-dirty`` gives ``dirty`` True. Unset or empty: None.
    """
    value = os.environ.get(GIT_COMMIT_ENV, "").strip()
    if not value:
        return None
    dirty = value.endswith("-dirty")
    return {"commit": value.removesuffix("-dirty"), "dirty": True if dirty else None}


def _module_version(name: str) -> str | None:
    """``__version__`` of module ``name``; None if it cannot be imported."""
    try:
        module = __import__(name, fromlist=["__version__"])
        return str(getattr(module, "__version__", None) or "") or None
    except Exception:  # noqa: BLE001  (any import failure just means "unknown")
        return None


def _petsc_version() -> str | None:
    """PETSc library version ``major.minor.subminor`` via petsc4py; None if unavailable."""
    try:
        from petsc4py import PETSc

        return ".".join(str(v) for v in PETSc.Sys.getVersion())
    except Exception:  # noqa: BLE001
        return None


def _mpi_size() -> int | None:
    """``MPI.COMM_WORLD.size``; None if mpi4py is unavailable."""
    try:
        from mpi4py import MPI

        return int(MPI.COMM_WORLD.size)
    except Exception:  # noqa: BLE001
        return None


def provenance() -> dict:
    """Where and with what a result was produced.

    Imports dolfinx, basix, ufl, ffcx, petsc4py and mpi4py lazily (after ``solver``, whose
    import sets up the dolfinx runtime). A component that cannot be imported is reported None.

    Returns:
        ``{"package": "perovskite-ions", "version": solver.__version__,
        "git": {"commit", "dirty"} (of the work tree holding ``solver``; without one, the
        commit recorded at build time, :func:`recorded_git_info`), "versions": {"python",
        "dolfinx", "basix", "ufl", "ffcx",
        "petsc4py", "petsc", "mpi4py", "numpy"}, "mpi_size": int, "hostname": str,
        "timestamp_utc": ISO 8601 str}``.
    """
    import solver

    versions = {"python": platform.python_version()}
    for name in ("dolfinx", "basix", "ufl", "ffcx", "petsc4py"):
        versions[name] = _module_version(name)
    versions["petsc"] = _petsc_version()
    versions["mpi4py"] = _module_version("mpi4py")
    versions["numpy"] = np.__version__
    git = git_info(Path(solver.__file__).resolve().parent)
    if git["commit"] is None:
        git = recorded_git_info() or git
    return {
        "package": "perovskite-ions",
        "version": solver.__version__,
        "git": git,
        "versions": versions,
        "mpi_size": _mpi_size(),
        "hostname": socket.gethostname(),
        "timestamp_utc": datetime.now(UTC).isoformat(timespec="seconds"),
    }


# --------------------------------------------------------------------------- atomic writes


def write_atomic(path, write, *, binary: bool = False) -> Path:
    """Write ``path`` atomically: ``write(fh)`` fills a temporary file in the same directory,
    which is fsynced and moved into place with ``os.replace``; on any error it is removed.

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


def write_profile_csv(path, z_um, y, x_br, x_v, psi_V, E_V_per_um, t_s: float) -> Path:
    """Write one profile (nodes sorted by z) at time ``t_s`` atomically.

    Args:
        path: destination file.
        z_um: node coordinates [um].
        y: composition x_Br / (x_Br + x_Cl) [-].
        x_br: bromide site fraction [-].
        x_v: vacancy site fraction [-].
        psi_V: electrostatic potential [V].
        E_V_per_um: electric field -dpsi/dz [V/um].
        t_s: time of the profile [s].

    Returns:
        The destination path.

    Raises:
        ValueError: if the arrays differ in length.
    """
    cols = [np.asarray(c, dtype=float).ravel() for c in (z_um, y, x_br, x_v, psi_V, E_V_per_um)]
    if len({c.size for c in cols}) != 1:
        raise ValueError(f"profile columns differ in length: {[c.size for c in cols]}")
    buf = io.StringIO()
    buf.write(f"# t_s={FLOAT_FMT % float(t_s)}\n")
    buf.write(",".join(PROFILE_COLUMNS) + "\n")
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
