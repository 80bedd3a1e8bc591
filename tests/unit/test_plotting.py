"""Unit tests of solver.plotting: figures are written as PNG files."""

import numpy as np
import pytest

from solver.plotting import plot_diagnostics, plot_profiles, plot_timeseries

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
