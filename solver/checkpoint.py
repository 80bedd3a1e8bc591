"""Checkpoint files: the full solver state, written atomically, one file per MPI rank.

Layout under the output directory (docs/reliability.md)::

    checkpoint/meta.json            rank 0: format, sequence number, slot, number of ranks,
                                    time, step, reason, wall time, the resolved case and the
                                    JSON part of the state (stepper and recorder scalars)
    checkpoint/slot0/rank<r>.npz    numpy arrays of rank r (mixed-function arrays w, w_n,
    checkpoint/slot1/rank<r>.npz    w_nm1 and the step history, owned + ghost values; on
                                    rank 0 also the time series and the profiles so far)

Checkpoints alternate between the two slots and ``meta.json`` is written last (temporary file,
fsync, ``os.replace``), so it always names a complete slot: a run killed while writing a
checkpoint still restarts from the previous one. Every rank file repeats the sequence number,
which the reader checks against ``meta.json``.

A checkpoint restarts only on the same number of ranks (the mesh partition, hence the local dof
numbering, depends on it); :func:`read_checkpoint` refuses anything else with a
:class:`CheckpointError`.

Imports neither dolfinx nor UFL.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from solver import outputs

__all__ = [
    "CHECKPOINT_DIR",
    "FORMAT",
    "CheckpointError",
    "Checkpointer",
    "check_same_case",
    "has_checkpoint",
    "read_checkpoint",
    "read_meta",
]

CHECKPOINT_DIR = "checkpoint"
META = "meta.json"
FORMAT = "perovskite-ions checkpoint 1"


class CheckpointError(Exception):
    """A checkpoint that cannot be used; ``str(err)`` is one line."""


def _slot_file(directory: Path, slot: str, rank: int) -> Path:
    return directory / slot / f"rank{rank}.npz"


def has_checkpoint(output_dir) -> bool:
    """True if ``output_dir`` holds ``checkpoint/meta.json``."""
    return (Path(output_dir) / CHECKPOINT_DIR / META).is_file()


def read_meta(output_dir) -> dict:
    """Read ``checkpoint/meta.json`` (serial; call on one rank).

    Raises:
        CheckpointError: missing, unreadable or of another format.
    """
    path = Path(output_dir) / CHECKPOINT_DIR / META
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckpointError(f"no checkpoint to restart from in {output_dir} ({path} not "
                              "found)") from None
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{path}: unreadable checkpoint ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a checkpoint of this solver (format "
                              f"{meta.get('format') if isinstance(meta, dict) else None!r}, "
                              f"expected {FORMAT!r})")
    return meta


def _plain(obj):
    """JSON types for the checkpoint metadata, keeping non-finite floats (exact restarts)."""
    return outputs.to_jsonable(obj, keep_nonfinite=True)


def _save_npz(path: Path, arrays: dict) -> None:
    """``np.savez`` written atomically (temporary file, fsync, ``os.replace``)."""
    outputs.write_atomic(path, lambda fh: np.savez(fh, **arrays), binary=True)


class Checkpointer:
    """Decides when to checkpoint and writes checkpoints (collective on ``comm``).

    Args:
        output_dir: run output directory (``checkpoint/`` is created inside).
        comm: MPI communicator of the run.
        every_steps: checkpoint after this many accepted steps since the last one (0 = never).
        every_minutes: ... or after this much wall time since the last one (0 = never).
        meta: the previous checkpoint's meta (on a restart), so the new one goes to the other
            slot and continues the sequence.
    """

    def __init__(self, output_dir, comm, every_steps: int, every_minutes: float,
                 meta: dict | None = None):
        self.dir = Path(output_dir) / CHECKPOINT_DIR
        self.comm = comm
        self.every_steps = int(every_steps)
        self.every_s = 60.0 * float(every_minutes)
        self.seq = int(meta["seq"]) if meta else 0
        self.slot = meta["slot"] if meta else None
        self.step_last = int(meta["step"]) if meta else 0
        self.wall_last = time.monotonic()
        self.written = 0

    def due(self, step: int) -> bool:
        """Whether a periodic checkpoint is due after accepted step ``step`` (local decision:
        combine across ranks, the wall clocks differ)."""
        if self.every_steps > 0 and step - self.step_last >= self.every_steps:
            return True
        return self.every_s > 0 and time.monotonic() - self.wall_last >= self.every_s

    def write(self, meta: dict, arrays: dict) -> Path:
        """Write one checkpoint; collective.

        Args:
            meta: JSON-serialisable scalars (rank 0's copy is written; must contain ``step``).
            arrays: this rank's arrays (name -> ndarray).

        Returns:
            The path of ``meta.json``.

        Raises:
            CheckpointError: writing failed on some rank (the previous checkpoint is intact).
        """
        comm = self.comm
        seq = self.seq + 1
        slot = "slot1" if self.slot == "slot0" else "slot0"
        error = None
        try:
            if comm.rank == 0:
                (self.dir / slot).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            error = f"{self.dir / slot}: {exc.strerror or exc}"
        error = comm.bcast(error, root=0)
        if error is None:
            try:
                _save_npz(_slot_file(self.dir, slot, comm.rank),
                                 {**arrays, "_seq": np.array(seq)})
            except OSError as exc:
                error = f"rank {comm.rank}: {exc.strerror or exc}"
        errors = [e for e in comm.allgather(error) if e]
        if errors:
            raise CheckpointError(f"cannot write checkpoint: {errors[0]}")
        if comm.rank == 0:
            full = {
                "format": FORMAT,
                "seq": seq,
                "slot": slot,
                "n_ranks": comm.size,
                "written_utc": datetime.now(UTC).isoformat(timespec="seconds"),
                **meta,
            }
            try:
                text = json.dumps(_plain(full), indent=1,
                                  allow_nan=True)
                outputs.write_text_atomic(self.dir / META, text + "\n")
            except OSError as exc:
                error = f"{self.dir / META}: {exc.strerror or exc}"
        error = comm.bcast(error, root=0)
        if error:
            raise CheckpointError(f"cannot write checkpoint: {error}")
        self.seq, self.slot = seq, slot
        self.step_last = int(meta["step"])
        self.wall_last = time.monotonic()
        self.written += 1
        return self.dir / META


def read_checkpoint(output_dir, comm) -> tuple[dict, dict]:
    """Read the last checkpoint of ``output_dir``; collective.

    Returns:
        ``(meta, arrays)``: the meta dict (same on every rank) and this rank's arrays.

    Raises:
        CheckpointError: missing or broken checkpoint, or written by another number of ranks
            (the same message on every rank).
    """
    meta, error = None, None
    if comm.rank == 0:
        try:
            meta = read_meta(output_dir)
        except CheckpointError as exc:
            error = str(exc)
    meta, error = comm.bcast((meta, error), root=0)
    if error:
        raise CheckpointError(error)
    if int(meta["n_ranks"]) != comm.size:
        raise CheckpointError(
            f"the checkpoint in {output_dir} was written by {meta['n_ranks']} MPI rank(s), this "
            f"run has {comm.size}; restart with the same number of ranks "
            f"(mpirun -n {meta['n_ranks']} ...)")
    path = _slot_file(Path(output_dir) / CHECKPOINT_DIR, meta["slot"], comm.rank)
    arrays = None
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        if int(arrays.pop("_seq")) != int(meta["seq"]):
            error = f"{path}: sequence number differs from meta.json (mixed checkpoints)"
    except (OSError, ValueError, KeyError) as exc:
        error = f"{path}: unreadable checkpoint file ({exc})"
    errors = [e for e in comm.allgather(error) if e]
    if errors:
        raise CheckpointError(errors[0])
    return meta, arrays


def _diff_key(a, b, prefix: str = "") -> str | None:
    """First dotted key where two JSON-like case dicts differ (None if equal)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(a) + [k for k in b if k not in a]:
            sub = f"{prefix}.{key}" if prefix else str(key)
            if key not in a or key not in b:
                return sub
            found = _diff_key(a[key], b[key], sub)
            if found:
                return found
        return None
    return None if a == b else (prefix or "case")


def check_same_case(meta: dict, case: dict) -> None:
    """Refuse a restart whose resolved case differs from the checkpointed one.

    Only the ``checkpoint`` section may change between the runs.

    Args:
        meta: checkpoint meta (holds the resolved case of the interrupted run).
        case: resolved case of this run (``solver.config.case_to_dict``).

    Raises:
        CheckpointError: naming the first differing key and both values.
    """
    old = {k: v for k, v in (meta.get("case") or {}).items() if k != "checkpoint"}
    new = {k: v for k, v in case.items() if k != "checkpoint"}
    key = _diff_key(old, new)
    if key is None:
        return

    def value(d):
        for part in key.split("."):
            d = d.get(part, "<missing>") if isinstance(d, dict) else "<missing>"
        return d

    raise CheckpointError(
        f"--restart: the case differs from the checkpointed run at {key} (checkpoint "
        f"{value(old)!r}, now {value(new)!r}); use the same case file and --set overrides "
        "(only checkpoint.* may change)")
