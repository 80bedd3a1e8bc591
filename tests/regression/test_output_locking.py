"""Runs against their output directory: a concurrent run, a full disk, a member killed hard.

- Two runs on one directory: the second exits 2 naming the first; the first is unaffected.
- A full disk (a real 200 kB tmpfs when running as root, and portably by injecting ENOSPC into
  the writers): exit 3 with one line, no summary that describes another run, the last
  checkpoint kept; after freeing space ``--restart`` gives the uninterrupted result.
- A campaign member killed with SIGKILL resumes from its checkpoint, or starts over when the
  checkpoint is unusable.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from solver.campaign import expand_members, load_campaign
from solver.cli import main
from solver.io import files
from solver.io.files import read_profile_csv, read_timeseries_csv
from solver.io.output_dir import LOCK_NAME
from solver.run import STOP_AFTER_STEPS_ENV

REPO_ROOT = Path(__file__).resolve().parents[2]
CASE = str(REPO_ROOT / "cases" / "reference_forward.yaml")
FAST = ["--set", "time.t_end_s=600", "--set", "mesh.h_max_um=0.05", "--set",
        "output.figures=false", "--set", "output.vtx=false"]


def summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text())


def summary_t(out: Path, step: int) -> str:
    """The time of accepted step ``step`` in the time series, as the messages print it."""
    t = read_timeseries_csv(out / "timeseries.csv")["t_s"]
    return f"{t[step]:.6g}"


def error_line(err: str) -> str:
    """The one ``error:`` line on stderr (log warnings may precede it), no traceback."""
    assert "Traceback" not in err, err
    errors = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, err
    return errors[0]


def popen(argv: list[str], env: dict | None = None) -> subprocess.Popen:
    env = {k: v for k, v in (env or os.environ).items() if k != STOP_AFTER_STEPS_ENV}
    return subprocess.Popen([sys.executable, "run_case.py", *argv], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.02)


def same_result(a: Path, b: Path) -> None:
    """Identical summary observables, time series and profiles (deterministic runs)."""
    sa, sb = summary(a), summary(b)
    assert sa["status"] == sb["status"] == "completed"
    for key in ("migration_length_um", "front_position_um", "total_br_final_um", "steps",
                "rejected_steps", "newton_iterations", "t_final_s"):
        assert sa[key] == sb[key], key
    ta, tb = read_timeseries_csv(a / "timeseries.csv"), read_timeseries_csv(b / "timeseries.csv")
    assert list(ta) == list(tb)
    for col in ta:
        np.testing.assert_array_equal(ta[col], tb[col], err_msg=col)
    pa, pb = sorted((a / "profiles").glob("*.csv")), sorted((b / "profiles").glob("*.csv"))
    assert [p.name for p in pa] == [p.name for p in pb] and pa
    for x, y in zip(pa, pb, strict=True):
        tx, dx = read_profile_csv(x)
        ty, dy = read_profile_csv(y)
        assert tx == ty and all(np.array_equal(dx[c], dy[c]) for c in dx)


@pytest.fixture(scope="module")
def reference(forward_600s) -> Path:
    """The uninterrupted run of CASE with FAST: the session's shared run (the same case, t_end
    and mesh; it also writes VTX fields, which change no number; tests/regression/conftest.py)."""
    return forward_600s


# --------------------------------------------------------------------------------------------
# Two runs, one directory


def test_second_run_on_the_same_directory_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    first = popen([CASE, "--quiet", "--output", str(out), "--set", "output.figures=false"])
    try:
        wait_for(out / "summary.json", first)  # running (signal handlers installed)
        assert summary(out)["status"] == "running" and (out / LOCK_NAME).exists()
        for extra in ([], ["--force"], ["--restart"]):
            assert main([CASE, "--quiet", *FAST, "--output", str(out), *extra]) == 2
            line = error_line(capsys.readouterr().err)
            assert f"output directory {out} is in use by another run (pid {first.pid} " in line
        first.send_signal(signal.SIGTERM)  # the first run stops normally, with a checkpoint
        _, err = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 4, err
    s = summary(out)
    assert s["status"] == "interrupted" and s["overrides"] == ["output.figures=false"]
    assert not (out / LOCK_NAME).exists()


# --------------------------------------------------------------------------------------------
# A full disk: a real small tmpfs


@contextlib.contextmanager
def small_tmpfs(tmp_path: Path, size: str):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mnt = tmp_path / "disk"
    mnt.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)],
                          capture_output=True, check=False)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {proc.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(mnt: Path) -> None:
    """Fill the disk completely."""
    fd = os.open(mnt / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)


def test_run_into_a_full_tmpfs(tmp_path):
    """200 kB: the first profile fits, the second does not. Fields (ADIOS2) are on: a failed
    VTX writer must not abort the process."""
    with small_tmpfs(tmp_path, "200k") as mnt:
        out = mnt / "out"
        proc = popen([CASE, "--quiet", "--set", "time.t_end_s=60", "--output", str(out)])
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 3, err
        line = error_line(err)
        assert line.startswith(f"error: cannot write {out}/profiles/t_")
        assert "No space left on device at t = " in line and "the run stopped" in line
        if (out / "summary.json").exists():  # written if it fitted
            assert summary(out)["status"] == "failed"
        assert not list(out.rglob(".*.tmp"))


def test_force_rerun_into_a_full_tmpfs_leaves_no_old_summary(tmp_path):
    """The earlier run completed with other inputs and the disk is full: the --force rerun
    needs more space than the earlier run freed; it exits 3 and summary.json, if any, is this
    run's."""
    quiet = ["--quiet", "--set", "checkpoint.every_steps=0", "--set",
             "checkpoint.every_minutes=0", "--set", "output.figures=false", "--set",
             "output.vtx=false", "--set", "time.t_end_s=60"]
    with small_tmpfs(tmp_path, "400k") as mnt:
        out = mnt / "out"
        first = popen([CASE, *quiet, "--set", "time.output_times_s=[0, 60]", "--output",
                       str(out)])
        assert first.wait(timeout=300) == 0
        assert summary(out)["status"] == "completed"
        fill(mnt)
        second = popen([CASE, *quiet, "--set", "bias.field_V_per_um=2", "--output", str(out),
                        "--force"])
        _, err = second.communicate(timeout=300)
        assert second.returncode == 3, err
        line = error_line(err)
        assert "No space left on device" in line and "rerun with --force" in line
        if (out / "summary.json").exists():
            s = summary(out)
            assert s["status"] == "failed" and "bias.field_V_per_um=2" in s["overrides"]
            assert s["message"] in line


