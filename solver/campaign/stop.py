"""SIGTERM/SIGINT to a campaign or a fit: stop launching, forward the signal, let members stop.

:class:`StopRequest` is a context manager around a whole campaign or fit. Inside it SIGTERM and
SIGINT (Ctrl-C) only record the signal (no ``KeyboardInterrupt``, no death by SIGTERM with the
member processes left running as orphans holding their output directories' locks). The member
processes are started through :meth:`StopRequest.launch`, which refuses once a signal arrived,
so no queued member starts; the waiting loop (:func:`solver.campaign.members.run_members`)
calls :meth:`StopRequest.forward`, which sends the signal once to every running member. A member
run stops as a single run does (checkpoint and outputs written, exit 4,
:class:`solver.run.RunControl`); the campaign waits for all of them, writes what completed and
exits 4 (:data:`solver.exit_codes.EXIT_INTERRUPTED`); a rerun resumes.

On a remote engine (:mod:`solver.campaign.executors`: dask, mpi) the member processes run on
other nodes: the request reaches them through a :class:`StopFile` on the shared file system,
which the worker that runs a member watches.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from solver.console import SignalLatch

__all__ = ["StopFile", "StopRequest"]

#: Seconds between a remote member's looks at the stop file.
WATCH_S = 0.5


class StopRequest(SignalLatch):
    """The stop request of a campaign or fit (:class:`solver.console.SignalLatch`), and the
    member processes it must reach.

    Outside the main thread the context records no signal but still tracks processes. Used
    without ``with`` it never stops.
    """

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._running: dict[subprocess.Popen, bool] = {}  # process -> signal forwarded

    def launch(self, cmd: list[str], **popen_kwargs) -> subprocess.Popen | None:
        """Start ``cmd`` (``subprocess.Popen``), unless a stop was requested: then None.

        Checking and starting under one lock that :meth:`forward` also takes means a process
        is either never started or reached by the forwarded signal.
        """
        with self._lock:
            if self.signum is not None:
                return None
            proc = subprocess.Popen(cmd, **popen_kwargs)
            self._running[proc] = False
            return proc

    def finished(self, proc: subprocess.Popen) -> None:
        """Forget ``proc`` (it has exited)."""
        with self._lock:
            self._running.pop(proc, None)

    def forward(self) -> None:
        """Send the received signal to every running member process that has not had it yet
        (call from the waiting loop, not from the signal handler)."""
        if self.signum is None:
            return
        with self._lock:
            for proc, sent in self._running.items():
                if not sent:  # send_signal skips a process that has exited
                    try:
                        proc.send_signal(self.signum)
                    except ProcessLookupError:  # exited meanwhile
                        pass
                    self._running[proc] = True


#: Run by the member's Python before it ``exec``s the member command (``python -c``): on Linux
#: the member gets SIGTERM when the worker that started it dies, so it checkpoints and exits 4,
#: releasing its output directory's lock, instead of living on as an orphan that holds it
#: (PR_SET_PDEATHSIG survives exec). Elsewhere it only execs. A wrapper instead of
#: ``preexec_fn``, which is not safe in a threaded worker.
_DIE_WITH_PARENT = (
    "import ctypes, os, signal, sys\n"
    "try:\n"
    "    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)\n"
    "except (OSError, AttributeError):\n"
    "    pass\n"
    "if os.getppid() == int(sys.argv[1]):\n"
    "    os.execv(sys.argv[2], sys.argv[2:])\n"
)


class StopFile:
    """The stop request of a campaign or fit as seen by a remote worker (dask, mpi): a file on
    the shared file system. The same interface as :class:`StopRequest` for
    :func:`solver.campaign.members._run_member`: :meth:`launch` refuses once the file exists,
    and a watcher thread sends SIGTERM to the member process when it appears.

    The campaign creates the file (:meth:`request`) when it gets SIGTERM/SIGINT and removes it
    (:meth:`clear`) at its end; its name is unique per invocation, so a file left by a killed
    campaign stops nothing later. Picklable (only the path travels).

    Args:
        path: the file (``<campaign dir>/logs/stop-<random>``).
    """

    def __init__(self, path) -> None:
        self.path = Path(path)

    @property
    def requested(self) -> bool:
        """True once the file exists."""
        return self.path.exists()

    def request(self) -> None:
        """Create the file (idempotent; an OSError is left to the caller)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.touch()

    def clear(self) -> None:
        """Remove the file if it exists."""
        self.path.unlink(missing_ok=True)

    def launch(self, cmd: list[str], **popen_kwargs) -> subprocess.Popen | None:
        """Start ``cmd`` unless the file exists (then None); the process dies with this one
        (Linux) and is sent SIGTERM once if the file appears while it runs."""
        if self.requested:
            return None
        wrapped = [sys.executable, "-c", _DIE_WITH_PARENT, str(os.getpid()), *cmd]
        proc = subprocess.Popen(wrapped, **popen_kwargs)
        threading.Thread(target=self._watch, args=(proc,), daemon=True).start()
        return proc

    def _watch(self, proc: subprocess.Popen) -> None:
        while proc.poll() is None:
            if self.requested:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
                return
            time.sleep(WATCH_S)

    def finished(self, proc: subprocess.Popen) -> None:
        """Nothing to forget (the watcher ends with the process)."""

    def forward(self) -> None:
        """Nothing to do here: the watcher forwards."""
