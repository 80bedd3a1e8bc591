"""Exit codes of ``run_case.py`` / ``perovskite-ions`` (and of campaigns), in one place.

No heavy imports: the command line, campaigns and tests read them.

A closed stdout or stderr (``run_case.py CASE --check | head -1``: the reader has gone) does not
change the exit code: the code says what the command did (0 for a valid ``--check``, 3 for a run
that failed, ...), and the output nobody reads any more is dropped quietly, without a traceback
and without PETSc's "Caught signal number 13 Broken Pipe" abort (:mod:`solver.console`). So a
pipeline under ``set -o pipefail`` does not fail because ``head`` stopped reading; the shell's
141 (killed by SIGPIPE) is never the code of these commands.
"""

EXIT_OK = 0  # success
EXIT_INPUT = 2  # invalid input: one line on stderr, nothing written
EXIT_SOLVER = 3  # solver failure (for a campaign: at least one member failed)
EXIT_INTERRUPTED = 4  # SIGTERM/SIGINT: checkpoint and outputs so far written

__all__ = ["EXIT_INPUT", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_SOLVER"]
