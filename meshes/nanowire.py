"""Write a gmsh nanowire mesh: a thin wrapper of ``python -m solver.mesh.gmsh_nanowire``.

The generator lives in the package (solver/mesh/gmsh_nanowire.py), so an installed copy generates
meshes without this folder. Usage (options: ``--help``; the package must be importable, as
after ``make venv``):
    .venv/bin/python meshes/nanowire.py --length 7 --width 0.2 --height 0.2 --out meshes/wire.msh
"""

from solver.mesh.gmsh_nanowire import build_model, build_structured_model, main
from solver.mesh.tags import PHYSICAL

__all__ = ["PHYSICAL", "build_model", "build_structured_model", "main"]

if __name__ == "__main__":
    main()
