"""Unit tests for solver.physics.onsager (reduced Onsager coefficients, Manning random alloy)."""

from __future__ import annotations

import numpy as np
import pytest

from solver.physics.onsager import (
    F0_PEROVSKITE_ANION,
    ONSAGER_MODELS,
    ReducedOnsager,
    manning_escape_frequency,
    reduced_onsager,
    tracer_correlation_factors,
)

F0 = F0_PEROVSKITE_ANION
#: closed-form models (any rate ratio); ``kmc`` is tested in test_onsager_kmc.py
CLOSED_FORM = ("ideal", "manning")
F0_FCC = 0.781451  # Compaan & Haven (1956) / Koiwa & Ishioka (1983), vacancy mechanism, fcc

# composition grid (fractions of the halide sublattice) x rate ratios 1e-3 ... 1e3
Y = np.concatenate([[0.0, 1e-12, 1e-6, 1e-3], np.linspace(0.01, 0.99, 45), [1 - 1e-3, 1.0]])
RATIOS = np.logspace(-3, 3, 25)
XV = [0.0, 1e-9, 1e-3, 0.1]


def _grid(x_v: float = 0.0):
    """Broadcast grid: y (composition) x r (w_Br / w_Cl), w_Cl = 2.5 s^-1."""
    y, r = np.meshgrid(Y, RATIOS, indexing="ij")
    x_br = (1.0 - x_v) * y
    x_cl = (1.0 - x_v) * (1.0 - y)
    w_cl = 2.5 * np.ones_like(r)
    w_br = r * w_cl
    return x_br, x_cl, w_br, w_cl


def _solve_manning_bisection(c_br: float, w_br: float, w_cl: float, f0: float) -> float:
    """Independent solution of sum_a c_a H/(H + 2 w_a) = f0 by bisection on log H."""
    c_cl = 1.0 - c_br

    def resid(h: float) -> float:
        return c_br * h / (h + 2 * w_br) + c_cl * h / (h + 2 * w_cl) - f0

    lo, hi = 1e-12 * min(w_br, w_cl), 1e12 * max(w_br, w_cl)
    for _ in range(400):
        mid = np.sqrt(lo * hi)
        if resid(mid) > 0:
            hi = mid
        else:
            lo = mid
    return np.sqrt(lo * hi)


def test_models_tuple_and_errors():
    assert ONSAGER_MODELS == ("ideal", "manning", "kmc")
    with pytest.raises(ValueError):
        reduced_onsager(0.5, 0.5, 1.0, 1.0, "moleko", F0)
    for bad in (0.0, 1.0, -0.2, 1.5):
        with pytest.raises(ValueError):
            reduced_onsager(0.5, 0.5, 1.0, 2.0, "manning", bad)
    assert isinstance(reduced_onsager(0.5, 0.5, 1.0, 2.0, "manning", F0), ReducedOnsager)


@pytest.mark.parametrize("model", CLOSED_FORM)
@pytest.mark.parametrize("x_v", XV)
def test_symmetry_and_g_times_x_equals_m(model, x_v):
    x_br, x_cl, w_br, w_cl = _grid(x_v)
    o = reduced_onsager(x_br, x_cl, w_br, w_cl, model, F0)
    assert o.m_clbr is o.m_brcl
    m = np.array(o.m_matrix(), dtype=float)
    np.testing.assert_array_equal(m[0, 1], m[1, 0])
    # g_ab * x_b == m_ab, and the two analytic cross-g's give the same (symmetric) m_brcl
    np.testing.assert_allclose(o.g_brbr * x_br, o.m_brbr, rtol=1e-13, atol=0)
    np.testing.assert_allclose(o.g_clcl * x_cl, o.m_clcl, rtol=1e-13, atol=0)
    np.testing.assert_allclose(o.g_brcl * x_cl, o.m_brcl, rtol=1e-13, atol=0)
    np.testing.assert_allclose(o.g_clbr * x_br, o.m_brcl, rtol=1e-13, atol=0)
    for g in (o.g_brbr, o.g_brcl, o.g_clbr, o.g_clcl):
        assert np.all(np.isfinite(g))


