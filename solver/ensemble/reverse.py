r"""The reverse (Br -> Cl) step: single-particle exchange as a birth-death process (seed 002).

MODEL-NANOCRYSTALS.md §3 writes the surface reaction as mass action in both directions,
``r = k⁺ c_Br x_Cl,s - k⁻ c_Cl x_Br,s``. :mod:`solver.ensemble.model` keeps only the first term
(a birth process). With :class:`ReverseStep` a particle with N exchanged ions (f = N/N_s) also
loses Br (N -> N - 1) at

.. math:: \mu_N = S^-_N\,\nu\,\frac{c_{Cl}(N)}{c^\circ}\,
          \exp\!\left(-\frac{E^\ddagger(f_{N-1}) + \Delta G_0}{k_BT}\right),

``S⁻_N = n_surf f_N`` (surface sites holding Br, ``rate_per: surface_site``) or 1
(``particle``). The barrier is that of the forward step of the *same* transition
(N - 1 <-> N) plus ΔG0: one transition state for both directions, so the barrier shift
E0 - E‡(f) lowers both barriers equally (a Brønsted-Evans-Polanyi relation whose transfer
coefficient is 1 for the transition state and 0 for the reaction energy: the shift is kinetic
and the free energy per exchanged ion stays ΔG0). Detailed balance then gives

.. math:: \frac{\lambda_{N-1}}{\mu_N} = \frac{c_{Br}}{c_{Cl}}\,\frac{1 - f_{N-1}}{f_N}\,
          e^{\Delta G_0/k_BT},

an equilibrium Br fraction f/(1 - f) ≈ (c_Br/c_Cl) e^{ΔG0/k_BT} independent of the barrier:
below c_Br ≈ c_Cl the particle stops short of the composition at which it passes the emission
filter (a threshold concentration). ΔG0 = 0 by default: Br/Cl mix ideally at room temperature
(Ω ≲ 50 meV, MODEL-NANOCRYSTALS.md §3; seed 002 line 37).

c_Cl (:attr:`ReverseStep.chloride_umol_per_L`): a fixed chloride background of the flowing
solution [µmol/L] — its source is not measured in seed 002 (residual chloride of the CsPbCl3
synthesis and its ligands in the spin-coated film, or of the TBAB), so it is a calibrated
parameter — plus, optionally (``release_volume_fL``), the particle's own released Cl⁻ diluted in
a local volume V (``N / (N_A V)``; None: the flow, 7.5 mL/h, seed 002 line 69, sweeps it away).
The whole field of view's release, 500 particles x ~2e4 ions in the ~10 µL cell, is ~2e-7 µmol/L:
negligible, hence no ensemble-wide term.

Sampling. Exact: Gillespie's direct method, all chains advanced one event per step
(:func:`simulate_birth_death`; for tests and small chains: a particle of ~2e4 sites near
equilibrium makes ~1e5 events in the window, too many steps for numpy). The ensemble uses
tau-leaping (:func:`simulate_tau_leap`; Gillespie, J. Chem. Phys. 115, 1716 (2001)): on leaps of
length τ births ~ Poisson(λ_N τ) and deaths ~ Poisson(μ_N τ), τ chosen so that the expected
events per leap stay below ``epsilon`` N_s (default 2e-3, so f and the rates change by < ~1 % per
leap; leaps end on every frame). The
exchange ends at m = round(f_final N_s) (absorbing: afterwards a few ions of ~1e4 fluctuate, which
the PL cannot see). Exact checks (tests/verification/test_ensemble_limits.py): the mean first
passage time 0 -> m (:func:`mean_first_passage_s`) and the stationary distribution of the chain
reflected at m (:func:`stationary_distribution`, detailed balance).

Units: as solver/ensemble/model.py (s, eV, K, µmol/L).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import cumulative_trapezoid

from solver.constants import BOLTZMANN_EV_PER_K

__all__ = ["AVOGADRO_PER_MOL", "ReverseStep", "fluid_fraction_reversible", "mean_first_passage_s",
           "simulate_birth_death", "simulate_tau_leap", "stationary_distribution"]

AVOGADRO_PER_MOL = 6.02214076e23  # N_A (SI 2019, exact)


@dataclass(frozen=True)
class ReverseStep:
    """The Br -> Cl step (module docstring).

    Attributes:
        chloride_umol_per_L: background Cl⁻ concentration c_Cl,0 [µmol/L] (> 0).
        delta_G0_eV: free energy per exchanged ion added to the reverse barrier [eV].
        release_volume_fL: local volume holding the particle's released Cl⁻ [fL = 1e-15 L];
            None: released Cl⁻ is swept away.
    """

    chloride_umol_per_L: float
    delta_G0_eV: float = 0.0
    release_volume_fL: float | None = None

    def chloride_at(self, n) -> np.ndarray:
        """c_Cl(N) [µmol/L] for exchanged counts ``n`` (any shape)."""
        n = np.asarray(n, dtype=float)
        c = np.full_like(n, float(self.chloride_umol_per_L))
        if self.release_volume_fL is not None:
            c = c + n / (AVOGADRO_PER_MOL * self.release_volume_fL * 1e-15) * 1e6
        return c

    def death_rates_per_s(self, law, n, n_sites, n_surface) -> np.ndarray:
        """μ_n [1/s] for counts ``n`` >= 0 (0 at n = 0), arrays broadcast together; ``law`` is
        the forward :class:`~solver.ensemble.model.RateLaw` (its ν, T, barrier, rate_per)."""
        n = np.asarray(n, dtype=float)
        n_sites = np.asarray(n_sites, dtype=float)
        kT = BOLTZMANN_EV_PER_K * law.T_K
        f_before = np.maximum(n - 1.0, 0.0) / n_sites
        E = law.barrier.energy_eV(f_before) + self.delta_G0_eV
        mu = law.nu_per_s * self.chloride_at(n) / 1.0e6 * np.exp(-E / kT)
        if law.rate_per == "surface_site":
            mu = mu * np.asarray(n_surface, dtype=float) * np.clip(n / n_sites, 0.0, 1.0)
        return np.where(n > 0, mu, 0.0)


def _mark(counts, marked, next_g, rows, n_old, g_new) -> None:
    """Grid points in [t_old, t_new) hold n_old: mark the first of them (forward-filled later)."""
    hit = g_new > next_g[rows]
    r = rows[hit]
    counts[r, next_g[r]] = n_old[hit]
    marked[r, next_g[r]] = True
    next_g[r] = g_new[hit]


def simulate_birth_death(birth, death, n_events, grid_s, rng: np.random.Generator, *,
                         absorbing: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Birth-death chains from N = 0 on a time grid (Gillespie's direct method, vectorised over
    chains: every step moves each live chain by one event).

    Args:
        birth: callable (rows, n) -> λ [1/s] of chains ``rows`` in states ``n`` (arrays).
        death: callable (rows, n) -> μ [1/s] (0 at n = 0).
        n_events: (P,) top state m of each chain.
        grid_s: (G,) non-decreasing observation times [s]; chains stop after the last.
        rng: random generator (two draws per live chain and step).
        absorbing: stop a chain at m (True) or reflect it there (birth rate 0 at m).

    Returns:
        ``(counts, first_passage_s)``: (P, G) N at each grid time (right-continuous), (P,)
        first time N = m (inf if not reached before the last grid time).
    """
    grid = np.asarray(grid_s, dtype=float)
    m = np.asarray(n_events, dtype=np.int64)
    P, G = m.size, grid.size
    N = np.zeros(P, dtype=np.int64)
    t = np.zeros(P)
    counts = np.zeros((P, G), dtype=np.int64)
    marked = np.zeros((P, G), dtype=bool)
    next_g = np.zeros(P, dtype=np.int64)
    passage = np.full(P, np.inf)
    live = np.arange(P)
    t_end = grid[-1]
    while live.size:
        n = N[live]
        lam = np.where(n < m[live], birth(live, n), 0.0)
        mu = death(live, n)
        total = lam + mu
        t_new = t[live] + rng.standard_exponential(live.size) / total
        _mark(counts, marked, next_g, live, n, np.searchsorted(grid, t_new, side="left"))
        up = rng.random(live.size) * total < lam
        N[live] = n + np.where(up, 1, -1)
        t[live] = t_new
        top = N[live] == m[live]
        passage[live[top]] = np.minimum(passage[live[top]], t_new[top])
        done = (t_new > t_end) | (top & absorbing)
        live = live[~done]
    rest = np.flatnonzero(next_g < G)
    counts[rest, next_g[rest]] = N[rest]
    marked[rest, next_g[rest]] = True
    idx = np.maximum.accumulate(np.where(marked, np.arange(G)[None, :], 0), axis=1)
    return np.take_along_axis(counts, idx, axis=1), passage


