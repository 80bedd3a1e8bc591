"""Console output of the command lines (``run_case.py``, campaigns, fits), safe on a closed pipe.

PETSc installs its own signal handlers when petsc4py initialises it (the first
``from petsc4py import PETSc``: :mod:`solver.preflight`, :mod:`solver.problem`, dolfinx), SIGPIPE
among them. Writing to a pipe whose reader has gone (``run_case.py CASE --check | head -1``) then
ends in ``PETSC ERROR: Caught signal number 13 Broken Pipe`` and ``MPI_Abort`` (exit 15).
:func:`python_sigpipe` gives SIGPIPE back to Python (``SIG_IGN``, what Python sets at start-up):
the write raises ``BrokenPipeError`` instead, and :func:`write` catches it, points the stream's
file descriptor at ``/dev/null`` (as the Python documentation of ``SIGPIPE`` recommends, so that
the flush at exit does not fail again) and drops the rest of the output quietly. A closed stdout
does not change the exit code (:mod:`solver.exit_codes`). PETSc keeps its handlers of every other
signal.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import TextIO

__all__ = ["flush", "python_sigpipe", "write"]


def python_sigpipe() -> None:
    """Undo PETSc's SIGPIPE handler: ``SIG_IGN``, so a write to a closed pipe raises
    ``BrokenPipeError`` (idempotent and cheap; only the main thread may set handlers)."""
    if hasattr(signal, "SIGPIPE") and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)


def _discard(stream: TextIO) -> None:
    """Point ``stream``'s file descriptor at /dev/null (its reader has gone)."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # e.g. io.StringIO under a test
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, fd)
    finally:
        os.close(null)


def write(text: str, stream: TextIO | None = None) -> bool:
    """Print ``text`` and a newline to ``stream`` (default ``sys.stdout``) and flush.

    Returns:
        False if the stream's reader has gone (the text and all later output to it are
        dropped quietly), else True.
    """
    stream = sys.stdout if stream is None else stream
    python_sigpipe()
    try:
        print(text, file=stream, flush=True)
    except BrokenPipeError:
        _discard(stream)
        return False
    return True


def flush(stream: TextIO | None = None) -> None:
    """Flush ``stream`` (default ``sys.stdout``), quietly if its reader has gone (text written
    with plain ``print``, e.g. argparse's ``--help``, would otherwise fail at exit)."""
    stream = sys.stdout if stream is None else stream
    python_sigpipe()
    try:
        stream.flush()
    except BrokenPipeError:
        _discard(stream)
    except (OSError, ValueError):  # a closed or unusable stream: nothing left to flush
        pass
