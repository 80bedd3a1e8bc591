"""Unit tests of solver.observables on synthetic profiles."""

import math

import numpy as np
import pytest

from solver.analysis.observables import (
    cl_uptake,
    crossings,
    front_position,
    integrate,
    migration_length,
    sharpness,
)

Y_BR, Y_CL = 1.0, 0.1


def tanh_step(z, z0, w, left_br=True):
    """y profile stepping from Y_BR to Y_CL (left Br-rich) with tanh half-width w [um]."""
    s = 0.5 * (1.0 - np.tanh((z - z0) / w))
    if not left_br:
        s = 1.0 - s
    return Y_CL + (Y_BR - Y_CL) * s


def tanh_root(z0, w, level, left_br=True):
    """Exact position where tanh_step equals level."""
    s = (level - Y_CL) / (Y_BR - Y_CL)
    u = np.arctanh(1.0 - 2.0 * s)
    return z0 + w * u if left_br else z0 - w * u


@pytest.mark.parametrize("left_br", [True, False])
def test_front_of_tanh_step(left_br):
    z = np.linspace(0.0, 7.0, 700_001)
    y = tanh_step(z, 3.456789, 0.03, left_br)
    zf = front_position(z, y, 3.5)
    assert abs(zf - tanh_root(3.456789, 0.03, 0.55, left_br)) < 1e-6


def test_front_on_nonuniform_grid_exact_for_linear_profile():
    z = np.sort(np.concatenate([[0.0, 1.0], np.random.default_rng(0).uniform(0, 1, 50)]))
    y = 1.0 - 0.9 * z  # crosses 0.55 at z = 0.5
    assert front_position(z, y, 0.0) == pytest.approx(0.5, abs=1e-14)


def test_several_crossings_nearest_chosen():
    z = np.linspace(0.0, 10.0, 1001)
    y = 0.55 + 0.3 * np.cos(np.pi * z / 2.0)  # crossings at z = 1, 3, 5, 7, 9
    np.testing.assert_allclose(crossings(z, y, 0.55), [1, 3, 5, 7, 9], atol=1e-3)
    assert front_position(z, y, 4.2) == pytest.approx(5.0, abs=1e-3)
    assert front_position(z, y, 3.8) == pytest.approx(3.0, abs=1e-3)
    assert front_position(z, y, -5.0) == pytest.approx(1.0, abs=1e-3)


def test_crossing_on_a_node_counted_once():
    z = np.array([0.0, 1.0, 2.0])
    y = np.array([1.0, 0.55, 0.1])
    np.testing.assert_array_equal(crossings(z, y, 0.55), [1.0])


def test_no_crossing_gives_nan():
    z = np.linspace(0.0, 1.0, 11)
    assert math.isnan(front_position(z, np.full_like(z, 0.9), 0.5))
    assert math.isnan(front_position(z, np.full_like(z, 0.1), 0.5))


def test_bad_grid_rejected():
    with pytest.raises(ValueError):
        front_position([0.0, 2.0, 1.0], [1.0, 0.5, 0.1], 1.0)


def test_migration_length_signs():
    assert migration_length(3.5, 3.0, "left") == pytest.approx(0.5)
    assert migration_length(3.5, 4.0, "right") == pytest.approx(0.5)
    assert migration_length(3.5, 3.6, "left") == pytest.approx(-0.1)
    # right-side Br-rich wire: front moving left is a negative migration length
    z = np.linspace(0.0, 7.0, 7001)
    zf0 = front_position(z, tanh_step(z, 3.5, 0.03, left_br=False), 3.5)
    zf = front_position(z, tanh_step(z, 4.2, 0.03, left_br=False), 3.5)
    assert migration_length(zf0, zf, "right") == pytest.approx(0.7, abs=1e-9)
    with pytest.raises(ValueError):
        migration_length(0.0, 1.0, "middle")


def test_integrate_exact_for_linear_on_nonuniform_grid():
    rng = np.random.default_rng(1)
    z = np.sort(np.concatenate([[0.0, 3.0], rng.uniform(0.0, 3.0, 37)]))
    assert integrate(z, 2.0 * z - 1.0) == pytest.approx(6.0, rel=1e-13)
    assert integrate(z, np.ones_like(z)) == pytest.approx(3.0, rel=1e-13)


