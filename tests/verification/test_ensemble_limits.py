"""Verification of the single-particle birth process (solver/ensemble/model.py) against its exact
limits: Gamma completion times, the moments sum 1/k_n and sum 1/k_n², the master equation, the
rate equation, and the 1/sqrt(P) convergence of the ensemble mean (MODEL-NANOCRYSTALS.md §3-4,
step E4). Tolerances are multiples of the standard error of the sample at hand (stated in each
test); seeds are fixed, so each test is deterministic."""

import math

import numpy as np
import pytest
from scipy import stats

from solver.ensemble.model import (
    Barrier,
    Particles,
    RateLaw,
    completion_moments,
    event_times,
    fluid_fraction,
    kT_eV,
    master_equation_mean,
)

SAMPLES = 20_000


def _completion(rates, n, seed):
    return event_times(np.broadcast_to(rates, (n, len(rates))), np.random.default_rng(seed))[:, -1]


def test_constant_rate_gives_gamma_completion_times():
    """m events at rate k: T ~ Gamma(m, k). Mean within 4 standard errors (sqrt(m)/k/sqrt(n)),
    variance within 4 sds of the sample variance (sigma² sqrt((2 + 6/m)/n), Gamma's excess
    kurtosis 6/m), KS p > 1e-3; the KS test rejects Gamma(m + 2, k) (it has the power to fail)."""
    m, k = 20, 2.0
    law = RateLaw(Barrier("constant", 0.4), T_K=300.0, attempt_frequency_per_s=1e13,
                  rate_per="particle")
    c_umol = 5.0
    rate = law.rates_per_s(np.arange(m), 1000, 1, c_umol)
    expected = 1e13 * c_umol * 1e-6 * math.exp(-0.4 / kT_eV(300.0))  # the formula, written out
    np.testing.assert_allclose(rate, expected, rtol=1e-14)
    T = _completion(np.full(m, k), SAMPLES, 1)
    mean, var = m / k, m / k**2
    assert abs(T.mean() - mean) < 4 * math.sqrt(var / SAMPLES)
    assert abs(T.var(ddof=1) - var) < 4 * var * math.sqrt((2 + 6 / m) / SAMPLES)
    assert stats.kstest(T, stats.gamma(m, scale=1 / k).cdf).pvalue > 1e-3
    assert stats.kstest(T, stats.gamma(m + 2, scale=1 / k).cdf).pvalue < 1e-6


@pytest.mark.parametrize("model", ["linear", "quadratic", "threshold"])
def test_general_rates_give_sum_of_inverse_rates(model):
    """Mean sum 1/k_n and variance sum 1/k_n² (independent exponential holding times), within 4
    standard errors; the rates of a falling barrier (surface-site counting) vary by > 10x."""
    law = RateLaw(Barrier(model, 0.5, 0.2, 0.3), T_K=295.0, rate_per="surface_site")
    m, n_sites = 30, 40
    k = law.rates_per_s(np.arange(m), n_sites, 12, 3.1)
    assert k.max() / k.min() > 10
    mean, var = completion_moments(k)
    T = _completion(k, SAMPLES, 2)
    assert abs(T.mean() - mean) < 4 * math.sqrt(var / SAMPLES)
    kurt = 6 * np.sum(k**-4) / var**2  # excess kurtosis of a sum of exponentials
    assert abs(T.var(ddof=1) - var) < 4 * var * math.sqrt((2 + kurt) / SAMPLES)
    assert abs(T.mean() - 1.1 * mean) > 4 * math.sqrt(var / SAMPLES)  # a 10 % error is seen


def test_master_equation_of_a_constant_rate_is_a_truncated_poisson():
    """E[N(t)] = E[min(Poisson(k t), m)] for m equal rates k (to 1e-10)."""
    m, k = 15, 3.0
    t = np.array([0.0, 0.5, 2.0, 5.0, 20.0])
    mean, var = master_equation_mean(np.full(m, k), t)
    n = np.arange(m + 1)
    for ti, mi, vi in zip(t, mean, var, strict=True):
        p = stats.poisson(k * ti).pmf(n)
        p[-1] = stats.poisson(k * ti).sf(m - 1)
        assert mi == pytest.approx(p @ n, abs=1e-10)
        assert vi == pytest.approx(p @ n**2 - (p @ n) ** 2, abs=1e-9)


