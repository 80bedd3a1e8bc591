"""The engines of campaigns and fits (solver/campaign/executors.py): the choice's one-line
errors, a missing engine is exit 2 naming the extra, the remote stop file reaches a member
process, a member dies with the worker that started it, and members never inherit an MPI
launcher's environment."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from solver.campaign.executors import EXTRA, ExecutorChoice, ExecutorError, open_engine
from solver.campaign.members import _member_environment
from solver.campaign.stop import StopFile
from solver.config import CaseError

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("kwargs", "option"), [
    ({"kind": "spark"}, "--executor"),
    ({"kind": "local", "scheduler": "tcp://h:8786"}, "--scheduler"),
    ({"kind": "dask", "scheduler": "  "}, "--scheduler"),
    ({"kind": "local", "jobs": 0}, "-j"),
])
def test_bad_choice_is_a_one_line_case_error_naming_the_option(kwargs, option):
    with pytest.raises(ExecutorError) as err:
        ExecutorChoice(**kwargs)
    assert isinstance(err.value, CaseError) and err.value.key == option
    assert "\n" not in str(err.value)


def test_local_engine_runs_tasks_with_its_slots():
    with open_engine(ExecutorChoice("local", 3)) as engine:
        assert engine.local and engine.slots == 3
        assert engine.executor.submit(pow, 2, 10).result() == 1024


#: Runs the command line with dask.distributed made unimportable (as on a default install).
WITHOUT_DASK = ("import sys; sys.modules['distributed'] = None; sys.argv[0] = 'run_case.py'; "
                "from solver.cli import main; sys.exit(main(sys.argv[1:]))")


@pytest.mark.parametrize("argv", [
    [str(REPO / "campaigns" / "fig1e.yaml"), "--executor", "dask"],
    ["fit", str(REPO / "fits" / "fig1e_synthetic.yaml"), "--executor", "dask"],
])
def test_missing_engine_is_exit_2_one_line_naming_the_extra(argv, tmp_path):
    proc = subprocess.run([sys.executable, "-c", WITHOUT_DASK, *argv, "--output",
                           str(tmp_path / "out")], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "--executor" in lines[0] and EXTRA in lines[0], proc.stderr
    assert not (tmp_path / "out").exists()  # checked before any work


@pytest.mark.parametrize("argv", [
    [str(REPO / "campaigns" / "fig1e.yaml"), "--executor", "mpi"],  # not under mpi4py.futures
    [str(REPO / "cases" / "reference_forward.yaml"), "--executor", "dask"],  # a single run
])
def test_engine_that_cannot_serve_is_exit_2_one_line(argv, tmp_path):
    proc = subprocess.run([sys.executable, str(REPO / "run_case.py"), *argv, "--output",
                           str(tmp_path / "out")], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "--executor" in lines[0], proc.stderr


def test_stop_file_refuses_to_start_and_stops_a_running_member(tmp_path):
    stop = StopFile(tmp_path / "logs" / "stop-x")
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    proc = stop.launch(sleeper)
    assert proc is not None and not stop.requested
    t0 = time.monotonic()
    stop.request()
    assert proc.wait(timeout=20) == -signal.SIGTERM
    assert time.monotonic() - t0 < 10
    assert stop.launch(sleeper) is None  # no member starts after the request
    stop.clear()
    assert not stop.requested


def test_member_dies_with_the_worker_that_started_it(tmp_path):
    """A worker killed hard (SIGKILL) takes its member process with it (SIGTERM: the member
    checkpoints and releases its lock) instead of leaving an orphan that holds the lock."""
    worker = ("import sys, time; from solver.campaign.stop import StopFile; "
              "p = StopFile(sys.argv[1]).launch([sys.executable, '-c', "
              "'import time; time.sleep(60)']); print(p.pid, flush=True); time.sleep(60)")
    parent = subprocess.Popen([sys.executable, "-c", worker, str(tmp_path / "stop")],
                              stdout=subprocess.PIPE, text=True, cwd=REPO)
    child = int(parent.stdout.readline())
    time.sleep(0.5)  # the wrapper has set its parent-death signal and exec'd
    parent.kill()
    parent.wait(timeout=10)
    for _ in range(100):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        try:  # reap it if it was reparented to us (it is not our child: usually init reaps)
            os.waitpid(child, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.1)
    else:
        os.kill(child, signal.SIGKILL)
        pytest.fail("the member outlived its worker")


def test_member_environment_drops_the_mpi_launcher_variables(monkeypatch):
    monkeypatch.setenv("PMI_RANK", "1")
    monkeypatch.setenv("PMI_FD", "7")
    monkeypatch.setenv("HYDI_CONTROL_FD", "9")
    monkeypatch.setenv("MY_SETTING", "kept")
    env = _member_environment()
    assert not any(k.startswith(("PMI_", "HYDI_")) for k in env)
    assert env["MY_SETTING"] == "kept" and env["OMP_NUM_THREADS"] == "1"
