"""Reuse is keyed by the resolved inputs and the solver code (issue 27, kind 2).

After the *content* of a campaign's base case file was edited, a rerun reused every member and
kept the old results (L_m 0.0029 µm instead of 0.029 µm), exit 0. Now a campaign member and a
fit's model run are reused only if their fully resolved case and the solver code are the same
(solver/campaign/reuse.py); an edited base case gives the new values, the rerun says
"rerun: inputs changed".
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from solver.campaign import reuse
from solver.fitting.data import Block, Condition, Observations
from solver.fitting.runs import ModelRunner

REPO = Path(__file__).resolve().parents[2]
CASE = REPO / "cases" / "reference_forward.yaml"
FAST = {"time.t_end_s": 120, "mesh.h_max_um": 0.05, "output.figures": False,
        "output.vtx": False}


def edited_base(tmp_path: Path, alpha_br: float | None = None) -> Path:
    """A copy of the reference case in ``tmp_path/base.yaml``, with ``sources.alpha_br``."""
    base = tmp_path / "base.yaml"
    if not base.exists():
        shutil.copy(CASE, base)
    if alpha_br is not None:
        data = yaml.safe_load(base.read_text())
        data["sources"]["alpha_br"] = alpha_br
        base.write_text(yaml.safe_dump(data))
    return base


def campaign_file(tmp_path: Path, base: Path) -> Path:
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump({"campaign": {
        "name": "reuse", "base": str(base), "set": FAST, "members": [{"name": "m"}]}}))
    return path


def run(path: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "run_case.py"), str(path), "--output",
                           str(out)], capture_output=True, text=True, timeout=300, cwd=REPO,
                          check=False)


def campaign_rows(out: Path) -> dict:
    return {r["member"]: r for r in json.loads((out / "campaign.json").read_text())["members"]}


def test_edited_base_case_content_reruns_the_member_with_the_new_values(tmp_path):
    base = edited_base(tmp_path)
    path = campaign_file(tmp_path, base)
    out = tmp_path / "out"
    first = run(path, out)
    assert first.returncode == 0, first.stderr
    old = campaign_rows(out)["m"]["migration_length_um"]
    edited_base(tmp_path, alpha_br=1.3e-4)  # the content changes, the path and overrides not
    again = run(path, out)
    assert again.returncode == 0, again.stderr
    assert "m: rerun: inputs changed (case)" in again.stdout
    report = json.loads((out / "campaign.json").read_text())
    assert report["ran"] == 1 and report["reused"] == 0
    new = campaign_rows(out)["m"]["migration_length_um"]
    fresh = tmp_path / "fresh"  # the right value: a campaign of the edited case from scratch
    assert run(path, fresh).returncode == 0
    expected = campaign_rows(fresh)["m"]["migration_length_um"]
    assert new == expected and new > 2 * old, (old, new, expected)
    with (out / "campaign.csv").open() as fh:
        (row,) = csv.DictReader(line for line in fh if not line.startswith("#"))
    assert float(row["migration_length_um"]) == pytest.approx(expected, rel=1e-9)
    third = run(path, out)  # and now nothing changed: reused
    assert third.returncode == 0 and "ran 0, reused 1" in third.stdout


# ------------------------------------------------------------------ the reuse record, no runs


def fake_member(root: Path, name: str, case: dict, status: str = "completed") -> str:
    """A member directory with a summary.json of ``case``; return the case's SHA-256."""
    (root / name).mkdir(parents=True)
    (root / name / "summary.json").write_text(json.dumps({"status": status, "case": case}))
    return reuse.case_sha(case)


def test_reuse_decision_compares_case_code_and_summary(tmp_path, monkeypatch):
    case = {"name": "x", "sources": {"alpha_br": 1.3e-5}}
    sha = fake_member(tmp_path, "m", case)
    summary, reason = reuse.reuse_decision(tmp_path, "m", sha)
    assert summary is None and reason == "rerun: inputs changed (no record of its inputs)"
    reuse.write_completed_record(tmp_path, "m", sha)
    summary, reason = reuse.reuse_decision(tmp_path, "m", sha)
    assert summary == {"status": "completed", "case": case} and reason == ""
    other = reuse.case_sha({**case, "sources": {"alpha_br": 1.3e-4}})
    assert reuse.reuse_decision(tmp_path, "m", other) == (None, "rerun: inputs changed (case)")
    changed = {**reuse.code_version(), "source_sha256": "0" * 64}
    monkeypatch.setattr(reuse, "code_version", lambda: changed)
    assert reuse.reuse_decision(tmp_path, "m", sha) == (
        None, "rerun: inputs changed (solver code)")
    monkeypatch.undo()
    (tmp_path / "m" / "summary.json").write_text(json.dumps({"status": "completed",
                                                             "case": case}) + " ")
    assert reuse.reuse_decision(tmp_path, "m", sha)[1] == (
        "rerun: inputs changed (summary.json is not the one recorded)")


