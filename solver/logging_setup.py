"""Logging and the progress display, on MPI rank 0 only.

All modules log through ``logging.getLogger("solver")`` (or a child). :func:`setup_logging`
configures it once per CLI call:

- rank 0 logs to stderr: through rich (coloured, cooperating with the progress bar) when stderr
  is a terminal, else plain lines ``YYYY-mm-dd HH:MM:SS LEVEL message`` (batch logs);
- other ranks log nothing below CRITICAL;
- the level is ``--log-level`` if given, else INFO, or WARNING under ``--quiet``.

:class:`RunProgress` is the progress bar of a run (simulated time, dt, steps, ETA), shown only on
an interactive rank-0 terminal and never under ``--quiet``.
"""

from __future__ import annotations

import logging
import sys

__all__ = ["LEVELS", "LOGGER_NAME", "RunProgress", "get_logger", "interactive", "setup_logging"]

LOGGER_NAME = "solver"
LEVELS = ("debug", "info", "warning", "error")
_HANDLER_TAG = "_perovskite_ions_handler"
_state = {"console": None}


def get_logger(name: str = "") -> logging.Logger:
    """The package logger, or its child ``solver.<name>``."""
    return logging.getLogger(f"{LOGGER_NAME}.{name}" if name else LOGGER_NAME)


def interactive() -> bool:
    """True if stderr is a terminal."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def setup_logging(level: str | None = None, quiet: bool = False, rank: int = 0) -> logging.Logger:
    """Configure the ``solver`` logger (replacing handlers installed by an earlier call).

    Args:
        level: one of :data:`LEVELS` (case-insensitive), or None for the default.
        quiet: default level WARNING instead of INFO.
        rank: MPI rank; only rank 0 logs below CRITICAL.

    Returns:
        The ``solver`` logger.
    """
    logger = get_logger()
    for h in [h for h in logger.handlers if getattr(h, _HANDLER_TAG, False)]:
        logger.removeHandler(h)
    logger.propagate = False
    _state["console"] = None
    if rank != 0:
        handler: logging.Handler = logging.NullHandler()
        logger.setLevel(logging.CRITICAL)
    else:
        name = (level or ("warning" if quiet else "info")).upper()
        logger.setLevel(getattr(logging, name))
        if interactive():
            from rich.console import Console
            from rich.logging import RichHandler

            console = Console(stderr=True)
            _state["console"] = console
            handler = RichHandler(console=console, show_path=False, log_time_format="%H:%M:%S")
        else:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s",
                                                   datefmt="%Y-%m-%d %H:%M:%S"))
    setattr(handler, _HANDLER_TAG, True)
    logger.addHandler(handler)
    return logger


class RunProgress:
    """Rich progress bar of one run: simulated time, dt, steps, ETA (no-op when disabled).

    Args:
        t_end: end time [s] (the bar's total).
        enabled: show it (the caller passes: not quiet, rank 0, stderr is a terminal).
        t_start: simulated time already done (restart).
    """

    def __init__(self, t_end: float, enabled: bool, t_start: float = 0.0):
        self.bar = None
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        console = _state["console"] or Console(stderr=True)
        self.bar = Progress(
            TextColumn("[bold]t = {task.fields[t]:.4g} / {task.total:.4g} s"),
            BarColumn(),
            TextColumn("dt = {task.fields[dt]:.2e} s, step {task.fields[steps]}"),
            TextColumn("ETA"), TimeRemainingColumn(),
            console=console, transient=True,
        )
        self.task = self.bar.add_task("run", total=t_end, completed=t_start, t=t_start, dt=0.0,
                                      steps=0)
        self.bar.start()

    def update(self, t: float, dt: float, steps: int) -> None:
        """Show the state after an accepted step."""
        if self.bar is not None:
            self.bar.update(self.task, completed=t, t=t, dt=dt, steps=steps)

    def stop(self) -> None:
        """Remove the bar."""
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
