"""Reading and writing a run's files: everything a run leaves on disk goes through here.

Modules:
    files        atomic writes (temporary file, fsync, ``os.replace``), strict JSON, the
                 time-series and profile CSV formats and their readers, ``to_jsonable``.
    output_dir   the output directory: creation, the lock against a second run
                 (``OutputDir``, ``locked_output_dir``), ``output_dir_problem`` for ``--check``,
                 and the start of a run (``begin_run``, ``begin_outputs``).
    provenance   where and with what a result was produced (versions, git commit, host).
    checkpoint   two-slot checksummed checkpoints, one file per MPI rank, and restart checks.

Layer: imports numpy and the standard library (``output_dir.begin_outputs`` also
``solver.config``, when called); no module of this package imports dolfinx, UFL or petsc4py at
module level (``provenance`` asks for their versions when called).

Re-exported here: the readers of run results and the output-directory names the CLI uses.
"""

from __future__ import annotations

from solver.io.files import read_profile_csv, read_timeseries_csv, write_json
from solver.io.output_dir import OutputDir, OutputError

__all__ = [
    "OutputDir",
    "OutputError",
    "read_profile_csv",
    "read_timeseries_csv",
    "write_json",
]