def hand_profile():
    """Left Br-rich segment [0, 2]; front moved from 2.0 to 1.5; Cl tail ahead of it.

    y0: 1 on [0, 2], 0.1 beyond.  y: 0.9 at z <= 0.5, rising ... see values below.
    """
    z = np.array([0.0, 0.5, 1.0, 1.4, 1.6, 2.0, 2.5, 3.0])
    y0 = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.1, 0.1])
    y = np.array([1.0, 0.95, 0.88, 0.7, 0.4, 0.1, 0.1, 0.1])
    return z, y, y0


def test_cl_uptake_hand_profile():
    z, y, y0 = hand_profile()
    out = cl_uptake(z, y, y0, 0.0, 2.0)
    # front: y = 0.55 between z = 1.4 (0.7) and 1.6 (0.4) -> 1.5
    assert out["z_front_um"] == pytest.approx(1.5)
    # nodes beyond the front (z < 1.5): 1-y = 0, 0.05, 0.12, 0.3
    assert out["max_cl_fraction"] == pytest.approx(0.3)
    # mean of y0 - y over [0, 2]: trapezoid of d = [0, .05, .12, .3, .6, .9]
    d = y0[:6] - y[:6]
    expected = np.sum(0.5 * (d[1:] + d[:-1]) * np.diff(z[:6])) / 2.0
    assert out["mean_cl_increase"] == pytest.approx(expected)
    # a margin excluding the front's leading edge isolates the 12 % Cl plateau
    out = cl_uptake(z, y, y0, 0.0, 2.0, margin_um=0.3)
    assert out["max_cl_fraction"] == pytest.approx(0.12)


def test_cl_uptake_segment_interpolated_ends_and_right_side():
    z, y, y0 = hand_profile()
    # mirror: Br-rich segment on the right, [1, 3] in mirrored coordinates
    zm, ym, y0m = (3.0 - z)[::-1], y[::-1], y0[::-1]
    out_l = cl_uptake(z, y, y0, 0.0, 2.0)
    out_r = cl_uptake(zm, ym, y0m, 1.0, 3.0)
    assert out_r["z_front_um"] == pytest.approx(1.5)
    assert out_r["max_cl_fraction"] == pytest.approx(out_l["max_cl_fraction"])
    assert out_r["mean_cl_increase"] == pytest.approx(out_l["mean_cl_increase"])
    # a segment end between nodes: [0, 0.25] has y0 - y = 0.1 * z linearly -> mean 0.0125
    out = cl_uptake(z, y, y0, 0.0, 0.25)
    assert out["mean_cl_increase"] == pytest.approx(0.0125)


def test_cl_uptake_unchanged_profile():
    z = np.linspace(0.0, 7.0, 701)
    y0 = tanh_step(z, 3.5, 0.03)
    out = cl_uptake(z, y0, y0, 0.0, 3.5)
    assert out["mean_cl_increase"] == pytest.approx(0.0, abs=1e-15)
    assert out["max_cl_fraction"] <= 1.0 - 0.55


def test_sharpness_of_tanh_step():
    z = np.linspace(0.0, 7.0, 70_001)
    w = 0.05
    y = tanh_step(z, 3.5, w)
    zf = front_position(z, y, 3.5)
    width = sharpness(z, y, zf)
    exact = abs(tanh_root(3.5, w, 0.2) - tanh_root(3.5, w, 0.9))
    assert width == pytest.approx(exact, abs=1e-6)
    assert math.isnan(sharpness(z, y, float("nan")))
    assert math.isnan(sharpness(z, np.full_like(z, 0.5), 3.5))


def test_cl_uptake_explicit_side_and_no_front():
    z, y, y0 = hand_profile()
    zm, ym, y0m = (3.0 - z)[::-1], y[::-1], y0[::-1]
    out = cl_uptake(zm, ym, y0m, 1.0, 3.0, br_rich_side="right")
    assert out["max_cl_fraction"] == pytest.approx(0.3)
    with pytest.raises(ValueError):
        cl_uptake(z, y, y0, 0.0, 2.0, br_rich_side="up")
    # no crossing at all: all Br-rich -> whole segment counts; all converted -> nan
    flat = np.full_like(z, 0.9)
    out = cl_uptake(z, flat, y0, 0.0, 2.0)
    assert math.isnan(out["z_front_um"]) and out["max_cl_fraction"] == pytest.approx(0.1)
    out = cl_uptake(z, np.full_like(z, 0.1), y0, 0.0, 2.0)
    assert math.isnan(out["max_cl_fraction"])
    assert out["mean_cl_increase"] == pytest.approx(0.9)
