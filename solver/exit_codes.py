"""Exit codes of ``run_case.py`` / ``perovskite-ions`` (and of campaigns), in one place.

No heavy imports: the command line, campaigns and tests read them.
"""

EXIT_OK = 0  # success
EXIT_INPUT = 2  # invalid input: one line on stderr, nothing written
EXIT_SOLVER = 3  # solver failure (for a campaign: at least one member failed)
EXIT_INTERRUPTED = 4  # SIGTERM/SIGINT: checkpoint and outputs so far written

__all__ = ["EXIT_INPUT", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_SOLVER"]