@pytest.mark.parametrize("x_v", XV)
def test_positive_definite_manning(x_v):
    x_br, x_cl, w_br, w_cl = _grid(x_v)
    inner = (x_br > 0) & (x_cl > 0)
    o = reduced_onsager(x_br, x_cl, w_br, w_cl, "manning", F0)
    assert np.all(o.m_brbr[x_br > 0] > 0) and np.all(o.m_clcl[x_cl > 0] > 0)
    assert np.all(o.m_brcl >= 0)  # vacancy-wind coupling is positive for a vacancy mechanism
    det = o.m_brbr * o.m_clcl - o.m_brcl**2
    scale = o.m_brbr * o.m_clcl
    assert np.all(det[inner] > 1e-12 * scale[inner])
    # Manning's off-diagonal term is a fixed fraction of the rank-one part: det = x x d d (1 + k S)
    # with k = (1-f0)/(f0 S) -> det / (x_br d_br x_cl d_cl) = 1/f0 exactly.
    f_br, f_cl = tracer_correlation_factors(x_br, x_cl, w_br, w_cl, F0)
    ratio = det[inner] / (x_br * w_br * f_br * x_cl * w_cl * f_cl)[inner]
    np.testing.assert_allclose(ratio, 1.0 / F0, rtol=1e-10)


def test_positive_definite_ideal():
    x_br, x_cl, w_br, w_cl = _grid(1e-3)
    o = reduced_onsager(x_br, x_cl, w_br, w_cl, "ideal", F0)
    np.testing.assert_array_equal(o.m_brcl, 0.0)
    np.testing.assert_allclose(o.m_brbr, x_br * w_br, rtol=0, atol=0)
    np.testing.assert_allclose(o.m_clcl, x_cl * w_cl, rtol=0, atol=0)
    np.testing.assert_allclose(o.g_brbr, w_br, rtol=0, atol=0)
    assert o.g_brbr.shape == x_br.shape and o.m_brcl.shape == x_br.shape


@pytest.mark.parametrize("model", CLOSED_FORM)
@pytest.mark.parametrize("x_v", [0.0, 1e-6, 0.05])
@pytest.mark.parametrize("ratio", [1e-3, 0.1, 1.0, 3.0, 1e3])
def test_one_species_limit(model, x_v, ratio):
    w_cl = 1.7
    w_br = ratio * w_cl
    for x_cl in (0.0, 1e-14, 1e-10):
        x_br = 1.0 - x_v - x_cl
        o = reduced_onsager(x_br, x_cl, w_br, w_cl, model, F0)
        # collective motion of a single species by a vacancy is uncorrelated
        assert o.m_brbr == pytest.approx(x_br * w_br, rel=1e-8)
        assert o.m_clcl == pytest.approx(0.0, abs=1e-8 * w_br + 2 * x_cl * w_cl)
        assert o.m_brcl == pytest.approx(0.0, abs=1e-8 * w_br)
        for g in (o.g_brbr, o.g_brcl, o.g_clbr, o.g_clcl):
            assert np.isfinite(g) and abs(g) < 10 * max(w_br, w_cl)
        assert o.g_brbr == pytest.approx(w_br, rel=1e-8)
    # and the symmetric limit x_Br -> 0
    o = reduced_onsager(0.0, 1.0 - x_v, w_br, w_cl, model, F0)
    assert o.m_clcl == pytest.approx((1.0 - x_v) * w_cl, rel=1e-12)
    assert o.m_brbr == 0.0 and o.m_brcl == 0.0
    assert np.isfinite(o.g_brbr) and np.isfinite(o.g_clbr)


@pytest.mark.parametrize("model", CLOSED_FORM)
@pytest.mark.parametrize("x_v", XV)
def test_equal_rates_sum_rule(model, x_v):
    w = 3.3
    y = Y
    x_br = (1 - x_v) * y
    x_cl = (1 - x_v) * (1 - y)
    o = reduced_onsager(x_br, x_cl, w, w, model, F0)
    if model == "manning":
        f_br, f_cl = tracer_correlation_factors(x_br, x_cl, w, w, F0)
        np.testing.assert_allclose(f_br, F0, rtol=1e-13)
        np.testing.assert_allclose(f_cl, F0, rtol=1e-13)
        np.testing.assert_allclose(o.m_brbr + o.m_brcl, x_br * w, rtol=1e-13, atol=1e-300)
        np.testing.assert_allclose(o.m_clcl + o.m_brcl, x_cl * w, rtol=1e-13, atol=1e-300)
    else:
        np.testing.assert_allclose(o.m_brbr + o.m_brcl, x_br * w, rtol=1e-15)


