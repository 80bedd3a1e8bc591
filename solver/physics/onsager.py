r"""Reduced Onsager coefficients for vacancy-mediated Br/Cl transport on the halide sublattice.

Physics
-------
Br, Cl and vacancies V share one halide sublattice (site fractions ``x_Br + x_Cl + x_V = 1``,
``x_V`` tiny).  The halide fluxes are (docs/model.md, "Transport equations")

.. math::

    J_a = -x_V \lambda^2 \sum_b m_{ab}\, \nabla\big(\ln(x_b/x_V) - \varphi\big),
    \qquad M_{ab} = x_V \lambda^2 m_{ab},

so this module only supplies the *reduced* coefficients
``m_ab(x_Br, x_Cl; w_Br, w_Cl)`` [1/s] (same unit as the halide–vacancy exchange rates
``w_a`` [1/s]).  ``x_V``, ``λ`` and the driving forces are applied by the caller.

Models (``ONSAGER_MODELS``)
---------------------------
``ideal``   — uncorrelated, diagonal:  ``m_aa = x_a w_a``, ``m_ab = 0`` (a ≠ b).

``manning`` — Manning's random-alloy model (vacancy mechanism, x_V → 0), written with the
tracer quantities ``d_a = w_a f_a`` [1/s]:

.. math::

    m_{aa} = x_a d_a \Big[1 + \frac{2\, x_a d_a}{M_0 \sum_k x_k d_k}\Big],\qquad
    m_{ab} = \frac{2\, x_a d_a\, x_b d_b}{M_0 \sum_k x_k d_k}\quad(a \ne b),\qquad
    M_0 = \frac{2 f_0}{1 - f_0},

equivalently (``2/M_0 = (1-f_0)/f_0``)
``m_ab = x_a d_a [δ_ab + (1-f_0)/f_0 · x_b d_b / Σ_k x_k d_k]``, the form quoted from
Manning (1968) by Schmalzried, *Chemical Kinetics of Solids* (VCH 1995), Eq. (8.23).
The tracer correlation factors ``f_a`` follow from Manning's self-consistent random-alloy
equations (Manning, Phys. Rev. B 4, 1111 (1971)):

.. math::

    f_a = \frac{H}{H + 2 w_a}, \qquad \sum_a c_a f_a = f_0, \qquad
    c_a = \frac{x_a}{x_{Br} + x_{Cl}},

where ``H`` [1/s] is the effective escape frequency of the vacancy from a tracer.  The
second relation is Manning's condition ``H = M_0 ⟨w f⟩ / f_0`` (``⟨w f⟩ = Σ_k c_k w_k f_k``)
rewritten with the identity ``⟨w f⟩ = (H/2)(1 - ⟨f⟩)``.  For a binary alloy it is the
quadratic

.. math::

    (1 - f_0) H^2 + 2\beta H - 4 f_0 w_{Br} w_{Cl} = 0,\qquad
    \beta = w_{Br}(c_{Cl} - f_0) + w_{Cl}(c_{Br} - f_0),

whose constant term is negative, so it has exactly one positive root

.. math::

    H = \frac{-\beta + \sqrt{\beta^2 + 4 f_0 (1 - f_0) w_{Br} w_{Cl}}}{1 - f_0}.

Limits built in (and tested): pure lattice ``f_a → f_0``; equal rates ``f_a = f_0`` and
``m_aa + m_ab = x_a w``; one species (``x_Cl → 0``) ``m_BrBr → x_Br w_Br`` (collective
motion of a single species by a vacancy is uncorrelated); dilute impurity
``f_Cl → M_0 w_Br / (M_0 w_Br + 2 w_Cl)`` (the five-frequency-model result with all solvent
rates equal).  ``m`` is symmetric positive definite (diagonal positive + rank-one positive).

``kmc``     — kinetic Monte Carlo of this lattice (:mod:`solver.analysis.kmc`), shipped as the
table ``solver/physics/data/onsager_kmc.json`` (rates ratios ``w_Br/w_Cl`` = 1/3, 1, 3, 10) and
used through a smooth fit per ratio: Manning's coefficients times a polynomial correction in
``c = x_Br/(x_Br + x_Cl)``,

.. math::

    m_{BrBr} = m^{M}_{BrBr}\,[1 + (1 - c) P_{BrBr}(c)],\quad
    m_{ClCl} = m^{M}_{ClCl}\,[1 + c\, P_{ClCl}(c)],\quad
    m_{BrCl} = m^{M}_{BrCl}\,[1 + P_{BrCl}(c)],

(``m^M``: ``manning`` with the table's ``f0``; the factors ``(1 - c)`` and ``c`` keep the exact
one-species limits).  For equal rates only ``P_BrCl`` is fitted and the diagonal follows from the
sum rule ``m_aa + m_ab = x_a w``.  A rate ratio not in the table raises ``ValueError``
(:func:`kmc_fit_for_ratio`).  See ``docs/onsager_kmc.md``.

Sources and caveats: see ``docs/onsager.md``.  The Moleko–Allnatt–Allnatt (1989)
self-consistent theory is *not* implemented (its formulas could not be verified here).

UFL compatibility
-----------------
Every formula uses only ``+ - * /`` and ``**0.5`` — no numpy/math functions and no
branches — so the same functions accept Python floats, numpy arrays (broadcasting) and UFL
expressions (``x_br``, ``x_cl`` as ``dolfinx.fem.Function``, rates as ``fem.Constant`` …).
Nothing assumes ``x_Br + x_Cl == 1``: ``x_V`` may be finite.

The ``g_ab = m_ab / x_b`` coefficients are written analytically (no division by ``x_b``) so
they stay finite when ``x_b → 0``; they are what multiplies ``∇x_b`` when the driving force
``∇ln x_b`` is expanded.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "F0_PEROVSKITE_ANION",
    "KMC_TABLE_PATH",
    "ONSAGER_MODELS",
    "ReducedOnsager",
    "fit_kmc_table",
    "kmc_fit_for_ratio",
    "manning_escape_frequency",
    "reduced_onsager",
    "tracer_correlation_factors",
]

ONSAGER_MODELS = ("ideal", "manning", "kmc")

#: KMC table shipped with the package (``python -m solver.analysis.kmc run`` then ``fit``).
KMC_TABLE_PATH = Path(__file__).resolve().parent / "data" / "onsager_kmc.json"
#: Relative tolerance on ``w_Br/w_Cl`` when picking a table entry.
KMC_RATIO_RTOL = 1e-6

#: Tracer correlation factor f0 of a single vacancy on the X (anion) sublattice of the ideal
#: cubic perovskite ABX3 (each X has 8 X neighbours at a/√2 along the BX6 octahedron edges).
#: Computed for this project by the matrix method (first-passage probabilities of the vacancy
#: walk from sparse linear solves in boxes of half-width 8…40, extrapolated ∝ L⁻³; the same
#: code gives sc 0.653109, bcc 0.727195, fcc 0.781452 against the exact 0.653109, 0.727194,
#: 0.781451) and checked by kinetic Monte Carlo (0.6887 ± 0.0004).  Agrees with the 0.69 of
#: Ishigaki et al., J. Solid State Chem. 73, 179 (1988).  See docs/onsager.md.
F0_PEROVSKITE_ANION = 0.68892


@dataclass(frozen=True)
class ReducedOnsager:
    """Reduced Onsager coefficients [1/s] (``M_ab = x_V λ² m_ab``).

    ``m_ab`` is symmetric (``m_clbr == m_brcl``).  ``g_ab = m_ab / x_b`` [1/s], written
    analytically so it stays finite as ``x_b → 0``.  Entries are floats, numpy arrays or UFL
    expressions, following the inputs.
    """

    m_brbr: Any
    m_brcl: Any
    m_clcl: Any
    g_brbr: Any
    g_brcl: Any
    g_clbr: Any
    g_clcl: Any
    #: ``c_x = g_BrCl / x_Br = g_ClBr / x_Cl`` [1/s], the cross coupling without its site
    #: fraction (0 for ``ideal``); lets a discretisation choose how that fraction is averaged.
    cross: Any = 0.0

    @property
    def m_clbr(self) -> Any:
        """``m_ClBr = m_BrCl`` (Onsager reciprocity)."""
        return self.m_brcl

    def m_matrix(self) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
        """``((m_BrBr, m_BrCl), (m_ClBr, m_ClCl))``."""
        return ((self.m_brbr, self.m_brcl), (self.m_brcl, self.m_clcl))

    def g_matrix(self) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
        """``((g_BrBr, g_BrCl), (g_ClBr, g_ClCl))`` with ``g_ab = m_ab / x_b``."""
        return ((self.g_brbr, self.g_brcl), (self.g_clbr, self.g_clcl))


def _check_f0(f0: Any) -> None:
    if isinstance(f0, (int, float)) and not 0.0 < float(f0) < 1.0:
        raise ValueError(f"f0 must lie in (0, 1), got {f0!r}")


def manning_escape_frequency(x_br: Any, x_cl: Any, w_br: Any, w_cl: Any, f0: float) -> Any:
    r"""Manning's effective vacancy escape frequency ``H`` [1/s] in the binary random alloy.

    Positive root of ``(1 - f0) H² + 2 β H - 4 f0 w_Br w_Cl = 0`` with
    ``β = w_Br (c_Cl - f0) + w_Cl (c_Br - f0)``, ``c_a = x_a / (x_Br + x_Cl)``; this is
    ``Σ_a c_a H / (H + 2 w_a) = f0`` (Manning 1971) cleared of denominators.

    Inputs: site fractions ``x_br``, ``x_cl`` [-] (``x_br + x_cl > 0``), exchange rates
    ``w_br``, ``w_cl`` [1/s] (> 0), ``f0`` [-] in (0, 1).  Pure-lattice value:
    ``H = M0 w`` with ``M0 = 2 f0 / (1 - f0)``.

    Numerics: ``-β + sqrt(β² + q)`` has no cancellation for the usual ``β < 0``; for
    ``β > 0`` (slow majority, fast minority) the relative rounding error is about
    ``1e-16 · β² / q``, i.e. < 1e-12 for rate ratios up to 1e3.
    """
    _check_f0(f0)
    x_tot = x_br + x_cl
    c_br = x_br / x_tot
    c_cl = x_cl / x_tot
    beta = w_br * (c_cl - f0) + w_cl * (c_br - f0)
    q = 4.0 * f0 * (1.0 - f0) * w_br * w_cl
    return (-beta + (beta * beta + q) ** 0.5) / (1.0 - f0)


def tracer_correlation_factors(
    x_br: Any, x_cl: Any, w_br: Any, w_cl: Any, f0: float
) -> tuple[Any, Any]:
    r"""Manning random-alloy tracer correlation factors ``(f_Br, f_Cl)`` [-].

    ``f_a = H / (H + 2 w_a)`` with ``H`` from :func:`manning_escape_frequency`, so that
    ``c_Br f_Br + c_Cl f_Cl = f0`` (``c_a = x_a / (x_Br + x_Cl)``).  Limits:
    ``f_a = f0`` for ``w_Br = w_Cl`` or for the pure ``a`` lattice; a dilute species ``b`` in
    host ``a`` gets ``f_b = M0 w_a / (M0 w_a + 2 w_b)``, ``M0 = 2 f0 / (1 - f0)``.
    Source: J. R. Manning, Phys. Rev. B 4, 1111 (1971); see ``docs/onsager.md``.
    """
    h = manning_escape_frequency(x_br, x_cl, w_br, w_cl, f0)
    return h / (h + 2.0 * w_br), h / (h + 2.0 * w_cl)


def reduced_onsager(
    x_br: Any, x_cl: Any, w_br: Any, w_cl: Any, model: str, f0: float
) -> ReducedOnsager:
    r"""Reduced Onsager coefficients ``m_ab`` and ``g_ab = m_ab / x_b`` [1/s].

    Parameters
    ----------
    x_br, x_cl
        Site fractions of Br and Cl on the halide sublattice [-] (``x_br + x_cl = 1 - x_V``;
        not assumed to be exactly 1).  Float, numpy array or UFL expression.
    w_br, w_cl
        Halide–vacancy exchange rates [1/s] (> 0).
    model
        ``"ideal"``: ``m_aa = x_a w_a``, ``m_ab = 0``.
        ``"manning"``: ``m_aa = x_a d_a [1 + 2 x_a d_a / (M0 S)]``,
        ``m_ab = 2 x_a d_a x_b d_b / (M0 S)``, ``d_a = w_a f_a``, ``S = Σ_k x_k d_k``,
        ``M0 = 2 f0 / (1 - f0)``, ``f_a`` from :func:`tracer_correlation_factors`
        (Manning 1968/1971; Schmalzried 1995 Eq. 8.23).
    f0
        Tracer correlation factor of the pure sublattice [-] in (0, 1); used by
        ``"manning"`` only (anion sublattice of cubic ABX3: :data:`F0_PEROVSKITE_ANION`).

    Returns
    -------
    ReducedOnsager
        ``g_BrBr = d_Br [1 + 2 x_Br d_Br/(M0 S)]``, ``g_BrCl = 2 x_Br d_Br d_Cl/(M0 S)``,
        ``g_ClBr = 2 x_Cl d_Cl d_Br/(M0 S)``, ``g_ClCl = d_Cl [1 + 2 x_Cl d_Cl/(M0 S)]``
        (ideal: ``g_aa = w_a``, ``g_ab = 0``).
    """
    if model == "ideal":
        zero = 0.0 * x_br  # keeps the type/shape of the inputs (UFL simplifies to Zero)
        return ReducedOnsager(
            m_brbr=x_br * w_br,
            m_brcl=zero,
            m_clcl=x_cl * w_cl,
            g_brbr=w_br + 0.0 * x_br,
            g_brcl=zero,
            g_clbr=zero,
            g_clcl=w_cl + 0.0 * x_cl,
            cross=zero,
        )
    if model == "manning":
        _check_f0(f0)
        f_br, f_cl = tracer_correlation_factors(x_br, x_cl, w_br, w_cl, f0)
        d_br = w_br * f_br
        d_cl = w_cl * f_cl
        m0 = 2.0 * f0 / (1.0 - f0)
        s = x_br * d_br + x_cl * d_cl
        k = 2.0 / (m0 * s)  # = (1 - f0) / (f0 S)
        g_brbr = d_br * (1.0 + k * x_br * d_br)
        g_clcl = d_cl * (1.0 + k * x_cl * d_cl)
        cross = k * d_br * d_cl
        g_brcl = cross * x_br
        g_clbr = cross * x_cl
        return ReducedOnsager(
            m_brbr=x_br * g_brbr,
            m_brcl=k * x_br * d_br * x_cl * d_cl,
            m_clcl=x_cl * g_clcl,
            g_brbr=g_brbr,
            g_brcl=g_brcl,
            g_clbr=g_clbr,
            g_clcl=g_clcl,
            cross=cross,
        )
    if model == "kmc":
        return _kmc_onsager(x_br, x_cl, w_br, w_cl)
    raise ValueError(f"unknown onsager model {model!r}; expected one of {ONSAGER_MODELS}")


# --------------------------------------------------------------------------------------------
# kmc: fitted kinetic-Monte-Carlo table


def _poly(coef, c: Any) -> Any:
    """``Σ_k coef[k] c^k`` by Horner (``+``/``*`` only: floats, numpy arrays, UFL)."""
    out = 0.0 * c + float(coef[-1])
    for a in reversed(coef[:-1]):
        out = out * c + float(a)
    return out


@functools.lru_cache(maxsize=4)
def _load_kmc_fit(path: str) -> dict:
    table = json.loads(Path(path).read_text())
    if "fit" not in table:
        raise ValueError(f"{path} has no 'fit' section (run python -m solver.analysis.kmc fit)")
    return table["fit"]


def kmc_fit_for_ratio(ratio: float, path: Path | str = KMC_TABLE_PATH) -> dict:
    """The fitted table entry for ``w_Br/w_Cl = ratio`` (relative tolerance 1e-6).

    Raises:
        ValueError: one line naming the ratio and the table's ratios, if it is not in the table.
    """
    fit = _load_kmc_fit(str(path))
    for entry in fit["entries"]:
        if abs(entry["ratio_br_cl"] - ratio) <= KMC_RATIO_RTOL * ratio:
            return entry
    have = ", ".join(f"{r:.6g}" for r in fit["ratios"])
    raise ValueError(f"onsager_model kmc: rate ratio w_Br/w_Cl = {ratio:.6g} is not in the KMC "
                     f"table (ratios {have}; add it with python -m solver.analysis.kmc run)")


def _scalar_ratio(w_br: Any, w_cl: Any) -> float:
    """``w_Br/w_Cl`` as one float (the kmc table is per ratio); numpy inputs must agree.

    ``dolfinx.fem.Constant`` rates (temperature protocols) are read through their current
    ``.value``: the ratio ``material.hop_ratio_br_cl`` does not depend on the temperature.
    """
    try:
        import numpy as np

        r = np.unique(np.asarray(getattr(w_br, "value", w_br), dtype=float)
                      / np.asarray(getattr(w_cl, "value", w_cl), dtype=float))
    except (TypeError, ValueError):
        raise ValueError("onsager_model kmc needs numeric rates w_Br, w_Cl (the table is "
                         "selected by their ratio)") from None
    if r.size != 1:
        raise ValueError("onsager_model kmc needs one rate ratio w_Br/w_Cl per call")
    return float(r[0])


def _kmc_onsager(x_br: Any, x_cl: Any, w_br: Any, w_cl: Any) -> ReducedOnsager:
    """``kmc`` model: fitted KMC corrections to Manning (module docstring)."""
    entry = kmc_fit_for_ratio(_scalar_ratio(w_br, w_cl))
    base = reduced_onsager(x_br, x_cl, w_br, w_cl, "manning", entry["f0"])
    c = x_br / (x_br + x_cl)
    q_x = 1.0 + _poly(entry["p_brcl"], c)
    cross = base.cross * q_x
    g_brcl = base.g_brcl * q_x
    g_clbr = base.g_clbr * q_x
    m_brcl = base.m_brcl * q_x
    if entry["equal_rates"]:
        # sum rule m_aa + m_ab = x_a w: g_BrBr = w_Br - g_ClBr (= m_BrCl / x_Br), etc.
        g_brbr = w_br - g_clbr
        g_clcl = w_cl - g_brcl
    else:
        g_brbr = base.g_brbr * (1.0 + (1.0 - c) * _poly(entry["p_brbr"], c))
        g_clcl = base.g_clcl * (1.0 + c * _poly(entry["p_clcl"], c))
    return ReducedOnsager(m_brbr=x_br * g_brbr, m_brcl=m_brcl, m_clcl=x_cl * g_clcl,
                          g_brbr=g_brbr, g_brcl=g_brcl, g_clbr=g_clbr, g_clcl=g_clcl,
                          cross=cross)


#: A fitted correction term is kept only if it lowers χ² by more than this (3σ per parameter).
KMC_FIT_DCHI2 = 9.0


def fit_kmc_table(rows: list[dict], max_degree: int = 3, f0: float = F0_PEROVSKITE_ANION) -> dict:
    """Fit the per-ratio polynomial corrections of the ``kmc`` model to KMC rows.

    Each row (from :func:`solver.analysis.kmc.production_rows`) holds ``y_br`` (``c_Br``),
    ``w_br_per_s``, ``w_cl_per_s``, ``ratio_br_cl`` and ``m_ab_per_s ± m_ab_err_per_s``.  For each
    ratio and coefficient, weighted least squares (weights ``1/σ²``) of ``m_kmc/m_manning - 1``
    on the bases ``(1-c) c^k`` (BrBr), ``c c^k`` (ClCl), ``c^k`` (BrCl), ``k = 0…d``, with Manning
    at ``x_Br = c``, ``x_Cl = 1 - c`` (``x_V → 0``).  The degree ``d`` starts at ``-1`` (no
    correction, i.e. Manning) and is raised (up to ``max_degree``) only while each added
    parameter lowers χ² by more than ``KMC_FIT_DCHI2`` = 9 (resolved at 3σ), so corrections
    the data do not resolve are not fitted to noise.  Equal rates: only ``P_BrCl`` (diagonal from
    the sum rule).  Returns ``{"ratios", "max_degree", "entries": [{ratio_br_cl, f0,
    equal_rates, p_brbr, p_brcl, p_clcl, degree_*, chi2_dof_*}]}`` (the corrections depend on
    the ratio only).
    """
    import numpy as np

    by_ratio: dict[float, list[dict]] = {}
    for r in rows:
        by_ratio.setdefault(round(float(r["ratio_br_cl"]), 12), []).append(r)
    entries = []
    for ratio in sorted(by_ratio):
        rs = by_ratio[ratio]
        c = np.array([r["y_br"] for r in rs])
        man = reduced_onsager(c, 1.0 - c, np.array([r["w_br_per_s"] for r in rs]),
                              np.array([r["w_cl_per_s"] for r in rs]), "manning", f0)
        equal = abs(ratio - 1.0) <= KMC_RATIO_RTOL
        entry: dict[str, Any] = {"ratio_br_cl": ratio, "f0": f0, "equal_rates": equal}
        for name, factor in (("brbr", 1.0 - c), ("brcl", np.ones_like(c)), ("clcl", c)):
            if equal and name != "brcl":
                entry[f"p_{name}"] = [0.0]
                continue
            mm = getattr(man, f"m_{name}")
            q = np.array([r[f"m_{name}_per_s"] for r in rs]) / mm - 1.0
            sig = np.array([r[f"m_{name}_err_per_s"] for r in rs]) / mm
            best = (float(((q / sig) ** 2).sum()), -1, [0.0])  # (chi², degree, coefficients)
            for deg in range(max_degree + 1):
                if deg + 1 >= len(c):
                    break
                a = factor[:, None] * c[:, None] ** np.arange(deg + 1)[None, :]
                coef, *_ = np.linalg.lstsq(a / sig[:, None], q / sig, rcond=None)
                chi2 = float(((((a @ coef) - q) / sig) ** 2).sum())
                if best[0] - chi2 > KMC_FIT_DCHI2 * (deg - best[1]):
                    best = (chi2, deg, [float(v) for v in coef])
            chi2, deg, coef = best
            entry[f"p_{name}"] = coef
            entry[f"degree_{name}"] = deg
            entry[f"chi2_dof_{name}"] = chi2 / max(len(c) - (deg + 1), 1)
        entries.append(entry)
    return {"ratios": sorted(by_ratio), "max_degree": max_degree, "entries": entries}
