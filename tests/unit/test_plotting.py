"""Unit tests of solver.plotting: figures are written as PNG files, electrodes, gap, bias and
temperature are marked, the comparison figures of ``make run`` are produced, and a run with
figures off leaves no empty folder."""

import itertools
import json
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
import yaml

from solver.config import case_to_dict, load_case
from solver.figures import compare
from solver.figures import device as figures_device
from solver.figures import run as figures_run
from solver.figures.run import plot_diagnostics, plot_profiles, plot_timeseries
from solver.io import files

REPO = Path(__file__).resolve().parents[2]

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_png(path):
    assert path.exists()
    assert path.stat().st_size > 1000
    assert path.read_bytes()[:8] == PNG_MAGIC


def make_profiles():
    z = np.linspace(0.0, 7.0, 201)
    out = []
    for t_h, zf in [(0.0, 3.5), (1.0, 3.2), (4.0, 2.3)]:
        y = 0.1 + 0.9 * 0.5 * (1.0 - np.tanh((z - zf) / 0.05))
        x_v = 2e-9 + 3e-7 * (1.0 - y) + 1e-8 * t_h * np.exp(-z)
        out.append({"t_s": t_h * 3600.0, "z_um": z, "y": y, "x_v": x_v})
    return out


@pytest.mark.parametrize("ref", [3.0e-7, None])
def test_plot_profiles(tmp_path, ref):
    path = tmp_path / "figs" / "profiles.png"
    written = plot_profiles(make_profiles(), path, "test", x_v_cl_ref=ref)
    assert written == path
    assert_png(path)


def test_plot_profiles_single_profile(tmp_path):
    path = tmp_path / "one.png"
    plot_profiles(make_profiles()[:1], path, "")
    assert_png(path)


def test_plot_timeseries(tmp_path):
    t = np.linspace(0.0, 14400.0, 50)
    path = tmp_path / "lm.png"
    plot_timeseries(t, 0.5 * t / 14400.0, path)
    assert_png(path)


def test_plot_diagnostics(tmp_path):
    t = np.cumsum(np.logspace(-9, 3, 80))
    series = {
        "t_s": t,
        "dt_s": np.logspace(-9, 3, 80),
        "newton_iterations": np.full(80, 3),
        "br_total_rel_drift": 1e-13 * np.sin(t),
    }
    path = tmp_path / "diag.png"
    plot_diagnostics(series, path)
    assert_png(path)


def test_plot_diagnostics_missing_columns(tmp_path):
    path = tmp_path / "diag2.png"
    plot_diagnostics({"t_s": [0.0, 1.0], "dt_s": [1.0, 1.0]}, path, "partial")
    assert_png(path)


def test_plot_diagnostics_drift_from_total_br(tmp_path):
    t = np.linspace(1.0, 100.0, 20)
    rows = {"t_s": t, "dt_s": np.full(20, 5.0), "newton_iterations": np.arange(20) % 4,
            "total_br_um": 3.5 * (1.0 + 1e-12 * t), "front_um": np.full(20, 3.5)}
    path = tmp_path / "diag3.png"
    plot_diagnostics(rows, path)
    assert_png(path)


# --------------------------------------------------------------------------- device marking

def device(polarity="forward", field=4.0, sources="contact"):
    case = load_case(REPO / "cases" / "reference_forward.yaml",
                     [f"bias.polarity={polarity}", f"bias.field_V_per_um={field}",
                      f"sources.model={sources}"])
    return figures_device.Device.from_case_dict(case_to_dict(case))


def with_fields(profiles):
    for p in profiles:
        z = np.asarray(p["z_um"])
        p["psi_V"] = np.interp(z, [1.5, 5.5], [8.0, -8.0])
        p["E_V_per_um"] = np.where((z > 1.5) & (z < 5.5), 4.0, 0.0)
    return profiles


def x_extent(ax, patch):
    """Data x-range covered by a patch drawn with a data/axes blended transform."""
    display = patch.get_transform().transform(patch.get_path().vertices)
    x = ax.transData.inverted().transform(display)[:, 0]
    return float(x.min()), float(x.max())


def by_gid(ax, gid):
    return [a for a in ax.get_children() if a.get_gid() == gid]