@pytest.mark.parametrize("ratio", [1e-3, 0.05, 0.3, 1.0, 3.0, 40.0, 1e3])
def test_pure_lattice_f_equals_f0(ratio):
    w_cl = 1.0
    w_br = ratio
    f_br, _ = tracer_correlation_factors(1.0, 0.0, w_br, w_cl, F0)
    _, f_cl = tracer_correlation_factors(0.0, 1.0, w_br, w_cl, F0)
    assert f_br == pytest.approx(F0, rel=1e-12)
    assert f_cl == pytest.approx(F0, rel=1e-12)
    m0 = 2 * F0 / (1 - F0)
    assert manning_escape_frequency(1.0, 0.0, w_br, w_cl, F0) == pytest.approx(m0 * w_br, rel=1e-12)


def test_self_consistency_against_bisection():
    """Closed-form root vs an independent numerical solution of Manning's equation."""
    for f0 in (0.5, 0.6531, F0, 0.7272, 0.7815, 0.95):
        for ratio in RATIOS:
            for c in (1e-6, 0.02, 0.3, 0.5, 0.77, 0.999999):
                w_cl = 0.9
                w_br = ratio * w_cl
                for x_v in (0.0, 0.2):
                    x_br, x_cl = (1 - x_v) * c, (1 - x_v) * (1 - c)
                    h = manning_escape_frequency(x_br, x_cl, w_br, w_cl, f0)
                    h_ref = _solve_manning_bisection(c, w_br, w_cl, f0)
                    assert h == pytest.approx(h_ref, rel=1e-10)
                    f_br, f_cl = tracer_correlation_factors(x_br, x_cl, w_br, w_cl, f0)
                    assert c * f_br + (1 - c) * f_cl == pytest.approx(f0, rel=1e-12)
                    assert 0 < f_br < 1 and 0 < f_cl < 1
                    # the faster species is the more strongly correlated one
                    assert (f_br - f_cl) * (w_cl - w_br) >= -1e-15


def test_tracer_ordering_and_concentration_trend():
    """f of the fast species rises towards f0 as it becomes the host (Manning/MC trend)."""
    c = np.linspace(0.0, 1.0, 101)
    f_fast, f_slow = tracer_correlation_factors(c, 1 - c, 3.0, 1.0, F0)
    assert np.all(np.diff(f_fast) > 0) and np.all(np.diff(f_slow) > 0)
    assert np.all(f_fast < f_slow + 1e-15)
    assert f_fast[-1] == pytest.approx(F0) and f_slow[0] == pytest.approx(F0)


@pytest.mark.parametrize("alpha", [0.05, 0.2, 0.5, 1.0, 2.0, 5.0, 20.0])
def test_dilute_limit_matches_five_frequency_model_fcc(alpha):
    """Literature check (fcc): solute B dilute in A.

    LeClaire-Lidiard five-frequency model: f_B = (2 w1 + 7F w3)/(2 w1 + 2 w2 + 7F w3) with
    Manning's rational approximation F(w4/w0).  In the random alloy all solvent jumps have
    the rate w_A (w0 = w1 = w3 = w4), so F = F(1) = 0.7357 and 2 + 7F(1) = 7.1504, which is
    Manning's M0 = 2 f0/(1 - f0) = 7.1512 for fcc.  Manning's f_B must reproduce it.
    """
    a = 1.0
    big_f = 1 - (10 * a**4 + 180.5 * a**3 + 927 * a**2 + 1341 * a) / (
        7 * (2 * a**4 + 40.2 * a**3 + 254 * a**2 + 597 * a + 436)
    )
    w_a = 1.0
    w_b = alpha * w_a  # w2, the solute-vacancy exchange
    f_b_5freq = (2 * w_a + 7 * big_f * w_a) / (2 * w_a + 2 * w_b + 7 * big_f * w_a)
    _, f_b = tracer_correlation_factors(1.0 - 1e-9, 1e-9, w_a, w_b, F0_FCC)
    assert f_b == pytest.approx(f_b_5freq, rel=2e-4)
    # and the closed dilute form
    m0 = 2 * F0_FCC / (1 - F0_FCC)
    assert f_b == pytest.approx(m0 * w_a / (m0 * w_a + 2 * w_b), rel=1e-8)


