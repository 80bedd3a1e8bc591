"""Write a gmsh nanowire mesh: a thin wrapper of ``python -m solver.nanowire_gmsh``.

The generator lives in the package (solver/nanowire_gmsh.py), so an installed copy generates
meshes without this folder. Usage (options: ``--help``; the package must be importable, as
after ``make venv``):
    python meshes/nanowire.py --length 7 --width 0.2 --height 0.2 --out meshes/wire.msh
"""

from solver.nanowire_gmsh import PHYSICAL, build_model, build_structured_model, main

__all__ = ["PHYSICAL", "build_model", "build_structured_model", "main"]

if __name__ == "__main__":
    main()
