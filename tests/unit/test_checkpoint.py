"""solver.checkpoint: atomic two-slot checkpoints, exact round trip, refusals, and damaged
checkpoints: checksums, shapes, fallback to the other slot (no dolfinx)."""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pytest
from mpi4py import MPI

from solver.io.checkpoint import (
    Checkpointer,
    CheckpointError,
    _meta_digest,
    check_same_case,
    has_checkpoint,
    read_checkpoint,
    read_meta,
)

COMM = MPI.COMM_WORLD


def write(ck: Checkpointer, step: int, value: float, n: int = 5, **override):
    meta = {"step": step, "t_s": value, "stepper": {"t": value / 3.0, "dt": math.inf,
                                                    "q": [0.1, 1e-300], "n_hist_states": 1},
            "nan": math.nan}
    arrays = {"w": np.full(n, value / 7.0), "w_n": np.full(n, value / 7.0),
              "w_nm1": np.full(n, value / 11.0), "hist_0": np.full(n, value / 13.0),
              "ints": np.arange(3), **override}
    return ck.write(meta, arrays)


def two_checkpoints(tmp_path) -> Checkpointer:
    """seq 1 (step 1, value 1) in slot0, seq 2 (step 2, value 2) in slot1, the newest."""
    ck = Checkpointer(tmp_path, COMM, every_steps=1, every_minutes=0)
    write(ck, 1, 1.0)
    write(ck, 2, 2.0)
    return ck


def rewrite_meta(tmp_path, slot: str, **changes) -> None:
    """Change meta values of ``slot`` consistently (its own checksum recomputed), in the slot's
    meta.json and in checkpoint/meta.json: as if the checkpoint had been written that way."""
    for path in (tmp_path / "checkpoint" / slot / "meta.json", tmp_path / "checkpoint" /
                 "meta.json"):
        meta = {**json.loads(path.read_text()), **changes}
        if meta["slot"] == slot:
            path.write_text(json.dumps({**meta, "meta_sha256": _meta_digest(meta)}))


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
    assert meta["problems"] == []
    for slot in ("slot0", "slot1"):
        assert (tmp_path / "checkpoint" / slot / "rank0.npz").exists()
        assert (tmp_path / "checkpoint" / slot / "meta.json").exists()
    assert not list((tmp_path / "checkpoint").rglob("*.tmp"))


def test_interrupted_write_keeps_previous_checkpoint(tmp_path, monkeypatch):
    ck = Checkpointer(tmp_path, COMM, every_steps=1, every_minutes=0)
    write(ck, 1, 1.0)

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("solver.io.files.write_text_atomic", fail)  # meta.json cannot be written
    with pytest.raises(CheckpointError, match="No space left"):
        write(ck, 2, 2.0)
    meta, arrays = read_checkpoint(tmp_path, COMM)  # the rank file of slot1 is new, meta is not
    assert meta["step"] == 1 and arrays["w"][0] == 1.0 / 7.0


def test_mixed_slot_falls_back_to_the_other(tmp_path):
    two_checkpoints(tmp_path)
    ck_dir = tmp_path / "checkpoint"
    shutil.copy(ck_dir / "slot0" / "rank0.npz", ck_dir / "slot1" / "rank0.npz")  # seq 1 file
    meta, arrays = read_checkpoint(tmp_path, COMM)
    assert (meta["slot"], meta["seq"], meta["step"]) == ("slot0", 1, 1)
    assert arrays["w"][0] == 1.0 / 7.0
    assert len(meta["problems"]) == 1 and "slot1 (seq 2)" in meta["problems"][0]
    assert "sequence number differs" in meta["problems"][0]


