"""Provenance of a result: package version, git commit, library versions, MPI size, host, time.

No dolfinx at module import: :func:`provenance` imports the FEniCSx stack lazily.
"""

from __future__ import annotations

import os
import platform
import socket
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

__all__ = ["GIT_COMMIT_ENV", "git_info", "provenance", "recorded_git_info"]

_GIT_TIMEOUT_S = 10.0
GIT_COMMIT_ENV = "PEROVSKITE_IONS_GIT_COMMIT"  # set from the Docker build argument GIT_COMMIT


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
