"""The form-compilation cache (dolfinx/FFCx JIT): usable, locked while a run compiles, stale
locks removed.

dolfinx compiles every form to a C extension (FFCx, cffi) in a cache directory, by default
``$XDG_CACHE_HOME/fenics`` (``~/.cache/fenics``; ``dolfinx.jit.get_options()["cache_dir"]``,
also settable in ``dolfinx_jit_options.json``). FFCx locks a module by creating its empty
``libffcx_*.c`` file exclusively; ``libffcx_*.c.cached`` beside it marks the module complete.
A process killed while compiling (SIGKILL, a node failure) leaves the ``.c`` without
``.c.cached``, and every later compile of that module waits for it for dolfinx's ``timeout``
(10 s) and raises ``TimeoutError``. Here:

- :func:`ensure_usable_cache`: a cache directory that cannot be created or written (``~/.cache``
  read-only, or a file) is replaced for this process by a private temporary directory, removed
  at exit, with a warning: the cache is an implementation detail, so an unusable one costs
  compile time (seconds in 1D), not the run.
- :func:`compile_lock`: a run holds an exclusive ``flock`` on ``<cache>/.perovskite-ions-jit.lock``
  while it builds its problem (where its forms are compiled). The kernel releases it however the
  holder ends, so a ``.c`` lock that FFCx timed out on while this lock is held belongs to no
  live run of this program: :func:`stale_lock` names it and the caller removes it and compiles
  again. Concurrent runs (campaign members) also no longer time out on each other's slow 3D
  compiles: they wait for the lock instead (at most :data:`LOCK_WAIT_S`).
"""

from __future__ import annotations

import atexit
import errno
import fcntl
import gc
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from solver.logging_setup import get_logger

log = get_logger("jit")

#: The run's lock file inside the cache directory.
LOCK_NAME = ".perovskite-ions-jit.lock"
#: How long a run waits for another run's compile lock before compiling without it [s].
LOCK_WAIT_S = 600.0
#: The ``.c`` file FFCx's timeout message tells to remove.
_LOCK_IN_MESSAGE = re.compile(r"remove (\S+\.c)\)")


def cache_dir() -> Path:
    """The directory dolfinx compiles forms into (its options as merged now)."""
    from dolfinx import jit

    return Path(jit.get_options()["cache_dir"])


def ensure_usable_cache() -> str | None:
    """Make sure dolfinx compiles into a directory it can create and write.

    Returns:
        None if the configured cache is usable, else the warning to log: dolfinx's default cache
        directory now is a private temporary one (removed when the process exits).

    Raises:
        OSError: not even a temporary directory can be created.
    """
    from dolfinx import jit

    directory = cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory, prefix=".probe-"):
            pass
        return None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        where = f"{exc.filename}: " if exc.filename and str(exc.filename) != str(directory) else ""
    private = Path(tempfile.mkdtemp(prefix="perovskite-ions-jit-"))
    atexit.register(shutil.rmtree, private, ignore_errors=True)
    doc = jit.DOLFINX_DEFAULT_JIT_OPTIONS["cache_dir"][1]
    jit.DOLFINX_DEFAULT_JIT_OPTIONS["cache_dir"] = (private, doc)
    # matplotlib (the figures) caches under the same unusable XDG_CACHE_HOME: one warning only
    os.environ.setdefault("MPLCONFIGDIR", str(private / "matplotlib"))
    return (f"form cache {directory} cannot be used ({where}{reason}): the forms are compiled "
            f"in {private} for this run (removed at its end); point XDG_CACHE_HOME at a "
            "writable directory to keep them between runs")


@contextmanager
def compile_lock(give_up: Callable[[], bool] = lambda: False) -> Iterator[bool]:
    """Hold the cache's run lock (exclusive ``flock``) for the ``with`` block.

    Args:
        give_up: polled while another run holds the lock; True stops waiting (e.g. a stop
            signal arrived).

    Yields:
        True if the lock is held; False if it could not be taken (a filesystem without
        ``flock``, an unwritable lock file, waited :data:`LOCK_WAIT_S`, or ``give_up``): the
        block then runs without it, as dolfinx alone would.
    """
    try:
        fd = os.open(cache_dir() / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        log.debug("form cache lock not used: %s", exc)
        yield False
        return
    try:
        yield _acquire(fd, give_up)
    finally:
        os.close(fd)  # releases the lock


def _acquire(fd: int, give_up: Callable[[], bool]) -> bool:
    """Take an exclusive flock on ``fd``, waiting for another holder (see :func:`compile_lock`)."""
    deadline = time.monotonic() + LOCK_WAIT_S
    waited = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES):
                log.debug("form cache lock not supported here: %s", exc)
                return False
        if not waited:
            log.info("waiting for another run to finish compiling forms in %s", cache_dir())
            waited = True
        if give_up() or time.monotonic() > deadline:
            return False
        time.sleep(0.1)


