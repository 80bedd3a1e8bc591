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

Importing this module (``import solver`` does, before MPI starts) makes the standard streams
usable whatever the caller left: a standard descriptor that is closed (``run_case.py ... >&-``,
``2>&-``) is opened on ``/dev/null`` (:func:`guard_std_streams`; else MPI's first pipe would take
descriptor 1 and everything written to stdout would go into it), and a stream whose encoding
cannot write the text's "µ", "°", "×" (``PYTHONIOENCODING=ascii``, a ``C`` locale) writes them
as "u", "deg", "x" (other characters as ``\\uXXXX`` escapes) instead of raising
``UnicodeEncodeError``. :func:`reinstall_signal_handlers` puts Python's signal handlers back at
the C level after a library (``gmsh.initialize``) reset them behind Python's back.
"""

from __future__ import annotations

import codecs
import os
import signal
import sys
import threading
from typing import TextIO

__all__ = ["SignalLatch", "ascii_text", "flush", "guard_std_streams", "python_sigpipe",
           "reinstall_signal_handlers", "write"]

#: Error handler of streams that cannot encode the text (registered with :mod:`codecs`).
ASCII_ERRORS = "perovskite_ions_ascii"
#: The non-ASCII characters of the program's messages and what an ASCII stream shows instead.
ASCII_FALLBACK = {"µ": "u", "°": "deg", "×": "x", "−": "-", "–": "-", "—": "-", "²": "^2",
                  "³": "^3", "±": "+/-", "≤": "<=", "≥": ">=", "≈": "~", "→": "->", "…": "...",
                  "·": "*", "Δ": "d", "ψ": "psi", "φ": "phi", "α": "alpha", "σ": "sigma"}


def ascii_text(text: str) -> str:
    """``text`` with :data:`ASCII_FALLBACK` applied and any other non-ASCII character escaped
    (``\\xb5``-style), e.g. "L_m = 0.3 µm" -> "L_m = 0.3 um"."""
    out = "".join(ASCII_FALLBACK.get(ch, ch) for ch in text)
    return out.encode("ascii", "backslashreplace").decode("ascii")


def _ascii_errors(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: the unencodable characters as :func:`ascii_text` writes them."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    return ascii_text(exc.object[exc.start:exc.end]), exc.end


codecs.register_error(ASCII_ERRORS, _ascii_errors)


def guard_std_streams() -> None:
    """Open a closed standard descriptor (0, 1, 2) on ``/dev/null`` (and give Python a stream
    for it), and let ``sys.stdout``/``sys.stderr`` degrade characters their encoding cannot
    write (:data:`ASCII_FALLBACK`) instead of raising. Idempotent; cheap when nothing is wrong.
    """
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        try:
            os.fstat(fd)
        except OSError:  # closed by the caller: /dev/null takes its place
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
            if getattr(sys, name) is None:
                setattr(sys, name, open(fd, "r" if fd == 0 else "w", encoding="utf-8",
                                        closefd=False))
    for stream in (sys.stdout, sys.stderr):
        if stream is None or not hasattr(stream, "reconfigure"):
            continue
        try:
            "".join(ASCII_FALLBACK).encode(stream.encoding or "ascii")
        except (UnicodeEncodeError, LookupError):
            try:
                stream.reconfigure(errors=ASCII_ERRORS)
            except (OSError, ValueError):  # a closed or detached stream: nothing to fix
                pass


def reinstall_signal_handlers() -> None:
    """Install Python's handlers of SIGTERM, SIGINT and SIGPIPE again at the C level.

    Libraries initialised after Python set its handlers may reset them without Python knowing:
    ``gmsh.initialize()`` sets SIGTERM and SIGPIPE back to their default actions, so SIGTERM
    during a 3D mesh generation killed the run (exit 143) although a handler was installed.
    Only the main thread may set handlers (elsewhere this does nothing).
    """
    if threading.current_thread() is not threading.main_thread():
        return
    for name in ("SIGTERM", "SIGINT", "SIGPIPE"):
        sig = getattr(signal, name, None)
        handler = signal.getsignal(sig) if sig is not None else None
        if handler is not None:  # None: set outside Python, leave it
            signal.signal(sig, handler)


class SignalLatch:
    """Context manager: SIGTERM and SIGINT record the first signal (:attr:`signum`) instead of
    killing the process or raising ``KeyboardInterrupt``; the caller polls and stops cleanly.

    Handlers are installed only in the main thread (elsewhere the context records nothing) and
    the previous ones are restored on exit. A single run (:mod:`solver.run`) and a campaign or
    fit (:mod:`solver.campaign.stop`) each extend it with what stopping means for them.
    """

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self) -> None:
        #: The first signal received, else None.
        self.signum: int | None = None
        self._old: dict = {}

    @property
    def requested(self) -> bool:
        """True once SIGTERM or SIGINT arrived."""
        return self.signum is not None

    @property
    def name(self) -> str:
        """Name of the signal received ("SIGTERM"), or "" if none."""
        return signal.Signals(self.signum).name if self.signum else ""

    def _handler(self, signum, frame) -> None:
        if self.signum is None:
            self.signum = signum

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for sig in self.SIGNALS:
                self._old[sig] = signal.signal(sig, self._handler)
        return self

    def rearm(self) -> None:
        """Install the handlers again (keeping the ones to restore on exit): libraries
        initialised inside the context may replace them at the C level without Python knowing,
        e.g. ``gmsh.initialize()`` sets SIGTERM back to its default action (terminate)."""
        for sig in self._old:
            signal.signal(sig, self._handler)

    def __exit__(self, *exc) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)
        self._old.clear()


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
    if stream is None:  # no stream at all (a closed descriptor before guard_std_streams)
        return False
    python_sigpipe()
    try:
        try:
            print(text, file=stream, flush=True)
        except UnicodeEncodeError:  # a stream that cannot be reconfigured (see module doc)
            print(ascii_text(text), file=stream, flush=True)
    except BrokenPipeError:
        _discard(stream)
        return False
    except (OSError, ValueError):  # a closed or unusable stream: the text is lost, not the run
        return False
    return True


def flush(stream: TextIO | None = None) -> None:
    """Flush ``stream`` (default ``sys.stdout``), quietly if its reader has gone (text written
    with plain ``print``, e.g. argparse's ``--help``, would otherwise fail at exit)."""
    stream = sys.stdout if stream is None else stream
    if stream is None:
        return
    python_sigpipe()
    try:
        stream.flush()
    except BrokenPipeError:
        _discard(stream)
    except (OSError, ValueError):  # a closed or unusable stream: nothing left to flush
        pass


guard_std_streams()
