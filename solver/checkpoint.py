"""Deprecated: moved to :mod:`solver.io.checkpoint`.

This module re-exports the names that code and tests import from ``solver.checkpoint``.
"""


from __future__ import annotations

import warnings

from solver.io.checkpoint import (
    CHECKPOINT_DIR,
    FORMAT,
    META,
    OLDER_FORMATS,
    SLOTS,
    STATE_ARRAY,
    Checkpointer,
    CheckpointError,
    _digests,
    _meta_digest,
    _save_npz,
    check_same_case,
    has_checkpoint,
    read_checkpoint,
    read_meta,
)

__all__ = [
    "CHECKPOINT_DIR",
    "FORMAT",
    "META",
    "OLDER_FORMATS",
    "SLOTS",
    "STATE_ARRAY",
    "CheckpointError",
    "Checkpointer",
    "_digests",
    "_meta_digest",
    "_save_npz",
    "check_same_case",
    "has_checkpoint",
    "read_checkpoint",
    "read_meta",
]

warnings.warn("solver.checkpoint is deprecated and will be removed after release 0.2: import "
              "solver.io.checkpoint (docs/architecture.md, Deprecated paths)",
              DeprecationWarning, stacklevel=2)
