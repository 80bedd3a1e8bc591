"""Model runs of a fit: one solver run per parameter point and experiment condition, cached.

A run's overrides are, in order: :data:`RUN_OVERRIDES` (no figures, no field files: a fit reads
only the CSV outputs), the fit's ``set`` (which may turn them on again), the condition's
overrides (its data set's ``set``, and the field of a migration-length row), the fitted keys at
the point, and the time span and output times of the condition
(:meth:`solver.fitting.data.Condition.time_overrides`).
The run lives in ``<fit dir>/runs/<key>/`` where key is the first 20 hex digits of the SHA-256
of the fully resolved case (:func:`solver.config.case_to_dict`, JSON with sorted keys): the
same case is the same directory, whatever produced it. A directory whose ``summary.json``
reports ``completed`` is reused only if its reuse record (``runs/logs/<key>.reuse.json``) names
the same resolved case and the same solver code (:mod:`solver.campaign.reuse`: an edited base
case file gives other keys, a changed solver reruns the runs), so a rerun or a resumed fit
repeats no run; the runs missing from one batch run in parallel through
:func:`solver.campaign.run_members` (``-j``), each as its own process.

Signals: with the fit's :class:`solver.campaign.stop.StopRequest`, SIGTERM/SIGINT starts no
further run, stops the running ones with a checkpoint (they resume on the next invocation) and
:meth:`ModelRunner.predict` raises :class:`FitInterrupted`.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np

from solver.campaign import Member, StopRequest, run_members
from solver.campaign.executors import Engine
from solver.campaign.members import UNFINISHED
from solver.campaign.reuse import canonical_json, case_sha, reuse_decision
from solver.config import CaseError, case_to_dict, load_case
from solver.fitting.data import Condition, Observations
from solver.fitting.predict import ModelOutputError, predict_block
from solver.logging_setup import get_logger

__all__ = ["RUN_OVERRIDES", "FitInterrupted", "ModelRunError", "ModelRunner", "case_key"]

_log = get_logger("fit")
KEY_HEX = 20
#: Overrides of every model run before the fit's own ``set``: a fit reads timeseries.csv,
#: profiles/*.csv and pl/*.csv only, so figures and field files would be time and disk spent for
#: nothing. They are settings of the runs, not of the model: ``fitted_case.yaml`` keeps the base
#: case's ``output`` section (solver/fitting/report.py).
RUN_OVERRIDES = ("output.figures=false", "output.vtx=false")


class ModelRunError(RuntimeError):
    """A model run failed, or its outputs lack what the data need."""


class FitInterrupted(RuntimeError):
    """SIGTERM/SIGINT stopped the fit's model runs (the completed ones are cached)."""


