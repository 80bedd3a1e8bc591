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

import contextlib
import csv
import fcntl
import io
import json
import logging
import math
import os
import platform
import shutil
import socket
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

import numpy as np

__all__ = [
    "LOCK_NAME",
    "PROFILE_COLUMNS",
    "SUMMARY",
    "OutputDir",
    "OutputError",
    "begin_run",
    "locked_output_dir",
    "os_reason",
    "output_dir_problem",
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
SUMMARY = "summary.json"
#: Lock file inside an output directory while a run or campaign uses it (see :class:`OutputDir`).
LOCK_NAME = ".perovskite-ions.lock"
#: What a fresh run (not a restart) removes of an earlier run in its output directory.
STALE_OUTPUTS = ("timeseries.csv", "profiles/t_*.csv", "figures/*.png", "fields/state.bp",
                 "checkpoint", "pl/*.csv")

_log = logging.getLogger("solver.outputs")


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


# --------------------------------------------------------------------------- output directory


class OutputError(Exception):
    """An output directory or file that cannot be used or written; ``str(err)`` is one line."""


def os_reason(exc: OSError) -> str:
    """The system's reason of ``exc`` (``No space left on device``), without the path."""
    return exc.strerror or str(exc)


#: Output directories locked by this process: real path -> [OutputDir, number of holders].
_HELD: dict[str, list] = {}


class OutputDir:
    """A run's (or campaign's) output directory, created if missing and locked while in use.

    :meth:`acquire` creates the missing directories one by one (remembering which), then takes
    an exclusive ``fcntl.flock`` on ``<dir>/.perovskite-ions.lock`` and writes the holder (pid,
    host, start time) into it. A second process asking for the same directory gets an
    :class:`OutputError` naming the holder. The kernel drops the lock when the holder exits,
    however it ends (SIGKILL, crash), so a stale lock file never blocks a later run. Within one
    process the lock is re-entrant (the CLI holds it and ``run_case`` asks again).

    :meth:`release` removes the lock file, drops the lock and removes the directories that
    :meth:`acquire` created if they are still empty (an input error found after the directory
    was opened leaves nothing behind).

    Filesystems without ``flock`` support (some FUSE mounts) are used unlocked, with a warning;
    NFS emulates ``flock`` with POSIX locks on Linux.
    """

    def __init__(self, path) -> None:
        self.path = Path(path)
        self.created: list[Path] = []
        self._fd: int | None = None
        self._key: str | None = None

    @property
    def lock_path(self) -> Path:
        return self.path / LOCK_NAME

    def _make_dirs(self) -> None:
        """Create the missing components of ``path``; on failure remove what was created."""
        missing = []
        p = self.path
        try:
            while not p.exists() and not p.is_symlink() and p != p.parent:
                missing.append(p)
                p = p.parent
        except OSError as exc:  # e.g. a name too long, a parent that cannot be searched
            raise OutputError(f"output directory {self.path}: {os_reason(exc)}") from None
        for d in reversed(missing):
            try:
                d.mkdir()
            except FileExistsError:
                if not d.is_dir():
                    self._rollback()
                    raise OutputError(f"output directory {self.path}: {d} exists and is not a "
                                      "directory") from None
            except NotADirectoryError:
                self._rollback()
                raise OutputError(f"output directory {self.path}: cannot create it, {d.parent} "
                                  "is a file, not a directory") from None
            except OSError as exc:
                self._rollback()
                what = "it" if d == self.path else str(d)
                raise OutputError(f"output directory {self.path}: cannot create {what} "
                                  f"({os_reason(exc)})") from None
            else:
                self.created.append(d)
        if not self.path.is_dir():
            raise OutputError(f"output directory {self.path} exists and is not a directory")

    def _rollback(self) -> None:
        for d in reversed(self.created):
            with contextlib.suppress(OSError):
                d.rmdir()
        self.created.clear()

    def holder(self) -> str:
        """Who holds the lock, from the lock file (``pid 123 on host h since ...``)."""
        try:
            info = json.loads(self.lock_path.read_text(encoding="utf-8"))
            return f"pid {info['pid']} on host {info['host']} since {info['since_utc']}"
        except (OSError, ValueError, KeyError, TypeError):
            return "another process"

    def acquire(self) -> Self:
        """Create (if needed) and lock the directory.

        Raises:
            OutputError: the directory cannot be created or written (read-only, a file in the
                way, a name too long, ...), or another process holds its lock.
        """
        self._make_dirs()
        self._key = os.path.realpath(self.path)
        held = _HELD.get(self._key)
        if held is not None:  # this process holds it already
            held[1] += 1
            return self
        for _ in range(20):  # retry if the holder removed the lock file while we opened it
            try:
                fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as exc:
                self._rollback()
                raise OutputError(f"output directory {self.path} is not writable "
                                  f"({os_reason(exc)})") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                self._rollback()
                raise OutputError(f"output directory {self.path} is in use by another run "
                                  f"({self.holder()}); wait for it to finish or choose another "
                                  "--output") from None
            except OSError as exc:  # no lock support on this filesystem
                _log.warning("cannot lock %s (%s): a second run on this directory would not be "
                             "detected", self.path, os_reason(exc))
            try:  # still the file at lock_path (not one its holder unlinked meanwhile)?
                a, b = os.fstat(fd), os.stat(self.lock_path)
                same = (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        else:
            self._rollback()
            raise OutputError(f"output directory {self.path}: cannot take its lock "
                              f"{self.lock_path}")
        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "since_utc": datetime.now(UTC).isoformat(timespec="seconds")}
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
        except OSError:  # e.g. a full disk: the lock holds without the holder's name
            pass
        self._fd = fd
        _HELD[self._key] = [self, 1]
        return self

    def release(self) -> None:
        """Drop the lock (the last holder in this process removes the lock file) and remove the
        directories :meth:`acquire` created if they are empty."""
        held = _HELD.get(self._key) if self._key else None
        if held is not None and held[0] is not self:
            held[1] -= 1
            return
        if held is not None:
            held[1] -= 1
            if held[1] > 0:
                return
            del _HELD[self._key]
        if self._fd is not None:
            with contextlib.suppress(OSError):
                self.lock_path.unlink()  # while still holding the lock (see acquire)
            os.close(self._fd)
            self._fd = None
        self._rollback()  # only empty directories go

    def __enter__(self) -> Self:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def output_dir_problem(path) -> str | None:
    """Why ``path`` could not be created or written as an output directory, found without
    creating anything (for ``--check``); None if it looks usable. A lock held by another run is
    not a problem here (the run checks it when it starts)."""
    path = Path(path)
    p, missing = path, []
    try:
        while not p.exists() and not p.is_symlink() and p != p.parent:
            missing.append(p)
            p = p.parent
        if not p.is_dir():
            if missing:
                return (f"output directory {path}: cannot create it, {p} is a file, not a "
                        "directory")
            return f"output directory {path} exists and is not a directory"
        try:
            name_max = os.pathconf(p, "PC_NAME_MAX")
        except (OSError, ValueError):
            name_max = 255
        for d in missing:
            if len(os.fsencode(d.name)) > name_max:
                what = "it" if d == path else str(d)
                return f"output directory {path}: cannot create {what} (File name too long)"
        if not os.access(p, os.W_OK | os.X_OK):
            verb = f"cannot create it, {p} is" if missing else "is"
            return f"output directory {path}: {verb} not writable"
    except OSError as exc:
        return f"output directory {path}: {os_reason(exc)}"
    return None


@contextlib.contextmanager
def locked_output_dir(path, comm):
    """Collective: MPI rank 0 opens and locks ``path`` (:class:`OutputDir`) for the block.

    Raises:
        OutputError: on every rank, if rank 0 cannot open or lock the directory.
    """
    handle, error = None, None
    if comm.rank == 0:
        handle = OutputDir(path)
        try:
            handle.acquire()
        except OutputError as exc:
            error = str(exc)
    error = comm.bcast(error, root=0)
    if error:
        raise OutputError(error)
    try:
        yield handle
    finally:
        if handle is not None:
            handle.release()


def begin_run(path, record: dict, *, fresh: bool) -> None:
    """Mark ``path`` as holding a run in progress, before the run writes anything else.

    No summary of an earlier run may survive into this one: ``summary.json`` is replaced by
    ``record`` (``status: running``), or removed if even that cannot be written. With ``fresh``
    (a new run, not a restart) the old summary is removed first and the outputs of an earlier
    run are deleted (:data:`STALE_OUTPUTS`: time series, profiles, figures, fields, checkpoint),
    which also frees their space.

    Raises:
        OSError: ``summary.json`` cannot be written (it is then absent).
    """
    path = Path(path)
    summary = path / SUMMARY
    if fresh:
        summary.unlink(missing_ok=True)
        for pattern in STALE_OUTPUTS:
            for old in path.glob(pattern):
                if old.is_dir() and not old.is_symlink():
                    shutil.rmtree(old)
                else:
                    old.unlink(missing_ok=True)
    try:
        write_json(summary, record)
    except OSError:
        summary.unlink(missing_ok=True)
        raise


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
