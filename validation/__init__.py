"""Validation reports: each one runs (or reuses) its campaigns and regenerates a docs/ page.

Run a report as a module from the repository root, e.g.::

    .venv/bin/python -m validation.rectification --results results --jobs 2

=============================  ===========================================================
module                         report
=============================  ===========================================================
``validation.rectification``   docs/validation.md (seed 001: bias-driven migration)
``validation.thermal``         docs/validation_thermal.md (seed 000: thermal interdiffusion,
                               with the ``validation.equilibration`` rate scan)
``validation.wire3d``          docs/validation_3d.md (1D/3D consistency, thick wire)
``validation.wire3d_convergence``  docs/validation_3d_convergence.md (3D mesh convergence)
``validation.front_shape``     docs/validation_front_shape.md (what explains the front shape)
=============================  ===========================================================

Each report is cut the same way: reading the run outputs (*study*), the numbers and verdicts
computed from them (*metrics*), and the Markdown and figures written from those (*report*).
Shared pieces: :mod:`validation.common` (command line, campaign runner, provenance line) and
:mod:`validation.thermal_data` (the seed-000 runs and observables that the thermal report and
the equilibration scan both use).
"""