def test_ensemble_mean_converges_to_the_master_equation_as_one_over_sqrt_p():
    """R replicate ensembles of P identical particles: the rms error of the ensemble-mean N(t)
    against E[N(t)] is sqrt(Var N / P) (central limit theorem). Checked for P = 100 and 1600
    within 15 % (R * times = 1800 squared errors: the rms is known to ~2.4 %), and the ratio of
    the two errors within [3.4, 4.6] of sqrt(16) = 4."""
    law = RateLaw(Barrier("quadratic", 0.5, 0.12), T_K=295.0, rate_per="surface_site")
    m = 12
    k = law.rates_per_s(np.arange(m), 20, 8, 3.1)
    mean_T, _ = completion_moments(k)
    t = mean_T * np.array([0.25, 0.5, 0.75, 1.0, 1.25, 1.5])
    exact, var = master_equation_mean(k, t)
    rng = np.random.default_rng(3)
    errors = {}
    R = 300
    for P in (100, 1600):
        times = event_times(np.broadcast_to(k, (R * P, m)), rng)
        counts = (times[:, :, None] <= t[None, None, :]).sum(axis=1).reshape(R, P, t.size)
        err = counts.mean(axis=1) - exact
        errors[P] = math.sqrt(np.mean(err**2))
        expected = math.sqrt(np.mean(var) / P)
        assert errors[P] == pytest.approx(expected, rel=0.15), P
    assert 3.4 < errors[100] / errors[1600] < 4.6


def test_rate_equation_matches_its_closed_forms():
    """dN/dt = k(N) for a constant barrier: per particle N = K t (until m); per surface site
    dN/dt = K (1 - N/N_s), N = N_s (1 - exp(-K t / N_s)) (until m). Quadrature to 1e-6."""
    sizes = Particles.from_sizes([15.0, 18.0], [4.0, 4.5], 0.56, 2.0 / 3.0)
    for rate_per in ("particle", "surface_site"):
        law = RateLaw(Barrier("constant", 0.45), T_K=295.0, rate_per=rate_per)
        K0 = law.rates_per_s(0, sizes.n_sites, sizes.n_surface, 3.1)
        t = np.linspace(0.0, 2.0 * (sizes.n_sites / K0).max(), 61)
        f = fluid_fraction(sizes, law, 3.1, t)
        K = law.rates_per_s(0, sizes.n_sites, sizes.n_surface, 3.1)[:, None]
        Ns = sizes.n_sites[:, None].astype(float)
        N = K * t if rate_per == "particle" else Ns * (1 - np.exp(-K * t / Ns))
        N = np.minimum(N, sizes.n_events[:, None])
        np.testing.assert_allclose(f, N / Ns, atol=1e-6)
        assert f[:, -1].min() > 0.99 * 2 / 3  # the plateau is reached ...
        assert (((f > 0.05) & (f < 0.6)).sum(axis=1) >= 5).all()  # ... through the rise


# --------------------------------------------------------------------------- reverse step
def _chain(m=12, lam=3.0, mu=1.5):
    return np.full(m, lam), np.concatenate([[0.0], np.full(m, mu)])


def test_birth_death_mean_first_passage_matches_the_exact_sum():
    """Constant λ = 3, μ = 1.5 /s, m = 12: the exact sum over states (solver/ensemble/reverse.py)
    equals the closed form of the biased walk (Σ_n Σ_{j<=n} (μ/λ)^(n-j)/λ), and 20 000 exact
    Gillespie chains have that mean within 4 standard errors (a 5 % error would be seen)."""
    from solver.ensemble.reverse import mean_first_passage_s, simulate_birth_death

    lam, mu = _chain()
    exact = mean_first_passage_s(lam, mu)
    r = 1.5 / 3.0
    closed = sum(sum(r ** (n - j) for j in range(n + 1)) / 3.0 for n in range(12))
    assert exact == pytest.approx(closed, rel=1e-12)
    P = SAMPLES
    _, T = simulate_birth_death(lambda rows, n: np.full(rows.size, 3.0),
                                lambda rows, n: np.where(n > 0, 1.5, 0.0), np.full(P, 12),
                                np.array([0.0, 1e6]), np.random.default_rng(5))
    se = T.std(ddof=1) / math.sqrt(P)
    assert abs(T.mean() - exact) < 4 * se
    assert abs(T.mean() - 1.05 * exact) > 4 * se


