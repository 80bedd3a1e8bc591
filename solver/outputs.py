"""Deprecated: moved to :mod:`solver.io` (``files``, ``output_dir``, ``provenance``).

This module re-exports the names that code and tests import from ``solver.outputs``. An
assignment to one of them here (``monkeypatch.setattr(outputs, "git_info", ...)``) is passed on
to the module that defines it, so that its own callers (``provenance`` calling ``git_info``,
``begin_run`` calling ``files.write_json``) see it, as they did when this was one module.
"""


from __future__ import annotations

import sys
import types
import warnings

import solver.io.provenance as _provenance_module
from solver.io import files as _files_module
from solver.io import output_dir as _output_dir_module
from solver.io.files import (
    FLOAT_FMT,
    PROFILE_COLUMNS,
    read_profile_csv,
    read_timeseries_csv,
    to_jsonable,
    write_atomic,
    write_json,
    write_profile_csv,
    write_text_atomic,
    write_timeseries_csv,
)
from solver.io.output_dir import (
    LOCK_NAME,
    STALE_OUTPUTS,
    SUMMARY,
    OutputDir,
    OutputError,
    begin_run,
    locked_output_dir,
    os_reason,
    output_dir_problem,
)
from solver.io.provenance import GIT_COMMIT_ENV, git_info, provenance, recorded_git_info

__all__ = [
    "FLOAT_FMT",
    "GIT_COMMIT_ENV",
    "LOCK_NAME",
    "PROFILE_COLUMNS",
    "STALE_OUTPUTS",
    "SUMMARY",
    "OutputDir",
    "OutputError",
    "begin_run",
    "git_info",
    "locked_output_dir",
    "os_reason",
    "output_dir_problem",
    "provenance",
    "read_profile_csv",
    "read_timeseries_csv",
    "recorded_git_info",
    "to_jsonable",
    "write_atomic",
    "write_json",
    "write_profile_csv",
    "write_text_atomic",
    "write_timeseries_csv",
]

#: Re-exported name -> the module that defines it.
_HOMES = {name: module for module in (_files_module, _output_dir_module, _provenance_module)
          for name in __all__ if name in vars(module)}


class _ForwardingModule(types.ModuleType):
    """A module whose assignments to a re-exported name also reach the defining module."""

    def __setattr__(self, name: str, value) -> None:
        home = _HOMES.get(name)
        if home is not None:
            setattr(home, name, value)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _ForwardingModule

warnings.warn("solver.outputs is deprecated and will be removed after release 0.2: "
              "import solver.io.files / solver.io.output_dir / solver.io.provenance "
              "(docs/architecture.md, Deprecated paths)", DeprecationWarning, stacklevel=2)