def test_frequency_only_closed_form():
    """Manning's m_ab written without tracer factors (form found in public analysis code and
    verified to be algebraically equivalent): with c_a = x_a/(x_Br + x_Cl),
    m_BrCl = 2 x_Br x_Cl w_Br w_Cl / (X Lam), m_BrBr = x_Br w_Br (1 - 2 w_Br c_Cl / Lam),
    Lam the larger root of Lam^2 - (M0 <w> + 2 w~) Lam + 2 M0 c_Br c_Cl (w_Br - w_Cl)^2 = 0,
    <w> = c_Br w_Br + c_Cl w_Cl, w~ = c_Br w_Cl + c_Cl w_Br.  Holds only if f_a solve
    Manning's self-consistency, so it checks the f-equation and the m-formula together."""
    for x_v in (0.0, 0.3):
        x_br, x_cl, w_br, w_cl = _grid(x_v)
        inner = (x_br > 0) & (x_cl > 0)
        x_br, x_cl, w_br, w_cl = x_br[inner], x_cl[inner], w_br[inner], w_cl[inner]
        tot = x_br + x_cl
        c_br, c_cl = x_br / tot, x_cl / tot
        m0 = 2 * F0 / (1 - F0)
        b = m0 * (c_br * w_br + c_cl * w_cl) + 2 * (c_br * w_cl + c_cl * w_br)
        c = 2 * m0 * c_br * c_cl * (w_br - w_cl) ** 2
        lam = 0.5 * (b + np.sqrt(b * b - 4 * c))
        o = reduced_onsager(x_br, x_cl, w_br, w_cl, "manning", F0)
        np.testing.assert_allclose(o.m_brcl, 2 * x_br * x_cl * w_br * w_cl / (tot * lam), rtol=1e-9)
        np.testing.assert_allclose(o.m_brbr, x_br * w_br * (1 - 2 * w_br * c_cl / lam), rtol=1e-9)
        np.testing.assert_allclose(o.m_clcl, x_cl * w_cl * (1 - 2 * w_cl * c_br / lam), rtol=1e-9)


def test_f0_perovskite_anion_value():
    """f0 of the X sublattice of cubic ABX3 (computed, docs/onsager.md); Ishigaki et al. (1988)
    quote 0.69.  Not the simple-cubic 0.6531 nor the old case default 0.6537."""
    assert F0_PEROVSKITE_ANION == pytest.approx(0.68892, abs=2e-5)
    assert round(F0_PEROVSKITE_ANION, 2) == 0.69


def test_schmalzried_form():
    """m_ab = x_a d_a [delta_ab + (1-f0)/f0 * x_b d_b / sum_k x_k d_k] (Schmalzried Eq. 8.23)."""
    x_br, x_cl, w_br, w_cl = _grid(1e-2)
    o = reduced_onsager(x_br, x_cl, w_br, w_cl, "manning", F0)
    f_br, f_cl = tracer_correlation_factors(x_br, x_cl, w_br, w_cl, F0)
    a_br, a_cl = x_br * w_br * f_br, x_cl * w_cl * f_cl
    s = a_br + a_cl
    k = (1 - F0) / F0
    np.testing.assert_allclose(o.m_brbr, a_br * (1 + k * a_br / s), rtol=1e-13)
    np.testing.assert_allclose(o.m_clcl, a_cl * (1 + k * a_cl / s), rtol=1e-13)
    np.testing.assert_allclose(o.m_brcl, a_br * k * a_cl / s, rtol=1e-13, atol=0)


def test_label_exchange_symmetry():
    x_br, x_cl, w_br, w_cl = _grid(1e-3)
    o = reduced_onsager(x_br, x_cl, w_br, w_cl, "manning", F0)
    p = reduced_onsager(x_cl, x_br, w_cl, w_br, "manning", F0)
    np.testing.assert_allclose(o.m_brbr, p.m_clcl, rtol=1e-12, atol=0)
    np.testing.assert_allclose(o.m_brcl, p.m_brcl, rtol=1e-12, atol=0)
    np.testing.assert_allclose(o.g_brcl, p.g_clbr, rtol=1e-12, atol=0)