def test_interrupted_member_restarts_only_from_its_own_inputs(tmp_path, monkeypatch):
    case = {"name": "x"}
    sha = fake_member(tmp_path, "m", case, status="interrupted")
    assert reuse.reuse_decision(tmp_path, "m", sha) == (None, "")  # no record: run decides
    reuse.launch_record(tmp_path, "m", sha)
    assert reuse.reuse_decision(tmp_path, "m", sha) == (None, "")  # resume (--restart)
    changed = {**reuse.code_version(), "version": "999"}
    monkeypatch.setattr(reuse, "code_version", lambda: changed)
    assert reuse.reuse_decision(tmp_path, "m", sha) == (
        None, "rerun: inputs changed (solver code)")  # start over (--force)


def test_source_hash_skips_figures_drivers_and_caches(tmp_path):
    pkg = tmp_path / "solver"
    for rel in ("run.py", "plotting.py", "figures/a.py", "fitting/b.py", "campaign/c.py",
                "physics/data/k.json", "__pycache__/run.cpython-312.pyc"):
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_text("x = 1\n")
    h0 = reuse.source_sha256(pkg)
    for rel in ("plotting.py", "figures/a.py", "fitting/b.py", "campaign/c.py",
                "__pycache__/run.cpython-312.pyc"):
        (pkg / rel).write_text("x = 2\n")
    assert reuse.source_sha256(pkg) == h0
    for rel in ("run.py", "physics/data/k.json"):
        (pkg / rel).write_text("x = 3\n")
        assert reuse.source_sha256(pkg) != h0
        h0 = reuse.source_sha256(pkg)
    (pkg / "new_module.py").write_text("")
    assert reuse.source_sha256(pkg) != h0


# ------------------------------------------------------------------ the fit's run cache


def model_runner(base: Path, runs: Path) -> ModelRunner:
    """A fit's runner of one condition (4 V/µm, L_m at 120 s), fitting sources.alpha_cl."""
    common = tuple(f"{k}={json.dumps(v)}" for k, v in FAST.items() if k != "time.t_end_s")
    cond = Condition(("bias.field_V_per_um=4.0",), (120.0,))
    block = Block("migration_length", "t", np.arange(1), np.full(1, 120.0), np.full(1, 4.0),
                  np.zeros(1), np.ones(1))
    return ModelRunner(base, common, ("sources.alpha_cl",), Observations((block,), (cond,)),
                       runs, jobs=1)


@pytest.mark.parametrize("change", ["case", "solver code"])
def test_fit_cache_is_keyed_by_the_resolved_case_and_the_code(tmp_path, change, monkeypatch):
    base = edited_base(tmp_path)
    point = [np.array([2.57e-7])]
    first = model_runner(base, tmp_path / "fit")
    old = first.predict(point)[0]
    assert first.ran == 1
    if change == "case":
        edited_base(tmp_path, alpha_br=1.3e-4)
    else:
        changed = {**reuse.code_version(), "source_sha256": "0" * 64}
        monkeypatch.setattr(reuse, "code_version", lambda: changed)
    again = model_runner(base, tmp_path / "fit")
    new = again.predict(point)[0]
    assert again.ran == 1 and again.reused == 0
    fresh = model_runner(base, tmp_path / "fresh")  # the right value: no cache
    expected = fresh.predict(point)[0]
    np.testing.assert_array_equal(new, expected)
    if change == "case":
        assert new[0] > 2 * old[0], (old, new)
    else:
        np.testing.assert_array_equal(new, old)  # the same numbers, run again
    third = model_runner(base, tmp_path / "fit")
    third.predict(point)
    assert third.ran == 0 and third.reused == 1
