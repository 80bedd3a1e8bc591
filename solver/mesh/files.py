"""User mesh files (``mesh.file``): inspected on one process, without dolfinx, before a run.

What the run's readers (:mod:`solver.mesh.wire3d`) need, checked for ``--check`` and before
anything is written:
    .msh   gmsh file with the physical groups of :mod:`solver.mesh.tags`, by *name* (their
           integer ids may differ)
    .xdmf / .vtu (read with meshio): tetrahedra with integer cell data ``cell_tags`` (1/2/3) and
           triangles with integer cell data ``facet_tags`` (1/2/3).
Missing pieces are reported as one-line :class:`solver.config.CaseError` s naming them.
Coordinates are in µm with x along the wire.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from solver.config import CaseError
from solver.console import reinstall_signal_handlers
from solver.mesh.tags import CELL_NAMES, CONTACT_LEFT, CONTACT_RIGHT, FACET_NAMES


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
        reinstall_signal_handlers()  # gmsh reset SIGTERM to its default action
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
    """Check the current gmsh model (read from ``path``) and describe it.

    Raises:
        CaseError: no 3D cells, a missing physical group, a cell in no or several volume
            groups, or an empty contact group.
    """
    model = gmsh.model
    types, tags, _ = model.mesh.getElements(dim=3)
    n_cells = int(sum(len(t) for t in tags))
    if n_cells == 0:
        raise CaseError("mesh.file", f"{path} has no 3D cells (tetrahedra or hexahedra)")
    groups = {(dim, model.getPhysicalName(dim, tag)): tag
              for dim, tag in model.getPhysicalGroups()}
    _check_groups(groups, path)
    _check_volume_membership(model, n_cells, path)
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


def _check_groups(groups: dict, path: Path) -> None:
    """Raise a :class:`CaseError` naming the physical groups (by name) that ``groups``, a dict
    ``{(dim, name): tag}``, lacks."""
    wanted = {"volume": (3, CELL_NAMES), "surface": (2, FACET_NAMES)}
    missing = {what: [n for n in names if (dim, n) not in groups]
               for what, (dim, names) in wanted.items()}
    if not any(missing.values()):
        return
    need = ("the run needs, by name, the volume groups zone_left, zone_right, gap and the "
            "surface groups contact_left, contact_right, free_surface (see solver/mesh/tags.py)")
    if not groups:
        raise CaseError("mesh.file", f"{path} has no physical groups; {need}")
    have = ", ".join(sorted(f"{n or '(unnamed)'} ({d}D)" for d, n in groups))
    raise CaseError("mesh.file", f"{path} lacks the {_groups_text(missing)} (it has {have}); "
                    f"{need}")


def _check_volume_membership(model, n_cells: int, path: Path) -> None:
    """dolfinx needs every cell in exactly one volume physical group: raise a
    :class:`CaseError` counting the cells in none or in several."""
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


def _xyz(v) -> tuple[float, float, float]:
    """Three Python floats."""
    return (float(v[0]), float(v[1]), float(v[2]))