def test_due_by_steps_and_time(tmp_path, monkeypatch):
    ck = Checkpointer(tmp_path, COMM, every_steps=5, every_minutes=0)
    assert not ck.due(4) and ck.due(5)
    ck = Checkpointer(tmp_path, COMM, every_steps=0, every_minutes=1.0)
    assert not ck.due(10**6)
    clock = {"t": ck.wall_last + 61.0}
    monkeypatch.setattr("solver.io.checkpoint.time.monotonic", lambda: clock["t"])
    assert ck.due(1)


def test_refusals(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint to restart from"):
        read_checkpoint(tmp_path, COMM)
    (tmp_path / "checkpoint").mkdir()
    (tmp_path / "checkpoint" / "meta.json").write_text('{"format": "other"}')
    with pytest.raises(CheckpointError, match="not a checkpoint of this solver"):
        read_checkpoint(tmp_path, COMM)
    # Format 2 stored the fields of a cell apart; its arrays would be read in the wrong order.
    (tmp_path / "checkpoint" / "meta.json").write_text('{"format": "perovskite-ions checkpoint 2"}')
    with pytest.raises(CheckpointError, match="written by an earlier version"):
        read_checkpoint(tmp_path, COMM)
    ck = Checkpointer(tmp_path, COMM, every_steps=1, every_minutes=0)
    write(ck, 1, 1.0)
    rewrite_meta(tmp_path, "slot0", n_ranks=4)
    with pytest.raises(CheckpointError, match="written by 4 MPI rank"):
        read_checkpoint(tmp_path, COMM)


def test_same_case_rule():
    case = {"name": "a", "bias": {"field_V_per_um": 4.0}, "checkpoint": {"every_steps": 1}}
    check_same_case({"case": case}, {**case, "checkpoint": {"every_steps": 50}})
    with pytest.raises(CheckpointError, match=r"at bias.field_V_per_um \(checkpoint 4.0, now 2"):
        check_same_case({"case": case}, {**case, "bias": {"field_V_per_um": 2.0}})
    with pytest.raises(CheckpointError, match="at extra"):
        check_same_case({"case": case}, {**case, "extra": 1})


# --------------------------------------------------------------------------------------------
# Damaged checkpoints: every kind is detected, the other slot is used, and which one is said.


def test_truncated_newest_slot_falls_back_to_the_complete_one(tmp_path):
    two_checkpoints(tmp_path)
    path = tmp_path / "checkpoint" / "slot1" / "rank0.npz"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # np.load: BadZipFile
    meta, arrays = read_checkpoint(tmp_path, COMM)
    assert (meta["slot"], meta["seq"], meta["step"], meta["stepper"]["t"]) == (
        "slot0", 1, 1, 1.0 / 3.0)
    assert np.array_equal(arrays["w_nm1"], np.full(5, 1.0 / 11.0))
    assert meta["problems"] == [meta["problems"][0]] and "BadZipFile" in meta["problems"][0]
    assert "slot1 (seq 2)" in meta["problems"][0]


def test_altered_state_is_detected_by_the_checksum(tmp_path):
    """A rank file rewritten with one value changed (a valid npz with the right sequence
    number, so numpy and the sequence check accept it) is refused by the SHA-256 in meta.json;
    the older slot is used."""
    two_checkpoints(tmp_path)
    path = tmp_path / "checkpoint" / "slot1" / "rank0.npz"
    with np.load(path) as raw:
        arrays = {k: raw[k] for k in raw.files}
    arrays["w_nm1"][2] = 0.5
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
    meta, arrays = read_checkpoint(tmp_path, COMM)
    assert meta["slot"] == "slot0" and arrays["w_nm1"][2] == 1.0 / 11.0
    assert "checksum mismatch in array w_nm1" in meta["problems"][0]


def test_altered_meta_is_detected_and_the_slot_copy_used(tmp_path):
    two_checkpoints(tmp_path)
    top = tmp_path / "checkpoint" / "meta.json"
    top.write_text(top.read_text().replace('"step": 2', '"step": 3'))
    meta, _ = read_checkpoint(tmp_path, COMM)
    assert (meta["slot"], meta["seq"], meta["step"]) == ("slot1", 2, 2)  # slot1/meta.json
    assert any("checksum mismatch" in p for p in meta["problems"])


def test_killed_before_the_top_meta_was_replaced(tmp_path):
    """Killed after the new slot's meta.json, before checkpoint/meta.json: the newer, complete
    slot is used; killed before the slot's meta.json: the previous one."""
    two_checkpoints(tmp_path)
    top = tmp_path / "checkpoint" / "meta.json"
    slot0_meta = (tmp_path / "checkpoint" / "slot0" / "meta.json").read_text()
    top.write_text(slot0_meta)  # the top meta still names seq 1
    meta, _ = read_checkpoint(tmp_path, COMM)
    assert (meta["slot"], meta["seq"]) == ("slot1", 2) and meta["problems"] == []
    (tmp_path / "checkpoint" / "slot1" / "meta.json").unlink()
    meta, _ = read_checkpoint(tmp_path, COMM)
    assert (meta["slot"], meta["seq"]) == ("slot0", 1)
    top.unlink()
    assert has_checkpoint(tmp_path) and read_meta(tmp_path)["seq"] == 1


@pytest.mark.parametrize("override, reason", [
    ({"w_n": np.full(4, 0.5)}, "state arrays differ in shape"),
    ({"hist_0": np.full((5, 1), 0.5)}, "state arrays differ in shape"),
    ({"w": np.array([0.5, np.nan, 0.5, 0.5, 0.5])}, "state array w is not finite"),
    ({"w_nm1": np.arange(5)}, "state array w_nm1 is not finite floating point"),
])
def test_inconsistent_state_is_refused(tmp_path, override, reason):
    """Written that way (checksums match): unusable all the same; with a good older slot that
    one is used, without one no checkpoint is usable."""
    ck = Checkpointer(tmp_path, COMM, every_steps=1, every_minutes=0)
    write(ck, 1, 1.0, **override)
    with pytest.raises(CheckpointError, match=f"no usable checkpoint in .*{reason}.*--force"):
        read_checkpoint(tmp_path, COMM)
    write(ck, 2, 2.0)
    write(ck, 3, 3.0, **override)
    meta, _ = read_checkpoint(tmp_path, COMM)
    assert meta["seq"] == 2 and reason in meta["problems"][0]


def test_missing_history_array_is_refused(tmp_path):
    ck = Checkpointer(tmp_path, COMM, every_steps=1, every_minutes=0)
    ck.write({"step": 1, "stepper": {"n_hist_states": 2}},
             {"w": np.ones(3), "w_n": np.ones(3), "w_nm1": np.ones(3), "hist_0": np.ones(3)})
    with pytest.raises(CheckpointError, match="arrays missing: hist_1"):
        read_checkpoint(tmp_path, COMM)


def test_no_usable_slot_names_both(tmp_path):
    two_checkpoints(tmp_path)
    for slot in ("slot0", "slot1"):
        (tmp_path / "checkpoint" / slot / "rank0.npz").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError) as err:
        read_checkpoint(tmp_path, COMM)
    text = str(err.value)
    assert "\n" not in text and text.startswith(f"no usable checkpoint in {tmp_path}: ")
    assert "slot1 (seq 2)" in text and "slot0 (seq 1)" in text and text.endswith("--force")


def test_failed_write_is_retried_one_interval_later(tmp_path, monkeypatch):
    ck = Checkpointer(tmp_path, COMM, every_steps=10, every_minutes=0)
    write(ck, 10, 1.0)

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("solver.io.checkpoint._save_npz", fail)
    assert ck.due(20)
    with pytest.raises(CheckpointError, match="No space left"):
        write(ck, 20, 2.0)
    assert not ck.due(21) and ck.due(30)  # not at every step after a failure
    assert ck.last == {"seq": 1, "slot": "slot0", "step": 10, "t_s": 1.0}
