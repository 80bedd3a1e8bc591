"""Deprecated: moved to :mod:`solver.mesh.gmsh_nanowire` (``python -m solver.nanowire_gmsh``
still runs its command line)."""

import sys

from solver.mesh.gmsh_nanowire import (  # noqa: F401
    PHYSICAL,
    _section_points,
    build_model,
    build_structured_model,
    main,
)

if __name__ == "__main__":
    sys.exit(main())
