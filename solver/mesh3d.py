"""Deprecated: moved to :mod:`solver.mesh.wire3d` (3D meshes), :mod:`solver.mesh.files` (user
mesh inspection) and :mod:`solver.mesh.tags` (tags)."""

import warnings

from solver.mesh.files import (  # noqa: F401
    MeshFileInfo,
    _inspect_msh,
    _meshio_problem,
    _msh_info,
    inspect_mesh_file,
)
from solver.mesh.tags import CELL_NAMES, FACET_NAMES, FREE_SURFACE  # noqa: F401
from solver.mesh.wire3d import (  # noqa: F401
    _from_meshdata,
    _h_min,
    _read_meshio,
    _tag_by_position,
    generate_nanowire,
    read_mesh,
)

warnings.warn("solver.mesh3d is deprecated and will be removed after release 0.2: "
              "import solver.mesh.wire3d / solver.mesh.files / solver.mesh.tags "
              "(docs/architecture.md, Deprecated paths)", DeprecationWarning, stacklevel=2)
