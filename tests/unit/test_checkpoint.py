"""solver.checkpoint: atomic two-slot checkpoints, exact round trip, refusals (no dolfinx)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from mpi4py import MPI

from solver.checkpoint import (
    Checkpointer,
    CheckpointError,
    check_same_case,
    has_checkpoint,
    read_checkpoint,
)

COMM = MPI.COMM_WORLD


def write(ck: Checkpointer, step: int, value: float):
    meta = {"step": step, "stepper": {"t": value / 3.0, "dt": math.inf, "q": [0.1, 1e-300]},
            "nan": math.nan}
    arrays = {"w": np.full(5, value / 7.0), "ints": np.arange(3)}
    return ck.write(meta, arrays)


def test_round_trip_is_exact_and_slots_alternate(tmp_path):
    ck = Checkpointer(tmp_path, COMM, every_steps=10, every_minutes=0)
    assert not has_checkpoint(tmp_path)
    write(ck, 10, 1.0)
    write(ck, 20, 2.0)
    meta, arrays = read_checkpoint(tmp_path, COMM)
    assert (meta["seq"], meta["slot"], meta["step"], meta["n_ranks"]) == (2, "slot1", 20, 1)
    assert meta["stepper"]["t"] == 2.0 / 3.0 and meta["stepper"]["dt"] == math.inf
    assert meta["stepper"]["q"] == [0.1, 1e-300] and math.isnan(meta["nan"])
    assert np.array_equal(arrays["w"], np.full(5, 2.0 / 7.0)) and arrays["ints"].dtype.kind == "i"
    assert (tmp_path / "checkpoint" / "slot0" / "rank0.npz").exists()
    assert not list((tmp_path / "checkpoint").rglob("*.tmp"))


def test_interrupted_write_keeps_previous_checkpoint(tmp_path, monkeypatch):
    ck = Checkpointer(tmp_path, COMM, every_steps=1, every_minutes=0)
    write(ck, 1, 1.0)

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("solver.outputs.write_text_atomic", fail)  # meta.json cannot be written
    with pytest.raises(CheckpointError, match="No space left"):
        write(ck, 2, 2.0)
    meta, arrays = read_checkpoint(tmp_path, COMM)  # the rank file of slot1 is new, meta is not
    assert meta["step"] == 1 and arrays["w"][0] == 1.0 / 7.0


def test_mixed_slot_is_detected(tmp_path):
    ck = Checkpointer(tmp_path, COMM, every_steps=1, every_minutes=0)
    write(ck, 1, 1.0)
    write(ck, 2, 2.0)
    meta_path = tmp_path / "checkpoint" / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps({**meta, "seq": 7}))
    with pytest.raises(CheckpointError, match="sequence number differs"):
        read_checkpoint(tmp_path, COMM)


def test_due_by_steps_and_time(tmp_path, monkeypatch):
    ck = Checkpointer(tmp_path, COMM, every_steps=5, every_minutes=0)
    assert not ck.due(4) and ck.due(5)
    ck = Checkpointer(tmp_path, COMM, every_steps=0, every_minutes=1.0)
    assert not ck.due(10**6)
    clock = {"t": ck.wall_last + 61.0}
    monkeypatch.setattr("solver.checkpoint.time.monotonic", lambda: clock["t"])
    assert ck.due(1)


def test_refusals(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint to restart from"):
        read_checkpoint(tmp_path, COMM)
    (tmp_path / "checkpoint").mkdir()
    (tmp_path / "checkpoint" / "meta.json").write_text('{"format": "other"}')
    with pytest.raises(CheckpointError, match="not a checkpoint of this solver"):
        read_checkpoint(tmp_path, COMM)
    ck = Checkpointer(tmp_path, COMM, every_steps=1, every_minutes=0)
    write(ck, 1, 1.0)
    meta_path = tmp_path / "checkpoint" / "meta.json"
    meta_path.write_text(json.dumps({**json.loads(meta_path.read_text()), "n_ranks": 4}))
    with pytest.raises(CheckpointError, match="written by 4 MPI rank"):
        read_checkpoint(tmp_path, COMM)


def test_same_case_rule():
    case = {"name": "a", "bias": {"field_V_per_um": 4.0}, "checkpoint": {"every_steps": 1}}
    check_same_case({"case": case}, {**case, "checkpoint": {"every_steps": 50}})
    with pytest.raises(CheckpointError, match=r"at bias.field_V_per_um \(checkpoint 4.0, now 2"):
        check_same_case({"case": case}, {**case, "bias": {"field_V_per_um": 2.0}})
    with pytest.raises(CheckpointError, match="at extra"):
        check_same_case({"case": case}, {**case, "extra": 1})
