"""Checkpoint files: the full solver state, written atomically, one file per MPI rank.

Layout under the output directory (docs/reliability.md)::

    checkpoint/meta.json            rank 0: copy of the newest slot's meta.json (written last)
    checkpoint/slot<k>/meta.json    rank 0: format, sequence number, slot, number of ranks,
                                    time, step, reason, wall time, the resolved case, the JSON
                                    part of the state (stepper and recorder scalars), the
                                    dtype, shape and SHA-256 of every array of every rank, and
                                    the SHA-256 of the meta itself
    checkpoint/slot<k>/rank<r>.npz  numpy arrays of rank r (state arrays w, w_n,
                                    w_nm1 and the step history, owned + ghost values; on
                                    rank 0 also the time series and the profiles so far)

Checkpoints alternate between the two slots (k = 0, 1). A slot's ``meta.json`` is removed
before its rank files are overwritten and written after all of them, then ``checkpoint/
meta.json``; every file goes through a temporary file, fsync and ``os.replace``. A run killed
while writing a checkpoint therefore leaves the previous one intact.

:func:`read_checkpoint` verifies a slot completely before using it: its meta's own checksum,
each rank file's sequence number and the checksum, dtype and shape of every array, and the
consistency of the arrays (the state arrays of a rank have one length and are finite; the
time-series columns have one length; the arrays named by the stepper and recorder scalars
exist). A slot that fails (truncated, corrupted, mixed) is skipped for the other one, and the
reasons are returned with the meta (``problems``), for the log and ``summary.json``.

A checkpoint restarts only on the same number of ranks (the mesh partition, hence the local dof
numbering, depends on it); :func:`read_checkpoint` refuses anything else with a
:class:`CheckpointError`.

Imports neither dolfinx nor UFL.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from solver.io import files
from solver.io.output_dir import os_reason

__all__ = [
    "CHECKPOINT_DIR",
    "FORMAT",
    "SLOTS",
    "STATE_ARRAY",
    "CheckpointError",
    "Checkpointer",
    "check_same_case",
    "has_checkpoint",
    "read_checkpoint",
    "read_meta",
]

CHECKPOINT_DIR = "checkpoint"
META = "meta.json"
#: Format 3: the state arrays hold the three unknowns of a node together (blocked element);
#: format 2 kept the fields of a cell apart, so its arrays cannot be read by this layout.
FORMAT = "perovskite-ions checkpoint 3"
#: Formats of earlier versions, refused with a message saying so.
OLDER_FORMATS = ("perovskite-ions checkpoint 1", "perovskite-ions checkpoint 2")
SLOTS = ("slot0", "slot1")

#: Arrays holding one rank's local dof values (same length, finite).
STATE_ARRAY = re.compile(r"^(w|w_n|w_nm1|hist_\d+|snapshot_\d+)$")


class CheckpointError(Exception):
    """A checkpoint that cannot be used; ``str(err)`` is one line."""


def _slot_file(directory: Path, slot: str, rank: int) -> Path:
    return directory / slot / f"rank{rank}.npz"


def _meta_files(output_dir) -> list[Path]:
    d = Path(output_dir) / CHECKPOINT_DIR
    return [d / META, *(d / slot / META for slot in SLOTS)]


def has_checkpoint(output_dir) -> bool:
    """True if ``output_dir`` holds a checkpoint meta file (usable or not)."""
    return any(p.is_file() for p in _meta_files(output_dir))


def _plain(obj):
    """JSON types for the checkpoint metadata, keeping non-finite floats (exact restarts)."""
    return files.to_jsonable(obj, keep_nonfinite=True)


def _meta_digest(meta: dict) -> str:
    """SHA-256 of the meta without its own checksum (canonical JSON; floats round-trip)."""
    body = {k: v for k, v in meta.items() if k != "meta_sha256"}
    text = json.dumps(body, sort_keys=True, allow_nan=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _digests(arrays: dict) -> dict:
    """name -> [dtype, shape, SHA-256 of the bytes] of every array."""
    out = {}
    for name, a in arrays.items():
        a = np.ascontiguousarray(a)
        out[name] = [a.dtype.str, list(a.shape), hashlib.sha256(a.tobytes()).hexdigest()]
    return out


def _load_meta(path: Path) -> dict:
    """One meta file, checked (format, own checksum); CheckpointError with the reason."""
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckpointError(f"{path} not found") from None
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{path}: unreadable ({' '.join(str(exc).split())})") from None
    if isinstance(meta, dict) and meta.get("format") in OLDER_FORMATS:
        raise CheckpointError(f"{path}: written by an earlier version ({meta['format']!r}, whose "
                              "state arrays store the unknowns in another order); this version "
                              "cannot continue it: rerun with --force, or restart with the "
                              "version that wrote it")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a checkpoint of this solver (format "
                              f"{meta.get('format') if isinstance(meta, dict) else None!r}, "
                              f"expected {FORMAT!r})")
    if meta.get("meta_sha256") != _meta_digest(meta):
        raise CheckpointError(f"{path}: checksum mismatch (the file was altered or damaged)")
    try:
        int(meta["seq"]), int(meta["n_ranks"]), int(meta["step"])
        if meta["slot"] not in SLOTS or not isinstance(meta["arrays"], list):
            raise ValueError
    except (KeyError, TypeError, ValueError):
        raise CheckpointError(f"{path}: incomplete checkpoint metadata") from None
    return meta


def _candidates(output_dir) -> tuple[list[dict], list[str]]:
    """Readable metas, newest first (one per slot and sequence number), and the problems of the
    meta files that could not be used (missing ones are not problems)."""
    metas, problems = {}, []
    for path in _meta_files(output_dir):
        if not path.exists():
            continue
        try:
            meta = _load_meta(path)
        except CheckpointError as exc:
            problems.append(str(exc))
            continue
        metas.setdefault((int(meta["seq"]), meta["slot"]), meta)
    return [metas[k] for k in sorted(metas, reverse=True)], problems


def _none_usable(output_dir, problems: list[str]) -> CheckpointError:
    path = Path(output_dir) / CHECKPOINT_DIR / META
    if not problems:
        return CheckpointError(f"no checkpoint to restart from in {output_dir} ({path} not "
                               "found)")
    return CheckpointError(f"no usable checkpoint in {output_dir}: {'; '.join(problems)}; "
                           "rerun with --force")


def read_meta(output_dir) -> dict:
    """The meta of the newest checkpoint whose meta file is intact (serial; one rank).

    The rank files are not read (:func:`read_checkpoint` verifies them).

    Raises:
        CheckpointError: no checkpoint, or none whose meta file is usable.
    """
    metas, problems = _candidates(output_dir)
    if not metas:
        raise _none_usable(output_dir, problems)
    return metas[0]


def _save_npz(path: Path, arrays: dict) -> None:
    """``np.savez`` written atomically (temporary file, fsync, ``os.replace``)."""
    files.write_atomic(path, lambda fh: np.savez(fh, **arrays), binary=True)


def _state_problem(arrays: dict) -> str | None:
    """Why the state arrays of one rank (:data:`STATE_ARRAY`) are unusable: not all of one
    length (shape (n,)), or not finite floating point; None if they are usable."""
    state = {k: v for k, v in arrays.items() if STATE_ARRAY.match(k)}
    shapes = {v.shape for v in state.values()}
    if len(shapes) > 1 or any(len(s) != 1 for s in shapes):
        sizes = ", ".join(f"{k} {v.shape}" for k, v in state.items())
        return f"state arrays differ in shape ({sizes})"
    for k, v in state.items():
        if v.dtype.kind != "f" or not np.isfinite(v).all():
            return f"state array {k} is not finite floating point"
    return None


def _needed_arrays(meta: dict, rank: int) -> list[str]:
    """Names of the arrays that the stepper and recorder scalars of ``meta`` refer to on
    ``rank`` (the time-series columns ``row_<c>`` are on rank 0 only)."""
    need = []
    stepper = meta.get("stepper")
    if isinstance(stepper, dict):
        need += ["w", "w_n", "w_nm1"]
        need += [f"hist_{k}" for k in range(int(stepper.get("n_hist_states", 0)))]
    recorder = meta.get("recorder")
    if isinstance(recorder, dict):
        need += [f"snapshot_{k}" for k in range(len(recorder.get("snapshot_times", [])))]
        columns = recorder.get("row_columns")
        if columns is not None and rank == 0:
            need += [f"row_{c}" for c in columns]
    return need


def _record_problem(recorder: dict, arrays: dict) -> str | None:
    """Why rank 0's time series and profiles are unusable (columns of different lengths, a
    profile missing); None if they are usable."""
    columns = recorder["row_columns"]
    lengths = {arrays[f"row_{c}"].shape for c in columns if f"row_{c}" in arrays}
    if len(lengths) > 1:
        return "time-series columns differ in length"
    for k in range(len(recorder.get("profile_times", []))):
        # Columns along the wire (shape (n,)); 3D runs also keep y along several lines
        # of the section (y_lines, shape (lines, n)): the same n for all.
        cols = [v for n, v in arrays.items() if n.startswith(f"profile_{k}_")]
        if not cols or any(c.ndim not in (1, 2) for c in cols) or len(
                {c.shape[-1] for c in cols}) > 1:
            return f"profile {k} is missing or its columns differ in length"
    return None


def _consistency_problem(meta: dict, arrays: dict, rank: int) -> str | None:
    """Why the arrays of one rank do not form a usable state (None if they do). The time series
    and profiles are on rank 0 only."""
    problem = _state_problem(arrays)
    if problem:
        return problem
    need = _needed_arrays(meta, rank)
    recorder = meta.get("recorder")
    if isinstance(recorder, dict) and recorder.get("row_columns") is not None and rank == 0:
        problem = _record_problem(recorder, arrays)
        if problem:
            return problem
    missing = [n for n in need if n not in arrays]
    if missing:
        return f"arrays missing: {', '.join(missing[:5])}"
    return None


def _read_rank_file(path: Path, meta: dict, rank: int) -> tuple[dict | None, str | None]:
    """This rank's arrays of the slot of ``meta`` after every check; (None, reason) if not."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except FileNotFoundError:
        return None, f"{path} not found"
    except Exception as exc:  # noqa: BLE001  (a damaged file raises zipfile, zlib, ValueError...)
        return None, f"{path}: unreadable ({type(exc).__name__}: {' '.join(str(exc).split())})"
    expected = meta["arrays"][rank] if rank < len(meta["arrays"]) else None
    if not isinstance(expected, dict):
        return None, f"{path}: no checksums for rank {rank} in meta.json"
    if "_seq" not in arrays or int(arrays["_seq"]) != int(meta["seq"]):
        return None, f"{path}: sequence number differs from meta.json (mixed checkpoints)"
    if set(arrays) != set(expected):
        return None, f"{path}: arrays differ from those listed in meta.json"
    got = _digests(arrays)
    for name, (dtype, shape, digest) in expected.items():
        if got[name][0] != dtype or got[name][1] != list(shape):
            return None, (f"{path}: array {name} has dtype {got[name][0]} and shape "
                          f"{tuple(got[name][1])}, meta.json says {dtype} and {tuple(shape)}")
        if got[name][2] != digest:
            return None, f"{path}: checksum mismatch in array {name} (damaged file)"
    arrays.pop("_seq")
    problem = _consistency_problem(meta, arrays, rank)
    if problem:
        return None, f"{path}: {problem}"
    return arrays, None