def test_birth_death_stationary_distribution_is_detailed_balance():
    """Reflected at m, N(t) at a late time is distributed as π_{n+1}/π_n = λ_n/μ_{n+1}
    (rates falling and rising with n); chi-square p > 1e-3 over 20 000 chains, and the test
    rejects the distribution with λ and μ swapped."""
    from solver.ensemble.reverse import simulate_birth_death, stationary_distribution

    m = 8
    lam = 2.0 + 0.3 * np.arange(m)
    mu = np.concatenate([[0.0], 1.0 + 0.5 * np.arange(1, m + 1)])
    pi = stationary_distribution(lam, mu)
    assert np.allclose(pi[1:] / pi[:-1], lam / mu[1:], rtol=1e-12)
    counts, _ = simulate_birth_death(lambda rows, n: lam[np.minimum(n, m - 1)],
                                     lambda rows, n: mu[n], np.full(SAMPLES, m),
                                     np.array([0.0, 40.0]), np.random.default_rng(6),
                                     absorbing=False)
    observed = np.bincount(counts[:, -1], minlength=m + 1)
    assert stats.chisquare(observed, SAMPLES * pi).pvalue > 1e-3
    swapped = stationary_distribution(mu[1:], np.concatenate([[0.0], lam]))
    assert stats.chisquare(observed, SAMPLES * swapped).pvalue < 1e-6


def test_tau_leaping_matches_the_exact_first_passage_of_a_large_chain():
    """The ensemble's tau-leaping on a chain of m = 2000 (λ = 2000, μ = 500 /s, N_s = 3000):
    mean completion within 1 % of the exact sum (the leap bias is below that at epsilon = 2e-3)
    and within 4 standard errors + 0.5 %."""
    from solver.ensemble.reverse import mean_first_passage_s, simulate_tau_leap

    m, P = 2000, 400
    lam, mu = np.full(m, 2000.0), np.concatenate([[0.0], np.full(m, 500.0)])
    exact = mean_first_passage_s(lam, mu)
    _, T = simulate_tau_leap(lambda rows, n: np.full(rows.size, 2000.0),
                             lambda rows, n: np.where(n > 0, 500.0, 0.0), np.full(P, m),
                             np.full(P, 3000), np.linspace(0.0, 3 * exact, 31),
                             np.random.default_rng(7))
    assert np.all(np.isfinite(T))
    assert abs(T.mean() / exact - 1) < 0.01
    assert abs(T.mean() - exact) < 4 * T.std(ddof=1) / math.sqrt(P) + 0.005 * exact


def test_reverse_off_is_todays_model_and_detailed_balance_holds():
    """No ``reverse`` key: the birth process (same draws); with it, λ_{N-1}/μ_N equals
    (c_Br/c_Cl) (1 - f_{N-1})/f_N e^{ΔG0/kT} for every barrier (one transition state)."""
    from solver.ensemble.reverse import ReverseStep

    law = RateLaw(Barrier("quadratic", 0.5, 0.2), T_K=295.0)
    rev = ReverseStep(2.0, delta_G0_eV=0.03)
    n = np.arange(1, 40)
    lam = law.rates_per_s(n - 1, 50, 20, 5.0)
    mu = rev.death_rates_per_s(law, n, 50, 20)
    expected = 5.0 / 2.0 * (1 - (n - 1) / 50) / (n / 50) * math.exp(0.03 / kT_eV(295.0))
    np.testing.assert_allclose(lam / mu, expected, rtol=1e-12)
