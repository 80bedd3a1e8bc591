"""Fit data against the case: every data column range-checked before anything runs.

:func:`solver.fitting.data.read_observations` reads the files (numbers, finite, ``t_s`` > 0,
uncertainties > 0); this module checks the rows against the case each data set's runs use (the
base case with the fit's ``set`` and the data set's ``set``), as ``--check`` and every fit do
before the first model run:

================== ============================ ==========================================
column             allowed                      why
================== ============================ ==========================================
``L_m_um``         [-length_um, +length_um]     the front's signed displacement stays in the
                                                wire (``geometry.length_um`` of the case)
``y``              [-0.05, 1.05]                a composition in [0, 1], with
                                                :data:`RANGE_SLACK` of the range for noise
``wavelength_nm``  [λ_min, λ_max] ± 5 % of the  the PL peak of the case's emission model lies
                   span                         between its pure compounds' peaks
                                                (``pl.wavelength_*_nm``, ``pl.bowing_eV``,
                                                ``material.halides``); ``pl.enabled`` true
``z_um``           [0, length_um]               a position on the wire (the model would
                                                otherwise be compared with the wire end)
``sigma_*``        >= 1e-12 × the quantity's    :data:`SIGMA_FLOOR` (below)
                   span (length_um, 1, λ span)
``t_s``,           as the case accepts them     each condition's runs (t_end_s = latest data
``field_V_per_um``                              time, the field of the row) are validated
================== ============================ ==========================================

Each violation is one :class:`solver.config.CaseError`,
``fit.data.<kind>[i]: <file> line <n>, column '<name>': <problem>`` (exit 2, nothing written).
No dolfinx.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from solver.config import CaseError, load_case
from solver.fitting.data import COLUMNS, Block, Observations, value_text
from solver.fitting.spec import FitSpec
from solver.model.species import pair_of
from solver.pl.model import emission_model

__all__ = ["RANGE_SLACK", "SIGMA_FLOOR", "Limits", "check_conditions", "check_data",
           "limits_of"]

#: Smallest uncertainty accepted, as a fraction of the quantity's span (wire length for L_m,
#: 1 for y, the emission model's wavelength span for PL peaks). No measurement resolves a
#: length, composition or wavelength to 1e-12 of its range (the solver's own tolerances are
#: ~1e-8 relative), and with sigma at the floor the weighted residual (model - data)/sigma of a
#: value in range is at most ~1e12 and its square ~1e24: finite, far from the float overflow
#: (~1e308) that a sigma of 1e-300 gives (an infinite cost the optimiser cannot handle).
SIGMA_FLOOR = 1.0e-12
#: Slack on the ranges of y and of PL peak wavelengths, as a fraction of the span (noise may put
#: a measured value just beyond what the model can reach; 5 % is 0.05 in y, ~5 nm for Br/Cl).
RANGE_SLACK = 0.05
#: Relative tolerance on the wire ends for z_um (a position written with rounding).
Z_RTOL = 1.0e-9


@dataclass(frozen=True)
class Limits:
    """What the rows of one data set may hold.

    Attributes:
        value: (lowest, highest) accepted value, in the value column's unit.
        value_why: what the range is (for messages).
        span: the quantity's span for the sigma floor, in the value's unit.
        unit: the value's unit ("" for y).
        length_um: wire length of the data set's case [µm] (z_um in [0, length_um]).
    """

    value: tuple[float, float]
    value_why: str
    span: float
    unit: str
    length_um: float


def limits_of(kind: str, case) -> Limits:
    """The :class:`Limits` of data of ``kind`` compared with runs of the validated ``case``."""
    length = float(case.geometry.length_um)
    if kind == "migration_length":
        return Limits((-length, length), f"|L_m| <= geometry.length_um = {length:g} µm",
                      length, " µm", length)
    if kind == "profiles":
        why = f"a composition in [0, 1] with {RANGE_SLACK:g} slack"
        return Limits((-RANGE_SLACK, 1.0 + RANGE_SLACK), why, 1.0, "", length)
    pl = case.pl
    lo, hi = emission_model(pair_of(case), pl.wavelength_br_nm, pl.wavelength_cl_nm,
                            pl.bowing_eV).wavelength_range_nm
    slack = RANGE_SLACK * (hi - lo)
    why = (f"the case's emission range {lo:.4g}-{hi:.4g} nm (pure compounds) ± "
           f"{RANGE_SLACK:.0%} = {slack:.3g} nm")
    return Limits((lo - slack, hi + slack), why, hi - lo, " nm", length)


def _where(block: Block) -> str:
    return f"fit.data.{block.kind}[{block.dataset}]"


def _row(block: Block, folder: Path, spec: FitSpec, r: int) -> str:
    """``<file> line <n>`` of row ``r`` (``row <r+1>`` for blocks made in code)."""
    path = folder / getattr(spec.data, block.kind)[block.dataset].file
    return f"{path} line {block.line[r]}" if block.line is not None else f"{path} row {r + 1}"


def _problems(block: Block, lim: Limits) -> list[tuple[str, np.ndarray, object]]:
    """(column, bad-row mask, message of row r) of every range rule, in column order."""
    x, v, s = block.x, block.value, block.sigma
    xcol, vcol, scol = COLUMNS[block.kind]
    out = []
    if xcol == "z_um":
        tol = Z_RTOL * lim.length_um
        out.append((xcol, (x < -tol) | (x > lim.length_um + tol),
                    lambda r: f"{x[r]:g} µm is outside the wire [0, {lim.length_um:g}] µm "
                    "(geometry.length_um of this data set's case)"))
    lo, hi = lim.value
    out.append((vcol, (v < lo) | (v > hi),
                lambda r: f"{v[r]:g}{lim.unit} is outside [{lo:.4g}, {hi:.4g}]{lim.unit} "
                f"({lim.value_why})"))
    floor = SIGMA_FLOOR * lim.span
    out.append((scol, s < floor,
                lambda r: f"{s[r]:g}{lim.unit} is below {SIGMA_FLOOR:g} of the quantity's span "
                f"({lim.span:.4g}{lim.unit}) = {floor:.3g}{lim.unit}: no measurement is that "
                "precise, and (model - data)/sigma would overflow"))
    return out


def _case_of(base: Path, common: tuple[str, ...], spec: FitSpec, block: Block):
    """The case of a data set's runs (base, the fit's ``set``, the data set's ``set``)."""
    ds = getattr(spec.data, block.kind)[block.dataset]
    try:
        return load_case(base, (*common, *(f"{k}={value_text(v)}" for k, v in ds.set.items())))
    except CaseError as exc:
        raise CaseError(f"{_where(block)}.set", str(exc)) from None


