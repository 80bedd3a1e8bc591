"""Meshes of the nanowire and their tags.

Modules (each imports only :mod:`solver.config` errors and the modules listed before it):

- :mod:`~solver.mesh.tags`: integer ids and names of contacts, zones and surfaces, and the
  :class:`~solver.mesh.tags.TaggedMesh` container (no dolfinx);
- :mod:`~solver.mesh.estimate`: cell counts of a case's mesh before it is built (numpy);
- :mod:`~solver.mesh.files`: user mesh files inspected on one process (gmsh/meshio);
- :mod:`~solver.mesh.interval`: graded 1D interval meshes (dolfinx);
- :mod:`~solver.mesh.gmsh_nanowire`: the gmsh model of a wire on two electrodes, and its
  command line ``python -m solver.mesh.gmsh_nanowire``;
- :mod:`~solver.mesh.wire3d`: 3D meshes generated or read and distributed (dolfinx);
- :mod:`~solver.mesh.build`: the mesh of a case (1D or 3D);
- :mod:`~solver.mesh.sampling`: sampling a 3D state on lines along the wire.

Submodules are imported on use: ``import solver.mesh`` loads nothing heavy.
"""
