"""Campaigns and fits stop like single runs do (issue 27, kind 3).

Before: Ctrl-C on a campaign printed a KeyboardInterrupt traceback, exited 130 and first started
the queued member; SIGTERM exited 143 with no message and left the members running as orphans
holding their locks. Now SIGTERM/SIGINT stop launching, reach the running members (they
checkpoint and exit 4), are waited for; campaign.csv (or the fit state) holds what completed,
one line on stderr, exit 4, and a rerun resumes to the result of an uninterrupted run.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from solver.io.output_dir import LOCK_NAME

REPO = Path(__file__).resolve().parents[2]
CASE = REPO / "cases" / "reference_forward.yaml"
#: Members long enough (2 h of model time, ~170 steps) to be caught in their time loop.
SLOW = {"time.t_end_s": 7200, "mesh.h_max_um": 0.05, "output.figures": False,
        "output.vtx": False}
FIELDS = [2.0, 3.0, 4.0]  # three members, -j 2: one is queued when the signal comes
VARYING = ("status", "wall_time_s", "message")  # columns that differ between two runs


def campaign_file(tmp_path: Path) -> Path:
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump({"campaign": {
        "name": "sig", "base": str(CASE), "set": SLOW,
        "product": {"bias.field_V_per_um": FIELDS}}}))
    return path


def command(path: Path, out: Path) -> list[str]:
    return [sys.executable, str(REPO / "run_case.py"), str(path), "-j", "2", "--output",
            str(out)]


def run(path: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(command(path, out), capture_output=True, text=True, timeout=600,
                          cwd=REPO, check=False)


def table(out: Path) -> list[dict]:
    with (out / "campaign.csv").open() as fh:
        rows = [r for r in csv.DictReader(line for line in fh if not line.startswith("#"))]
    return [{k: v for k, v in r.items() if k not in VARYING} for r in rows]


def member_pids(out: Path) -> set[int]:
    """PIDs of the member processes writing into ``out`` (from /proc)."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"solver.cli" in argv and any(a.startswith(str(out).encode() + b"/") for a in argv):
            pids.add(int(entry.name))
    return pids


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_until(condition, proc: subprocess.Popen, timeout_s: float = 120.0) -> None:
    """Poll ``condition()`` (the campaign must still be running) instead of sleeping."""
    end = time.monotonic() + timeout_s
    while not condition():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


def running_summary(out: Path) -> bool:
    """A member is inside its time loop: its summary.json says ``running``."""
    for path in out.glob("*/summary.json"):
        try:
            if json.loads(path.read_text()).get("status") == "running":
                return True
        except (OSError, ValueError):
            pass
    return False


def signal_midway(cmd: list[str], runs: Path, signum: int) -> tuple:
    """Start ``cmd`` in its own session, wait until a member run under ``runs`` is running,
    send ``signum`` as a user would (SIGINT: Ctrl-C, to the whole process group; SIGTERM: to
    the campaign or fit alone) and wait for the end.

    Returns:
        ``(returncode, stdout, stderr, pids)`` with the PIDs of the members that ran.
    """
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        wait_until(lambda: running_summary(runs), proc)
        pids = member_pids(runs)
        if signum == signal.SIGINT:
            os.killpg(proc.pid, signum)
        else:
            proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return proc.returncode, stdout, stderr, pids


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> list[dict]:
    tmp = tmp_path_factory.mktemp("reference")
    out = tmp / "out"
    done = run(campaign_file(tmp), out)
    assert done.returncode == 0, done.stderr
    return table(out)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_a_campaign_and_a_rerun_resumes(tmp_path, uninterrupted, signum):
    path, out = campaign_file(tmp_path), tmp_path / "out"
    returncode, stdout, stderr, pids = signal_midway(command(path, out), out, signum)
    assert pids
    assert returncode == 4, (stdout, stderr)
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("interrupted: campaign sig: "), stderr
    assert lines[0].endswith("rerun to resume") and "of 3 members completed" in lines[0]
    assert not any(alive(p) for p in pids) and not member_pids(out)  # no orphans
    assert not list(out.rglob(LOCK_NAME))  # no lock left
    report = json.loads((out / "campaign.json").read_text())
    assert report["interrupted"]  # the queued member never started
    statuses = {r["member"]: r["status"] for r in report["members"]}
    assert "not started" in statuses.values(), statuses
    never = [m for m, s in statuses.items() if s == "not started"]
    assert not any((out / m / "summary.json").exists() for m in never)
    again = run(path, out)  # resume: the same table as an uninterrupted campaign
    assert again.returncode == 0, again.stderr
    assert table(out) == uninterrupted
    resumed = [m for m, s in statuses.items() if s == "interrupted"
               and "--restart" in (out / "logs" / f"{m}.log").read_text()]
    assert resumed, statuses  # continued from its checkpoint, not from t = 0