class Checkpointer:
    """Decides when to checkpoint and writes checkpoints (collective on ``comm``).

    Args:
        output_dir: run output directory (``checkpoint/`` is created inside).
        comm: MPI communicator of the run.
        every_steps: checkpoint after this many accepted steps since the last one (0 = never).
        every_minutes: ... or after this much wall time since the last one (0 = never).
        meta: the previous checkpoint's meta (on a restart), so the new one goes to the other
            slot and continues the sequence.

    Attributes:
        last: ``{"seq", "slot", "step", "t_s"}`` of the last complete checkpoint (written or
            restarted from), None if there is none.
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
        self.last = ({k: meta.get(k) for k in ("seq", "slot", "step", "t_s")} if meta
                     else None)

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
                The next periodic attempt is one interval later, not at the next step.
        """
        seq = self.seq + 1
        slot = "slot1" if self.slot == "slot0" else "slot0"
        try:
            return self._write(meta, arrays, seq, slot)
        except CheckpointError:
            self.step_last = int(meta["step"])
            self.wall_last = time.monotonic()
            raise

    def _write(self, meta: dict, arrays: dict, seq: int, slot: str) -> Path:
        comm = self.comm
        error = None
        try:
            if comm.rank == 0:
                (self.dir / slot).mkdir(parents=True, exist_ok=True)
                (self.dir / slot / META).unlink(missing_ok=True)  # the slot is being rewritten
        except OSError as exc:
            error = f"{self.dir / slot}: {os_reason(exc)}"
        error = comm.bcast(error, root=0)
        digests = None
        if error is None:
            data = {**arrays, "_seq": np.array(seq)}
            digests = _digests(data)
            try:
                _save_npz(_slot_file(self.dir, slot, comm.rank), data)
            except OSError as exc:
                error = f"rank {comm.rank}: {os_reason(exc)}"
        errors = [e for e in comm.allgather(error) if e]
        if errors:
            raise CheckpointError(f"cannot write checkpoint: {errors[0]}")
        digests = comm.gather(digests, root=0)
        if comm.rank == 0:
            full = _plain({
                "format": FORMAT,
                "seq": seq,
                "slot": slot,
                "n_ranks": comm.size,
                "written_utc": datetime.now(UTC).isoformat(timespec="seconds"),
                **meta,
                "arrays": digests,
            })
            full["meta_sha256"] = _meta_digest(full)
            text = json.dumps(full, indent=1, allow_nan=True) + "\n"
            try:
                files.write_text_atomic(self.dir / slot / META, text)
                files.write_text_atomic(self.dir / META, text)
            except OSError as exc:
                error = f"{self.dir / META}: {os_reason(exc)}"
        error = comm.bcast(error, root=0)
        if error:
            raise CheckpointError(f"cannot write checkpoint: {error}")
        self.seq, self.slot = seq, slot
        self.step_last = int(meta["step"])
        self.wall_last = time.monotonic()
        self.written += 1
        self.last = {"seq": seq, "slot": slot, "step": int(meta["step"]),
                     "t_s": meta.get("t_s")}
        return self.dir / META


