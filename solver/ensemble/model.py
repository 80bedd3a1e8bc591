r"""Single-particle anion exchange as a stochastic birth process (seed 002), and its limits.

One CsPbCl3 nanoplatelet holds ``N_s`` halide sites; ``N`` of them have been exchanged Cl -> Br
(``f = N / N_s`` the Br fraction, uniform inside the particle: seed 002 lines 63, 97-99). Each
exchange is one event of a Markov birth process ``N -> N + 1`` with the rate (``k_B T`` in eV)

.. math:: k_N = S_N\,\nu\,\frac{c}{c^\circ}\,\exp\!\left(-\frac{E^\ddagger(N/N_s)}{k_BT}\right),

``c`` the Br⁻ concentration of the solution, ``c° = 1 mol/L`` (so ``ν`` is an attempt frequency
in 1/s), and ``S_N`` what the rate is counted per (:class:`RateLaw`, option ``rate_per``):

- ``"surface_site"`` (default): ``S_N = n_surf (1 - f)``, the surface halide sites still holding
  Cl: mass action per site, ``r = k⁺ c_Br x_Cl,s`` of MODEL-NANOCRYSTALS.md §3 with the surface
  composition equal to the uniform bulk one (seed 002 lines 97-99). Larger particles then take
  up more ions per second, and need more.
- ``"particle"``: ``S_N = 1``, the literal ``k_N = ν c exp(-E‡/k_BT)`` of MODEL-NANOCRYSTALS.md
  §3 (ν per particle).

The exchange runs until ``m = round(f_final N_s)`` ions are in (``final_br_fraction``; default
2/3, CsPbClBr2 from XRD, seed 002 line 54; STEM gives x = 0.76, line 63, a known inconsistency).
No reverse (Br -> Cl) event: the flow cell brings fresh TBAB solution (seed 002 line 69), so the
Cl⁻ released stays near zero concentration.

Barriers ``E‡(f)`` (:class:`Barrier`, seed 002 lines 95-101): ``constant`` E0 (equal probability
of every event); ``linear`` E0 - β f (a Brønsted-Evans-Polanyi shift of a regular solution);
``quadratic`` E0 - β f² (the seed's "exchange-density" model, line 99); ``threshold`` E0 until
f reaches f_c, then E0 - β (nucleation-like, the seed's refs 21-23).

Sampling. The rate depends on the state only, so the holding time in state n is exponential
with rate k_n and independent of the others: the time of the j-th event is
``T_j = sum_{n<j} E_n / k_n`` with ``E_n ~ Exp(1)``. This is Gillespie's direct method for a
birth process (one reaction channel), drawn for all events of all particles at once (numpy).

Limits (the deterministic models the ensemble must converge to):

- completion time of one particle: mean ``sum 1/k_n``, variance ``sum 1/k_n²``; for a
  constant rate Gamma(m, k) (:func:`completion_moments`);
- the expectation ``E[N(t)]`` of one particle from the master equation
  ``dp_n/dt = k_{n-1} p_{n-1} - k_n p_n`` (:func:`master_equation_mean`, exact); an ensemble of
  P identical particles reaches it at the rate ``1/sqrt(P)`` (central limit theorem);
- the rate equation ``dN/dt = k(N)`` (:func:`fluid_fraction`), the deterministic
  surface-exchange model (MODEL-NANOCRYSTALS.md §4, step E2), the limit of large ``N_s``
  (Kurtz's law of large numbers for density-dependent jump processes), by quadrature.

Units: lengths nm, times s, energies eV, temperatures K, concentrations µmol/L. Pure numpy and
scipy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.integrate import cumulative_trapezoid
from scipy.sparse import diags
from scipy.sparse.linalg import expm_multiply

from solver.constants import BOLTZMANN_EV_PER_K

__all__ = [
    "BARRIER_MODELS",
    "PLANCK_EV_S",
    "Barrier",
    "Particles",
    "RateLaw",
    "completion_moments",
    "concentration_umol_per_L",
    "counts_at",
    "draw_particles",
    "event_times",
    "fluid_fraction",
    "kT_eV",
    "master_equation_distribution",
    "master_equation_mean",
    "simulate_particles",
]

PLANCK_EV_S = 4.135667696e-15  # [eV s] h (CODATA 2018)
#: Standard concentration c° that makes c/c° dimensionless [µmol/L] (1 mol/L).
STANDARD_UMOL_PER_L = 1.0e6
BARRIER_MODELS = ("constant", "linear", "quadratic", "threshold")


@dataclass(frozen=True)
class Barrier:
    """Activation energy of the next exchange as a function of the exchanged fraction f.

    Attributes:
        model: one of :data:`BARRIER_MODELS` (module docstring; seed 002 lines 95-101).
        E0_eV: barrier of the first exchange [eV].
        beta_eV: its drop (linear, quadratic: at f = 1; threshold: the step) [eV].
        f_c: threshold model: the fraction at which the barrier drops [-].
    """

    model: str = "quadratic"
    E0_eV: float = 0.5
    beta_eV: float = 0.0
    f_c: float = 0.1

    def __post_init__(self) -> None:
        if self.model not in BARRIER_MODELS:
            raise ValueError(f"barrier model {self.model!r} not one of {BARRIER_MODELS}")

    def energy_eV(self, f):
        """E‡(f) [eV] for an array of fractions f (any shape)."""
        f = np.asarray(f, dtype=float)
        if self.model == "constant":
            return np.full_like(f, self.E0_eV)
        if self.model == "linear":
            return self.E0_eV - self.beta_eV * f
        if self.model == "quadratic":
            return self.E0_eV - self.beta_eV * f * f
        return np.where(f < self.f_c, self.E0_eV, self.E0_eV - self.beta_eV)


@dataclass(frozen=True)
class RateLaw:
    """``k_N`` of the module docstring.

    Attributes:
        barrier: E‡(f).
        T_K: temperature [K].
        attempt_frequency_per_s: ν [1/s]; None: k_B T / h (transition-state theory).
        rate_per: ``"surface_site"`` or ``"particle"`` (module docstring).
    """

    barrier: Barrier
    T_K: float = 295.15
    attempt_frequency_per_s: float | None = None
    rate_per: str = "surface_site"

    @property
    def nu_per_s(self) -> float:
        """ν [1/s]."""
        if self.attempt_frequency_per_s is not None:
            return float(self.attempt_frequency_per_s)
        return BOLTZMANN_EV_PER_K * self.T_K / PLANCK_EV_S

    def rates_per_s(self, n, n_sites, n_surface, c_umol_per_L: float):
        """k_n [1/s] for event counts ``n`` of particles with ``n_sites`` halide sites and
        ``n_surface`` surface halide sites (arrays broadcast together)."""
        n_sites = np.asarray(n_sites, dtype=float)
        f = np.asarray(n, dtype=float) / n_sites
        kT = BOLTZMANN_EV_PER_K * self.T_K
        k = self.nu_per_s * (c_umol_per_L / STANDARD_UMOL_PER_L) * np.exp(
            -self.barrier.energy_eV(f) / kT)
        if self.rate_per == "surface_site":
            k = k * np.asarray(n_surface, dtype=float) * np.clip(1.0 - f, 0.0, None)
        return k


@dataclass(frozen=True)
class Particles:
    """A set of square platelets (edge x edge x thickness).

    Attributes (arrays of shape (P,)):
        edge_nm, thickness_nm: sizes [nm].
        n_sites: halide sites N_s = 3 V / a³ (3 halides per CsPbX3 formula unit of volume a³).
        n_surface: surface halide sites, 2 per a² of surface (a PbX2-terminated {001} face).
        n_events: exchanges until the final fraction, m = round(f_final N_s) (>= 1).
    """

    edge_nm: np.ndarray
    thickness_nm: np.ndarray
    n_sites: np.ndarray
    n_surface: np.ndarray
    n_events: np.ndarray

    @classmethod
    def from_sizes(cls, edge_nm, thickness_nm, lattice_constant_nm: float,
                   final_br_fraction: float) -> Particles:
        """Site counts of platelets of the given sizes (lattice constant a: CsPbCl3 ≈ 0.56 nm,
        the Cs-Cs distance 5.58 Å measured in seed 002 line 63)."""
        edge = np.asarray(edge_nm, dtype=float)
        thick = np.asarray(thickness_nm, dtype=float)
        a = float(lattice_constant_nm)
        n_sites = np.maximum(np.rint(3.0 * edge * edge * thick / a**3), 1.0)
        area = 2.0 * edge * edge + 4.0 * edge * thick
        n_surface = np.maximum(np.rint(2.0 * area / a**2), 1.0)
        n_events = np.maximum(np.rint(final_br_fraction * n_sites), 1.0)
        return cls(edge, thick, n_sites.astype(np.int64), n_surface.astype(np.int64),
                   n_events.astype(np.int64))

    def __len__(self) -> int:
        return int(self.edge_nm.size)


def draw_particles(count: int, rng: np.random.Generator, *, edge_mean_nm: float,
                   edge_sd_nm: float, edge_min_nm: float, thickness_nm_min: float,
                   thickness_nm_max: float, lattice_constant_nm: float,
                   final_br_fraction: float) -> Particles:
    """``count`` platelets: edge ~ normal(mean, sd) truncated below at ``edge_min_nm`` (seed 002
    line 50: 19.1 ± 5.0 nm), thickness ~ uniform(min, max) (line 67: 3-5 nm)."""
    lo = (edge_min_nm - edge_mean_nm) / edge_sd_nm if edge_sd_nm > 0 else -np.inf
    if edge_sd_nm > 0:
        edge = stats.truncnorm.rvs(lo, np.inf, loc=edge_mean_nm, scale=edge_sd_nm,
                                   size=count, random_state=rng)
    else:
        edge = np.full(count, float(edge_mean_nm))
    thick = rng.uniform(thickness_nm_min, thickness_nm_max, size=count)
    return Particles.from_sizes(edge, thick, lattice_constant_nm, final_br_fraction)


def event_times(rates_per_s, rng: np.random.Generator) -> np.ndarray:
    """Times of the successive events of birth processes with state rates ``rates_per_s``.

    Args:
        rates_per_s: (..., M) rate of leaving state n = 0..M-1 [1/s]; 0 marks states never left
            (padding: the following times are inf).
        rng: random generator.

    Returns:
        (..., M) time of the (n+1)-th event [s], ``cumsum(E_n / k_n)`` with E_n ~ Exp(1).
    """
    rates = np.asarray(rates_per_s, dtype=float)
    with np.errstate(divide="ignore"):
        holding = rng.standard_exponential(rates.shape) / rates
    return np.cumsum(holding, axis=-1)


def _chunks(n_events: np.ndarray, max_elements: int):
    """Index arrays of particles (sorted by event count) whose padded block stays small."""
    order = np.argsort(n_events, kind="stable")
    start = 0
    while start < order.size:
        stop = start + 1
        while stop < order.size and n_events[order[stop]] * (stop - start + 1) <= max_elements:
            stop += 1
        yield order[start:stop]
        start = stop


def counts_at(times_s: np.ndarray, grid_s: np.ndarray) -> np.ndarray:
    """Number of events up to each grid time: (P, M) event times -> (P, G) counts."""
    return np.stack([np.searchsorted(row, grid_s, side="right") for row in times_s])


def simulate_particles(particles: Particles, law: RateLaw, c_umol_per_L: float,
                       grid_s: np.ndarray, rng: np.random.Generator, *,
                       max_elements: int = 4_000_000) -> tuple[np.ndarray, np.ndarray]:
    """Exchanged counts of every particle on a time grid, and the completion times.

    Args:
        particles: the P particles.
        law: k_N.
        c_umol_per_L: Br⁻ concentration [µmol/L].
        grid_s: (G,) observation times [s] (the exchange starts at t = 0).
        rng: random generator (consumed in a fixed order: reproducible for a given seed).
        max_elements: largest padded (particles x events) block drawn at once (memory).

    Returns:
        ``(counts, completion_s)``: (P, G) integer counts N(t), (P,) time of the m-th event.
    """
    P = len(particles)
    counts = np.zeros((P, np.size(grid_s)), dtype=np.int64)
    completion = np.empty(P)
    for idx in _chunks(particles.n_events, max_elements):
        m_max = int(particles.n_events[idx].max())
        n = np.arange(m_max)[None, :]
        live = n < particles.n_events[idx, None]
        k = law.rates_per_s(np.where(live, n, 0), particles.n_sites[idx, None],
                            particles.n_surface[idx, None], c_umol_per_L)
        k = np.where(live, k, 0.0)
        T = event_times(k, rng)
        counts[idx] = counts_at(T, grid_s)
        completion[idx] = T[np.arange(idx.size), particles.n_events[idx] - 1]
    return counts, completion


def completion_moments(rates_per_s) -> tuple[float, float]:
    """Mean and variance of the time of the last event, ``sum 1/k_n`` and ``sum 1/k_n²`` [s, s²]
    (independent exponential holding times; Gamma(m, k) for m equal rates k)."""
    k = np.asarray(rates_per_s, dtype=float)
    return float(np.sum(1.0 / k)), float(np.sum(1.0 / k**2))


def master_equation_distribution(rates_per_s, t_s) -> np.ndarray:
    """P(N(t) = n) of one birth process from N(0) = 0, exact: the master equation
    ``dp_n/dt = k_{n-1} p_{n-1} - k_n p_n`` solved by the matrix exponential
    (:func:`scipy.sparse.linalg.expm_multiply`).

    Args:
        rates_per_s: (m,) rates k_0..k_{m-1} [1/s]; state m is absorbing.
        t_s: (T,) times [s], >= 0.

    Returns:
        (T, m + 1) probabilities.
    """
    k = np.asarray(rates_per_s, dtype=float)
    A = diags([-np.append(k, 0.0), k], [0, -1], format="csc")
    p0 = np.zeros(k.size + 1)
    p0[0] = 1.0
    return np.array([expm_multiply(A * float(t), p0) for t in np.atleast_1d(t_s)])


def master_equation_mean(rates_per_s, t_s) -> tuple[np.ndarray, np.ndarray]:
    """(E[N(t)], Var[N(t)]) of one birth process from N(0) = 0, each (T,)
    (:func:`master_equation_distribution`)."""
    p = master_equation_distribution(rates_per_s, t_s)
    n = np.arange(p.shape[1])
    mean = p @ n
    return mean, p @ n**2 - mean**2


def fluid_fraction(particles: Particles, law: RateLaw, c_umol_per_L: float,
                   t_s: np.ndarray, points: int = 4001) -> np.ndarray:
    """The rate equation dN/dt = k(N), N(0) = 0, stopped at m (the deterministic model), as the
    fraction f = N/N_s of each particle on ``t_s``: (P, T).

    It is separable: t(N) = ∫_0^N dn / k(n), integrated with the trapezoidal rule
    (:func:`scipy.integrate.cumulative_trapezoid`) on ``points`` values of N per particle, and
    inverted by linear interpolation.
    """
    n_sites = particles.n_sites.astype(float)[:, None]
    m = particles.n_events.astype(float)[:, None]
    N = m * np.linspace(0.0, 1.0, points)[None, :] * (1.0 - 1e-9)
    k = law.rates_per_s(N, n_sites, particles.n_surface[:, None], c_umol_per_L)
    t_of_N = cumulative_trapezoid(1.0 / k, N, axis=1, initial=0.0)
    t_s = np.asarray(t_s, dtype=float)
    f = np.stack([np.interp(t_s, t_of_N[p], N[p], right=m[p, 0]) for p in range(N.shape[0])])
    return f / n_sites


def concentration_umol_per_L(c_ug_per_mL: float, factor: float) -> float:
    """TBAB concentration in µmol/L from µg/mL (seed 002 line 75: 1 µg/mL = 3.1 µmol/L; TBAB
    322.4 g/mol gives 3.10)."""
    return float(c_ug_per_mL) * float(factor)


def kT_eV(T_K: float) -> float:
    """k_B T [eV]."""
    return BOLTZMANN_EV_PER_K * float(T_K)

