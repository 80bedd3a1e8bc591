"""Deprecated: moved to :mod:`solver.mesh.gmsh_nanowire` (``python -m solver.nanowire_gmsh``
still runs its command line)."""

import sys
import warnings

from solver.mesh.gmsh_nanowire import (  # noqa: F401
    PHYSICAL,
    _section_points,
    build_model,
    build_structured_model,
    main,
)

warnings.warn("solver.nanowire_gmsh is deprecated and will be removed after release 0.2: import "
              "solver.mesh.gmsh_nanowire (docs/architecture.md, Deprecated paths)",
              DeprecationWarning, stacklevel=2)


if __name__ == "__main__":
    sys.exit(main())
