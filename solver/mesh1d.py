"""Deprecated: moved to :mod:`solver.mesh.interval` (meshes) and :mod:`solver.mesh.tags` (tags)."""

import warnings

from solver.mesh.interval import (  # noqa: F401
    create_mesh1d,
    graded_segment,
    graded_vertices,
    mesh_for_parameters,
)
from solver.mesh.tags import (  # noqa: F401
    CONTACT_LEFT,
    CONTACT_RIGHT,
    GAP,
    ZONE_LEFT,
    ZONE_RIGHT,
    TaggedMesh,
)

warnings.warn("solver.mesh1d is deprecated and will be removed after release 0.2: import "
              "solver.mesh.interval / solver.mesh.tags (docs/architecture.md, Deprecated paths)",
              DeprecationWarning, stacklevel=2)