def test_manning_correlation_reduces_transport():
    """Correlation lowers the diagonal mobilities relative to the uncorrelated model, except
    in the one-species limit where they coincide (tracers are correlated, the collective
    flux of the only species is not)."""
    x_br, x_cl, w_br, w_cl = _grid(0.0)
    inner = (x_br >= 1e-3) & (x_cl >= 1e-3)
    man = reduced_onsager(x_br, x_cl, w_br, w_cl, "manning", F0)
    ide = reduced_onsager(x_br, x_cl, w_br, w_cl, "ideal", F0)
    assert np.all(man.m_brbr[inner] < ide.m_brbr[inner])
    assert np.all(man.m_clcl[inner] < ide.m_clcl[inner])
    assert np.all(man.m_brbr <= ide.m_brbr * (1 + 1e-14))
    assert np.all(man.m_clcl <= ide.m_clcl * (1 + 1e-14))


@pytest.mark.parametrize("f0", [0.5, 0.6531, F0, 0.7815, 0.95])
def test_normalised_coupling_bound(f0):
    """rho = m_BrCl / sqrt(m_BrBr m_ClCl) = k sqrt(a b)/sqrt((1 + k a)(1 + k b)) with
    a = x_Br d_Br / S, b = 1 - a, k = (1 - f0)/f0: maximal, (1 - f0)/(1 + f0), at a = b."""
    x_br, x_cl, w_br, w_cl = _grid(1e-3)
    o = reduced_onsager(x_br, x_cl, w_br, w_cl, "manning", f0)
    inner = (x_br > 0) & (x_cl > 0)
    rho = o.m_brcl[inner] / np.sqrt(o.m_brbr * o.m_clcl)[inner]
    assert np.all(rho <= (1 - f0) / (1 + f0) * (1 + 1e-12))
    # attained where x_Br d_Br = x_Cl d_Cl: equal rates, equal fractions
    o = reduced_onsager(0.5, 0.5, 2.0, 2.0, "manning", f0)
    assert o.m_brcl / np.sqrt(o.m_brbr * o.m_clcl) == pytest.approx((1 - f0) / (1 + f0), rel=1e-13)


# Single-vacancy kinetic Monte Carlo on the X sublattice of cubic ABX3 (random A/B alloy,
# 5184 sites periodic, 1.2e9 vacancy jumps per row; method in docs/onsager.md), w_A/w_B = 3
# (the case's w_Br/w_Cl) and 1.  Columns: c_A, w_A/w_B, m_AA, s.e., m_AB, s.e., m_BB, s.e.,
# f_A, f_B (tracer s.e. <= 3e-4).  m in units of w_B, normalised so that m_AA = c_A w_A for
# pure A.
KMC_PEROVSKITE_X = np.array(
    [
        [0.0999, 3, 0.148320, 0.001090, 0.048276, 0.001890, 0.876539, 0.006534, 0.44960, 0.70862],
        [0.3000, 3, 0.550414, 0.004085, 0.110615, 0.003208, 0.665233, 0.004964, 0.50226, 0.74803],
        [0.5001, 3, 1.131757, 0.008336, 0.123680, 0.003839, 0.456910, 0.003473, 0.55726, 0.78608],
        [0.7000, 3, 1.819569, 0.013448, 0.099613, 0.003676, 0.267076, 0.001976, 0.61208, 0.82190],
        [0.9001, 3, 2.571150, 0.019330, 0.034774, 0.002508, 0.086925, 0.000647, 0.66437, 0.85497],
        [0.5001, 1, 0.423433, 0.003157, 0.080102, 0.002290, 0.422581, 0.003126, 0.68914, 0.68911],
    ]
)


def test_manning_against_kmc_perovskite_anion_lattice():
    """At the case's rate ratio Manning's collective m_ab agree with KMC within the statistical
    error plus 2 %; its tracer factors are known to be only semi-quantitative (here too high by
    up to 0.018), so they get an absolute tolerance of 0.025."""
    for c, r, maa, eaa, mab, eab, mbb, ebb, fa, fb in KMC_PEROVSKITE_X:
        o = reduced_onsager(c, 1 - c, r, 1.0, "manning", F0)
        assert abs(o.m_brbr - maa) <= 3 * eaa + 0.02 * maa
        assert abs(o.m_clcl - mbb) <= 3 * ebb + 0.02 * mbb
        assert abs(o.m_brcl - mab) <= 3 * eab + 0.02 * mab
        f_a, f_b = tracer_correlation_factors(c, 1 - c, r, 1.0, F0)
        assert abs(f_a - fa) < 0.025 and abs(f_b - fb) < 0.025
        # the uncorrelated model is clearly worse for the cross term and the fast species
        ide = reduced_onsager(c, 1 - c, r, 1.0, "ideal", F0)
        assert abs(ide.m_brcl - mab) > 10 * eab


