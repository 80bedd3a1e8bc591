"""Deprecated: moved to :mod:`solver.mesh.build`."""

from solver.mesh.build import build_mesh  # noqa: F401
