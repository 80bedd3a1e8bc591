"""Synthetic migration-length data made by the solver, for examples and tests of fits.

    python -m solver.fitting.synthetic BASE.yaml --true sources.alpha_br=1.3e-5 \\
        --fields -4 -2 2 4 --t-s 14400 --sigma-abs-um 0.003 --sigma-rel 0.03 --seed 1 \\
        --set mesh.h_max_um=0.05 --out data.csv

runs the base case (with the ``--set`` overrides and the true values) at every field up to
t_s, reads L_m(t_s) and writes the CSV of a ``migration_length`` data set with

.. math:: \\sigma_i = \\sigma_\\mathrm{abs} + \\sigma_\\mathrm{rel} |L_i|, \\qquad
          L_i^\\mathrm{data} = L_i + \\sigma_i\\,\\varepsilon_i,\\ \\varepsilon_i \\sim N(0, 1)

(numpy ``default_rng(seed)``; µm). The runs are cached like a fit's (:mod:`solver.fitting.runs`)
in ``--runs DIR``. Header comment lines record the true values and the noise model.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from solver.config import CaseError
from solver.fitting.data import Block, Condition, Observations
from solver.fitting.runs import ModelRunner

__all__ = ["migration_length_data", "write_migration_length_csv"]


def migration_length_data(base: Path, common: tuple[str, ...], true: dict[str, float],
                          fields_V_per_um, t_s: float, *, sigma_abs_um: float,
                          sigma_rel: float, seed: int, runs_dir: Path, jobs: int = 1
                          ) -> dict[str, np.ndarray]:
    """Noise-free and noisy L_m(t_s) at each field; columns of a migration_length CSV plus
    ``L_m_true_um``."""
    fields = np.asarray(fields_V_per_um, dtype=float)
    conds = tuple(Condition((f"bias.field_V_per_um={json.dumps(float(e))}",), (float(t_s),))
                  for e in fields)
    n = fields.size
    block = Block("migration_length", "synthetic", np.arange(n), np.full(n, float(t_s)), fields,
                  np.zeros(n), np.ones(n))
    runner = ModelRunner(base, common, tuple(true), Observations((block,), conds), runs_dir,
                         jobs=jobs)
    exact = runner.predict([np.array(list(true.values()), dtype=float)])[0]
    sigma = sigma_abs_um + sigma_rel * np.abs(exact)
    noisy = exact + sigma * np.random.default_rng(seed).standard_normal(n)
    return {"field_V_per_um": fields, "t_s": np.full(n, float(t_s)), "L_m_um": noisy,
            "sigma_um": sigma, "L_m_true_um": exact}


def write_migration_length_csv(path: Path, cols: dict[str, np.ndarray], header: list[str]
                               ) -> Path:
    """Write the columns with ``# `` comment lines ``header`` first."""
    names = list(cols)
    lines = [f"# {h}" for h in header] + [",".join(names)]
    lines += [",".join(repr(float(cols[c][i])) for c in names)
              for i in range(cols[names[0]].size)]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Path(path)


def main(argv=None) -> int:
    """Command line (see the module docstring)."""
    p = argparse.ArgumentParser(prog="python -m solver.fitting.synthetic")
    p.add_argument("base")
    p.add_argument("--true", action="append", default=[], metavar="KEY=VALUE", required=True)
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--fields", type=float, nargs="+", required=True, metavar="V_PER_UM")
    p.add_argument("--t-s", type=float, required=True)
    p.add_argument("--sigma-abs-um", type=float, required=True)
    p.add_argument("--sigma-rel", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--runs", default="results/synthetic_runs")
    p.add_argument("-j", "--jobs", type=int, default=1)
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    true = {}
    for item in args.true:
        key, _, value = item.partition("=")
        true[key] = float(value)
    try:
        cols = migration_length_data(Path(args.base).resolve(), tuple(args.overrides), true,
                                     args.fields, args.t_s, sigma_abs_um=args.sigma_abs_um,
                                     sigma_rel=args.sigma_rel, seed=args.seed,
                                     runs_dir=Path(args.runs), jobs=args.jobs)
    except CaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    header = [f"synthetic: solver L_m at true {', '.join(args.true)}; base {args.base}; set "
              f"{' '.join(args.overrides) or '-'}",
              f"noise: sigma = {args.sigma_abs_um:g} um + {args.sigma_rel:g} |L_m|, "
              f"Gaussian, numpy default_rng({args.seed})",
              "command: python -m solver.fitting.synthetic " + " ".join(
                  sys.argv[1:] if argv is None else argv)]
    write_migration_length_csv(Path(args.out), cols, header)
    return 0


if __name__ == "__main__":
    sys.exit(main())