def test_device_from_case_polarity_and_bias():
    fwd, rev = device("forward"), device("reverse")
    assert fwd.forward_field_V_per_um == 4.0 and rev.forward_field_V_per_um == -4.0
    assert fwd.positive_side == "left" and rev.positive_side == "right"  # Br-rich is left
    assert fwd.bias_V == pytest.approx(16.0) and fwd.gap_um == pytest.approx(4.0)
    assert (fwd.contact_left_um, fwd.contact_right_um) == (1.5, 5.5)
    assert device(field=0.0).positive_side is None
    assert not device(sources="none").sources_on and fwd.sources_on


@pytest.mark.parametrize("polarity, left_sign", [("forward", "+"), ("reverse", "\u2212")])
def test_profiles_mark_electrodes_gap_bias_temperature(polarity, left_sign):
    dev = device(polarity)
    fig = figures_run.profiles_figure(with_fields(make_profiles()), dev.name, x_v_cl_ref=3e-7,
                                   device=dev)
    try:
        axes = fig.axes[:3]  # y, x_V, potential (the field's twin axis comes last)
        assert len(fig.axes) == 4
        for ax in axes:
            (left,) = by_gid(ax, "electrode_left")
            (right,) = by_gid(ax, "electrode_right")
            (gap,) = by_gid(ax, "gap")
            assert x_extent(ax, left) == pytest.approx((0.0, 1.5))
            assert x_extent(ax, right) == pytest.approx((5.5, 7.0))
            assert x_extent(ax, gap) == pytest.approx((1.5, 5.5))
        labels = {t.get_gid(): t.get_text() for t in axes[0].texts if t.get_gid()}
        assert labels["label_electrode_left"] == f"Au ({left_sign})"
        assert labels["label_gap"] == "gap 4 µm"
        title = fig._suptitle.get_text()
        assert polarity in title and "4 V/µm" in title and "T = 300 K" in title
        assert axes[-1].get_xlabel() == "z [µm]"
        assert "potential" in axes[2].get_ylabel() and "field" in fig.axes[3].get_ylabel()
    finally:
        plt.close(fig)


def test_profiles_without_potential_have_two_panels():
    fig = figures_run.profiles_figure(make_profiles(), "x")
    try:
        assert len(fig.axes) == 2
        assert not by_gid(fig.axes[0], "electrode_left")  # no device, nothing marked
    finally:
        plt.close(fig)


def test_profiles_png_with_device(tmp_path):
    path = tmp_path / "figures" / "profiles.png"
    plot_profiles(with_fields(make_profiles()), path, "reference_forward", x_v_cl_ref=3e-7,
                  device=device())
    assert_png(path)


@pytest.mark.parametrize("sources", ["contact", "none"])
def test_total_br_panel_says_exchange_when_sources_on(sources):
    t = np.linspace(1.0, 100.0, 20)
    rows = {"t_s": t, "dt_s": np.full(20, 5.0), "newton_iterations": np.arange(20) % 4,
            "total_br_um": 3.5 * (1.0 - 1e-3 * t)}
    fig = figures_run.diagnostics_figure(rows, device=device(sources=sources))
    try:
        label = fig.axes[-1].get_ylabel()
        if sources == "none":
            assert "drift" in label and "exchange" not in label
        else:
            assert "exchange at the electrodes" in label and "total Br change" in label
    finally:
        plt.close(fig)


# --------------------------------------------------------------------------- comparisons

FIELDS = [-4.0, -2.0, 0.0, 2.0, 3.0, 4.0]
LENGTHS = [-0.05, -0.02, 0.01, 0.5, 0.75, 1.0]


def test_rectification_ratios():
    assert compare.rectification_ratios(FIELDS, LENGTHS) == pytest.approx({2.0: 25.0, 4.0: 20.0})


def test_migration_vs_field_forward_reverse_and_ratio():
    fig = compare.migration_vs_field_figure(FIELDS, LENGTHS, t_h=4.0, T_K=300.0)
    try:
        ax = fig.axes[0]
        (fwd,) = by_gid(ax, "forward")
        (rev,) = by_gid(ax, "reverse")
        assert list(fwd.get_xdata()) == [2.0, 3.0, 4.0]
        assert list(rev.get_xdata()) == [-4.0, -2.0]
        assert list(rev.get_ydata()) == [-0.05, -0.02]
        (ratio,) = by_gid(fig.axes[1], "rectification_ratio")
        assert "= 20 at E = 4 V/µm" in ratio.get_text()
        assert "after 4 h" in ax.get_ylabel()
        assert "T = 300 K" in fig._suptitle.get_text()
    finally:
        plt.close(fig)