def timed_out(exc: BaseException) -> bool:
    """True if ``exc`` is FFCx's timeout on a compile lock (or dolfinx's MPI wrapping of it)."""
    text = str(exc)
    return isinstance(exc, TimeoutError) or (
        isinstance(exc, RuntimeError) and ("JIT compilation timed out" in text
                                           or "JIT compilation failed on rank 0" in text))


def stale_lock(exc: BaseException, timeout_s: float = 10.0) -> Path | None:
    """The ``.c`` lock that FFCx timed out on, if it is stale: in the cache directory, no
    ``.c.cached`` beside it, and not written for ``timeout_s`` [s]. Call only while holding
    :func:`compile_lock` (then no live run of this program holds that ``.c``)."""
    match = _LOCK_IN_MESSAGE.search(str(exc))
    if match is None:
        return None
    path = Path(match.group(1))
    if path.parent != cache_dir() or not path.name.startswith("libffcx_"):
        return None
    try:
        age_s = time.time() - path.stat().st_mtime
    except OSError:  # gone meanwhile: compiling again works
        return path
    if path.with_name(path.name + ".cached").exists() or age_s < timeout_s:
        return None
    return path


class FormCacheError(RuntimeError):
    """The forms could not be compiled: no usable cache directory at all, or FFCx timed out on
    a compile lock that is not provably stale."""


def compile_locked(build: Callable, comm, *, check_stop: Callable[[], None],
                   stop_requested: Callable[[], bool]):
    """``build()`` (which compiles forms; collective), holding :func:`compile_lock` on rank 0,
    in a usable cache (:func:`ensure_usable_cache`, warning if it fell back). A timeout on a
    stale compile lock (:func:`stale_lock`) removes it (warning) and builds once more.

    Args:
        build: builds and returns the object whose forms are compiled.
        comm: MPI communicator of ``build``.
        check_stop: collective; raises if a stop signal arrived (called before ``build`` and,
            serially, when ``build`` failed while a stop was requested, e.g. Ctrl-C reached the
            C compiler).
        stop_requested: True once a stop signal arrived on this rank (ends a wait for the lock).

    Raises:
        FormCacheError: no cache directory can be used, or a timeout on a live or unprovable
            compile lock.
    """
    from dolfinx import jit

    try:
        warning = ensure_usable_cache()
    except OSError as exc:
        raise FormCacheError(f"no form cache directory ({exc.strerror or exc}); point "
                             "XDG_CACHE_HOME at a writable directory") from None
    if warning:
        log.warning("%s", warning)
    for attempt in (1, 2):
        lock = compile_lock(stop_requested) if comm.rank == 0 else nullcontext(False)
        with lock as held:
            check_stop()
            try:
                return build()
            except Exception as exc:
                if comm.size == 1 and stop_requested():
                    check_stop()
                if not timed_out(exc):
                    raise
                stale = stale_lock(exc, float(jit.get_options()["timeout"])) if held else None
                _remove(stale)
                _free_quietly(exc)
                if comm.bcast(stale is None or attempt == 2, root=0):
                    text = " ".join(str(exc).split())
                    raise FormCacheError(
                        f"form compilation timed out before the run started ({text}); the .c "
                        "file named there is another process's compile lock (it changed in the "
                        "last seconds, or the cache could not be locked): if no other process "
                        "is compiling, delete it and rerun") from None
    raise AssertionError("unreachable")


def _free_quietly(exc: BaseException) -> None:
    """Free what the failed build left half made, silently: its traceback's frames hold a
    dolfinx ``NonlinearProblem`` whose ``__del__`` fails on the attributes it never got
    ("Exception ignored in ... AttributeError: ... '_snes'")."""
    tb, exc.__traceback__ = exc.__traceback__, None
    hook, sys.unraisablehook = sys.unraisablehook, lambda _unraisable: None
    try:
        traceback.clear_frames(tb)
        del tb
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _remove(stale: Path | None) -> None:
    """Remove a stale compile lock, with a warning (quietly if it is gone already)."""
    if stale is None:
        return
    try:
        stale.unlink()
    except FileNotFoundError:
        return
    log.warning("form cache: removed %s, the lock of a compilation that never finished (a "
                "killed run); compiling again", stale)
