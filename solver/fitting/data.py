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
times as its output times. Files are read as UTF-8 with an optional byte-order mark; the
ranges of the rows against the case are checked by :mod:`solver.fitting.data_checks`. Pure
numpy; no dolfinx.
"""

from __future__ import annotations

import csv
import json
import math
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
        line: line number of each row in the file (1 = the first line), or None (made in code).
        dataset: index of the data set in ``fit.data.<kind>`` (for messages).
    """

    kind: str
    label: str
    condition: np.ndarray
    t_s: np.ndarray
    x: np.ndarray
    value: np.ndarray
    sigma: np.ndarray
    line: np.ndarray | None = None
    dataset: int = 0


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


def _number(text: str, name: str, kind: str) -> tuple[float | None, str | None]:
    """``(value, None)`` for a valid entry of column ``name``, else ``(None, problem)``: a
    missing or non-numeric text, a non-finite number, ``t_s`` <= 0 or an uncertainty <= 0."""
    try:
        value = float(text)
    except ValueError:
        return None, (f"{text.strip()!r} is not a number" if text.strip() else "missing")
    if not math.isfinite(value):
        return None, f"{text.strip()} is not finite"
    if name == "t_s" and value <= 0:
        return None, f"{value:g} s must be > 0 (the model starts at t = 0)"
    if name == COLUMNS[kind][2] and value <= 0:
        return None, f"{value:g} must be > 0 (a standard uncertainty)"
    return value, None


def _rows(path: Path, where: str) -> list[tuple[int, list[str]]]:
    """(line number, cells) of every non-empty, non-comment line of a CSV file (a UTF-8
    byte-order mark, as spreadsheets write it, is skipped)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            return [(reader.line_num, r) for r in reader
                    if r and any(c.strip() for c in r) and not r[0].lstrip().startswith("#")]
    except OSError as exc:
        raise CaseError(where, f"cannot read {path} ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise CaseError(where, f"{path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at "
                        f"offset {exc.start}); save the file as CSV UTF-8") from None
    except csv.Error as exc:
        raise CaseError(where, f"{path}: not a CSV file ({exc})") from None


def _read_csv(path: Path, kind: str, where: str) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The columns of ``kind`` (t_s and :data:`COLUMNS`) and the file line of each row.

    Raises:
        CaseError: ``<where>: <path> line <n>, column '<name>': <problem>`` for the first bad
            entry in file order (see :func:`_number`), or a missing file, header or column.
    """
    columns = ("t_s", *COLUMNS[kind])
    rows = _rows(path, where)
    if len(rows) < 2:
        raise CaseError(where, f"{path}: needs a header line and at least one data row")
    header = [h.strip() for h in rows[0][1]]
    for name in columns:
        if name not in header:
            raise CaseError(where, f"{path}: missing column {name!r} (has {', '.join(header)})")
    index = [header.index(name) for name in columns]
    values = np.empty((len(rows) - 1, len(columns)))
    for r, (line, cells) in enumerate(rows[1:]):
        for c, (name, i) in enumerate(zip(columns, index, strict=True)):
            value, problem = _number(cells[i] if i < len(cells) else "", name, kind)
            if problem:
                raise CaseError(where, f"{path} line {line}, column {name!r}: {problem}")
            values[r, c] = value
    lines = np.array([line for line, _ in rows[1:]], dtype=int)
    return {name: values[:, c] for c, name in enumerate(columns)}, lines


def read_observations(spec: FitSpec, folder: Path) -> Observations:
    """Read every data file of ``spec`` (paths relative to ``folder``).

    Raises:
        CaseError: ``fit.data.<kind>[i]: <file>: ...`` for a missing or unreadable file or a
            missing column, ``fit.data.<kind>[i]: <file> line <n>, column '<name>': ...`` for
            a missing, non-numeric or non-finite value, ``t_s`` <= 0 or an uncertainty <= 0.
            The ranges against the case are :func:`solver.fitting.data_checks.check_data`.
    """
    cond_times: dict[tuple[str, ...], set[float]] = {}
    pending = []  # (kind, data set index, label, per-row condition keys, columns, lines)
    for kind, (xcol, _, _) in COLUMNS.items():
        for i, ds in enumerate(getattr(spec.data, kind)):
            where = f"fit.data.{kind}[{i}]"
            cols, lines = _read_csv(folder / ds.file, kind, where)
            common = tuple(f"{k}={value_text(v)}" for k, v in ds.set.items())
            if kind == "migration_length":
                keys = [(*common, f"bias.field_V_per_um={json.dumps(float(e))}")
                        for e in cols[xcol]]
            else:
                keys = [common] * cols["t_s"].size
            for key, t in zip(keys, cols["t_s"], strict=True):
                cond_times.setdefault(key, set()).add(float(t))
            pending.append((kind, i, Path(ds.file).name, keys, cols, lines))
    order = list(cond_times)
    conditions = tuple(Condition(k, tuple(sorted(cond_times[k]))) for k in order)
    index = {k: i for i, k in enumerate(order)}
    blocks = tuple(
        Block(kind, label, np.array([index[k] for k in keys]), cols["t_s"],
              *(cols[c] for c in COLUMNS[kind]), line=lines, dataset=i)
        for kind, i, label, keys, cols, lines in pending)
    return Observations(blocks, conditions)
