"""Model runs of a fit: one solver run per parameter point and experiment condition, cached.

A run's overrides are, in order: :data:`RUN_OVERRIDES` (no figures, no field files: a fit reads
only the CSV outputs), the fit's ``set`` (which may turn them on again), the condition's
overrides (its data set's ``set``, and the field of a migration-length row), the fitted keys at
the point, and the time span and output times of the condition
(:meth:`solver.fitting.data.Condition.time_overrides`).
The run lives in ``<fit dir>/runs/<key>/`` where key is the first 20 hex digits of the SHA-256
of the fully resolved case (:func:`solver.config.case_to_dict`, JSON with sorted keys): the
same case is the same directory, whatever produced it. A directory whose ``summary.json``
reports ``completed`` for that same resolved case is reused, so a rerun or a resumed fit
repeats no run; the runs missing from one batch run in parallel through
:func:`solver.campaign.run_members` (``-j``), each as its own process.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np

from solver.campaign import Member, run_members
from solver.config import CaseError, case_to_dict, load_case
from solver.fitting.data import Condition, Observations
from solver.fitting.predict import ModelOutputError, predict_block
from solver.logging_setup import get_logger

__all__ = ["RUN_OVERRIDES", "ModelRunError", "ModelRunner", "case_key"]

_log = get_logger("fit")
KEY_HEX = 20
#: Overrides of every model run before the fit's own ``set``: a fit reads timeseries.csv,
#: profiles/*.csv and pl/*.csv only, so figures and field files would be time and disk spent for
#: nothing. They are settings of the runs, not of the model: ``fitted_case.yaml`` keeps the base
#: case's ``output`` section (solver/fitting/report.py).
RUN_OVERRIDES = ("output.figures=false", "output.vtx=false")


class ModelRunError(RuntimeError):
    """A model run failed, or its outputs lack what the data need."""


def case_key(case_dict: dict) -> str:
    """Cache key of a resolved case: SHA-256 of its sorted-key JSON (first KEY_HEX digits)."""
    text = json.dumps(case_dict, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:KEY_HEX]


def _param_text(value: float) -> str:
    return json.dumps(float(value))  # repr: round-trips exactly


class ModelRunner:
    """Evaluate the model at parameter points: ``predict(points)`` -> model values per point.

    Args:
        base: base case file.
        common: the fit's ``set`` overrides ("key=value").
        keys: fitted dotted keys, in the order of a point's values.
        obs: the data (blocks and conditions).
        root: fit directory (runs go to ``root/runs``).
        jobs: runs at the same time.
        fresh: ignore runs left on disk by earlier invocations (still reuse this session's).
    """

    def __init__(self, base: Path, common: tuple[str, ...], keys: tuple[str, ...],
                 obs: Observations, root: Path, *, jobs: int = 1, fresh: bool = False) -> None:
        self.base, self.common, self.keys, self.obs = Path(base), common, keys, obs
        self.runs = Path(root) / "runs"
        self.jobs, self.fresh = jobs, fresh
        self.done_here: set[str] = set()
        self.ran = 0
        self.reused = 0
        self.batches = 0

    def overrides(self, x: np.ndarray, cond: Condition) -> tuple[str, ...]:
        """All overrides of the run of point ``x`` (physical values) and ``cond``."""
        fitted = tuple(f"{k}={_param_text(v)}" for k, v in zip(self.keys, x, strict=True))
        return (*RUN_OVERRIDES, *self.common, *cond.overrides, *fitted, *cond.time_overrides())

    def _key(self, overrides: tuple[str, ...]) -> str:
        try:
            return case_key(case_to_dict(load_case(self.base, overrides)))
        except CaseError as exc:
            raise CaseError(f"fit: a model run is not a valid case ({exc}); overrides: "
                            f"{' '.join(overrides)}") from None

    def _completed(self, key: str) -> bool:
        try:
            summary = json.loads((self.runs / key / "summary.json").read_text())
        except (OSError, ValueError):
            return False
        return (summary.get("status") == "completed"
                and case_key(summary.get("case", {})) == key)

    def predict(self, points: list[np.ndarray]) -> list[np.ndarray]:
        """Model values (all blocks concatenated) at each physical point; runs what is missing.

        Raises:
            ModelRunError: a run failed or lacks an output time.
            CaseError: a point makes an invalid case (e.g. a key the case does not have).
        """
        t0 = time.perf_counter()
        plan = []  # per point: run key per condition
        todo: dict[str, Member] = {}
        for x in points:
            keys = []
            for cond in self.obs.conditions:
                over = self.overrides(np.asarray(x), cond)
                key = self._key(over)
                keys.append(key)
                if key in todo or key in self.done_here:
                    continue
                if not self.fresh and self._completed(key):
                    self.done_here.add(key)
                    self.reused += 1
                else:
                    todo[key] = Member(key, {}, over)
            plan.append(keys)
        if todo:
            self.runs.mkdir(parents=True, exist_ok=True)
            results = run_members(list(todo.values()), self.base, self.runs, jobs=self.jobs,
                                  fresh=self.fresh)
            failed = [r for r in results if r.status != "completed"]
            if failed:
                r = failed[0]
                raise ModelRunError(f"model run {r.member.name} failed ({r.message}); log: "
                                    f"{self.runs / 'logs' / (r.member.name + '.log')}")
            self.done_here.update(todo)
            self.ran += len(todo)
        self.batches += 1
        out = []
        for keys in plan:
            dirs = [self.runs / k for k in keys]
            try:
                out.append(np.concatenate([predict_block(b, dirs) for b in self.obs.blocks]))
            except (ModelOutputError, OSError, KeyError, ValueError) as exc:
                raise ModelRunError(f"model outputs: {exc}") from None
        _log.info("fit: %d point(s) x %d condition(s): ran %d run(s), %.1f s",
                  len(points), len(self.obs.conditions), len(todo), time.perf_counter() - t0)
        return out