def simulate_tau_leap(birth, death, n_events, n_sites, grid_s, rng: np.random.Generator, *,
                      epsilon: float = 2e-3) -> tuple[np.ndarray, np.ndarray]:
    """Birth-death chains from N = 0, absorbed at m, by tau-leaping (module docstring).

    Args:
        birth, death: callables (rows, n) -> λ, μ [1/s] (as :func:`simulate_birth_death`).
        n_events: (P,) m; n_sites: (P,) N_s (sets the leap: expected events <= epsilon N_s).
        grid_s: (G,) non-decreasing observation times [s].
        rng: random generator (two Poisson draws per live chain and leap).
        epsilon: leap control (> 0).

    Returns:
        ``(counts, completion_s)``: (P, G) N at the grid times, (P,) time N reached m
        (interpolated within the leap; inf if not before the last grid time).
    """
    grid = np.asarray(grid_s, dtype=float)
    m = np.asarray(n_events, dtype=np.int64)
    cap = epsilon * np.asarray(n_sites, dtype=float)
    P, G = m.size, grid.size
    N = np.zeros(P, dtype=np.int64)
    counts = np.zeros((P, G), dtype=np.int64)
    completion = np.full(P, np.inf)
    live = np.arange(P)
    t = 0.0
    for g in range(G):
        while live.size and t < grid[g]:
            n = N[live]
            lam, mu = birth(live, n), death(live, n)
            tau = min(grid[g] - t, float(np.min(np.maximum(cap[live], 1.0) / (lam + mu))))
            n_new = np.clip(n + rng.poisson(lam * tau) - rng.poisson(mu * tau), 0, m[live])
            N[live] = n_new
            top = n_new >= m[live]
            frac = (m[live][top] - n[top]) / np.maximum(n_new[top] - n[top], 1)
            completion[live[top]] = t + np.clip(frac, 0.0, 1.0) * tau
            live = live[~top]
            t += tau
        counts[:, g] = N
    return counts, completion


