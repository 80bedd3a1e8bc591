r"""Kinetic Monte Carlo of one vacancy in a random Br/Cl alloy on the X sublattice of cubic ABX3.

Pure numpy (vectorised over many independent systems); no dolfinx.  Used to compute the reduced
Onsager coefficients ``m_ab`` of :mod:`solver.physics.onsager` directly instead of trusting a
closure (issue 12, part 2).  Generator: ``python -m solver.analysis.kmc --help``.

Lattice
-------
B cations on the corners of the cubic cell (edge ``a``), X anions on the edge centres.  In
integer coordinates of ``a/2`` the X sites are ``(2i+1, 2j, 2k)``, ``(2i, 2j+1, 2k)`` and
``(2i, 2j, 2k+1)`` (three site types, ``3 L³`` sites in an ``L×L×L`` periodic supercell).  Each X
has ``z = 8`` X nearest neighbours along the edges of the BX6 octahedron, at ``(±1, ±1, 0)`` type
offsets, i.e. at distance ``λ_j = a/√2`` (``λ_j² = 2`` in units of ``(a/2)²``).

Dynamics
--------
One vacancy per system; every other site holds Br or Cl (random, exact composition
``N_Br = round(y (N - 1))``).  The vacancy exchanges with a neighbouring atom of species ``a``
at rate ``w_a`` [1/s] (no interactions, so the equilibrium distribution is uniform and the random
initial state is already equilibrated).  Residence-time (BKL / n-fold way) algorithm: with
``Γ = Σ_k w_{a(k)}`` over the 8 neighbours, neighbour ``k`` is chosen with probability
``w_{a(k)}/Γ`` and the clock advances by ``1/Γ`` (the mean residence time, a standard
variance-reduced choice with the same long-time averages) or, with ``exponential_times=True``,
by ``-ln(u)/Γ``.

Estimators
----------
Collective displacement of species ``a``: ``ΔR_a = Σ_{i∈a} Δr_i`` (the exchanged atom moves by
minus the vacancy jump).  Generalised Einstein relation (Allnatt 1965; Allnatt & Lidiard,
*Atomic Transport in Solids*, CUP 1993, ch. 5):
``L_ab = ⟨ΔR_a·ΔR_b⟩ / (6 V k_B T t)``.  With one vacancy among ``N`` sites (``x_V = 1/N``,
volume ``V = N Ω``) and the module's convention ``M_ab = k_B T L_ab Ω = x_V λ² m_ab``:

.. math::

    m_{ab} = \frac{\langle \Delta R_a\cdot\Delta R_b\rangle}{z\,\lambda_j^2\, t}\quad[1/s],
    \qquad \lambda^2 \equiv z \lambda_j^2 / 6 = \tfrac{2}{3} a^2 .

This normalisation makes the uncorrelated (``ideal``) result ``m_aa = c_a w_a`` and the pure
lattice ``m_aa = w_a`` exactly, so ``m_ab`` are directly comparable with
:func:`solver.physics.onsager.reduced_onsager` (``c_a = N_a/(N-1)``, the ``x_V → 0``
composition; ``ideal`` and ``manning`` depend on ``x_a`` only through it, up to a factor
``1 - x_V``).  ``⟨·⟩`` is estimated from non-overlapping blocks of ``block_jumps`` vacancy jumps
(cumulative ``ΔR_a`` and ``t`` are recorded every ``record_jumps``), as a ratio of sums; the error
bar is the standard error over the independent systems (each has its own random alloy).

Tracer correlation factor of species ``a``: ``f_a = Δ(Σ_{i∈a} |Δr_i|²) / (λ_j² Δn_a)``
(``n_a``: number of jumps made by ``a`` atoms), the slope of the summed squared tracer
displacements (all measured from the start) between the end of the first block and the end of
the run: the slope has no bias from the positive offset of the mean squared displacement that
truncated return jumps leave (measured from the start, ``f`` would be too high by
``O(1/jumps per atom)``).  For equal rates this is the
pure-lattice ``f0`` (0.68892 for this lattice by the matrix method, docs/onsager.md §3; 0.69 in
Ishigaki et al., J. Solid State Chem. 73, 179 (1988)), up to finite-size corrections ``O(1/N)``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "JUMP_LENGTH2_HALF_A",
    "Z_NEIGHBOURS",
    "AnionLattice",
    "KMCResult",
    "anion_lattice",
    "run_kmc",
]

#: Number of X nearest neighbours of an X site in cubic ABX3.
Z_NEIGHBOURS = 8
#: Squared jump length λ_j² = (a/√2)² in units of (a/2)².
JUMP_LENGTH2_HALF_A = 2

BR, CL, VAC = 0, 1, 2


@dataclass(frozen=True)
class AnionLattice:
    """X sublattice of an ``L×L×L`` periodic ABX3 supercell.

    Attributes:
        n_cells: ``L``.
        positions: (N, 3) integer site coordinates in units of ``a/2``.
        neighbours: (N, 8) site index of each neighbour.
        jumps: (N, 8, 3) jump vector to each neighbour, units of ``a/2`` (components ±1, 0).
    """

    n_cells: int
    positions: np.ndarray
    neighbours: np.ndarray
    jumps: np.ndarray

    @property
    def n_sites(self) -> int:
        return int(self.positions.shape[0])


def _site_index(q: np.ndarray, n: int) -> np.ndarray:
    """Index of the X site at integer position ``q`` (..., 3), exactly one coordinate odd."""
    odd = q % 2
    t = np.argmax(odd, axis=-1)
    i, j, k = (q[..., 0] // 2), (q[..., 1] // 2), (q[..., 2] // 2)
    return ((t * n + i) * n + j) * n + k


def anion_lattice(n_cells: int) -> AnionLattice:
    """Build the X sublattice of an ``n_cells³`` ABX3 supercell (``3 n_cells³`` sites).

    Site ``((t L + i) L + j) L + k`` of type ``t`` sits at ``2(i, j, k) + e_t`` (units ``a/2``);
    its 8 neighbours are the sites at ``±e_t ± e_u`` (``u ≠ t``), distance ``a/√2``.
    """
    n = int(n_cells)
    if n < 2:
        raise ValueError(f"n_cells must be >= 2 (periodic images must not be neighbours), got {n}")
    t, i, j, k = np.meshgrid(np.arange(3), np.arange(n), np.arange(n), np.arange(n),
                             indexing="ij")
    pos = 2 * np.stack([i, j, k], axis=-1).reshape(-1, 3)
    pos[np.arange(pos.shape[0]), t.reshape(-1)] += 1
    # candidate offsets (±1, ±1, 0) in all orientations; keep those landing on an X site
    offs = []
    for a in range(3):
        for b in range(a + 1, 3):
            for sa in (1, -1):
                for sb in (1, -1):
                    d = [0, 0, 0]
                    d[a], d[b] = sa, sb
                    offs.append(d)
    offs = np.array(offs)  # (12, 3)
    q = pos[:, None, :] + offs[None, :, :]  # (N, 12, 3)
    valid = (q % 2).sum(axis=-1) == 1  # X sites have exactly one odd coordinate
    assert np.all(valid.sum(axis=1) == Z_NEIGHBOURS)
    jumps = offs[None, :, :].repeat(pos.shape[0], axis=0)[valid].reshape(-1, Z_NEIGHBOURS, 3)
    q = q[valid].reshape(-1, Z_NEIGHBOURS, 3) % (2 * n)
    nbr = _site_index(q, n)
    return AnionLattice(n, pos, nbr.astype(np.int64), jumps.astype(np.int64))


@dataclass
class KMCResult:
    """Raw block sums of a run; all derived numbers come with standard errors over systems.

    Attributes:
        y_br: Br fraction of the atoms ``c_Br = N_Br/(N-1)`` [-].
        w_br, w_cl: exchange rates [1/s].
        n_sites: sites per system (one vacancy).
        block_jumps: vacancy jumps per block of the collective estimator.
        rr: (S, 3) per system Σ_blocks ΔR_Br·ΔR_Br, ΔR_Br·ΔR_Cl, ΔR_Cl·ΔR_Cl [(a/2)²].
        t_s: (S,) per system Σ_blocks block duration [s].
        rr_short, t_short_s: the same with blocks of ``record_jumps`` (bias diagnostic).
        tracer_sq: (S, 2) increase of Σ_{i∈a} |Δr_i|² (from the start) between the end of the
            first block and the end of the run [(a/2)²].
        n_jumps: (S, 2) jumps made by Br and by Cl atoms in that interval.
        seed: seed of the generator.
    """

    y_br: float
    w_br: float
    w_cl: float
    n_sites: int
    block_jumps: int
    record_jumps: int
    rr: np.ndarray
    t_s: np.ndarray
    rr_short: np.ndarray
    t_short_s: np.ndarray
    tracer_sq: np.ndarray
    n_jumps: np.ndarray
    seed: int | None = None
    meta: dict = field(default_factory=dict)
    #: (S, 2) x components of ΔR_Br, ΔR_Cl over the whole run [a/2], and (S,) its duration [s]
    drift_x: np.ndarray | None = None
    t_total_s: np.ndarray | None = None
    force_x: tuple[float, float] = (0.0, 0.0)

    @staticmethod
    def _ratio(num: np.ndarray, den: np.ndarray) -> tuple[float, float]:
        """Ratio of sums Σnum/Σden over systems and its standard error (delta method)."""
        s = num.shape[0]
        r = float(num.sum() / den.sum())
        if s < 2:
            return r, float("nan")
        resid = num - r * den
        se = math.sqrt(s / (s - 1) * float((resid**2).sum())) / float(den.sum())
        return r, se

    def m(self, weights=(1.0, 0.0, 0.0), short: bool = False) -> tuple[float, float]:
        """Linear combination ``Σ weights · (m_BrBr, m_BrCl, m_ClCl)`` [1/s] and its error.

        ``m_ab = Σ ΔR_a·ΔR_b / (z λ_j² Σ t)`` (module docstring).  The error is the standard
        error over the independent systems (correlations inside a system are kept in its sum).
        """
        rr = self.rr_short if short else self.rr
        t = self.t_short_s if short else self.t_s
        num = rr @ np.asarray(weights, dtype=float)
        return self._ratio(num, Z_NEIGHBOURS * JUMP_LENGTH2_HALF_A * t)

    def onsager(self, short: bool = False) -> dict[str, tuple[float, float]]:
        """``{"m_brbr": (value, stderr), "m_brcl": ..., "m_clcl": ...}`` [1/s]."""
        names = ("m_brbr", "m_brcl", "m_clcl")
        return {n: self.m(np.eye(3)[i], short) for i, n in enumerate(names)}

    def response_m(self, species: int) -> tuple[float, float]:
        """Onsager coefficient from the linear response to the applied force (check of the
        Einstein estimate and of reciprocity): ``m_{b a} = 3 ⟨ΔR_{b,x}⟩ / (8 F_a t)`` for the
        drift of species ``b`` (0 = Br, 1 = Cl) when only species ``a`` is pushed with
        ``F_a`` = ``force_x[a]`` [k_BT per a/2] (``<ΔR_b,x>/t = Σ_a F_a ⟨ΔR_b·ΔR_a⟩/(6t)`` and
        ``z λ_j²/6 = 8/3``).  Returns ``(value, stderr)`` [1/s]."""
        forced = [i for i, f in enumerate(self.force_x) if f != 0.0]
        if len(forced) != 1 or self.drift_x is None:
            raise ValueError("response_m needs a run with exactly one species pushed")
        fa = self.force_x[forced[0]]
        return self._ratio(self.drift_x[:, species].astype(float),
                           8.0 / 3.0 * fa * self.t_total_s)

    def tracer_f(self) -> dict[str, tuple[float, float]]:
        """Tracer correlation factors ``{"f_br": (value, stderr), "f_cl": ...}`` [-]."""
        out = {}
        for i, n in enumerate(("f_br", "f_cl")):
            if self.n_jumps[:, i].sum() == 0:
                out[n] = (float("nan"), float("nan"))
            else:
                out[n] = self._ratio(self.tracer_sq[:, i].astype(float),
                                     JUMP_LENGTH2_HALF_A * self.n_jumps[:, i].astype(float))
        return out

    def tracer_f_all(self) -> tuple[float, float]:
        """Correlation factor of all atoms together [-] (equal rates: the lattice's ``f0``)."""
        return self._ratio(self.tracer_sq.sum(axis=1).astype(float),
                           JUMP_LENGTH2_HALF_A * self.n_jumps.sum(axis=1).astype(float))

    def summary(self) -> dict:
        """JSON-ready numbers: composition, rates, m_ab ± err, tracer f ± err, run size."""
        out = {"y_br": self.y_br, "w_br_per_s": self.w_br, "w_cl_per_s": self.w_cl,
               "n_sites": self.n_sites, "n_systems": int(self.t_s.shape[0]),
               "jumps_per_system": int(self.n_jumps.sum(axis=1).mean()) if self.n_jumps.size
               else 0, "block_jumps": self.block_jumps, "seed": self.seed}
        for n, (v, e) in self.onsager().items():
            out[f"{n}_per_s"], out[f"{n}_err_per_s"] = v, e
        for n, (v, e) in self.onsager(short=True).items():
            out[f"{n}_shortblock_per_s"] = v
        for n, (v, e) in self.tracer_f().items():
            out[n], out[f"{n}_err"] = v, e
        out.update(self.meta)
        return out


def run_kmc(y_br: float, w_br: float, w_cl: float, *, n_cells: int = 6, n_systems: int = 256,
            n_blocks: int = 20, block_jumps: int = 2000, record_jumps: int = 200,
            seed: int | None = 0, exponential_times: bool = False,
            lattice: AnionLattice | None = None,
            force_x: tuple[float, float] = (0.0, 0.0)) -> KMCResult:
    """Run ``n_systems`` independent one-vacancy systems for ``n_blocks × block_jumps`` jumps.

    Args:
        y_br: Br fraction of the atoms, ``c_Br`` [-] in [0, 1]; ``N_Br = round(y_br (N - 1))``.
        w_br, w_cl: vacancy–Br and vacancy–Cl exchange rates [1/s] (> 0).
        n_cells: supercell edge ``L`` (``N = 3 L³`` sites).
        n_systems: independent systems (own random alloy and vacancy start each).
        n_blocks, block_jumps: blocks of the collective (Einstein) estimator.
        record_jumps: the cumulative displacements are also summed in blocks of this size,
            a diagnostic of the block-length bias (``KMCResult.rr_short``); must divide
            ``block_jumps``.
        seed: seed of ``numpy.random.default_rng`` (same seed, same result).
        exponential_times: draw residence times ``-ln(u)/Γ`` instead of their mean ``1/Γ``.
        lattice: a prebuilt :func:`anion_lattice` (else built from ``n_cells``).
        force_x: ``(F_Br, F_Cl)`` [k_BT per a/2] driving force along +x on each species, for
            the linear-response check (:meth:`KMCResult.response_m`): an exchange that moves
            an ``a`` atom by ``Δx`` (units a/2) has rate ``w_a exp(F_a Δx / 2)`` (detailed
            balance with the energy ``-Σ_a F_a R_{a,x}``).  Default: no force (equilibrium).

    Returns:
        :class:`KMCResult` (block sums; ``.onsager()``, ``.tracer_f()`` give the numbers).
    """
    if not 0.0 <= y_br <= 1.0:
        raise ValueError(f"y_br must lie in [0, 1], got {y_br}")
    if not (w_br > 0 and w_cl > 0):
        raise ValueError(f"rates must be > 0, got w_br={w_br}, w_cl={w_cl}")
    if n_blocks < 2:
        raise ValueError("n_blocks must be >= 2 (the first block is the tracer's reference)")
    if block_jumps % record_jumps:
        raise ValueError("record_jumps must divide block_jumps")
    lat = lattice if lattice is not None else anion_lattice(n_cells)
    n = lat.n_sites
    s = int(n_systems)
    rng = np.random.default_rng(seed)
    n_br = round(y_br * (n - 1))
    y_exact = n_br / (n - 1)

    # initial state: vacancy on site 0 of a random alloy (translation invariance: no loss)
    occ = np.full((s, n), CL, dtype=np.int8)
    perm = rng.random((s, n - 1)).argsort(axis=1)
    rows_occ = np.repeat(np.arange(s), n_br)
    occ[rows_occ, 1 + perm[:, :n_br].ravel()] = BR
    occ[:, 0] = VAC
    occ_f = occ.ravel()  # view
    vac = np.zeros(s, dtype=np.int64)
    base = np.arange(s, dtype=np.int64) * n
    disp = np.zeros((s * n, 3), dtype=np.int32)  # displacement of the atom on each site
    rates = np.array([w_br, w_cl, 0.0])
    forces = np.array([force_x[0], force_x[1], 0.0], dtype=float)
    pushed = bool(np.any(forces != 0.0))
    nbr_f = lat.neighbours
    jumps = lat.jumps
    rows = np.arange(s)

    r_br = np.zeros((s, 3), dtype=np.int64)  # cumulative collective displacements
    r_cl = np.zeros((s, 3), dtype=np.int64)
    t = np.zeros(s)
    n_jumps = np.zeros((s, 2), dtype=np.int64)
    rr = np.zeros((s, 3))
    t_sum = np.zeros(s)
    rr_short = np.zeros((s, 3))
    t_short = np.zeros(s)
    last_long = (r_br.copy(), r_cl.copy(), t.copy())
    last_short = (r_br.copy(), r_cl.copy(), t.copy())

    def close_block(last, acc_rr, acc_t):
        dbr = r_br - last[0]
        dcl = r_cl - last[1]
        acc_rr[:, 0] += (dbr * dbr).sum(axis=1)
        acc_rr[:, 1] += (dbr * dcl).sum(axis=1)
        acc_rr[:, 2] += (dcl * dcl).sum(axis=1)
        acc_t += t - last[2]
        return (r_br.copy(), r_cl.copy(), t.copy())

    def tracer_sums():
        """Σ_{i∈a} |Δr_i|² (S, 2) by species (the vacancy site holds no atom)."""
        sq = (disp.astype(np.int64) ** 2).sum(axis=1).reshape(s, n)
        occ2 = occ_f.reshape(s, n)
        return np.stack([(sq * (occ2 == BR)).sum(axis=1), (sq * (occ2 == CL)).sum(axis=1)],
                        axis=1)

    per_long = block_jumps // record_jumps
    for _block in range(n_blocks):
        for _rec in range(per_long):
            for _ in range(record_jumps):
                nb = nbr_f[vac]  # (S, 8)
                sp = occ_f[base[:, None] + nb]  # (S, 8) species of the neighbours
                rt = rates[sp]
                if pushed:  # the atom moves by -e: rate w exp(-F e_x / 2)
                    rt = rt * np.exp(-0.5 * forces[sp] * jumps[vac, :, 0])
                cr = np.cumsum(rt, axis=1)
                gamma = cr[:, -1]
                u = rng.random(s) * gamma
                kk = (cr <= u[:, None]).sum(axis=1)
                kk = np.minimum(kk, Z_NEIGHBOURS - 1)  # u == Γ exactly (measure zero)
                target = nb[rows, kk]
                spec = sp[rows, kk]
                e = jumps[vac, kk]  # vacancy jump vector (S, 3); the atom moves by -e
                if exponential_times:
                    t += -np.log(1.0 - rng.random(s)) / gamma
                else:
                    t += 1.0 / gamma
                is_br = (spec == BR)[:, None]
                r_br -= e * is_br
                r_cl -= e * ~is_br
                n_jumps[rows, spec] += 1
                src = base + target
                dst = base + vac
                disp[dst] = disp[src] - e
                occ_f[dst] = spec
                occ_f[src] = VAC
                vac = target
            last_short = close_block(last_short, rr_short, t_short)
        last_long = close_block(last_long, rr, t_sum)

        if _block == 0:  # tracer reference after one block (removes the MSD offset)
            tracer0, jumps0 = tracer_sums(), n_jumps.copy()

    tracer_sq = tracer_sums() - tracer0
    n_jumps = n_jumps - jumps0
    return KMCResult(y_exact, float(w_br), float(w_cl), n, block_jumps, record_jumps, rr, t_sum,
                     rr_short, t_short, tracer_sq, n_jumps, seed,
                     {"n_cells": lat.n_cells, "exponential_times": bool(exponential_times)},
                     drift_x=np.stack([r_br[:, 0], r_cl[:, 0]], axis=1), t_total_s=t.copy(),
                     force_x=(float(force_x[0]), float(force_x[1])))


# --------------------------------------------------------------------------------------------
# Production table (python -m solver.analysis.kmc run ...)

#: Rate ratios w_Br/w_Cl of the shipped table (issue 12).
TABLE_RATIOS = (1.0 / 3.0, 1.0, 3.0, 10.0)
#: Br fractions c_Br of the shipped table (the pure ends are exact: m = w on the diagonal).
TABLE_Y = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
#: Default shipped table (package data of solver.physics).
TABLE_PATH = Path(__file__).resolve().parents[1] / "physics" / "data" / "onsager_kmc.json"


def production_rows(ratios=TABLE_RATIOS, ys=TABLE_Y, *, n_cells: int = 6, n_systems: int = 2048,
                    n_blocks: int = 6, block_jumps: int = 5000, record_jumps: int = 500,
                    seed: int = 20240612, log=print) -> list[dict]:
    """KMC rows ``m_ab ± err`` [1/s] (``w_Cl = 1 /s``) for every ratio × composition.

    Each row has its own seed (``seed + index``) so rows are independent and any one row can be
    reproduced alone.
    """
    lat = anion_lattice(n_cells)
    rows = []
    idx = 0
    for ratio in ratios:
        for y in ys:
            t0 = time.time()
            res = run_kmc(y, float(ratio), 1.0, lattice=lat, n_systems=n_systems,
                          n_blocks=n_blocks, block_jumps=block_jumps, record_jumps=record_jumps,
                          seed=seed + idx)
            row = res.summary()
            row["ratio_br_cl"] = float(ratio)
            row["cpu_s"] = round(time.time() - t0, 2)
            rows.append(row)
            log(f"ratio {ratio:.4g} y {y:.2f}: m_BrBr {row['m_brbr_per_s']:.4f}"
                f"±{row['m_brbr_err_per_s']:.4f} m_BrCl {row['m_brcl_per_s']:.4f}"
                f"±{row['m_brcl_err_per_s']:.4f} m_ClCl {row['m_clcl_per_s']:.4f}"
                f"±{row['m_clcl_err_per_s']:.4f} ({row['cpu_s']} s)")
            idx += 1
    return rows


def f0_rows(cells=(4, 6, 8), *, n_systems: int = 2048, n_blocks: int = 6,
            block_jumps: int = 5000, seed: int = 777, log=print) -> list[dict]:
    """Equal-rate tracer correlation factor ``f`` (all atoms) per supercell size ``L``."""
    out = []
    for i, n_cells in enumerate(cells):
        res = run_kmc(0.5, 1.0, 1.0, n_cells=n_cells, n_systems=n_systems, n_blocks=n_blocks,
                      block_jumps=block_jumps, record_jumps=block_jumps // 10, seed=seed + i)
        f, err = res.tracer_f_all()
        out.append({"n_cells": n_cells, "n_sites": res.n_sites, "f": f, "f_err": err})
        log(f"L={n_cells} N={res.n_sites}: f = {f:.5f} ± {err:.5f}")
    return out


def extrapolate_f0(rows: list[dict]) -> tuple[float, float]:
    """Weighted least-squares fit ``f(N) = f0 + c/N``; return ``(f0, stderr)``."""
    n = np.array([r["n_sites"] for r in rows], dtype=float)
    f = np.array([r["f"] for r in rows])
    w = 1.0 / np.array([r["f_err"] for r in rows]) ** 2
    a = np.stack([np.ones_like(n), 1.0 / n], axis=1)
    cov = np.linalg.inv(a.T @ (a * w[:, None]))
    coef = cov @ (a.T @ (w * f))
    return float(coef[0]), float(math.sqrt(cov[0, 0]))


def _main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m solver.analysis.kmc", description=(
        "KMC Onsager coefficients of the ABX3 anion sublattice. 'run' computes the raw rows "
        "(~15 min CPU with the defaults) into the table; 'fit' (re)fits the composition "
        "corrections read by transport.onsager_model: kmc (solver.physics.onsager)."))
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="KMC rows (and f0 finite-size series) -> table JSON")
    r.add_argument("--out", type=Path, default=TABLE_PATH)
    r.add_argument("--systems", type=int, default=2048)
    r.add_argument("--blocks", type=int, default=6)
    r.add_argument("--block-jumps", type=int, default=5000)
    r.add_argument("--cells", type=int, default=6)
    r.add_argument("--seed", type=int, default=20240612)
    f = sub.add_parser("fit", help="fit the composition corrections into the table JSON")
    f.add_argument("--table", type=Path, default=TABLE_PATH)
    args = ap.parse_args(argv)
    if args.cmd == "run":
        t0 = time.time()
        rows = production_rows(n_cells=args.cells, n_systems=args.systems, n_blocks=args.blocks,
                               block_jumps=args.block_jumps, seed=args.seed)
        f0s = f0_rows(n_systems=args.systems, n_blocks=args.blocks,
                      block_jumps=args.block_jumps)
        f0, f0_err = extrapolate_f0(f0s)
        table = {
            "description": "KMC reduced Onsager coefficients m_ab [1/s] (x_V factored out, "
                           "M_ab = x_V λ² m_ab) of one vacancy in a random Br/Cl alloy on the "
                           "X sublattice of cubic ABX3; w_Cl = 1 /s, w_Br = ratio_br_cl. "
                           "Generated by python -m solver.analysis.kmc run; see "
                           "docs/onsager_kmc.md.",
            "settings": {"n_cells": args.cells, "n_systems": args.systems,
                         "n_blocks": args.blocks, "block_jumps": args.block_jumps,
                         "seed": args.seed, "cpu_s": round(time.time() - t0, 1)},
            "rows": rows,
            "f0_finite_size": f0s,
            "f0_extrapolated": {"f0": f0, "f0_err": f0_err},
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(table, indent=1) + "\n")
        print(f"wrote {args.out} (f0 extrapolated {f0:.5f} ± {f0_err:.5f})")
        return 0
    if args.cmd == "fit":
        from solver.physics.onsager import fit_kmc_table

        table = json.loads(args.table.read_text())
        table["fit"] = fit_kmc_table(table["rows"])
        args.table.write_text(json.dumps(table, indent=1) + "\n")
        print(f"fitted {len(table['fit']['ratios'])} ratios into {args.table}")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(_main())
