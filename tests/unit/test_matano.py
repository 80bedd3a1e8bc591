"""Boltzmann–Matano extraction (solver.analysis.matano): analytic, round-trip and CLI tests."""

from __future__ import annotations

import math

import numpy as np
import pytest

from solver.analysis.fick import solve_fick_1d
from solver.analysis.matano import (
    boltzmann_matano,
    gaussian_smooth,
    isotonic,
    main,
    matano_plane,
    read_profile,
)
from solver.io.files import write_profile_csv

ERF = np.vectorize(math.erf)
D_CONST = 1.0e-4  # [µm²/s] = 1e-12 cm²/s
T_S = 5400.0  # [s] 1.5 h


def erf_profile(z, c_left, c_right, z0=0.0, D=D_CONST, t=T_S):
    """Constant-D solution from a step at z0: c_L for z -> -inf, c_R for z -> +inf."""
    return c_left + (c_right - c_left) * 0.5 * (1.0 + ERF((z - z0) / (2.0 * math.sqrt(D * t))))


@pytest.mark.parametrize("c_left, c_right", [(0.0, 1.0), (1.0, 0.22)])
def test_constant_D_recovered_within_2_percent(c_left, c_right):
    # graded (non-uniform) nodes, finer near the step, as in the solver's meshes
    s = np.linspace(-1.0, 1.0, 1601)
    z = 6.0 * s * (0.3 + 0.7 * s * s) + 0.4
    c = erf_profile(z, c_left, c_right, z0=0.4)
    res = boltzmann_matano(z, c, T_S)
    q = np.linspace(0.1, 0.9, 33)
    D = res.D_at_q(q)
    assert np.all(np.isfinite(D))
    assert np.max(np.abs(D / (D_CONST * 1e-8) - 1.0)) < 0.02
    assert res.z_matano_um == pytest.approx(0.4, abs=1e-4)


def test_matano_plane_of_symmetric_erf_is_the_origin():
    z = np.linspace(-5.0, 5.0, 2001)
    c = erf_profile(z, 0.0, 1.0)
    assert matano_plane(z, c, 0.0, 1.0) == pytest.approx(0.0, abs=1e-9)
    assert boltzmann_matano(z, c, T_S).z_matano_um == pytest.approx(0.0, abs=1e-9)
    # the plane does not depend on the orientation or on the scale of c
    assert boltzmann_matano(-z, 3.0 * c, T_S).z_matano_um == pytest.approx(0.0, abs=1e-9)


def D_of_c(c):
    """Known concentration-dependent D [µm²/s]: 1e-12 cm²/s at c = 0 down to 1e-13 at c = 1."""
    return 1e-5 * 10.0 ** (1.0 - np.asarray(c))


def with_end_nodes(z, c, length):
    """Add the wire ends to cell-centred values (zero flux: c'(0) = c'(L) = 0)."""
    return np.concatenate([[0.0], z, [length]]), np.concatenate([[c[0]], c, [c[-1]]])


def test_round_trip_with_independent_fick_solver():
    """Simulate Fick's law with D(c) (numpy finite volumes), extract D(c), compare."""
    length, n_cells = 8.0, 1600
    z, (c,) = solve_fick_1d(length, n_cells, D_of_c, lambda z: np.where(z < 4.0, 1.0, 0.0),
                            [T_S], dt_max_s=20.0, dt_initial_s=0.01, growth=1.1)
    assert abs(c[0] - 1.0) < 1e-3 and abs(c[-1]) < 1e-3  # semi-infinite: ends ~untouched
    # the FV solver itself conserves the solute exactly
    assert np.sum(c) * length / n_cells == pytest.approx(4.0, rel=1e-12)
    z, c = with_end_nodes(z, c, length)
    res = boltzmann_matano(z, c, T_S, c_left=1.0, c_right=0.0)
    assert res.z_matano_um == pytest.approx(4.0, abs=1e-4)
    levels = np.linspace(0.2, 0.9, 29)
    ratio = res.D_at(levels) / (D_of_c(levels) * 1e-8)
    assert np.max(np.abs(ratio - 1.0)) < 0.10