def write_run(root: Path, name: str, polarity: str, front_um: float) -> Path:
    run = root / name
    case = case_to_dict(load_case(REPO / "cases" / "reference_forward.yaml",
                                  [f"bias.polarity={polarity}", f"name={name}"]))
    files.write_json(run / "summary.json", {"case_name": name, "case": case,
                                              "t_final_s": 14400.0})
    z = np.linspace(0.0, 7.0, 141)
    for t, zf in ((0.0, 3.5), (14400.0, front_um)):
        y = 0.1 + 0.9 * 0.5 * (1.0 - np.tanh((z - zf) / 0.03))
        x_v = np.exp(y * np.log(2e-9) + (1 - y) * np.log(3e-7))
        files.write_profile_csv(run / "profiles" / f"t_{t:012.3f}s.csv", z, y, y * (1 - x_v),
                                  x_v, np.interp(z, [1.5, 5.5], [8.0, -8.0]),
                                  np.where((z > 1.5) & (z < 5.5), 4.0, 0.0), t)
    return run


def write_campaign(root: Path) -> Path:
    camp = root / "fig1e"
    rows = [{"member": f"field_V_per_um={f}", "bias.field_V_per_um": f, "status": "completed",
             "migration_length_um": lm} for f, lm in zip(FIELDS, LENGTHS, strict=True)]
    rows.append({"member": "broken", "bias.field_V_per_um": 1.0, "status": "failed",
                 "migration_length_um": float("nan")})
    files.write_timeseries_csv(camp / "campaign.csv", rows)
    return camp


def test_compare_writes_both_figures(tmp_path, capsys):
    fwd = write_run(tmp_path, "reference_forward", "forward", 2.1)
    rev = write_run(tmp_path, "reference_reverse", "reverse", 3.55)
    camp = write_campaign(tmp_path)
    out = tmp_path / "results" / "figures"
    code = compare.compare_main(["compare", "--forward", str(fwd), "--reverse", str(rev),
                                  "--campaign", str(camp), "--output", str(out)])
    assert code == 0, capsys.readouterr().err
    assert_png(out / "migration_length_vs_field.png")
    assert_png(out / "profiles_forward_vs_reverse.png")
    fields, lengths, _ = compare.read_campaign_migration(camp)
    assert list(fields) == FIELDS and list(lengths) == LENGTHS  # the failed member is left out


def test_compare_overlays_final_profiles_with_electrodes(tmp_path):
    fwd = write_run(tmp_path, "f", "forward", 2.1)
    rev = write_run(tmp_path, "r", "reverse", 3.55)
    profs = compare.read_run_profiles(fwd), compare.read_run_profiles(rev)
    dev = figures_device.Device.from_case_dict(
        json.loads((fwd / "summary.json").read_text())["case"])
    fig = compare.profiles_comparison_figure(profs[0][-1], profs[1][-1], device=dev,
                                              initial=profs[0][0])
    try:
        ax = fig.axes[0]
        (yf,) = by_gid(ax, "y_forward")
        (yr,) = by_gid(ax, "y_reverse")
        zf = np.interp(0.55, yf.get_ydata()[::-1], yf.get_xdata()[::-1])
        zr = np.interp(0.55, yr.get_ydata()[::-1], yr.get_xdata()[::-1])
        assert zf == pytest.approx(2.1, abs=0.02) and zr == pytest.approx(3.55, abs=0.02)
        assert x_extent(ax, by_gid(ax, "electrode_right")[0]) == pytest.approx((5.5, 7.0))
        assert by_gid(ax, "gap")
    finally:
        plt.close(fig)


