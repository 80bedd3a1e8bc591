"""A run's output directory: creation, the lock against a second run, and the start of a run.

:class:`OutputDir` creates and locks a directory (``fcntl.flock`` on :data:`LOCK_NAME`),
:func:`locked_output_dir` does it collectively for an MPI run, :func:`output_dir_problem` says
why a path could not be used without creating anything (``--check``), and :func:`begin_run` /
:func:`begin_outputs` mark a directory as holding a run in progress before anything else is
written (docs/reliability.md). No dolfinx.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from solver.io import files

__all__ = [
    "LOCK_NAME",
    "STALE_OUTPUTS",
    "SUMMARY",
    "OutputDir",
    "OutputError",
    "begin_outputs",
    "begin_run",
    "locked_output_dir",
    "os_reason",
    "output_dir_problem",
]

SUMMARY = "summary.json"
#: Lock file inside an output directory while a run or campaign uses it (see :class:`OutputDir`).
LOCK_NAME = ".perovskite-ions.lock"
#: What a fresh run (not a restart) removes of an earlier run in its output directory.
STALE_OUTPUTS = ("timeseries.csv", "profiles/t_*.csv", "figures/*.png", "fields/state.bp",
                 "checkpoint", "pl/*.csv")

_log = logging.getLogger(__name__)


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
        files.write_json(summary, record)
    except OSError:
        summary.unlink(missing_ok=True)
        raise


def begin_outputs(out: Path, comm, case, case_path, overrides, restarts: int, *,
                  fresh: bool) -> None:
    """Before the run writes anything: ``summary.json`` says ``running`` (no summary of an
    earlier run survives), a fresh run removes the outputs of an earlier one (with its
    checkpoint), and the output subdirectories exist. Collective.

    Args:
        out: the run's output directory (opened and locked by rank 0).
        comm: MPI communicator of the run.
        case: the validated case (``solver.config.Case``).
        case_path: the case file, recorded in the summary (None without one).
        overrides: the ``--set`` overrides, recorded in the summary.
        restarts: how many times the run was restarted so far.
        fresh: a new run (not a restart): :func:`begin_run` removes the earlier outputs.

    Raises:
        OutputError: the output directory cannot be written (nothing was computed).
    """
    from solver.config import case_to_dict  # reading or locking outputs needs no pydantic

    error = None
    if comm.rank == 0:
        started = datetime.now(UTC).isoformat(timespec="seconds")
        record = {
            "status": "running",
            "message": f"started {started} by pid {os.getpid()} on {socket.gethostname()}; if "
                       "that process has ended, it was killed: continue with --restart (if a "
                       "checkpoint exists) or rerun with --force",
            "case_name": case.name, "restarts": restarts, "case_file": case_path,
            "overrides": list(overrides), "case": case_to_dict(case),
        }
        try:
            begin_run(out, record, fresh=fresh)
            # figures/ is created when a figure is written, fields/ only for VTX output: a
            # run with figures or fields off leaves no empty folder.
            for sub in ("profiles", *(("fields",) if case.output.vtx else ())):
                (out / sub).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            where = f" {exc.filename}" if exc.filename else ""
            left = ("summary.json could not be removed" if (out / SUMMARY).exists()
                    else "no summary.json remains")
            error = (f"output directory {out}: cannot write{where} ({os_reason(exc)}); "
                     f"nothing was computed, {left}")
    error = comm.bcast(error, root=0)
    if error:
        raise OutputError(error)