def test_initial_step_values_give_the_conserving_plane_on_a_finite_wire():
    """Ends already moved (finite wire): with the initial step values, z_M is the initial
    interface (mass conservation), and D stays close to the truth in the middle."""
    length = 2.0
    z, (c,) = solve_fick_1d(length, 800, lambda c: np.full_like(c, D_CONST),
                            lambda z: np.where(z < 0.8, 1.0, 0.22), [4 * T_S], dt_max_s=200.0,
                            dt_initial_s=0.01)
    assert c[-1] > 0.25  # the right end has changed
    z, c = with_end_nodes(z, c, length)
    res = boltzmann_matano(z, c, 4 * T_S, c_left=1.0, c_right=0.22)
    assert res.z_matano_um == pytest.approx(0.8, abs=1e-4)


def test_isotonic_projection():
    assert np.array_equal(isotonic([0.0, 1.0, 2.0]), [0.0, 1.0, 2.0])
    out = isotonic([1.0, 3.0, 2.0, 4.0])
    assert np.allclose(out, [1.0, 2.5, 2.5, 4.0])
    out = isotonic([4.0, 2.0, 3.0, 1.0], increasing=False)
    assert np.allclose(out, [4.0, 2.5, 2.5, 1.0])


def test_noisy_profile_with_smoothing():
    rng = np.random.default_rng(1)
    z = np.linspace(-4.0, 4.0, 801)
    c = erf_profile(z, 1.0, 0.0) + rng.normal(0.0, 0.002, z.size)
    smoothed = gaussian_smooth(z, isotonic(c, increasing=False), 0.05)
    assert np.all(np.diff(smoothed) <= 1e-15)
    res = boltzmann_matano(z, c, T_S, c_left=1.0, c_right=0.0, smooth_um=0.05)
    D = res.D_at_q(np.linspace(0.2, 0.8, 13))
    assert np.max(np.abs(D / (D_CONST * 1e-8) - 1.0)) < 0.10


def test_rejects_bad_input():
    z = np.linspace(0.0, 1.0, 11)
    with pytest.raises(ValueError, match="t_s"):
        boltzmann_matano(z, z, 0.0)
    with pytest.raises(ValueError, match="equal"):
        boltzmann_matano(z, np.ones_like(z), 1.0)


def test_cli_on_solver_profile_and_plain_csv(tmp_path, capsys):
    z = np.linspace(0.0, 6.0, 1201)
    y = erf_profile(z, 1.0, 0.22, z0=3.0)
    zeros = np.zeros_like(z)
    prof = write_profile_csv(tmp_path / "t.csv", z, y, y, zeros + 1e-8, zeros, zeros, T_S)
    out = tmp_path / "D.csv"
    assert main([str(prof), "--out", str(out)]) == 0  # t from the '# t_s=' line
    text = capsys.readouterr().out
    assert "Matano plane z_M = 3" in text
    data = np.loadtxt(out, delimiter=",", comments="#", skiprows=2)
    assert data.shape[1] == 5
    sel = (data[:, 2] > 0.1) & (data[:, 2] < 0.9)
    assert np.allclose(data[sel, 4], D_CONST * 1e-8, rtol=0.02)
    # plain two-column CSV with a header, then without one; --t-s required
    plain = tmp_path / "plain.csv"
    plain.write_text("z_um,c\n" + "\n".join(f"{a},{b}" for a, b in zip(z, y, strict=True)))
    assert main([str(plain), "--t-s", str(T_S)]) == 0
    bare = tmp_path / "bare.csv"
    bare.write_text("\n".join(f"{a},{b}" for a, b in zip(z, y, strict=True)))
    zz, cc, t = read_profile(bare)
    assert t is None and np.allclose(zz, z) and np.allclose(cc, y)
    assert main([str(bare)]) == 2
    assert "--t-s is required" in capsys.readouterr().err
    assert main([str(prof), "--column", "nope"]) == 2
