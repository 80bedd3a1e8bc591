"""The front-shape report's reading of runs and its verdicts (validation.front_shape).

The report's verdicts are computed, not written: these tests feed it synthetic run outputs and
metrics whose answer is known, so a wrong criterion, a swapped column or a run read before it
completed changes the result.
"""

import json

import pytest

from validation import front_shape as fs


def metrics(width_um: float, cl: float) -> dict:
    return {"front_um": 2.0, "width_um": width_um, "max_cl_ahead": cl,
            "mean_cl_increase": 0.1, "width_resolved": True}


@pytest.mark.parametrize(("w15", "w4", "smooths"), [(0.08, 0.25, True), (0.08, 0.09, False),
                                                     (0.08, 0.036, False)])
def test_smoothing_criterion(w15, w4, smooths):
    """Smooths with bias: width(4) > 1.2 width(1.5); 0.09/0.08 = 1.125 is not enough."""
    rows = {1.5: metrics(w15, 0.0), 2.5: metrics(0.05, 0.0), 4.0: metrics(w4, 0.0)}
    v = fs.verdicts({"x": rows})["x"]
    assert v["smooths"] is smooths
    assert v["ratio"] == pytest.approx(w4 / w15)


@pytest.mark.parametrize(("cl", "ok"), [(0.12, True), (0.05, False), (0.31, False),
                                        (float("nan"), False)])
def test_cl_uptake_criterion(cl, ok):
    """~12 % Cl ahead at 4 V/µm within a factor 2 (0.06 ... 0.24)."""
    rows = {f: metrics(0.05, cl if f == 4.0 else 0.0) for f in fs.FIELDS}
    assert fs.verdicts({"x": rows})["x"]["cl_ok"] is ok


def write_member(run, status="completed", spread=0.2, width=0.25, width_pl=0.3, cl_pl=0.01):
    run.mkdir(parents=True)
    pl = {"front_um": 2.1, "front_um_pl": 2.12, "width_um": width, "width_um_pl": width_pl,
          "max_cl_ahead": 0.0, "max_cl_ahead_pl": cl_pl, "mean_cl_increase": 0.3,
          "mean_cl_increase_pl": 0.31, "width_resolved": True, "width_resolved_pl": True}
    summary = {"status": status, "migration_length_um": 1.37, "front_lateral_spread_um": spread,
               "n_dofs": 52575, "wall_time_s": 900.0, "steps": 500,
               "case": {"geometry": {"width_um": 0.3}, "mesh": {"h3d_max_um": 0.075}}}
    if status == "completed":
        summary["pl"] = pl
    (run / "summary.json").write_text(json.dumps(summary))


def test_three_d_member_reads_averaged_and_pl_columns(tmp_path):
    write_member(tmp_path / "m", width=0.25, width_pl=0.3, cl_pl=0.01)
    m = fs.three_d_member(tmp_path / "m")
    assert m["averaged"]["width_um"] == 0.25 and m["pl"]["width_um"] == 0.3
    assert m["averaged"]["max_cl_ahead"] == 0.0 and m["pl"]["max_cl_ahead"] == 0.01
    assert m["cells_across"] == 4 and m["cell_nm"] == pytest.approx(75.0)
    assert m["spread_um"] == 0.2 and m["L_m_um"] == 1.37


def test_unfinished_or_missing_members_are_left_out(tmp_path):
    write_member(tmp_path / "front_shape_3d" / "w200nm__field_V_per_um=1.5", status="running")
    write_member(tmp_path / "front_shape_3d" / "w200nm__field_V_per_um=4.0")
    out = fs.three_d_study(tmp_path / "front_shape_3d", tmp_path / "absent")
    assert list(out["main"]) == [(200, 4.0)] and out["fine"] == {}
    # A wire without all three fields gets no verdict.
    assert fs.three_d_verdicts(out["main"]) == {}


def test_three_d_verdict_per_width(tmp_path):
    root = tmp_path / "front_shape_3d"
    for f, w in zip(fs.FIELDS, (0.085, 0.06, 0.25), strict=True):
        write_member(root / f"w200nm__field_V_per_um={f}", width=w, width_pl=w)
    vd = fs.three_d_verdicts(fs.three_d_study(root, tmp_path / "absent")["main"])
    assert vd[(200, "averaged")]["smooths"] and not vd[(200, "averaged")]["cl_ok"]
    assert vd[(200, "averaged")]["ratio"] == pytest.approx(0.25 / 0.085)
