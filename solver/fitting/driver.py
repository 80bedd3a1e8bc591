"""Run a fit: read the fit file and data, minimise, estimate the uncertainty, write the reports.

:func:`run_fit` is what ``perovskite-ions fit FIT.yaml`` and ``run_case.py --fit FIT.yaml`` call.
The fit directory (default ``results/fits/<name>``) is locked while the fit runs
(:class:`solver.outputs.OutputDir`). A fit is resumable: every model run is cached in
``runs/`` by its resolved case (:mod:`solver.fitting.runs`) and the optimiser is deterministic,
so running the same fit again retraces the same path, reusing every finished run, and
continues where it stopped (an interrupted run with a checkpoint continues from it).
``force`` ignores the cache (every run starts over).

SIGTERM/SIGINT (:class:`solver.campaign.stop.StopRequest`, for the whole fit): no further model
run starts, the running ones get the signal and stop with a checkpoint, and the fit writes its
state so far to ``fit_state.json`` (status ``interrupted``, evaluations, the best point seen,
run counts; removed when the fit completes), prints one line (``interrupted: fit <name>: ...;
rerun to resume``) and exits 4 (:data:`solver.exit_codes.EXIT_INTERRUPTED`). The cached runs
are the state a rerun resumes from. A signal after the optimiser finished changes nothing.
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

import numpy as np

from solver.campaign import StopRequest
from solver.campaign.executors import Engine, ExecutorChoice, check_available, open_engine
from solver.config import CaseError, load_case
from solver.console import write
from solver.exit_codes import EXIT_INTERRUPTED, EXIT_OK, EXIT_SOLVER
from solver.fitting.data import Observations, read_observations, value_text
from solver.fitting.data_checks import check_conditions, check_data
from solver.fitting.figure import plot_fit
from solver.fitting.maths import Scale, uncertainty, weighted_residuals
from solver.fitting.optimise import NonFiniteCost, fit_least_squares
from solver.fitting.report import write_reports
from solver.fitting.runs import FitInterrupted, ModelRunError, ModelRunner
from solver.fitting.spec import FitSpec, load_fit
from solver.io import files, output_dir
from solver.logging_setup import get_logger

__all__ = ["STATE_FILE", "check_fit", "run_fit"]

_log = get_logger("fit")
#: The fit's state when it was interrupted (in the fit directory).
STATE_FILE = "fit_state.json"


def _scales(spec: FitSpec) -> list[Scale]:
    return [Scale(p.scale, p.min, p.max) for p in spec.parameters.values()]


def check_fit(path) -> tuple[FitSpec, Path, Observations]:
    """Load the fit file and its data, check every data row against its data set's case
    (:mod:`solver.fitting.data_checks`: positions in the wire, values in their physical range,
    uncertainties above the floor, times and fields the case accepts) and check that the base
    case accepts every fitted key at its initial value and both bounds.

    Raises:
        CaseError: one line naming the bad key, or the file, line and column of a bad row.
    """
    spec, base, folder = load_fit(path)
    obs = read_observations(spec, folder)
    common = tuple(f"{k}={value_text(v)}" for k, v in spec.set.items())
    try:
        load_case(base, common)
    except CaseError as exc:
        raise CaseError(f"fit.set: {exc}") from None
    for key, p in spec.parameters.items():
        for what in ("initial", "min", "max"):
            try:
                load_case(base, (*common, f"{key}={getattr(p, what)!r}"))
            except CaseError as exc:
                raise CaseError(f"fit.parameters.{key}.{what}", str(exc)) from None
    check_data(spec, base, folder, obs)
    check_conditions(spec, base, folder, obs)
    return spec, base, obs


def run_fit(path, *, jobs: int = 1, output: str | None = None, force: bool = False,
            quiet: bool = False, executor: str = "local", scheduler: str | None = None) -> int:
    """Run (or resume) the fit of fit file ``path``; return ``EXIT_OK`` (0),
    ``EXIT_SOLVER`` (3) if a model run failed or the fit failed (a non-finite model value,
    residual or cost: one line naming the data row, no result written), or
    ``EXIT_INTERRUPTED`` (4) if SIGTERM/SIGINT stopped it (see the module docstring).

    ``executor`` (``local``, ``dask``, ``mpi``) and ``scheduler`` choose where the model runs
    execute (:mod:`solver.campaign.executors`; ``jobs`` as there): the engine is opened once
    for the whole fit and each Jacobian's runs go out to it together; the run cache
    (``runs/``) is the same whatever the engine, so a fit resumes on another one.

    Raises:
        CaseError: invalid fit file, data or parameter keys (nothing written).
        ExecutorError: a bad ``executor``/``scheduler`` or an engine that is not installed
            (a CaseError: one line naming ``pip install .[cluster]``).
        OutputError: the fit directory cannot be created, or another process holds it.
    """
    choice = ExecutorChoice(executor, jobs, scheduler)
    check_available(choice)
    with StopRequest() as stop:
        spec, base, obs = check_fit(path)
        root = Path(output) if output else Path("results") / "fits" / spec.name
        with output_dir.OutputDir(root), open_engine(choice) as engine:
            return _run_locked(spec, Path(path), base, obs, root, engine=engine, force=force,
                               quiet=quiet, stop=stop)


def _write_state(root: Path, spec: FitSpec, runner: ModelRunner, best: dict,
                 message: str) -> None:
    """``fit_state.json`` of an interrupted fit (a write failure is only logged)."""
    state = {"name": spec.name, "status": "interrupted", "message": message,
             "evaluations": best["n"], "best": best["point"],
             "runs": {"ran": runner.ran, "reused": runner.reused, "batches": runner.batches}}
    try:
        files.write_json(root / STATE_FILE, state)
    except OSError as exc:
        _log.warning("fit %s: cannot write %s (%s)", spec.name, root / STATE_FILE,
                     output_dir.os_reason(exc))


def _run_locked(spec: FitSpec, path: Path, base: Path, obs: Observations, root: Path, *,
                engine: Engine, force: bool, quiet: bool, stop: StopRequest) -> int:
    t0 = time.perf_counter()
    keys = tuple(spec.parameters)
    scales = _scales(spec)
    common = tuple(f"{k}={value_text(v)}" for k, v in spec.set.items())
    runner = ModelRunner(base, common, keys, obs, root, jobs=engine.slots, fresh=force,
                         stop=stop, engine=engine)
    data, sigma = obs.value, obs.sigma
    count = {"n": 0, "point": None}

    def to_x(u) -> np.ndarray:
        return np.array([sc.to_x(float(v)) for sc, v in zip(scales, u, strict=True)])

    def evaluate(points: list[np.ndarray]) -> list[np.ndarray]:
        models = runner.predict([to_x(u) for u in points])
        out = []
        for u, model in zip(points, models, strict=True):
            r = weighted_residuals(model, data, sigma)
            count["n"] += 1
            with np.errstate(over="ignore", invalid="ignore"):
                cost = 0.5 * float(r @ r)  # not finite: fit_least_squares stops (guard)
            if np.isfinite(cost) and (count["point"] is None or cost < count["point"]["cost"]):
                count["point"] = {"cost": cost, "parameters": dict(
                    zip(keys, (float(x) for x in to_x(u)), strict=True))}
            values = ", ".join(f"{k} = {x:.5g}" for k, x in zip(keys, to_x(u), strict=True))
            _log.info("fit %s: point %d: ½Σr² = %.6g (%s)", spec.name, count["n"], cost,
                      values)
            out.append(r)
        return out

    u0 = [sc.to_u(p.initial) for sc, p in zip(scales, spec.parameters.values(), strict=True)]
    lo = [sc.u_bounds[0] for sc in scales]
    hi = [sc.u_bounds[1] for sc in scales]
    opt = spec.optimizer
    _log.info("fit %s: %d parameter(s), %d data point(s), %d condition(s) -> %s", spec.name,
              len(keys), data.size, len(obs.conditions), root)
    try:
        lsq = fit_least_squares(evaluate, u0, lo, hi, diff_step=opt.diff_step, loss=opt.loss,
                                f_scale=opt.f_scale, max_nfev=opt.max_nfev, ftol=opt.ftol,
                                xtol=opt.xtol, gtol=opt.gtol)
    except ModelRunError as exc:
        write(f"error: fit {spec.name}: {exc}", sys.stderr)
        return EXIT_SOLVER
    except NonFiniteCost as exc:
        point = ", ".join(f"{k} = {x:.5g}" for k, x in zip(keys, to_x(exc.u), strict=True))
        write(f"error: fit {spec.name}: failed: {_non_finite_text(obs, exc)} at {point}; no "
              "result written", sys.stderr)
        return EXIT_SOLVER
    except FitInterrupted as exc:
        _write_state(root, spec, runner, count, str(exc))
        write(f"interrupted: fit {spec.name}: {exc}, {count['n']} point(s) evaluated; state in "
              f"{root / STATE_FILE}; rerun to resume", sys.stderr)
        return EXIT_INTERRUPTED
    with contextlib.suppress(OSError):  # a stale state of an earlier, interrupted call
        (root / STATE_FILE).unlink(missing_ok=True)
    unc = uncertainty(lsq.jac, lsq.residuals, absolute_sigma=opt.absolute_sigma)
    model = data + lsq.residuals * sigma
    stats = {"ran": runner.ran, "reused": runner.reused, "batches": runner.batches,
             "conditions": len(obs.conditions)}
    report = write_reports(root, spec=spec, fit_file=path, base=base, keys=keys, scales=scales,
                           lsq=lsq, unc=unc, initial=[p.initial for p in
                                                      spec.parameters.values()],
                           obs=obs, model=model, runner_stats=stats,
                           wall_time_s=time.perf_counter() - t0)
    plot_fit(root / "figures" / "fit_data_vs_model.png", obs, model, spec.name,
             parameters=report["parameters"])
    if not quiet:
        write(summary_text(report, root))
    return EXIT_OK


def _non_finite_text(obs: Observations, exc: NonFiniteCost) -> str:
    """What was not finite, naming the first data row concerned (kind, file, line)."""
    if not exc.rows.size:
        return str(exc).split(" at u = ")[0]
    i = int(exc.rows[0])
    for block in obs.blocks:
        if i < block.value.size:
            line = f"line {block.line[i]}" if block.line is not None else f"row {i + 1}"
            return (f"the model value of {exc.rows.size} data row(s) is not finite (first: "
                    f"{block.kind} {block.label} {line})")
        i -= block.value.size
    return str(exc)


def summary_text(report: dict, root: Path) -> str:
    """Human-readable result: values ± SE, correlation, cost, status."""
    lines = [f"fit {report['name']}: {report['optimizer']['message']} "
             f"({report['optimizer']['nfev']} evaluations; runs: {report['runs']['ran']} ran, "
             f"{report['runs']['reused']} reused)"]
    for key, p in report["parameters"].items():
        flag = "  (at a bound)" if p["at_bound"] else ""
        lines.append(f"  {key} = {p['value']:.6g} ± {p['standard_error']:.3g} (1 SE; "
                     f"u = {p['u']:.5f} ± {p['standard_error_u']:.3g}){flag}")
    if len(report["keys"]) > 1:
        lines.append("  correlation: " + "; ".join(
            " ".join(f"{c:+.3f}" for c in row) for row in report["correlation"]))
    red = report["reduced_chi2"]
    lines.append(f"  cost = {report['cost']:.6g}, chi2 = {report['chi2']:.4g}, dof = "
                 f"{report['dof']}" + (f", chi2/dof = {red:.3g}" if red is not None else "")
                 + f"; s^2 = {report['s2']:.4g} -> {root}/fit.json, fitted_case.yaml")
    if not report["identifiable"]:
        lines.append("  warning: J is rank-deficient: the data do not determine every "
                     "parameter (standard errors infinite)")
    return "\n".join(lines)