def read_checkpoint(output_dir, comm) -> tuple[dict, dict]:
    """Read the newest usable checkpoint of ``output_dir``; collective.

    Slots are tried newest first; one that fails a check (see the module docstring) is
    skipped for the older one.

    Returns:
        ``(meta, arrays)``: the meta dict (same on every rank) and this rank's arrays. The meta
        has ``problems``: the reasons newer or damaged checkpoint files were skipped (empty
        when the newest checkpoint is used and every meta file is intact).

    Raises:
        CheckpointError: no usable checkpoint, or one written by another number of ranks (the
            same message on every rank).
    """
    metas, problems = (None, None)
    if comm.rank == 0:
        metas, problems = _candidates(output_dir)
    metas, problems = comm.bcast((metas, problems), root=0)
    for meta in metas:
        if int(meta["n_ranks"]) != comm.size:
            raise CheckpointError(
                f"the checkpoint in {output_dir} was written by {meta['n_ranks']} MPI rank(s), "
                f"this run has {comm.size}; restart with the same number of ranks "
                f"(mpirun -n {meta['n_ranks']} ...)")
        path = _slot_file(Path(output_dir) / CHECKPOINT_DIR, meta["slot"], comm.rank)
        arrays, error = _read_rank_file(path, meta, comm.rank)
        errors = [e for e in comm.allgather(error) if e]
        if not errors:
            return {**meta, "problems": problems}, arrays
        problems.append(f"{meta['slot']} (seq {meta['seq']}): {errors[0]}")
    raise _none_usable(output_dir, problems)


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
