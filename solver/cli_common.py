"""Command-line pieces shared by ``run_case.py`` (:mod:`solver.cli`) and the fit command
(:mod:`solver.fitting.cli`): the one-line argument parser, the ``-j`` and ``--output`` types.

Kept apart so that the two command lines import it without importing each other.
"""

import argparse
import sys

from mpi4py import MPI

from solver.console import write
from solver.exit_codes import EXIT_INPUT


def jobs_count(text: str) -> int:
    """``-j N``: a whole number >= 1 (argparse type; also the fit command's ``-j``)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1 (runs at the same time), "
                                         f"got {value}")
    return value


def output_dir_arg(text: str) -> str:
    """``--output DIR``: a directory name, not empty or only whitespace (argparse type; an
    empty name would silently mean the default ``results/<name>``)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"expected a directory, got {text!r} (leave --output "
                                         "out for the default results/<name>)")
    return text


class OneLineParser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line, ``error: <message> (see --help)``, exit 2."""

    def error(self, message: str):
        """Print one line on stderr (rank 0) and exit 2."""
        if MPI.COMM_WORLD.rank == 0:
            text = " ".join(str(message).split())
            write(f"error: {text} (see {self.prog} --help)", sys.stderr)
        raise SystemExit(EXIT_INPUT)