def test_compare_missing_campaign_exit_2_other_figure_written(tmp_path, capsys):
    fwd = write_run(tmp_path, "f", "forward", 2.1)
    rev = write_run(tmp_path, "r", "reverse", 3.55)
    out = tmp_path / "figs"
    code = compare.compare_main(["compare", "--forward", str(fwd), "--reverse", str(rev),
                                  "--campaign", str(tmp_path / "nope"), "--output", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert "campaign.csv: not found" in err and len(err.strip().splitlines()) == 1
    assert_png(out / "profiles_forward_vs_reverse.png")
    assert not (out / "migration_length_vs_field.png").exists()


# --------------------------------------------------------------------------- no empty folders


def test_campaign_member_with_figures_off_leaves_no_empty_folders(tmp_path):
    spec = {"campaign": {
        "name": "figs", "base": str(REPO / "cases" / "reference_forward.yaml"),
        "set": {"time.t_end_s": 30, "mesh.h_max_um": 0.05, "output.vtx": False},
        "members": [{"name": "off", "set": {"output.figures": False}},
                    {"name": "on", "set": {"output.figures": True}}]}}
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(spec))
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, str(REPO / "run_case.py"), str(path), "--output",
                           str(out), "-j", "2", "--quiet"], capture_output=True, text=True,
                          timeout=600, cwd=REPO, check=False)
    assert proc.returncode == 0, proc.stderr
    assert (out / "off" / "summary.json").is_file()
    assert not (out / "off" / "figures").exists()
    assert not (out / "off" / "fields").exists()  # vtx off
    empty = [p for p in out.rglob("*") if p.is_dir() and not any(p.iterdir())]
    assert empty == []
    assert sorted(p.name for p in (out / "on" / "figures").iterdir()) == [
        "diagnostics.png", "migration_length.png", "pl_wavelength_map.png", "profiles.png"]


# --------------------------------------------------------------------------- protocol runs


def protocol_device(name="forward_then_reverse"):
    return figures_device.Device.from_case_dict(
        case_to_dict(load_case(REPO / "cases" / f"{name}.yaml")))


def step_rows(edges_h, levels, per_segment=5):
    """Rows as the stepper records them: the value on row k applies to (t[k-1], t[k]]; every
    switch time is a row."""
    t, v = [0.0], [levels[0]]
    for (a, b), level in zip(itertools.pairwise(edges_h), levels, strict=True):
        ts = np.linspace(a, b, per_segment + 1)[1:] * 3600.0
        t.extend(ts)
        v.extend([level] * per_segment)
    return np.array(t), np.array(v, dtype=float)


def shaded_hours(ax, gid):
    spans = []
    for patch in by_gid(ax, gid):
        lo, hi = x_extent(ax, patch)
        spans.append((round(lo, 6), round(hi, 6)))
    return sorted(spans)


def test_bias_protocol_figure_has_field_panel_and_shades_reverse_bias():
    t, field = step_rows([0.0, 4.0, 8.0], [4.0, -4.0])
    segments = [(0.0, 14400.0, "step 4 V/µm"), (14400.0, 28800.0, "reversal -4 V/µm")]
    fig = figures_run.timeseries_figure(t, 0.3 * np.minimum(t, 14400.0) / 3600.0,
                                     device=protocol_device(), segments=segments,
                                     drive={"field_V_per_um": field, "T_K": np.full(t.size, 300.0)})
    try:
        ax, ax_e = fig.axes[0], fig.axes[1]
        assert len(fig.axes) == 2  # constant T: no T panel
        assert ax_e.get_gid() == "panel_field_V_per_um" and "V/µm" in ax_e.get_ylabel()
        (line,) = by_gid(ax_e, "drive_field")
        assert set(np.asarray(line.get_ydata()).tolist()) == {4.0, -4.0}
        # shaded where the bias is reversed (4-8 h), on both panels, and only there
        assert shaded_hours(ax, "shade_reverse") == [(4.0, 8.0)]
        assert shaded_hours(ax_e, "shade_reverse") == [(4.0, 8.0)]
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert any("reverse bias" in s for s in legend) and any("unshaded" in s for s in legend)
        labels = [t.get_text() for t in by_gid(ax, "segment_label")]
        assert labels == ["step 4 V/µm", "reversal \u22124 V/µm"]  # room for both
    finally:
        plt.close(fig)