def mean_first_passage_s(birth_rates, death_rates) -> float:
    """Exact mean first-passage time 0 -> m of a birth-death chain [s]:
    ``sum_{n<m} (1/(λ_n π_n)) sum_{j<=n} π_j`` with π_0 = 1, π_{j+1} = π_j λ_j/μ_{j+1}
    (e.g. Karlin & Taylor, A First Course in Stochastic Processes, ch. 4; van Kampen ch. XII).

    Args:
        birth_rates: (m,) λ_0..λ_{m-1} > 0 [1/s].
        death_rates: μ_0..μ_{m-1} or μ_0..μ_m [1/s] (μ_0 and μ_m are not used).
    """
    lam = np.asarray(birth_rates, dtype=float)
    mu = np.asarray(death_rates, dtype=float)[: lam.size]
    log_pi = np.concatenate([[0.0], np.cumsum(np.log(lam[:-1]) - np.log(mu[1:]))])
    # sum_{j<=n} π_j / π_n in logs (π spans hundreds of decades for long chains)
    return float(np.sum(np.exp(np.logaddexp.accumulate(log_pi) - log_pi) / lam))


def stationary_distribution(birth_rates, death_rates) -> np.ndarray:
    """Stationary distribution of the chain on 0..m reflected at m, from detailed balance
    π_{n+1}/π_n = λ_n/μ_{n+1}. ``birth_rates``: (m,) λ_0..λ_{m-1}; ``death_rates``: (m + 1,)
    μ_0..μ_m (μ_0 ignored). Returns (m + 1,) probabilities."""
    lam = np.asarray(birth_rates, dtype=float)
    mu = np.asarray(death_rates, dtype=float)
    log_pi = np.concatenate([[0.0], np.cumsum(np.log(lam) - np.log(mu[1: lam.size + 1]))])
    pi = np.exp(log_pi - log_pi.max())
    return pi / pi.sum()


def fluid_fraction_reversible(particles, law, reverse: ReverseStep, c_umol_per_L: float,
                              t_s, points: int = 4001) -> np.ndarray:
    """The rate equation dN/dt = λ(N) - μ(N), N(0) = 0, stopped at m or approaching the
    equilibrium N_eq (λ = μ) from below, as f = N/N_s of every particle on ``t_s``: (P, T).
    Separable: t(N) = ∫_0^N dn/(λ - μ) by the trapezoidal rule on ``points`` values of N up to
    the first where λ - μ <= 0 (or m), inverted by linear interpolation."""
    n_sites = particles.n_sites.astype(float)
    m = particles.n_events.astype(float)
    t_s = np.asarray(t_s, dtype=float)
    out = np.empty((m.size, t_s.size))
    s = np.linspace(0.0, 1.0, points) * (1.0 - 1e-9)
    for p in range(m.size):
        N = m[p] * s
        net = (law.rates_per_s(N, n_sites[p], particles.n_surface[p], c_umol_per_L)
               - reverse.death_rates_per_s(law, N, n_sites[p], particles.n_surface[p]))
        stop = int(np.argmax(net <= 0)) if np.any(net <= 0) else N.size
        stop = max(stop, 2)
        t_of_N = cumulative_trapezoid(1.0 / np.maximum(net[:stop], 1e-300), N[:stop],
                                      initial=0.0)
        out[p] = np.interp(t_s, t_of_N, N[:stop], right=N[stop - 1]) / n_sites[p]
    return out
