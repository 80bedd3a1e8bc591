"""Outputs of a fit (in the fit directory):

    fit.json           best-fit values with standard errors (physical and scaled), the
                       correlation matrix, cost, χ², degrees of freedom, s², optimiser status,
                       number of model runs, the formula used and provenance
    fitted_case.yaml   the base case with the fit's ``set`` and the best-fit values, fully
                       resolved, named ``<base case name>_fitted`` (so that its run does not
                       write into the base case's results/<name>); the fit's ``output.*``
                       settings are for its model runs, the case keeps the base case's
                       ``output`` section: ``run_case.py fitted_case.yaml`` runs it
    history.csv        every parameter point evaluated: u, x and ½ Σ r²
    data_vs_model.csv  every data row with the model value at the best fit and the residual
    figures/fit_data_vs_model.png   data (error bars) vs model, one panel per data kind

Pure numpy/yaml; the figure is in :mod:`solver.fitting.figure`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import yaml

from solver.config import case_to_dict, load_case
from solver.fitting.data import Observations
from solver.fitting.maths import Scale, Uncertainty
from solver.fitting.optimise import LSQResult
from solver.io import files, provenance

__all__ = ["FORMULA", "fitted_overrides", "parameter_table", "write_reports"]

FORMULA = ("r_i = (model_i - data_i)/sigma_i; cost = 1/2 sum rho(r_i^2); "
           "cov_u = s^2 (J^T J)^-1 with J = dr/du at the optimum (forward differences), "
           "s^2 = 1 (absolute_sigma) or chi^2/(m-n) = 2 cost/(m-n) (linear loss); "
           "SE(x) = |dx/du| SE(u)")


def parameter_table(keys, scales: list[Scale], lsq: LSQResult, unc: Uncertainty,
                    initial: list[float]) -> dict:
    """key -> value, standard error (physical and in u), initial value, bounds, scale."""
    table = {}
    for j, (key, sc) in enumerate(zip(keys, scales, strict=True)):
        u = float(lsq.u[j])
        table[key] = {
            "value": sc.to_x(u), "standard_error": abs(sc.dx_du(u)) * float(unc.se_u[j]),
            "u": u, "standard_error_u": float(unc.se_u[j]),
            "u_definition": "log10(x)" if sc.kind == "log" else "(x - min)/(max - min)",
            "initial": initial[j], "min": sc.lo, "max": sc.hi, "scale": sc.kind,
            "at_bound": bool(np.isclose(u, sc.u_bounds[0]) or np.isclose(u, sc.u_bounds[1])),
        }
    return table


def write_reports(root: Path, *, spec, fit_file: Path, base: Path, keys, scales, lsq,
                  unc: Uncertainty, initial, obs: Observations, model: np.ndarray,
                  runner_stats: dict, wall_time_s: float) -> dict:
    """Write fit.json, fitted_case.yaml, history.csv, data_vs_model.csv; return fit.json."""
    table = parameter_table(keys, scales, lsq, unc, initial)
    m, n = lsq.residuals.size, len(keys)
    report = {
        "name": spec.name, "fit_file": str(Path(fit_file).resolve()), "base_case": str(base),
        "parameters": table, "keys": list(keys),
        "correlation": unc.correlation.tolist(), "covariance_u": unc.cov_u.tolist(),
        "cost": lsq.cost, "chi2": unc.chi2, "m": m, "n": n, "dof": unc.dof,
        "reduced_chi2": unc.chi2 / unc.dof if unc.dof > 0 else None, "s2": unc.s2,
        "absolute_sigma": spec.optimizer.absolute_sigma, "loss": spec.optimizer.loss,
        "identifiable": unc.rank == n, "formula": FORMULA,
        "optimizer": {"status": lsq.status, "message": lsq.message, "success": lsq.success,
                      "nfev": lsq.nfev, "njev": lsq.njev, **spec.optimizer.model_dump()},
        "runs": runner_stats, "wall_time_s": wall_time_s, "provenance": provenance.provenance(),
    }
    files.write_json(root / "fit.json", report)
    case = load_case(base, fitted_overrides(spec, load_case(base).name,
                                            {k: table[k]["value"] for k in keys}))
    lines = [f"# Fitted by {spec.name} ({fit_file}): base {base}",
             *(f"#   {k} = {table[k]['value']:.6g} ± {table[k]['standard_error']:.2g} (1 SE)"
               for k in keys),
             f"# cost = {lsq.cost:.6g}, chi2/dof = {unc.chi2:.4g}/{unc.dof}; see fit.json"]
    body = yaml.safe_dump(case_to_dict(case), sort_keys=False, allow_unicode=True)
    files.write_text_atomic(root / "fitted_case.yaml", "\n".join(lines) + "\n" + body)
    rows = [{"point": i, **{f"u_{k}": float(u[j]) for j, k in enumerate(keys)},
             **{k: sc.to_x(float(u[j])) for j, (k, sc) in enumerate(zip(keys, scales,
                                                                           strict=True))},
             "half_sum_r2": c} for i, (u, c) in enumerate(lsq.history)]
    files.write_timeseries_csv(root / "history.csv", rows)
    data_rows, start = [], 0
    for b in obs.blocks:
        for i in range(b.value.size):
            mod = float(model[start + i])
            data_rows.append({"kind": b.kind, "file": b.label, "t_s": float(b.t_s[i]),
                              "x": float(b.x[i]), "data": float(b.value[i]),
                              "sigma": float(b.sigma[i]), "model": mod,
                              "residual": (mod - float(b.value[i])) / float(b.sigma[i])})
        start += b.value.size
    files.write_timeseries_csv(root / "data_vs_model.csv", data_rows)
    return report


def fitted_overrides(spec, base_name: str, values: dict[str, float]) -> list[str]:
    """Overrides that make ``fitted_case.yaml`` from the base case: the name
    ``<base_name>_fitted``, the fit's ``set`` but its ``output.*`` keys (run settings: the
    written case keeps the base case's), and the fitted ``values``."""
    kept = [(k, v) for k, v in spec.set.items() if not k.startswith("output.")]
    return [f"name={base_name}_fitted",
            *(f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in kept),
            *(f"{k}={v!r}" for k, v in values.items())]
