"""Data of a fit: the CSV files of a fit file, as rows grouped by experiment condition.

Every data set kind has its own columns (a header line; lines starting with ``#`` are
comments); ``sigma_*`` is the stated one-standard-deviation uncertainty, in the data's unit:

=================== ============================================ ============================
kind                columns                                      compared with (model)
=================== ============================================ ============================
migration_length    field_V_per_um, t_s, L_m_um, sigma_um        ``migration_length_um`` of
                                                                 timeseries.csv at t_s
profiles            t_s, z_um, y, sigma_y                        y of profiles/t_*.csv at t_s,
                                                                 linear in z
pl_wavelength       t_s, z_um, wavelength_nm, sigma_nm           pl/pl_wavelength.csv at t_s,
                                                                 linear in z
=================== ============================================ ============================

A *condition* is one experiment: the case overrides of its data set (``set``), plus
``bias.field_V_per_um`` for each field of a migration-length file. The model runs once per
condition and parameter point, up to the latest data time of the condition, with the data
times as its output times. Pure numpy; no dolfinx.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from solver.config import CaseError
from solver.fitting.spec import FitSpec

__all__ = ["COLUMNS", "Block", "Condition", "Observations", "read_observations", "value_text"]

#: kind -> (x column or None, value column, sigma column); every kind also has t_s.
COLUMNS = {
    "migration_length": ("field_V_per_um", "L_m_um", "sigma_um"),
    "profiles": ("z_um", "y", "sigma_y"),
    "pl_wavelength": ("z_um", "wavelength_nm", "sigma_nm"),
}


def value_text(value) -> str:
    """An override value as YAML text (JSON is YAML; floats round-trip exactly)."""
    return value if isinstance(value, str) else json.dumps(value)


@dataclass(frozen=True)
class Condition:
    """One experiment: the overrides of its runs and the output times the data need."""

    overrides: tuple[str, ...]
    times_s: tuple[float, ...]

    def time_overrides(self) -> tuple[str, ...]:
        """``time.t_end_s`` = latest data time, ``time.output_times_s`` = the data times."""
        return (f"time.t_end_s={json.dumps(self.times_s[-1])}",
                f"time.output_times_s={json.dumps(list(self.times_s))}")


@dataclass(frozen=True)
class Block:
    """The rows of one data file.

    Attributes:
        kind: ``migration_length``, ``profiles`` or ``pl_wavelength``.
        label: the file name (for messages and the figure).
        condition: index into :attr:`Observations.conditions`, per row.
        t_s: time of each row [s].
        x: field [V/µm] (migration_length) or position along the wire [µm], per row.
        value: measured value (µm, -, or nm), per row.
        sigma: its stated standard uncertainty (same unit, > 0), per row.
    """

    kind: str
    label: str
    condition: np.ndarray
    t_s: np.ndarray
    x: np.ndarray
    value: np.ndarray
    sigma: np.ndarray


@dataclass(frozen=True)
class Observations:
    """All data of a fit: blocks of rows and the conditions they refer to."""

    blocks: tuple[Block, ...]
    conditions: tuple[Condition, ...]

    @property
    def value(self) -> np.ndarray:
        """All measured values, block after block."""
        return np.concatenate([b.value for b in self.blocks])

    @property
    def sigma(self) -> np.ndarray:
        """All stated uncertainties, in the order of :attr:`value`."""
        return np.concatenate([b.sigma for b in self.blocks])


def _read_csv(path: Path, columns: tuple[str, ...], where: str) -> dict[str, np.ndarray]:
    """The named float columns of a CSV file with a header line (``#`` lines skipped)."""
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = [r for r in csv.reader(fh) if r and not r[0].lstrip().startswith("#")]
    except OSError as exc:
        raise CaseError(where, f"cannot read {path} ({exc.strerror})") from None
    if len(rows) < 2:
        raise CaseError(where, f"{path}: needs a header line and at least one data row")
    header = [h.strip() for h in rows[0]]
    out = {}
    for name in columns:
        if name not in header:
            raise CaseError(where, f"{path}: missing column {name!r} (has {', '.join(header)})")
        i = header.index(name)
        try:
            out[name] = np.array([float(r[i]) for r in rows[1:]])
        except (ValueError, IndexError):
            raise CaseError(where, f"{path}: column {name!r} has a missing or non-numeric "
                            "value") from None
        if not np.all(np.isfinite(out[name])):
            raise CaseError(where, f"{path}: column {name!r} has a non-finite value")
    if np.any(out[columns[-1]] <= 0):
        raise CaseError(where, f"{path}: column {columns[-1]!r} must be > 0 (an uncertainty)")
    if np.any(out["t_s"] <= 0):
        raise CaseError(where, f"{path}: column 't_s' must be > 0")
    return out


def read_observations(spec: FitSpec, folder: Path) -> Observations:
    """Read every data file of ``spec`` (paths relative to ``folder``).

    Raises:
        CaseError: ``fit.data.<kind>[i]: <file>: ...`` for a missing file, column or value.
    """
    cond_times: dict[tuple[str, ...], set[float]] = {}
    pending = []  # (kind, label, per-row condition keys, columns)
    for kind, (xcol, vcol, scol) in COLUMNS.items():
        for i, ds in enumerate(getattr(spec.data, kind)):
            where = f"fit.data.{kind}[{i}]"
            cols = _read_csv(folder / ds.file, ("t_s", xcol, vcol, scol), where)
            common = tuple(f"{k}={value_text(v)}" for k, v in ds.set.items())
            if kind == "migration_length":
                keys = [(*common, f"bias.field_V_per_um={json.dumps(float(e))}")
                        for e in cols[xcol]]
            else:
                keys = [common] * cols["t_s"].size
            for key, t in zip(keys, cols["t_s"], strict=True):
                cond_times.setdefault(key, set()).add(float(t))
            pending.append((kind, Path(ds.file).name, keys, cols, (xcol, vcol, scol)))
    order = list(cond_times)
    conditions = tuple(Condition(k, tuple(sorted(cond_times[k]))) for k in order)
    index = {k: i for i, k in enumerate(order)}
    blocks = tuple(
        Block(kind, label, np.array([index[k] for k in keys]), cols["t_s"], cols[xcol],
              cols[vcol], cols[scol])
        for kind, label, keys, cols, (xcol, vcol, scol) in pending)
    return Observations(blocks, conditions)