def test_temperature_square_wave_shades_the_hot_halves_whichever_comes_first():
    for first_hot in (True, False):
        hot, cold = 398.15, 348.15
        levels = [hot, cold] * 4 if first_hot else [cold, hot] * 4
        edges = [0.5 * k for k in range(9)]
        t, T = step_rows(edges, levels)
        segments = [(a * 3600, b * 3600, f"{lv:g} K")
                    for a, b, lv in zip(edges[:-1], edges[1:], levels, strict=True)]
        fig = figures_run.timeseries_figure(t, -0.01 * t / 3600.0, device=protocol_device(
            "periodic_heating"), segments=segments, drive={"field_V_per_um": np.zeros(t.size),
                                                           "T_K": T})
        try:
            ax, ax_t = fig.axes[0], fig.axes[1]
            assert ax_t.get_gid() == "panel_T_K" and ax_t.get_ylabel() == "T [K]"
            assert by_gid(ax_t, "drive_T")
            want = [(round(a, 6), round(b, 6))
                    for a, b, lv in zip(edges[:-1], edges[1:], levels, strict=True) if lv == hot]
            assert shaded_hours(ax, "shade_hot") == want
            legend = [t.get_text() for t in ax.get_legend().get_texts()]
            assert any("398.15 K (125 °C)" in s for s in legend)
            # 30 min segments over 4 h: "398.15 K" fits; no label overlaps another
            boxes = [t.get_window_extent() for t in by_gid(ax, "segment_label")]
            assert len(boxes) == 8
            assert all(not a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
        finally:
            plt.close(fig)


def test_labels_of_short_segments_are_left_out_not_overlapped():
    edges = [0.1 * k for k in range(41)]  # 40 segments of 6 min over 4 h
    levels = [4.0, 0.0] * 20
    t, field = step_rows(edges, levels, per_segment=2)
    segments = [(a * 3600, b * 3600, f"{lv:g} V/µm")
                for a, b, lv in zip(edges[:-1], edges[1:], levels, strict=True)]
    fig = figures_run.timeseries_figure(t, t / 3600.0, segments=segments,
                                     drive={"field_V_per_um": field})
    try:
        assert by_gid(fig.axes[1], "drive_field")
        assert by_gid(fig.axes[0], "shade_zero") and not by_gid(fig.axes[0], "shade_reverse")
        boxes = [t.get_window_extent() for t in by_gid(fig.axes[0], "segment_label")]
        assert len(boxes) < 40
        assert all(not a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    finally:
        plt.close(fig)


def test_constant_drive_has_no_drive_panel(tmp_path):
    t = np.linspace(0.0, 14400.0, 20)
    fig = figures_run.timeseries_figure(t, t / 14400.0, drive={"field_V_per_um": np.full(20, 4.0),
                                                            "T_K": np.full(20, 300.0)})
    try:
        assert len(fig.axes) == 1 and not by_gid(fig.axes[0], "shade_reverse")
    finally:
        plt.close(fig)
    plot_timeseries(t, t / 14400.0, tmp_path / "lm.png", drive={"T_K": np.full(20, 300.0)})
    assert_png(tmp_path / "lm.png")


def reversed_profiles():
    """Profiles with the potential of a forward (+ left) run up to 4 h and reversed after."""
    profs = with_fields([*make_profiles(), dict(make_profiles()[-1], t_s=6 * 3600.0)])
    last = profs[-1]
    last["psi_V"] = -np.asarray(last["psi_V"])
    last["E_V_per_um"] = -np.asarray(last["E_V_per_um"])
    return profs


def test_profiles_after_a_reversal_name_electrodes_by_side_and_polarity_per_time():
    dev = protocol_device()
    assert dev.bias_protocol
    fig = figures_run.profiles_figure(reversed_profiles(), dev.name, device=dev)
    try:
        ax = fig.axes[0]
        labels = {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()}
        assert labels["label_electrode_left"] == "Au (left)"
        assert labels["label_electrode_right"] == "Au (right)"
        entries = [t.get_text() for t in ax.get_legend().get_texts()]
        assert entries[0] == "0 h (forward, + left)"
        assert entries[-1] == "6 h (reverse, + right)"
    finally:
        plt.close(fig)


def test_protocol_profiles_of_one_polarity_keep_signed_labels():
    dev = protocol_device()
    fig = figures_run.profiles_figure(with_fields(make_profiles()), dev.name, device=dev)
    try:
        labels = {t.get_gid(): t.get_text() for t in fig.axes[0].texts if t.get_gid()}
        assert labels["label_electrode_left"] == "Au (+)"
        assert labels["label_electrode_right"] == "Au (\u2212)"
        assert fig.axes[0].get_legend().get_texts()[0].get_text() == "0 h"
    finally:
        plt.close(fig)


# --------------------------------------------------------------------------- x_V scaling


@pytest.mark.parametrize("case_name", ["reference_forward", "wire_br_i"])
def test_vacancy_panel_divides_by_x_v_eq_of_the_b_segment_and_its_label_says_so(
        case_name, tmp_path, monkeypatch):
    """The vacancy panel shows x_V / x_V,eq(y_Cl): the equilibrium vacancy fraction at the
    Cl-rich (I-rich) segment's composition material.y_cl_segment, as the run passes it
    (recording.write_figures) and as compare computes it from summary.json; the label names
    that quantity and its value, and the curve is x_V divided by it."""
    import math
    from types import SimpleNamespace

    from solver import recording
    from solver.model.parameters import from_case

    case = load_case(REPO / "cases" / f"{case_name}.yaml")
    params = from_case(case)
    material = case_to_dict(case)["material"]
    pair = figures_device.Device.from_case_dict(case_to_dict(case)).pair
    b = pair.b.symbol
    y_b = material[pair.key("y_{}_segment", "b")]
    x_a, x_b = (material[pair.key("x_v_{}", w)] for w in ("a", "b"))
    expected = math.exp(y_b * math.log(x_a) + (1.0 - y_b) * math.log(x_b))
    assert expected != pytest.approx(x_b, rel=0.05)  # not the pure end member material.x_v_cl

    captured = {}
    monkeypatch.setattr(figures_run, "plot_profiles",
                        lambda profiles, path, **kw: captured.update(kw))
    recording.write_figures(SimpleNamespace(params=params, case=case, profiles=[], rows=[]),
                            tmp_path)
    assert captured["x_v_cl_ref"] == pytest.approx(expected, rel=1e-12)
    assert compare._x_v_cl(case_to_dict(case)) == pytest.approx(expected, rel=1e-12)

    dev = figures_device.Device.from_case_dict(case_to_dict(case))
    profs = make_profiles()
    for fig, shown in ((figures_run.profiles_figure(profs, x_v_cl_ref=expected, device=dev),
                        profs),
                       (compare.profiles_comparison_figure(profs[1], profs[2], device=dev,
                                                           x_v_cl_ref=expected), profs[1:])):
        try:
            label = fig.axes[1].get_ylabel()
            assert rf"x_V\,/\,x_{{V,eq}}(y_{{{b}}})" in label
            assert f"÷ {expected:.3g} " in label and f"{b}-rich segment" in label
            assert f"{x_b:.3g}" not in label
            curves = [np.asarray(line.get_ydata(), float) for line in fig.axes[1].get_lines()]
            for p in shown:  # each profile's curve is x_V / expected
                want = p["x_v"] / expected
                assert any(c.shape == want.shape and np.allclose(c, want, rtol=1e-12)
                           for c in curves)
        finally:
            plt.close(fig)
    fig = figures_run.profiles_figure(profs, device=dev)  # no divisor: plain x_V
    assert fig.axes[1].get_ylabel() == r"$x_V$"
    plt.close(fig)


def test_every_text_gives_the_front_level_the_code_uses():
    """"the y = <level> crossing" (the front) in README, docs, reports and code comments is the
    code's FRONT_LEVEL (issue 27: README and the 3D convergence report said 0.5)."""
    import re

    from solver.analysis.observables import FRONT_LEVEL

    pattern = re.compile(r"y\s*=\s*(\d*\.\d+)\s+crossing(?!s)")
    paths = [REPO / "README.md", *(REPO / "docs").glob("*.md"), *(REPO / "validation").glob("*.py"),
             *(REPO / "solver").rglob("*.py")]
    found = [(p.relative_to(REPO), float(m.group(1))) for p in paths
             for m in pattern.finditer(p.read_text(encoding="utf-8"))]
    assert len(found) >= 4  # README, case_format, model-level reports, observables
    assert [f for f in found if f[1] != FRONT_LEVEL] == []
