"""Model values at the data points, read from the output directories of model runs.

For a row of a :class:`solver.fitting.data.Block` at time t (an output time of its run):

- migration_length: ``migration_length_um`` of the run's timeseries.csv at t [µm];
- profiles: y(z) of the run's profile at t (profiles/t_*.csv), linear interpolation in z [-];
- pl_wavelength: the PL peak wavelength of pl/pl_wavelength.csv at t, linear in z [nm].

Pure numpy; no dolfinx.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from solver.fitting.data import Block
from solver.io.files import read_profile_csv, read_timeseries_csv

__all__ = ["ModelOutputError", "predict_block"]

#: Relative tolerance when matching a data time with a recorded time.
TIME_RTOL = 1e-8


class ModelOutputError(RuntimeError):
    """A run directory lacks an output the data need."""


def _match(times: np.ndarray, t: float, what: str) -> int:
    """Index of the recorded time equal to ``t`` (to TIME_RTOL)."""
    if times.size:
        i = int(np.argmin(np.abs(times - t)))
        if abs(times[i] - t) <= TIME_RTOL * max(1.0, abs(t)):
            return i
    raise ModelOutputError(f"{what}: no record at t = {t:g} s")


class _Run:
    """Lazily read outputs of one run directory."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._ts = None
        self._profiles = None
        self._pl = None

    def migration_length_um(self, t: float) -> float:
        if self._ts is None:
            self._ts = read_timeseries_csv(self.path / "timeseries.csv")
        ts = self._ts
        return float(ts["migration_length_um"][_match(ts["t_s"], t, f"{self.path}/timeseries")])

    def profile_y(self, t: float, z_um: np.ndarray) -> np.ndarray:
        if self._profiles is None:
            self._profiles = [read_profile_csv(p)
                              for p in sorted((self.path / "profiles").glob("t_*.csv"))]
        times = np.array([p[0] for p in self._profiles])
        cols = self._profiles[_match(times, t, f"{self.path}/profiles")][1]
        return np.interp(z_um, cols["z_um"], cols["y"])

    def pl_wavelength_nm(self, t: float, z_um: np.ndarray) -> np.ndarray:
        if self._pl is None:
            path = self.path / "pl" / "pl_wavelength.csv"
            if not path.is_file():
                raise ModelOutputError(f"{path} missing (is pl.enabled false in the case?)")
            self._pl = read_timeseries_csv(path)
        pl = self._pl
        times = np.unique(pl["t_s"])
        sel = pl["t_s"] == times[_match(times, t, f"{self.path}/pl")]
        return np.interp(z_um, pl["z_um"][sel], pl["wavelength_nm"][sel])


def predict_block(block: Block, run_dirs: list[Path]) -> np.ndarray:
    """Model values of every row of ``block``; ``run_dirs[c]`` is the run of condition c.

    Raises:
        ModelOutputError: an output is missing or lacks a data time.
    """
    runs = {c: _Run(run_dirs[c]) for c in np.unique(block.condition)}
    out = np.empty(block.value.size)
    for c, run in runs.items():
        for t in np.unique(block.t_s[block.condition == c]):
            rows = np.flatnonzero((block.condition == c) & (block.t_s == t))
            if block.kind == "migration_length":
                out[rows] = run.migration_length_um(float(t))
            elif block.kind == "profiles":
                out[rows] = run.profile_y(float(t), block.x[rows])
            else:
                out[rows] = run.pl_wavelength_nm(float(t), block.x[rows])
    return out