# --------------------------------------------------------------------------------------------
# A full disk, portably: ENOSPC injected into the writers


def test_enospc_in_a_profile_stops_and_restart_completes(reference, tmp_path, monkeypatch,
                                                         capsys):
    out = tmp_path / "out"
    args = [CASE, "--quiet", *FAST, "--set", "checkpoint.every_steps=20", "--output", str(out)]
    real = files.write_profile_csv
    written = []

    def profile(path, *args, **kwargs):
        if len(written) == 2:  # the third output time: the disk is full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(files, "write_profile_csv", profile)
    assert main(args) == 3
    line = error_line(capsys.readouterr().err)
    third = f"{out}/profiles/t_00000300.000s.csv"
    assert line.startswith(f"error: cannot write {third}: No space left on device at t = 300 s")
    s = summary(out)
    assert s["status"] == "failed" and line == f"error: {s['message']}"
    assert "checkpoint.every_steps=20" in s["overrides"]  # this run's summary
    step = int(json.loads((out / "checkpoint" / "meta.json").read_text())["step"])
    assert f"the last checkpoint (t = {summary_t(out, step)} s, step {step}) is kept" in line
    assert step < s["steps"]  # no checkpoint after the failed output
    assert sorted(p.name for p in (out / "profiles").glob("*.csv")) == [
        "t_00000000.000s.csv", "t_00000150.000s.csv"]
    monkeypatch.setattr(files, "write_profile_csv", real)  # space freed
    assert main([*args, "--restart"]) == 0
    same_result(out, reference)
    assert summary(out)["restart_checkpoint"]["step"] == step


