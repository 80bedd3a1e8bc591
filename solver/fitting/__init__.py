"""Fitting case parameters to data (``perovskite-ions fit FIT.yaml``; issue 13, part 2).

Modules, one job each:

- :mod:`~solver.fitting.spec`: the fit file (pydantic schema, one-line errors);
- :mod:`~solver.fitting.data`: the data CSV files, rows grouped by experiment condition;
- :mod:`~solver.fitting.predict`: model values at the data points from a run's outputs;
- :mod:`~solver.fitting.runs`: model runs per parameter point, in parallel and cached;
- :mod:`~solver.fitting.maths`: weighted residuals, parameter scaling, covariance;
- :mod:`~solver.fitting.optimise`: ``scipy.optimize.least_squares`` with a batched
  forward-difference Jacobian;
- :mod:`~solver.fitting.report`, :mod:`~solver.fitting.figure`: fit.json, fitted_case.yaml,
  the data-vs-model figure;
- :mod:`~solver.fitting.driver`: :func:`run_fit`; :mod:`~solver.fitting.cli`: the command line.

None of these imports dolfinx: the model runs are separate processes.
"""
