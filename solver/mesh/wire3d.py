"""3D nanowire meshes: generated with gmsh (:mod:`solver.mesh.gmsh_nanowire`) or read from a
user file (checked beforehand by :mod:`solver.mesh.files`).

Generation runs on rank 0 only and dolfinx distributes the mesh (``dolfinx.io.gmsh``). The tags
follow the integer contract of :mod:`solver.mesh.tags`:

    facets  1 contact_left, 2 contact_right (wire bottom on each electrode), 3 free_surface
    cells   1 zone_left, 2 zone_right, 3 gap

User meshes (``mesh.file``):
    .msh   gmsh file with the physical groups above, by *name* (their integer ids may differ)
    .xdmf / .vtu (read with meshio): tetrahedra with integer cell data ``cell_tags`` (1/2/3 as
           above) and triangles with integer cell data ``facet_tags`` (1/2/3). Missing tags are
           reported as one-line errors naming what is missing.
Coordinates are in µm with x along the wire.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from solver.config import CaseError
from solver.console import reinstall_signal_handlers
from solver.mesh.files import _meshio_problem
from solver.mesh.tags import (
    CELL_NAMES,
    CONTACT_LEFT,
    CONTACT_RIGHT,
    FACET_NAMES,
    FREE_SURFACE,
    GAP,
    ZONE_LEFT,
    ZONE_RIGHT,
    TaggedMesh,
)


def _h_min(msh) -> float:

    tdim = msh.topology.dim
    n = msh.topology.index_map(tdim).size_local
    h = msh.h(tdim, np.arange(n, dtype=np.int32)) if n else np.array([np.inf])
    return msh.comm.allreduce(float(h.min()), op=__import__("mpi4py").MPI.MIN)


def _from_meshdata(md, comm, source: str) -> TaggedMesh:
    from dolfinx import mesh as dmesh

    msh = md.mesh
    phys = {name: int(pg.tag) if hasattr(pg, "tag") else int(pg[1])
            for name, pg in md.physical_groups.items()}
    for names, what in ((CELL_NAMES, "volume"), (FACET_NAMES, "surface")):
        missing = [n for n in names if n not in phys]
        if missing:
            raise CaseError(f"mesh.file: {source} lacks {what} physical groups "
                            f"{', '.join(missing)} (see solver/mesh/tags.py)")
    tdim = msh.topology.dim

    def remap(tags, names):
        vals = np.zeros_like(tags.values)
        for name, our in names.items():
            vals[tags.values == phys[name]] = our
        keep = vals > 0
        return dmesh.meshtags(msh, tags.dim, tags.indices[keep], vals[keep])

    cell_tags = remap(md.cell_tags, CELL_NAMES)
    facet_tags = remap(md.facet_tags, FACET_NAMES)
    msh.topology.create_connectivity(tdim - 1, tdim)
    n_cells = msh.topology.index_map(tdim).size_global
    return TaggedMesh(msh, facet_tags, cell_tags, n_cells, _h_min(msh))


def generate_nanowire(comm, *, length, width, height, electrodes, interface, h_max, h_min,
                      grading_distance, shape="rectangle", axial_layer=None) -> TaggedMesh:
    """Generate the nanowire with gmsh on rank 0 and distribute it (sizes in µm).

    ``axial_layer`` [µm]: if given, a structured mesh (the section, meshed at ``h_max``,
    extruded in layers of that thickness); otherwise an unstructured mesh graded from ``h_min``
    at the contact lines to ``h_max``.
    """
    import gmsh
    from dolfinx.io import gmsh as dgmsh

    from solver.mesh.gmsh_nanowire import build_model, build_structured_model

    if comm.rank == 0:
        gmsh.initialize(interruptible=False)  # keep the run's SIGINT handler
        reinstall_signal_handlers()  # gmsh reset SIGTERM to its default action
        gmsh.option.setNumber("General.Terminal", 0)
        gmsh.model.add("nanowire")
        if axial_layer:
            build_structured_model(gmsh, length=length, width=width, height=height,
                                   electrodes=electrodes, interface=interface, h_section=h_max,
                                   axial_layer=axial_layer, shape=shape)
        else:
            build_model(gmsh, length=length, width=width, height=height, electrodes=electrodes,
                        interface=interface, h_max=h_max, h_min=h_min,
                        grading_distance=grading_distance, shape=shape)
    md = dgmsh.model_to_mesh(gmsh.model if comm.rank == 0 else None, comm, 0, gdim=3)
    if comm.rank == 0:
        gmsh.finalize()
    if axial_layer:
        return _tag_by_position(md.mesh, electrodes)
    return _from_meshdata(md, comm, "generated mesh")


def _tag_by_position(msh, electrodes) -> TaggedMesh:
    """Zones from cell midpoints; contacts = boundary facets on the bottom (z = 0) over each
    electrode; every other boundary facet is free surface."""
    from dolfinx import mesh as dmesh

    (aL, bL), (aR, bR) = electrodes
    tdim = msh.topology.dim
    n_cells = msh.topology.index_map(tdim).size_local + msh.topology.index_map(tdim).num_ghosts
    mid = dmesh.compute_midpoints(msh, tdim, np.arange(n_cells, dtype=np.int32))
    cvals = np.full(n_cells, GAP, dtype=np.int32)
    cvals[(mid[:, 0] > aL) & (mid[:, 0] < bL)] = ZONE_LEFT
    cvals[(mid[:, 0] > aR) & (mid[:, 0] < bR)] = ZONE_RIGHT
    cell_tags = dmesh.meshtags(msh, tdim, np.arange(n_cells, dtype=np.int32), cvals)
    msh.topology.create_connectivity(tdim - 1, tdim)
    bfacets = dmesh.exterior_facet_indices(msh.topology)
    fmid = dmesh.compute_midpoints(msh, tdim - 1, bfacets)
    bottom = np.abs(fmid[:, 2]) < 1e-9
    fvals = np.full(bfacets.size, FREE_SURFACE, dtype=np.int32)
    fvals[bottom & (fmid[:, 0] > aL) & (fmid[:, 0] < bL)] = CONTACT_LEFT
    fvals[bottom & (fmid[:, 0] > aR) & (fmid[:, 0] < bR)] = CONTACT_RIGHT
    facet_tags = dmesh.meshtags(msh, tdim - 1, bfacets, fvals)
    return TaggedMesh(msh, facet_tags, cell_tags, msh.topology.index_map(tdim).size_global,
                      _h_min(msh))


def read_mesh(comm, path: str | Path) -> TaggedMesh:
    """Read a user mesh (.msh via dolfinx.io.gmsh; .xdmf/.vtu via meshio), see module doc."""
    path = Path(path)
    if not path.is_file():
        raise CaseError(f"mesh.file: {path} not found")
    if path.suffix == ".msh":
        from dolfinx.io import gmsh as dgmsh

        return _from_meshdata(dgmsh.read_from_msh(str(path), comm, 0, gdim=3), comm, str(path))
    if path.suffix not in (".xdmf", ".vtu"):
        raise CaseError(f"mesh.file: {path.suffix} not supported (.msh, .xdmf, .vtu)")
    return _read_meshio(comm, path)


def _read_meshio(comm, path: Path) -> TaggedMesh:
    import basix.ufl
    from dolfinx import mesh as dmesh

    problem = None
    if comm.rank == 0:
        import meshio

        m = meshio.read(path)
        tets = [(i, c.data) for i, c in enumerate(m.cells) if c.type == "tetra"]
        tris = [(i, c.data) for i, c in enumerate(m.cells) if c.type == "triangle"]
        problem = _meshio_problem(m, path)
        if problem is None:
            x = np.asarray(m.points[:, :3], dtype=np.float64)
            cells = np.vstack([d for _, d in tets]).astype(np.int64)
            ctag = np.concatenate([m.cell_data["cell_tags"][i] for i, _ in tets]).astype(np.int32)
            facets = np.vstack([d for _, d in tris]).astype(np.int64)
            ftag = np.concatenate([m.cell_data["facet_tags"][i] for i, _ in tris]).astype(np.int32)
    problem = comm.bcast(problem, root=0)
    if problem:
        raise CaseError(problem)
    if comm.rank != 0:
        x = np.zeros((0, 3))
        cells = np.zeros((0, 4), dtype=np.int64)
        ctag = np.zeros(0, dtype=np.int32)
        facets = np.zeros((0, 3), dtype=np.int64)
        ftag = np.zeros(0, dtype=np.int32)
    element = basix.ufl.element("Lagrange", "tetrahedron", 1, shape=(3,))
    msh = dmesh.create_mesh(comm, cells, element, x)
    tdim = msh.topology.dim
    from dolfinx.io import distribute_entity_data

    def tags_for(dim, ents, vals):
        local, values = distribute_entity_data(msh, dim, ents, vals)
        msh.topology.create_connectivity(dim, 0)
        from dolfinx.graph import adjacencylist

        return dmesh.meshtags_from_entities(msh, dim, adjacencylist(local), values)

    cell_tags = tags_for(tdim, cells, ctag)
    facet_tags = tags_for(tdim - 1, facets, ftag)
    msh.topology.create_connectivity(tdim - 1, tdim)
    return TaggedMesh(msh, facet_tags, cell_tags, msh.topology.index_map(tdim).size_global,
                      _h_min(msh))
