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
"""

from __future__ import annotations

import subprocess
import threading

from solver.console import SignalLatch

__all__ = ["StopRequest"]


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
