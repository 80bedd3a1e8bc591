"""Generate docs/validation_thermal.md (seed 000: thermal halide interdiffusion, no bias).

One command (runs the thermal cases, or reuses finished runs in the results directory):

    .venv/bin/python -m validation.thermal --results results/thermal [--docs docs] [--force]

Runs (each ~1-2 s, under ``--results``):
    thermal_75C, thermal_100C, thermal_125C, thermal_reverse_125C: the case files as they are.
    arrhenius_<T>: the same three forward cases to 1 h with outputs every 5-15 min, for the
        Boltzmann-Matano analysis while neither wire end has been reached yet.
    formation_<T>: the forward cases with ``material.vacancy_model=formation_energy`` on a
        4 + 4 µm wire for 120 s, a sensitivity study of the vacancy model.
    equilibration/<setting>/...: the rate scan of ``material.vacancy_equilibration`` for both
        seeds (validation.equilibration, ~40 runs of 2-6 s).
    surface/<point>/<case>.npz: the surface-path scan (validation.thermal.surface_scan: 24
        points x 6 runs of ~1-3 s, the problem built with the layer as a fourth field).
A run is reused when ``summary.json`` exists, completed and holds the same resolved case.

Every number in the report is computed here from those outputs (profiles, time series) and from
two independent numpy references (:mod:`solver.analysis.fick` for the local-equilibrium
interdiffusion, :func:`solver.analysis.thermal.poisson_boltzmann_vacancies` for the
vacancy distribution); seed values come from :data:`solver.analysis.thermal.SEED_000` and the
tolerances are the constants of :mod:`validation.thermal_data`, fixed before looking at the
results.

Layout: :mod:`validation.thermal_data` (cases, criteria, runs and observables shared with the
equilibration scan), :mod:`.study` (runs and metrics), :mod:`.figures`, :mod:`.surface_scan`
(the surface-path scan), :mod:`.report` (Markdown, metrics file and :func:`main`).
"""

from validation.thermal.report import main

__all__ = ["main"]
