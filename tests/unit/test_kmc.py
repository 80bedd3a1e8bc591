"""Unit tests for solver.analysis.kmc (KMC Onsager coefficients, ABX3 anion sublattice).

Statistical checks use fixed seeds and modest sizes (each test ~1-3 s); tolerances are 4 standard
errors (computed from the independent systems) plus any known systematic term, stated per test.
"""

from __future__ import annotations

import numpy as np
import pytest

from solver.analysis.kmc import (
    JUMP_LENGTH2_HALF_A,
    Z_NEIGHBOURS,
    anion_lattice,
    extrapolate_f0,
    run_kmc,
)
from solver.physics.onsager import F0_PEROVSKITE_ANION, reduced_onsager

NSIG = 4.0
SMALL = {"n_cells": 4, "n_systems": 512, "n_blocks": 4, "block_jumps": 1000, "record_jumps": 100}


def _within(value_err, expected, extra=0.0):
    value, err = value_err
    assert np.isfinite(err) and err > 0
    assert abs(value - expected) <= NSIG * err + extra, (value, err, expected)


# --------------------------------------------------------------------------------------------
# lattice


@pytest.mark.parametrize("n_cells", [2, 3, 5])
def test_lattice_geometry(n_cells):
    lat = anion_lattice(n_cells)
    n = lat.n_sites
    assert n == 3 * n_cells**3
    assert lat.neighbours.shape == (n, Z_NEIGHBOURS)
    # every site has exactly one odd coordinate (edge centre of the B cube)
    assert np.all((lat.positions % 2).sum(axis=1) == 1)
    # 8 distinct neighbours, all at squared distance 2 (a/√2), jump vectors consistent
    assert np.all(np.sort(lat.neighbours, axis=1)[:, 1:] != np.sort(lat.neighbours, axis=1)[:, :-1])
    assert np.all((lat.jumps**2).sum(axis=2) == JUMP_LENGTH2_HALF_A)
    period = 2 * n_cells
    diff = (lat.positions[lat.neighbours] - lat.positions[:, None, :] - lat.jumps) % period
    assert np.all(diff == 0)
    # the neighbour relation is symmetric, with opposite jump vectors
    for i in range(0, n, max(1, n // 17)):
        for k in range(Z_NEIGHBOURS):
            j = lat.neighbours[i, k]
            back = np.nonzero(lat.neighbours[j] == i)[0]
            assert back.size == 1
            assert np.all(lat.jumps[j, back[0]] == -lat.jumps[i, k])
    # the 8 jump vectors of a site sum to zero (no drift)
    assert np.all(lat.jumps.sum(axis=1) == 0)


def test_lattice_rejects_tiny_box():
    with pytest.raises(ValueError):
        anion_lattice(1)


# --------------------------------------------------------------------------------------------
# reproducibility and input checks


def test_same_seed_same_result_other_seed_differs():
    kw = dict(SMALL, n_systems=64, n_blocks=2)
    a = run_kmc(0.4, 3.0, 1.0, seed=11, **kw)
    b = run_kmc(0.4, 3.0, 1.0, seed=11, **kw)
    c = run_kmc(0.4, 3.0, 1.0, seed=12, **kw)
    np.testing.assert_array_equal(a.rr, b.rr)
    np.testing.assert_array_equal(a.t_s, b.t_s)
    np.testing.assert_array_equal(a.tracer_sq, b.tracer_sq)
    assert a.summary() == b.summary()
    assert not np.array_equal(a.rr, c.rr)


@pytest.mark.parametrize("kwargs", [
    {"y_br": 1.2}, {"y_br": -0.1}, {"w_br": 0.0}, {"w_cl": -1.0}, {"n_blocks": 1},
    {"block_jumps": 1000, "record_jumps": 300},
])
def test_bad_inputs(kwargs):
    args = {"y_br": 0.5, "w_br": 1.0, "w_cl": 1.0}
    args.update({k: kwargs.pop(k) for k in list(kwargs) if k in args})
    with pytest.raises(ValueError):
        run_kmc(args["y_br"], args["w_br"], args["w_cl"], n_cells=2, n_systems=2, **kwargs)


# --------------------------------------------------------------------------------------------
# equal rates: single-species results


def test_equal_rates_tracer_f0_and_sum_rule():
    """w_Br = w_Cl: f = f0 of the lattice; m_aa + m_ab = c_a w; Σ m = w (MODEL.md §3)."""
    w = 2.5
    res = run_kmc(0.3, w, w, seed=5, **SMALL)
    n = res.n_sites
    # f0: matrix-method value 0.68892 (docs/onsager.md §3); one vacancy in N sites raises the
    # KMC value by about +1/N (measured: +0.004 at N = 192, +0.0016 at N = 648)
    f_all = res.tracer_f_all()
    _within(f_all, F0_PEROVSKITE_ANION + 0.8 / n, extra=0.6 / n)
    for name in ("f_br", "f_cl"):  # each species separately, the same f0
        _within(res.tracer_f()[name], F0_PEROVSKITE_ANION + 0.8 / n, extra=0.6 / n)
    # correlation is real: f well below the uncorrelated 1 and above the sc value 0.653
    assert 0.67 < f_all[0] < 0.71
    c_br = res.y_br
    _within(res.m((1.0, 1.0, 0.0)), c_br * w)       # m_BrBr + m_BrCl = c_Br w
    _within(res.m((0.0, 1.0, 1.0)), (1 - c_br) * w)  # m_ClCl + m_BrCl = c_Cl w
    _within(res.m((1.0, 2.0, 1.0)), w)               # vacancy: Σ_ab m_ab = w
    # coupling is positive and, for equal rates, what Manning predicts within 10 %
    man = reduced_onsager(c_br, 1 - c_br, w, w, "manning", F0_PEROVSKITE_ANION)
    m_x = res.onsager()["m_brcl"]
    assert m_x[0] > NSIG * m_x[1]
    assert abs(m_x[0] - man.m_brcl) < 0.1 * man.m_brcl + NSIG * m_x[1]


def test_exponential_times_same_answer():
    """Drawing the residence times instead of their mean leaves m_ab unchanged (noisier)."""
    res = run_kmc(0.5, 1.0, 1.0, seed=8, exponential_times=True, **SMALL)
    _within(res.m((1.0, 2.0, 1.0)), 1.0)
    _within(res.m((1.0, 1.0, 0.0)), res.y_br)


def test_f0_extrapolation_recovers_synthetic_law():
    rows = [{"n_sites": n, "f": 0.7 + 1.3 / n, "f_err": 1e-4} for n in (192, 648, 1536)]
    f0, err = extrapolate_f0(rows)
    assert f0 == pytest.approx(0.7, abs=1e-12) and err > 0


# --------------------------------------------------------------------------------------------
# one-species limits


@pytest.mark.parametrize("ratio", [3.0, 1.0 / 3.0])
def test_pure_lattice(ratio):
    """x_Cl = 0: m_BrBr = w_Br (uncorrelated collective motion), nothing else moves."""
    w_cl = 1.0
    res = run_kmc(1.0, ratio * w_cl, w_cl, seed=3, **SMALL)
    o = res.onsager()
    _within(o["m_brbr"], ratio * w_cl)
    assert o["m_brcl"][0] == 0.0 and o["m_clcl"][0] == 0.0
    assert np.all(res.n_jumps[:, 1] == 0)
    # the tracer still is correlated: f_Br = f0
    n = res.n_sites
    _within(res.tracer_f()["f_br"], F0_PEROVSKITE_ANION + 0.8 / n, extra=0.6 / n)


def test_dilute_cl_limit():
    """One Cl atom in the box (x_Cl → 0): m_BrBr → c_Br w_Br; m_BrCl, m_ClCl = O(x_Cl)."""
    lat = anion_lattice(4)
    y = 1.0 - 1.0 / (lat.n_sites - 1)
    res = run_kmc(y, 3.0, 1.0, seed=4, lattice=lat, **{k: v for k, v in SMALL.items()
                                                        if k != "n_cells"})
    o = res.onsager()
    _within(o["m_brbr"], 3.0 * res.y_br, extra=3.0 * 2.0 / lat.n_sites)
    assert abs(o["m_clcl"][0]) < 5.0 / lat.n_sites
    assert abs(o["m_brcl"][0]) < 5.0 * 3.0 / lat.n_sites


# --------------------------------------------------------------------------------------------
# symmetry


def test_label_swap_symmetry():
    """Swapping Br ↔ Cl with their rates: m_BrBr(c, r) = m_ClCl(1 - c, 1/r) and
    m_BrCl(c, r) = m_BrCl(1 - c, 1/r) (independent runs, statistical agreement)."""
    a = run_kmc(0.3, 3.0, 1.0, seed=21, **SMALL).onsager()
    b = run_kmc(0.7, 1.0, 3.0, seed=22, **SMALL).onsager()
    for x, y in (("m_brbr", "m_clcl"), ("m_brcl", "m_brcl"), ("m_clcl", "m_brbr")):
        diff = a[x][0] - b[y][0]
        err = np.hypot(a[x][1], b[y][1])
        assert abs(diff) <= NSIG * err, (x, a[x], b[y])


def test_onsager_matrix_symmetric_positive():
    """L_BrCl = L_ClBr by construction; the estimated matrix is positive definite."""
    res = run_kmc(0.5, 10.0, 1.0, seed=9, **SMALL)
    o = res.onsager()
    m = np.array([[o["m_brbr"][0], o["m_brcl"][0]], [o["m_brcl"][0], o["m_clcl"][0]]])
    assert np.all(np.linalg.eigvalsh(m) > 0)
    # the block sums are symmetric in a ↔ b: ΔR_Br·ΔR_Cl is one number per block
    assert res.rr.shape[1] == 3


def test_fast_minority_is_suppressed():
    """Dilute fast species (w_Br/w_Cl = 10, c_Br = 0.1): m_BrBr far below ideal c w_Br, as
    Manning predicts (within 15 %)."""
    res = run_kmc(0.1, 10.0, 1.0, seed=31, **SMALL)
    m = res.onsager()["m_brbr"]
    ideal = res.y_br * 10.0
    man = reduced_onsager(res.y_br, 1 - res.y_br, 10.0, 1.0, "manning", F0_PEROVSKITE_ANION)
    assert m[0] < 0.5 * ideal
    assert abs(m[0] - man.m_brbr) < 0.15 * man.m_brbr + NSIG * m[1]


def test_linear_response_reciprocity():
    """Onsager reciprocity from the response, not by construction: push Cl only and measure
    the Br drift (m_BrCl), push Br only and measure the Cl drift (m_ClBr); both agree with each
    other and with the Einstein (fluctuation) estimate of the unpushed run, which also checks
    its normalisation m = ⟨ΔR·ΔR⟩/(z λ_j² t)."""
    kw = dict(SMALL, n_systems=512, n_blocks=4, block_jumps=1000)
    f = 0.3  # k_BT per a/2; nonlinear terms O(f²/8) ~ 1 %, below the noise
    eq = run_kmc(0.5, 3.0, 1.0, seed=41, **kw).onsager()
    push_cl = run_kmc(0.5, 3.0, 1.0, seed=42, force_x=(0.0, f), **kw)
    push_br = run_kmc(0.5, 3.0, 1.0, seed=43, force_x=(f, 0.0), **kw)
    m_brcl = push_cl.response_m(0)
    m_clbr = push_br.response_m(1)
    assert m_brcl[0] > NSIG * m_brcl[1] and m_clbr[0] > NSIG * m_clbr[1]  # coupling resolved
    assert abs(m_brcl[0] - m_clbr[0]) <= NSIG * np.hypot(m_brcl[1], m_clbr[1])
    for resp in (m_brcl, m_clbr):
        assert abs(resp[0] - eq["m_brcl"][0]) <= NSIG * np.hypot(resp[1], eq["m_brcl"][1])
    # diagonal responses against the Einstein diagonal
    for resp, key in ((push_br.response_m(0), "m_brbr"), (push_cl.response_m(1), "m_clcl")):
        assert abs(resp[0] - eq[key][0]) <= NSIG * np.hypot(resp[1], eq[key][1]) + 0.02 * eq[key][0]
    with pytest.raises(ValueError):
        run_kmc(0.5, 1.0, 1.0, seed=1, **dict(SMALL, n_systems=4, n_blocks=2)).response_m(0)