def check_data(spec: FitSpec, base: Path, folder: Path, obs: Observations) -> None:
    """Check every row of ``obs`` against the case of its data set (module docstring).

    Raises:
        CaseError: the first violation, ``fit.data.<kind>[i]: <file> line <n>, column
            '<name>': <problem>``; ``fit.data.pl_wavelength[i].set: ...`` if that data set's
            case has ``pl.enabled`` false (its runs would write no PL outputs).
    """
    common = tuple(f"{k}={value_text(v)}" for k, v in spec.set.items())
    for block in obs.blocks:
        case = _case_of(base, common, spec, block)
        if block.kind == "pl_wavelength" and not case.pl.enabled:
            raise CaseError(f"{_where(block)}.set", "pl.enabled is false in this data set's "
                            "case: its runs write no PL wavelengths (set pl.enabled: true)")
        problems = _problems(block, limits_of(block.kind, case))
        bad = np.flatnonzero(np.logical_or.reduce([mask for _, mask, _ in problems]))
        if bad.size:
            r = int(bad[0])
            column, _, message = next(p for p in problems if p[1][r])
            raise CaseError(_where(block), f"{_row(block, folder, spec, r)}, column "
                            f"{column!r}: {message(r)}")


def check_conditions(spec: FitSpec, base: Path, folder: Path, obs: Observations) -> None:
    """Validate the case of every condition's runs (t_end_s = its latest data time, output
    times = its data times, the row's field for migration-length data).

    Raises:
        CaseError: a refused time or field names the row that gives it
            (``fit.data.<kind>[i]: <file> line <n>, column 't_s': time.t_end_s: ...``);
            anything else names the condition.
    """
    common = tuple(f"{k}={value_text(v)}" for k, v in spec.set.items())
    for c, cond in enumerate(obs.conditions):
        try:
            load_case(base, (*common, *cond.overrides, *cond.time_overrides()))
        except CaseError as exc:
            raise _condition_error(spec, folder, obs, c, exc) from None


def _condition_error(spec: FitSpec, folder: Path, obs: Observations, c: int,
                     exc: CaseError) -> CaseError:
    """The error of condition ``c`` at the data row that causes it, if one does."""
    cond = obs.conditions[c]
    if exc.key.startswith("time."):
        column = "t_s"
    elif exc.key == "bias.field_V_per_um":
        column = "field_V_per_um"
    else:
        column = None
    for block in obs.blocks:
        if column is None or column not in ("t_s", COLUMNS[block.kind][0]):
            continue
        rows = block.condition == c
        if exc.key == "time.t_end_s":  # the latest data time sets t_end_s
            rows &= block.t_s == cond.times_s[-1]
        if rows.any():
            r = int(np.flatnonzero(rows)[0])
            return CaseError(_where(block), f"{_row(block, folder, spec, r)}, column "
                             f"{column!r}: {exc}")
    return CaseError(f"fit.data: the runs of condition {' '.join(cond.overrides)}", str(exc))