def test_force_rerun_that_cannot_write_leaves_no_old_summary(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    assert main([CASE, "--quiet", *FAST, "--set", "time.t_end_s=60", "--output", str(out)]) == 0
    assert summary(out)["status"] == "completed"

    def full(path, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(files, "write_json", full)
    assert main([CASE, "--quiet", *FAST, "--set", "bias.field_V_per_um=2", "--output",
                 str(out), "--force"]) == 2
    line = error_line(capsys.readouterr().err)
    assert line == (f"error: output directory {out}: cannot write {out}/summary.json (No space "
                    "left on device); nothing was computed, no summary.json remains")
    assert not (out / "summary.json").exists() and not (out / LOCK_NAME).exists()


def test_summary_that_cannot_be_written_at_the_end_is_removed(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    real = files.write_json

    def final_fails(path, data):
        if data.get("status") != "running":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(path, data)

    monkeypatch.setattr(files, "write_json", final_fails)
    assert main([CASE, "--quiet", *FAST, "--set", "time.t_end_s=60", "--output", str(out)]) == 3
    line = error_line(capsys.readouterr().err)
    assert line.startswith(f"error: cannot write {out}/summary.json (No space left on device; "
                           "it was removed) at t = 60 s")
    assert not (out / "summary.json").exists()  # not the 'running' record either
    assert (out / "timeseries.csv").exists()


def test_field_writer_failure_is_reported_not_an_abort(tmp_path, monkeypatch, capsys):
    """ADIOS2 raises RuntimeError on a full disk and its writer's destructor would call
    std::terminate: the run reports exit 3 and the process ends normally."""
    import solver.recording as recording

    class Broken:
        def close(self):
            raise RuntimeError("\x1b[1;36m[ADIOS2 EXCEPTION]\x1b[0m couldn't write : errno = 28")

    def vtx(problem, out):
        def write(t):
            if t > 0:
                raise RuntimeError("[ADIOS2 EXCEPTION] couldn't write data.0: errno = 28")
        return Broken(), write

    monkeypatch.setattr(recording, "open_vtx", vtx)
    out = tmp_path / "out"
    assert main([CASE, "--quiet", *FAST, "--set", "output.vtx=true", "--output", str(out)]) == 3
    line = error_line(capsys.readouterr().err)
    assert line.startswith(f"error: cannot write {out}/fields/state.bp: [ADIOS2 EXCEPTION] "
                           "couldn't write data.0: errno = 28 at t = 150 s")
    assert summary(out)["status"] == "failed"


# --------------------------------------------------------------------------------------------
# A campaign member killed hard


def test_campaign_member_killed_hard_resumes_from_its_checkpoint(reference, tmp_path):
    fast = {"time.t_end_s": 600, "mesh.h_max_um": 0.05, "output.figures": False,
            "output.vtx": False, "checkpoint.every_steps": 1}
    spec = {"name": "c", "base": CASE, "set": fast, "members": [{"name": "m"}]}
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump({"campaign": spec}))
    root = tmp_path / "c"
    (member,) = expand_members(load_campaign(path)[0])
    argv = [CASE, "--quiet", "--force", "--output", str(root / "m")]
    for o in member.overrides:  # the member's own command line, as the campaign runs it
        argv += ["--set", o]

    def kill_after_checkpoints(n: int) -> None:
        shutil.rmtree(root / "m" / "checkpoint", ignore_errors=True)  # wait for the new one
        proc = popen(argv)
        meta = root / "m" / "checkpoint" / "slot1" / "meta.json"  # the second checkpoint
        wait_for(meta, proc)
        for _ in range(n):
            time.sleep(0.05)
        proc.kill()
        assert proc.wait(timeout=60) == -signal.SIGKILL  # killed mid-run, not finished
        assert summary(root / "m")["status"] == "running"

    def campaign() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "run_case.py", str(path), "--quiet", "--output",
                               str(root)], cwd=REPO_ROOT, capture_output=True, text=True,
                              timeout=300, check=False)

    kill_after_checkpoints(2)
    done = campaign()
    assert done.returncode == 0, done.stderr
    s = summary(root / "m")
    assert s["status"] == "completed" and s["restarts"] == 1  # resumed, not from t = 0
    same_result(root / "m", reference)
    assert "--restart" in (root / "logs" / "m.log").read_text()

    kill_after_checkpoints(2)  # again, and now its checkpoint is unusable: start over
    for slot in ("slot0", "slot1"):
        (root / "m" / "checkpoint" / slot / "rank0.npz").write_bytes(b"damaged")
    done = campaign()
    assert done.returncode == 0, done.stderr
    s = summary(root / "m")
    assert s["status"] == "completed" and s["restarts"] == 0
    same_result(root / "m", reference)
    log = (root / "logs" / "m.log").read_text()
    assert "no usable checkpoint" in log and log.count("$ ") == 2


def test_field_writer_that_cannot_open_stops_after_the_first_step(tmp_path, monkeypatch,
                                                                   capsys):
    import solver.recording as recording

    def vtx(problem, out):
        raise RuntimeError("[ADIOS2 EXCEPTION] couldn't open state.bp: errno = 28")

    monkeypatch.setattr(recording, "open_vtx", vtx)
    out = tmp_path / "out"
    assert main([CASE, "--quiet", *FAST, "--set", "output.vtx=true", "--output", str(out)]) == 3
    line = error_line(capsys.readouterr().err)
    assert line.startswith(f"error: cannot write {out}/fields/state.bp: [ADIOS2 EXCEPTION] "
                           "couldn't open state.bp: errno = 28 at t = ")
    assert "(step 1); the run stopped, no checkpoint was written" in line
    assert summary(out)["status"] == "failed" and summary(out)["steps"] == 1