def case_key(case_dict: dict) -> str:
    """Cache key of a resolved case: SHA-256 of its sorted-key JSON (first KEY_HEX digits of
    :func:`solver.campaign.reuse.case_sha`)."""
    return hashlib.sha256(canonical_json(case_dict).encode()).hexdigest()[:KEY_HEX]


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
        stop: the fit's stop request (signals), or None.
        engine: an open engine (:func:`solver.campaign.executors.open_engine`) that runs the
            model runs of every batch (a Jacobian's runs go out together); None: a local pool
            of ``jobs`` per batch.
    """

    def __init__(self, base: Path, common: tuple[str, ...], keys: tuple[str, ...],
                 obs: Observations, root: Path, *, jobs: int = 1, fresh: bool = False,
                 stop: StopRequest | None = None, engine: Engine | None = None) -> None:
        self.base, self.common, self.keys, self.obs = Path(base), common, keys, obs
        self.runs = Path(root) / "runs"
        self.jobs, self.fresh, self.stop, self.engine = jobs, fresh, stop, engine
        self.done_here: set[str] = set()
        self.ran = 0
        self.reused = 0
        self.batches = 0

    def overrides(self, x: np.ndarray, cond: Condition) -> tuple[str, ...]:
        """All overrides of the run of point ``x`` (physical values) and ``cond``."""
        fitted = tuple(f"{k}={_param_text(v)}" for k, v in zip(self.keys, x, strict=True))
        return (*RUN_OVERRIDES, *self.common, *cond.overrides, *fitted, *cond.time_overrides())

    def _member(self, overrides: tuple[str, ...]) -> Member:
        """The run of ``overrides``, named by its key (:func:`case_key`)."""
        try:
            sha = case_sha(case_to_dict(load_case(self.base, overrides)))
        except CaseError as exc:
            raise CaseError(f"fit: a model run is not a valid case ({exc}); overrides: "
                            f"{' '.join(overrides)}") from None
        return Member(sha[:KEY_HEX], {}, overrides, case_sha=sha)

    def _reusable(self, run: Member) -> Member | None:
        """None if ``run`` completed from the same inputs, else the run to do (starting over
        if its inputs changed: same case, other solver code)."""
        summary, reason = reuse_decision(self.runs, run.name, run.case_sha)
        if summary is not None:
            return None
        if reason:
            _log.info("fit: model run %s: %s", run.name, reason)
            return Member(run.name, run.swept, run.overrides, run.case_sha, fresh=True)
        return run

    def _plan(self, points: list[np.ndarray]) -> tuple[list[list[str]], dict[str, Member]]:
        """Per point the run key of each condition, and the runs to do (by key)."""
        plan, todo = [], {}
        for x in points:
            keys = []
            for cond in self.obs.conditions:
                run = self._member(self.overrides(np.asarray(x), cond))
                keys.append(run.name)
                if run.name in todo or run.name in self.done_here:
                    continue
                pending = run if self.fresh else self._reusable(run)
                if pending is None:
                    self.done_here.add(run.name)
                    self.reused += 1
                else:
                    todo[run.name] = pending
            plan.append(keys)
        return plan, todo

    def _run(self, todo: dict[str, Member]) -> None:
        """Run ``todo``; raise if one failed or a signal stopped them."""
        if self.stop is not None and self.stop.requested:
            raise FitInterrupted(f"{len(todo)} model run(s) not started")
        self.runs.mkdir(parents=True, exist_ok=True)
        results = run_members(list(todo.values()), self.base, self.runs, jobs=self.jobs,
                              fresh=self.fresh, stop=self.stop, engine=self.engine,
                              on_result=self._progress(len(todo)))
        done = [r.member.name for r in results if r.status == "completed"]
        self.done_here.update(done)
        self.ran += len(done)
        unfinished = [r for r in results if r.status in UNFINISHED]
        if unfinished:
            raise FitInterrupted(f"{len(done)} of {len(results)} model run(s) of this batch "
                                 "completed")
        failed = [r for r in results if r.status != "completed"]
        if failed:
            r = failed[0]
            raise ModelRunError(f"model run {r.member.name} failed ({r.message}); log: "
                                f"{self.runs / 'logs' / (r.member.name + '.log')}")

    def _progress(self, total: int):
        """``on_result`` of a batch of ``total`` runs: a log line per finished run with the runs
        done / running / queued (running: at most the engine's slots)."""
        slots = self.engine.slots if self.engine is not None else self.jobs
        count = {"done": 0}

        def line(r) -> None:
            count["done"] += 1
            left = total - count["done"]
            running = min(slots, left)
            _log.info("fit: model run %s: %s; runs %d done, %d running, %d queued",
                      r.member.name, r.status, count["done"], running, left - running)

        return line

    def predict(self, points: list[np.ndarray]) -> list[np.ndarray]:
        """Model values (all blocks concatenated) at each physical point; runs what is missing.

        Raises:
            ModelRunError: a run failed or lacks an output time.
            FitInterrupted: SIGTERM/SIGINT (the fit's stop request) stopped the runs.
            CaseError: a point makes an invalid case (e.g. a key the case does not have).
        """
        t0 = time.perf_counter()
        plan, todo = self._plan(points)
        if todo:
            self._run(todo)
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