# --------------------------------------------------------------------------------------------
# UFL / dolfinx: the same functions build forms
# --------------------------------------------------------------------------------------------


def test_ufl_assembly_matches_numpy():
    import ufl
    from dolfinx import fem, mesh
    from mpi4py import MPI

    import solver  # noqa: F401  (imports dolfinx_solver before dolfinx)

    msh = mesh.create_unit_interval(MPI.COMM_WORLD, 4)
    V = fem.functionspace(msh, ("Lagrange", 1))
    xb_val, xc_val, wb_val, wc_val = 0.3, 0.7 - 2e-3, 3.0, 1.0
    x_br = fem.Function(V)
    x_cl = fem.Function(V)
    x_br.x.array[:] = xb_val
    x_cl.x.array[:] = xc_val
    w_br = fem.Constant(msh, wb_val)
    w_cl = fem.Constant(msh, wc_val)

    def integral(expr):
        val = fem.assemble_scalar(fem.form(expr * ufl.dx))
        return msh.comm.allreduce(val, op=MPI.SUM)

    ref = reduced_onsager(xb_val, xc_val, wb_val, wc_val, "manning", F0)
    o = reduced_onsager(x_br, x_cl, w_br, w_cl, "manning", F0)
    for name in ("m_brbr", "m_brcl", "m_clcl", "g_brbr", "g_brcl", "g_clbr", "g_clcl"):
        assert integral(getattr(o, name)) == pytest.approx(getattr(ref, name), rel=1e-12), name
    f_ref = tracer_correlation_factors(xb_val, xc_val, wb_val, wc_val, F0)
    f_ufl = tracer_correlation_factors(x_br, x_cl, w_br, w_cl, F0)
    assert integral(f_ufl[0]) == pytest.approx(f_ref[0], rel=1e-12)

    # ideal model also builds (zeros simplify away in UFL)
    oi = reduced_onsager(x_br, x_cl, w_br, w_cl, "ideal", F0)
    assert integral(oi.m_brbr) == pytest.approx(xb_val * wb_val, rel=1e-12)
    assert integral(oi.g_clcl) == pytest.approx(wc_val, rel=1e-12)

    # differentiable for Newton: d m_BrBr / d x_Br (Gateaux derivative in direction 1)
    du = fem.Function(V)
    du.x.array[:] = 1.0
    dm = ufl.derivative(o.m_brbr, x_br, du)
    eps = 1e-6
    fd = (
        reduced_onsager(xb_val + eps, xc_val, wb_val, wc_val, "manning", F0).m_brbr
        - reduced_onsager(xb_val - eps, xc_val, wb_val, wc_val, "manning", F0).m_brbr
    ) / (2 * eps)
    assert integral(dm) == pytest.approx(fd, rel=1e-7)


def test_ufl_spatially_varying_profile():
    """x_Br varying in space (P1), integrated with a high quadrature degree vs numpy."""
    import ufl
    from dolfinx import fem, mesh
    from mpi4py import MPI

    import solver  # noqa: F401

    msh = mesh.create_unit_interval(MPI.COMM_WORLD, 8)
    V = fem.functionspace(msh, ("Lagrange", 1))
    x_v = 1e-4
    x_br = fem.Function(V)
    x_br.interpolate(lambda X: (1 - x_v) * (0.05 + 0.9 * X[0]))
    x_cl = (1 - x_v) - x_br
    o = reduced_onsager(x_br, x_cl, 3.0, 1.0, "manning", F0)
    val = fem.assemble_scalar(
        fem.form(o.m_brbr * ufl.dx(metadata={"quadrature_degree": 20}))
    )
    val = msh.comm.allreduce(val, op=MPI.SUM)
    # numpy reference: Gauss-Legendre on the same exact linear profile
    s, wq = np.polynomial.legendre.leggauss(200)
    xs = 0.5 * (s + 1)
    xb = (1 - x_v) * (0.05 + 0.9 * xs)
    ref = 0.5 * np.sum(wq * reduced_onsager(xb, (1 - x_v) - xb, 3.0, 1.0, "manning", F0).m_brbr)
    assert val == pytest.approx(ref, rel=1e-10)
