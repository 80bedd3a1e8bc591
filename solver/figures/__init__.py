"""PNG figures of runs and of comparisons between runs (matplotlib, Agg backend; no dolfinx).

- :mod:`solver.figures.device`: :class:`~solver.figures.device.Device` (the wire, the electrodes,
  the bias and the temperature a figure states, built from the model parameters or from a resolved
  case) and :func:`~solver.figures.device.mark_device` (electrode zones, gap, contact lines).
- :mod:`solver.figures.run`: the per-run figures ``solver.run`` writes into
  ``<output>/figures/``: profiles, L_m(t) with the applied drive, diagnostics.
- :mod:`solver.figures.compare`: the cross-run figures (L_m against the field of a campaign,
  forward and reverse profiles overlaid), their result readers and the ``compare`` command,
  ``python -m solver.figures.compare compare ...`` (also ``python -m solver.plotting``).
- :mod:`solver.figures.style`: shared colours, units and the PNG writer.

The package imports nothing on import (so ``python -m solver.figures.compare`` runs cleanly);
import the modules.
"""
