"""Campaigns: parallel members, a broken member reported without stopping the others, resume."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from solver.campaign import CampaignSpec, expand_members, load_campaign
from solver.config import CaseError

REPO = Path(__file__).resolve().parents[2]
FAST = {"time.t_end_s": 120, "mesh.h_max_um": 0.05, "output.figures": False,
        "output.vtx": False}


def write_campaign(tmp_path, members, product=None, name="t") -> Path:
    spec = {"name": name, "base": str(REPO / "cases" / "reference_forward.yaml"), "set": FAST,
            "members": members}
    if product:
        spec["product"] = product
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump({"campaign": spec}))
    return path


def run(path, out, *extra):
    return subprocess.run([sys.executable, str(REPO / "run_case.py"), str(path), "--output",
                           str(out), "-j", "2", *extra], capture_output=True, text=True,
                          timeout=600, cwd=REPO)


def test_expand_members_product_times_list():
    spec = CampaignSpec(name="x", base="b.yaml", set={"a.b": 1},
                        product={"bias.field_V_per_um": [2, 4]},
                        members=[{"name": "m1"}, {"name": "m2", "set": {"c.d": "x"}}])
    members = expand_members(spec)
    assert [m.name for m in members] == [
        "m1__field_V_per_um=2", "m1__field_V_per_um=4",
        "m2__field_V_per_um=2", "m2__field_V_per_um=4"]
    assert members[3].overrides == ("a.b=1", "c.d=x", "bias.field_V_per_um=4")
    assert members[3].swept == {"member": "m2", "bias.field_V_per_um": 4}


def test_broken_member_reported_others_finish_and_rerun_does_no_work(tmp_path):
    path = write_campaign(tmp_path, [
        {"name": "good"},
        {"name": "broken", "set": {"solver.newton_max_it": 1, "time.dt_min_s": 1e-9}},
    ], product={"bias.field_V_per_um": [2.0, 4.0]})
    out = tmp_path / "out"
    first = run(path, out)
    assert first.returncode == 3, first.stderr
    report = json.loads((out / "campaign.json").read_text())
    assert sorted(report["failed"]) == ["broken__field_V_per_um=2.0", "broken__field_V_per_um=4.0"]
    rows = {r["member"]: r for r in report["members"]}
    for f in ("2.0", "4.0"):
        good = rows[f"good__field_V_per_um={f}"]
        assert good["status"] == "completed" and good["migration_length_um"] > 0
        assert "Newton failed" in rows[f"broken__field_V_per_um={f}"]["message"]
    csv_text = (out / "campaign.csv").read_text()
    assert csv_text.count("\n") == 5  # header + 4 members
    assert "broken" in first.stderr
    # Rerun: the completed members are reused untouched, only the broken ones run again.
    stamp = (out / "good__field_V_per_um=2.0" / "summary.json").stat().st_mtime_ns
    second = run(path, out)
    report2 = json.loads((out / "campaign.json").read_text())
    assert report2["reused"] == 2 and report2["ran"] == 2
    assert (out / "good__field_V_per_um=2.0" / "summary.json").stat().st_mtime_ns == stamp
    assert second.returncode == 3


@pytest.mark.slow
def test_finished_campaign_reruns_nothing(tmp_path):
    """In the slow suite: the default suite proves it in
    test_campaign_reuse.py::test_edited_base_case_content_reruns_the_member_with_the_new_values
    (its third run: exit 0, 'ran 0, reused 1') and, per member, in
    test_broken_member_reported_others_finish_and_rerun_does_no_work above."""
    path = write_campaign(tmp_path, [{"name": "only"}])
    out = tmp_path / "out"
    assert run(path, out).returncode == 0
    again = run(path, out)
    assert again.returncode == 0
    report = json.loads((out / "campaign.json").read_text())
    assert report["ran"] == 0 and report["reused"] == 1
    assert "ran 0, reused 1" in again.stdout


@pytest.mark.parametrize("spec, key", [
    ({"name": "x", "base": "nope.yaml", "members": [{"name": "a"}]}, "campaign.base"),
    ({"name": "x", "base": "../cases/reference_forward.yaml"}, "campaign"),
    ({"name": "x", "base": "../cases/reference_forward.yaml", "members": [{"name": "a"}],
      "bogus": 1}, "campaign.bogus"),
])
def test_bad_campaign_files(tmp_path, spec, key):
    camp_dir = tmp_path / "campaigns"
    camp_dir.mkdir()
    spec = dict(spec)
    if spec["base"].startswith("../cases"):
        spec["base"] = str(REPO / "cases" / "reference_forward.yaml")
    path = camp_dir / "c.yaml"
    path.write_text(yaml.safe_dump({"campaign": spec}))
    with pytest.raises(CaseError, match=key.replace(".", r"\.")):
        load_campaign(path)
    proc = run(path, tmp_path / "out")
    assert proc.returncode == 2 and proc.stderr.startswith("error:")
    assert "Traceback" not in proc.stderr


def test_invalid_member_override_exits_2(tmp_path):
    path = write_campaign(tmp_path, [{"name": "bad", "set": {"geometry.length_um": -1}}])
    proc = run(path, tmp_path / "out")
    assert proc.returncode == 2
    assert "campaign member bad" in proc.stderr and "geometry.length_um" in proc.stderr


def test_shipped_campaigns_validate():
    for path in sorted((REPO / "campaigns").glob("*.yaml")):
        spec, base = load_campaign(path)
        assert base.is_file() and expand_members(spec)


def test_campaign_rows_carry_a_bodys_observables():
    """campaign.csv gives a nanocrystal's or film's end values (summary.json "body") as
    body_<name> columns; a wire member has none."""
    from solver.campaign.members import MemberResult
    from solver.campaign.runner import BODY_COLUMNS, _rows
    from solver.campaign.spec import Member

    body = {"y_mean": 0.55, "x_v_mean": 0.27, "inventory": 1.4e-7, "pl_peak_nm": 575.9}
    rows = _rows([MemberResult(Member("nc", {"light.irradiance_W_per_cm2": 50.0}, ()),
                               "completed", {"body": body}),
                  MemberResult(Member("wire", {}, ()), "completed",
                               {"migration_length_um": 1.37})])
    assert {f"body_{k}": body[k] for k in BODY_COLUMNS}.items() <= rows[0].items()
    assert not any(k.startswith("body_") for k in rows[1])
    assert rows[1]["migration_length_um"] == 1.37
