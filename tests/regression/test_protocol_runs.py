"""Protocols through the whole solver: two segments equal two chained runs, segment boundaries
are hit exactly, and checkpoint/--restart works across segments (bias and temperature).

Requirement: a protocol is only a schedule of the drive; splitting a run at a segment boundary
(stop there, restart from the checkpoint) or running its first segment as a case of its own must
not change any result beyond round-off (1e-10 relative).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from solver.cli import main
from solver.io.files import read_timeseries_csv
from solver.run import STOP_AFTER_STEPS_ENV

REPO_ROOT = Path(__file__).resolve().parents[2]
FORWARD = str(REPO_ROOT / "cases" / "reference_forward.yaml")
HEATING = str(REPO_ROOT / "cases" / "periodic_heating.yaml")
FAST = ["--quiet", "--set", "mesh.h_max_um=0.05", "--set", "output.figures=false",
        "--set", "output.vtx=false"]
T1_S = 300.0
TWO_SEGMENTS = ("bias.protocol=[{kind: step, duration_s: 300.0, field_V_per_um: 4.0}, "
                "{kind: reversal, duration_s: 300.0}]")
RTOL = 1e-10


def summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text())


def same_result(out: Path, ref: Path) -> None:
    """Summaries, whole time series and every profile agree to RTOL (test_restart)."""
    from test_restart import assert_same_result

    assert_same_result(out, ref, rtol=RTOL, atol=1e-14)


@pytest.fixture(scope="module")
def two_segments(tmp_path_factory) -> tuple[Path, list]:
    """4 V/µm forward for 300 s, then reversed for 300 s; the exact accepted times."""
    import solver.recording as recording

    times = []
    row = recording.Recorder.row

    def spy(self, t, dt, its):
        times.append((t, dt))
        return row(self, t, dt, its)

    out = tmp_path_factory.mktemp("protocol") / "two"
    mp = pytest.MonkeyPatch()
    mp.setattr(recording.Recorder, "row", spy)
    try:
        assert main([FORWARD, *FAST, "--set", TWO_SEGMENTS, "--set", "time.t_end_s=600",
                     "--set", "time.output_times_s=[0, 300, 600]", "--output", str(out)]) == 0
    finally:
        mp.undo()
    return out, times


def test_boundary_is_hit_exactly_and_restarts_small(two_segments):
    out, times = two_segments
    ts = [t for t, _ in times]
    assert T1_S in ts and ts[-1] == 600.0  # bitwise, not t + dt
    k = ts.index(T1_S)
    assert times[k + 1][1] == 1e-9  # after the jump: dt_initial again (BDF1 restart)
    series = read_timeseries_csv(out / "timeseries.csv")
    assert len(series["t_s"]) == len(times)  # one row per accepted step, and t = 0
    field = series["field_V_per_um"]
    assert field[k] == 4.0 and field[k + 1] == -4.0  # the step ending at T1 is forward
    assert summary(out)["status"] == "completed"
    # The reversal pulls the front back toward its start: L_m falls during the second segment.
    L_m = series["migration_length_um"]
    assert L_m[-1] < L_m[k]


def test_first_segment_equals_a_constant_bias_run(two_segments, tmp_path):
    """The protocol's first 300 s equal a run of the constant-bias case ending there."""
    out, _ = two_segments
    first = tmp_path / "first"
    assert main([FORWARD, *FAST, "--set", "time.t_end_s=300",
                 "--set", "time.output_times_s=[0, 300]", "--output", str(first)]) == 0
    a = read_timeseries_csv(first / "timeseries.csv")
    b = read_timeseries_csv(out / "timeseries.csv")
    n = len(a["t_s"])
    assert b["t_s"][n - 1] == T1_S
    for col in a:
        np.testing.assert_allclose(b[col][:n], a[col], rtol=RTOL, atol=1e-14, err_msg=col)


def test_chained_at_the_boundary_equals_the_protocol(two_segments, tmp_path, monkeypatch):
    """Stop exactly at the segment boundary (checkpoint), continue with --restart: the same
    result as the uninterrupted two-segment run."""
    out, times = two_segments
    steps_to_boundary = [t for t, _ in times].index(T1_S)  # row 0 is t = 0
    chained = tmp_path / "chained"
    args = [FORWARD, *FAST, "--set", TWO_SEGMENTS, "--set", "time.t_end_s=600",
            "--set", "time.output_times_s=[0, 300, 600]", "--output", str(chained)]
    monkeypatch.setenv(STOP_AFTER_STEPS_ENV, str(steps_to_boundary))
    assert main(args) == 4
    monkeypatch.delenv(STOP_AFTER_STEPS_ENV)
    metas = [json.loads(p.read_text()) for p in (chained / "checkpoint").glob("slot*/meta.json")]
    assert max(metas, key=lambda m: m["seq"])["t_s"] == T1_S
    assert main([*args, "--restart"]) == 0
    same_result(chained, out)


def test_restart_inside_a_temperature_square_wave(tmp_path, monkeypatch):
    args = [HEATING, *FAST, "--set", "time.t_end_s=5400",
            "--set", "time.output_times_s=[0, 2700, 5400]"]
    ref = tmp_path / "ref"
    assert main([*args, "--output", str(ref)]) == 0
    series = read_timeseries_csv(ref / "timeseries.csv")
    assert {1800.0, 3600.0} <= set(series["t_s"])  # every switch
    assert set(series["T_K"]) == {398.15, 348.15}
    out = tmp_path / "restarted"
    monkeypatch.setenv(STOP_AFTER_STEPS_ENV, "40")  # inside the second (cold) half period
    assert main([*args, "--output", str(out)]) == 4
    monkeypatch.delenv(STOP_AFTER_STEPS_ENV)
    assert main([*args, "--output", str(out), "--restart"]) == 0
    same_result(out, ref)
