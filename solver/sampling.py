"""Deprecated: moved to :mod:`solver.mesh.sampling`."""

from solver.mesh.sampling import LineSampler, cross_section_grid  # noqa: F401
