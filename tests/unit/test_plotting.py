"""Unit tests of solver.plotting: figures are written as PNG files, electrodes, gap, bias and
temperature are marked, the comparison figures of ``make run`` are produced, and a run with
figures off leaves no empty folder."""

import json
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
import yaml

from solver import outputs, plotting
from solver.config import case_to_dict, load_case
from solver.plotting import plot_diagnostics, plot_profiles, plot_timeseries

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
    return plotting.Device.from_case_dict(case_to_dict(case))


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
    fig = plotting.profiles_figure(with_fields(make_profiles()), dev.name, x_v_cl_ref=3e-7,
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
    fig = plotting.profiles_figure(make_profiles(), "x")
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
    fig = plotting.diagnostics_figure(rows, device=device(sources=sources))
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
    assert plotting.rectification_ratios(FIELDS, LENGTHS) == pytest.approx({2.0: 25.0, 4.0: 20.0})


def test_migration_vs_field_forward_reverse_and_ratio():
    fig = plotting.migration_vs_field_figure(FIELDS, LENGTHS, t_h=4.0, T_K=300.0)
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
    outputs.write_json(run / "summary.json", {"case_name": name, "case": case,
                                              "t_final_s": 14400.0})
    z = np.linspace(0.0, 7.0, 141)
    for t, zf in ((0.0, 3.5), (14400.0, front_um)):
        y = 0.1 + 0.9 * 0.5 * (1.0 - np.tanh((z - zf) / 0.03))
        x_v = np.exp(y * np.log(2e-9) + (1 - y) * np.log(3e-7))
        outputs.write_profile_csv(run / "profiles" / f"t_{t:012.3f}s.csv", z, y, y * (1 - x_v),
                                  x_v, np.interp(z, [1.5, 5.5], [8.0, -8.0]),
                                  np.where((z > 1.5) & (z < 5.5), 4.0, 0.0), t)
    return run


def write_campaign(root: Path) -> Path:
    camp = root / "fig1e"
    rows = [{"member": f"field_V_per_um={f}", "bias.field_V_per_um": f, "status": "completed",
             "migration_length_um": lm} for f, lm in zip(FIELDS, LENGTHS, strict=True)]
    rows.append({"member": "broken", "bias.field_V_per_um": 1.0, "status": "failed",
                 "migration_length_um": float("nan")})
    outputs.write_timeseries_csv(camp / "campaign.csv", rows)
    return camp


def test_compare_writes_both_figures(tmp_path, capsys):
    fwd = write_run(tmp_path, "reference_forward", "forward", 2.1)
    rev = write_run(tmp_path, "reference_reverse", "reverse", 3.55)
    camp = write_campaign(tmp_path)
    out = tmp_path / "results" / "figures"
    code = plotting.compare_main(["compare", "--forward", str(fwd), "--reverse", str(rev),
                                  "--campaign", str(camp), "--output", str(out)])
    assert code == 0, capsys.readouterr().err
    assert_png(out / "migration_length_vs_field.png")
    assert_png(out / "profiles_forward_vs_reverse.png")
    fields, lengths, _ = plotting.read_campaign_migration(camp)
    assert list(fields) == FIELDS and list(lengths) == LENGTHS  # the failed member is left out


def test_compare_overlays_final_profiles_with_electrodes(tmp_path):
    fwd = write_run(tmp_path, "f", "forward", 2.1)
    rev = write_run(tmp_path, "r", "reverse", 3.55)
    profs = plotting.read_run_profiles(fwd), plotting.read_run_profiles(rev)
    dev = plotting.Device.from_case_dict(json.loads((fwd / "summary.json").read_text())["case"])
    fig = plotting.profiles_comparison_figure(profs[0][-1], profs[1][-1], device=dev,
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
    code = plotting.compare_main(["compare", "--forward", str(fwd), "--reverse", str(rev),
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