def fit_file(tmp_path: Path) -> Path:
    """A fit of sources.alpha_br to one made-up L_m at +4 V/µm after 2 h."""
    data = tmp_path / "lm.csv"
    data.write_text("field_V_per_um,t_s,L_m_um,sigma_um\n4.0,7200.0,0.5,0.01\n")
    common = {k: v for k, v in SLOW.items() if k != "time.t_end_s"}  # the data set the times
    spec = {"name": "sigfit", "base": str(CASE), "set": common,
            "parameters": {"sources.alpha_br": {"initial": 1.3e-5, "min": 1e-7, "max": 1e-3}},
            "data": {"migration_length": {"file": data.name}},
            "optimizer": {"max_nfev": 2}}
    path = tmp_path / "fit.yaml"
    path.write_text(yaml.safe_dump({"fit": spec}))
    return path


#: SIGINT (Ctrl-C, the whole process group) on a fit is in the slow suite: the fit stops through
#: the campaign's stop machinery (solver/campaign/stop.py), which the campaign's SIGINT case
#: above covers in the default suite; the fit's own state, message and resume are its SIGTERM
#: case's.
@pytest.mark.parametrize("signum", [signal.SIGTERM,
                                    pytest.param(signal.SIGINT, marks=pytest.mark.slow)])
def test_signal_stops_a_fit_and_a_rerun_resumes(tmp_path, signum):
    path, out = fit_file(tmp_path), tmp_path / "fit"
    cmd = [sys.executable, str(REPO / "run_case.py"), "--fit", str(path), "--output", str(out),
           "--quiet"]
    returncode, stdout, stderr, pids = signal_midway(cmd, out / "runs", signum)
    assert returncode == 4, (stdout, stderr)
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("interrupted: fit sigfit: "), stderr
    assert not any(alive(p) for p in pids) and not member_pids(out)
    assert not list(out.rglob(LOCK_NAME))
    state = json.loads((out / "fit_state.json").read_text())
    assert state["status"] == "interrupted" and not (out / "fit.json").exists()
    again = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600,
                           check=False)
    assert again.returncode == 0, again.stderr
    assert (out / "fit.json").exists() and not (out / "fit_state.json").exists()
    logs = "".join(p.read_text() for p in (out / "runs" / "logs").glob("*.log"))
    assert "--restart" in logs  # the interrupted model run continued from its checkpoint
    if signum == signal.SIGTERM:  # the finished fit's outputs (once; the fit of this module
        check_finished_fit(out, cmd)  # is the default suite's fit through the solver)


def check_finished_fit(out: Path, cmd: list[str]) -> None:
    """A rerun of a finished fit reuses every model run and reproduces its values exactly; the
    fitted case file is a valid case carrying them; data_vs_model.csv has a row per datum and
    the data-vs-model figure is written. (Also checked, with two parameters and a recovery of
    known values, by the slow tests/regression/test_fit_recovery.py.)"""
    from solver.config import load_case

    before = json.loads((out / "fit.json").read_text())["parameters"]
    again = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600,
                           check=False)
    assert again.returncode == 0, again.stderr
    report = json.loads((out / "fit.json").read_text())
    assert report["runs"]["ran"] == 0 and report["runs"]["reused"] > 0, report["runs"]
    value = report["parameters"]["sources.alpha_br"]["value"]
    assert value == before["sources.alpha_br"]["value"]
    assert load_case(out / "fitted_case.yaml").sources.alpha_br == value
    rows = [r for r in (out / "data_vs_model.csv").read_text().splitlines()
            if not r.startswith("#")]
    assert len(rows) == 2  # header + the one datum
    assert (out / "figures" / "fit_data_vs_model.png").stat().st_size > 0
