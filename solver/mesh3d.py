"""3D nanowire meshes: generated with gmsh (solver/nanowire_gmsh.py) or read from a user file.

Generation runs on rank 0 only and dolfinx distributes the mesh (``dolfinx.io.gmsh``). The tags
follow the same integer contract as the 1D meshes (:mod:`solver.mesh1d`):

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

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from solver.config import CaseError
from solver.mesh1d import (
    CONTACT_LEFT,
    CONTACT_RIGHT,
    GAP,
    ZONE_LEFT,
    ZONE_RIGHT,
    TaggedMesh,
)

FREE_SURFACE = 3
CELL_NAMES = {"zone_left": ZONE_LEFT, "zone_right": ZONE_RIGHT, "gap": GAP}
FACET_NAMES = {"contact_left": CONTACT_LEFT, "contact_right": CONTACT_RIGHT,
               "free_surface": FREE_SURFACE}


@dataclass(frozen=True)
class MeshFileInfo:
    """What :func:`inspect_mesh_file` found in a user mesh (coordinates as written, meant µm)."""

    path: str
    n_cells: int
    cell_type: str
    lower: tuple[float, float, float]
    upper: tuple[float, float, float]


def _groups_text(names: dict[str, list[str]]) -> str:
    """``volume physical groups a, b and surface physical group c``."""
    parts = []
    for what, missing in names.items():
        if missing:
            plural = "s" if len(missing) > 1 else ""
            parts.append(f"{what} physical group{plural} {', '.join(missing)}")
    return " and ".join(parts)


def inspect_mesh_file(path: str | Path) -> MeshFileInfo:
    """Read a user mesh on this process only (no dolfinx) and check what the run needs.

    The checks of the run's readers, done before the run (``solver.preflight`` calls this for
    ``--check`` and before anything is written): the file exists and parses; it has 3D cells;
    ``.msh``: the six physical groups by name (see the module doc), every cell in exactly one
    volume group (dolfinx's requirement) and facets in both contact groups; ``.xdmf``/``.vtu``:
    tetrahedra with ``cell_tags``, triangles with ``facet_tags`` holding the contact tags 1 and 2.

    Raises:
        CaseError: ``mesh.file: ...``, one line naming what is missing.
    """
    path = Path(path)
    if not path.is_file():
        raise CaseError("mesh.file", f"{path} not found" if not path.exists()
                        else f"{path} is not a file")
    if path.suffix == ".msh":
        return _inspect_msh(path)
    if path.suffix not in (".xdmf", ".vtu"):
        raise CaseError("mesh.file", f"{path}: {path.suffix or 'no suffix'} not supported "
                        "(.msh, .xdmf, .vtu)")
    try:
        import meshio

        m = meshio.read(path)
    except Exception as exc:  # noqa: BLE001  (meshio raises anything on a bad file)
        raise CaseError("mesh.file", f"{path} cannot be read ({type(exc).__name__}: "
                        f"{' '.join(str(exc).split())[:160]})") from None
    problem = _meshio_problem(m, path)
    if problem:
        raise CaseError(problem)
    n_cells = sum(len(c.data) for c in m.cells if c.type == "tetra")
    x = np.asarray(m.points, dtype=np.float64)
    x3 = np.zeros((x.shape[0], 3))
    x3[:, : min(3, x.shape[1])] = x[:, :3]
    return MeshFileInfo(str(path), n_cells, "tetrahedron", _xyz(x3.min(axis=0)),
                        _xyz(x3.max(axis=0)))


def _meshio_problem(m, path: Path) -> str | None:
    """Why a meshio mesh cannot be used (``mesh.file: ...``), or None."""
    tets = [i for i, c in enumerate(m.cells) if c.type == "tetra"]
    tris = [i for i, c in enumerate(m.cells) if c.type == "triangle"]
    if not tets:
        kinds = sorted({c.type for c in m.cells}) or ["none"]
        return f"mesh.file: {path} has no tetrahedra (cells: {', '.join(kinds)})"
    if "cell_tags" not in m.cell_data:
        return f"mesh.file: {path} lacks integer cell data 'cell_tags' (1/2/3)"
    if not tris or "facet_tags" not in m.cell_data:
        return f"mesh.file: {path} lacks triangles with integer cell data 'facet_tags'"
    ftag = np.concatenate([np.asarray(m.cell_data["facet_tags"][i]).ravel() for i in tris])
    if not {CONTACT_LEFT, CONTACT_RIGHT} <= set(np.unique(ftag).tolist()):
        return f"mesh.file: {path} facet_tags lack contact tags 1 and/or 2"
    return None


def _inspect_msh(path: Path) -> MeshFileInfo:
    """:func:`inspect_mesh_file` for gmsh files, with the gmsh API (as dolfinx reads them)."""
    import gmsh

    own = not gmsh.isInitialized()
    if own:
        gmsh.initialize(interruptible=False)
    previous = None if own else gmsh.model.getCurrent()
    try:
        gmsh.option.setNumber("General.Terminal", 0)
        gmsh.model.add("perovskite_ions_mesh_check")
        try:
            gmsh.merge(str(path))
        except Exception as exc:  # noqa: BLE001  (gmsh's API raises a bare Exception)
            raise CaseError("mesh.file", f"{path} cannot be read as a gmsh mesh "
                            f"({' '.join(str(exc).split())[:160]})") from None
        return _msh_info(gmsh, path)
    finally:
        if own:
            gmsh.finalize()
        else:
            gmsh.model.remove()
            if previous:
                gmsh.model.setCurrent(previous)


def _msh_info(gmsh, path: Path) -> MeshFileInfo:
    """Check the current gmsh model (read from ``path``) and describe it."""
    model = gmsh.model
    types, tags, _ = model.mesh.getElements(dim=3)
    n_cells = int(sum(len(t) for t in tags))
    if n_cells == 0:
        raise CaseError("mesh.file", f"{path} has no 3D cells (tetrahedra or hexahedra)")
    groups = {(dim, model.getPhysicalName(dim, tag)): tag
              for dim, tag in model.getPhysicalGroups()}
    wanted = {"volume": (3, CELL_NAMES), "surface": (2, FACET_NAMES)}
    missing = {what: [n for n in names if (dim, n) not in groups]
               for what, (dim, names) in wanted.items()}
    if any(missing.values()):
        need = ("the run needs, by name, the volume groups zone_left, zone_right, gap and the "
                "surface groups contact_left, contact_right, free_surface (see solver/mesh3d.py)")
        if not groups:
            raise CaseError("mesh.file", f"{path} has no physical groups; {need}")
        have = ", ".join(sorted(f"{n or '(unnamed)'} ({d}D)" for d, n in groups))
        raise CaseError("mesh.file", f"{path} lacks the {_groups_text(missing)} (it has {have}); "
                        f"{need}")
    # dolfinx: every cell in exactly one volume physical group.
    untagged = duplicated = 0
    for _, entity in model.getEntities(3):
        n_groups = len(model.getPhysicalGroupsForEntity(3, entity))
        if n_groups != 1:
            _, etags, _ = model.mesh.getElements(3, entity)
            count = int(sum(len(t) for t in etags))
            untagged += count if n_groups == 0 else 0
            duplicated += count if n_groups > 1 else 0
    if untagged or duplicated:
        what = (f"{untagged} of {n_cells} cells are in no volume physical group" if untagged
                else f"{duplicated} of {n_cells} cells are in more than one volume physical group")
        raise CaseError("mesh.file", f"{path}: {what}; every cell must be in exactly one of "
                        "zone_left, zone_right, gap")
    for name in ("contact_left", "contact_right"):
        entities = model.getEntitiesForPhysicalGroup(2, groups[(2, name)])
        count = sum(sum(len(t) for t in model.mesh.getElements(2, e)[1]) for e in entities)
        if count == 0:
            raise CaseError("mesh.file", f"{path}: surface physical group {name} has no facets")
    _, coords, _ = model.mesh.getNodes()
    x = np.asarray(coords, dtype=np.float64).reshape(-1, 3)
    kind = {4: "tetrahedron", 5: "hexahedron"}
    cell_type = "+".join(sorted({kind.get(int(t), f"gmsh type {int(t)}") for t in types}))
    return MeshFileInfo(str(path), n_cells, cell_type, _xyz(x.min(axis=0)), _xyz(x.max(axis=0)))


def _xyz(v) -> tuple[float, float, float]:
    """Three Python floats."""
    return (float(v[0]), float(v[1]), float(v[2]))


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
                            f"{', '.join(missing)} (see solver/mesh3d.py)")
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

    from solver.nanowire_gmsh import build_model, build_structured_model

    if comm.rank == 0:
        gmsh.initialize()
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
