"""Mesh checks of the preflight: the cell count against ``mesh.max_cells``, and a user mesh file.

- generated meshes: the counts of :mod:`solver.mesh.estimate` (graded 1D mesh: the analytic
  estimate first, the exact count only when the estimate is moderate; generated 3D wire: the
  estimate) against ``mesh.max_cells``;
- a user mesh (``mesh.file``): read on one rank (:func:`solver.mesh3d.inspect_mesh_file`:
  physical groups, tags, cells), its cell count against ``mesh.max_cells`` and its extent against
  the case geometry, naming the likely unit of a mesh not written in µm.

Every refusal is a :class:`solver.config.CaseError`.
"""

from __future__ import annotations

import math

from solver.config import Case, CaseError
from solver.mesh.estimate import count_cells, estimate_cells, estimated_cells_3d, is_1d

__all__ = ["CHEAP_EXACT_COUNT", "ESTIMATE_MARGIN", "check_mesh", "check_mesh_extent"]

#: Margin on the estimate: refuse without the exact count when the estimate exceeds
#: ``ESTIMATE_MARGIN * max_cells`` (the estimate is within a few cells of the exact count for
#: large meshes) and ``CHEAP_EXACT_COUNT`` (below which the exact count costs milliseconds and
#: gives the exact number in the message).
ESTIMATE_MARGIN = 1.5
CHEAP_EXACT_COUNT = 20_000

#: Mesh coordinate units other than µm: (unit, name, coordinate value of 1 µm).
_LENGTH_UNITS = (("m", "metres", 1e-6), ("mm", "millimetres", 1e-3), ("cm", "centimetres", 1e-4),
                 ("nm", "nanometres", 1e3), ("Å", "ångström", 1e4), ("pm", "picometres", 1e6))


def check_mesh(case: Case, comm=None) -> tuple[int, str]:
    """Cell count of the case's mesh and how it was found (``--check``'s "mesh cells" note).

    Args:
        case: validated case.
        comm: MPI communicator whose ranks all call this (a user mesh file is read on its rank 0
            and the result broadcast), or None for one process.

    Returns:
        ``(n_cells, note)``: note ``"exact"`` or ``"estimate"`` (1D), ``"3D estimate"`` or
        ``"<cell type>, from mesh.file"``.

    Raises:
        CaseError: more cells than ``mesh.max_cells``, or a user mesh file that cannot be read,
            lacks tags or does not fit the geometry.
    """
    if getattr(case.mesh, "file", None) and not is_1d(case):
        info = _mesh_file_info(case.mesh.file, comm)
        check_mesh_extent(case, info)
        n, note = info.n_cells, f"{info.cell_type}, from mesh.file"
        if n > case.mesh.max_cells:
            raise CaseError("mesh.max_cells", f"{info.path} has {n} cells, more than "
                            f"mesh.max_cells = {case.mesh.max_cells}")
    elif is_1d(case):
        n, exact = _check_mesh_1d(case)
        note = "exact" if exact else "estimate"
    else:
        n, note = _check_mesh_3d(case), "3D estimate"
    return n, note


def _check_mesh_3d(case: Case) -> int:
    """Cell count of a generated 3D mesh from :func:`estimated_cells_3d` (a user ``mesh.file``
    is checked when it is read); raise CaseError above ``mesh.max_cells``."""
    if getattr(case.mesh, "file", None):
        return 0
    try:
        n = estimated_cells_3d(case)
    except (ArithmeticError, ValueError):
        n = 2**63 - 1
    if n > case.mesh.max_cells:
        raise CaseError("mesh.max_cells", f"the 3D mesh would have about {n:.3g} cells, more "
                        f"than mesh.max_cells = {case.mesh.max_cells} (raise mesh.h3d_min_um, "
                        "mesh.h3d_max_um or mesh.max_cells)")
    return n


def _check_mesh_1d(case: Case) -> tuple[int, bool]:
    """Cell count of the graded 1D mesh and whether it is exact; raise CaseError if it exceeds
    ``mesh.max_cells``."""
    limit = case.mesh.max_cells
    est = estimate_cells(case)
    if est > ESTIMATE_MARGIN * limit + 10 and est > CHEAP_EXACT_COUNT:
        shown = "an overflowing number of" if not math.isfinite(est) else f"about {est:.3g}"
        raise CaseError("mesh.max_cells", f"the mesh would have {shown} cells, more than "
                        f"mesh.max_cells = {limit} (raise mesh.h_min_nm, mesh.h_max_um or "
                        "mesh.growth, or mesh.max_cells)")
    n, exact = count_cells(case)
    if n > limit:
        raise CaseError("mesh.max_cells", f"the mesh would have {n} cells, more than "
                        f"mesh.max_cells = {limit} (raise mesh.h_min_nm, mesh.h_max_um or "
                        "mesh.growth, or mesh.max_cells)")
    return n, exact


def _mesh_file_info(path: str, comm):
    """:func:`solver.mesh3d.inspect_mesh_file`, on rank 0 of ``comm`` (broadcast)."""
    from solver.mesh.files import inspect_mesh_file

    def inspect():
        try:
            return inspect_mesh_file(path)
        except CaseError as exc:
            return exc
        except Exception as exc:  # noqa: BLE001  (any reader failure is bad input, and rank 0
            # must return it, not raise: the other ranks wait in the bcast below)
            text = " ".join(str(exc).split())[:160]
            return CaseError("mesh.file", f"{path} cannot be read ({type(exc).__name__}: {text})")

    if comm is None or comm.size == 1:
        result = inspect()
    else:
        result = comm.bcast(inspect() if comm.rank == 0 else None, root=0)
    if isinstance(result, CaseError):
        raise result
    return result


def check_mesh_extent(case: Case, info) -> None:
    """The mesh runs along x from 0 to ``geometry.length_um`` (µm) and holds the sampled lines.

    A mesh whose length is the wire length times 1e-6, 1e-3, 1e3, ... is reported with its
    likely unit.

    Args:
        case: validated case.
        info: :class:`solver.mesh3d.MeshFileInfo` of ``mesh.file`` (``path``, ``lower`` and
            ``upper`` corners of its bounding box, as written, meant µm).

    Raises:
        CaseError: (``mesh.file``) the mesh does not cover the wire or its sampled section.
    """
    g = case.geometry
    length = g.length_um
    (x0, y0, z0), (x1, y1, z1) = info.lower, info.upper
    # The run samples x = 1e-9 L ... (1 - 1e-9) L (solver/run.py): the mesh must cover it.
    covers = x0 <= 1e-9 * length and x1 >= (1.0 - 1e-9) * length
    if not (covers and x1 <= (1.0 + 1e-3) * length and x0 >= -1e-3 * length):
        span = x1 - x0
        ratio = span / length
        for unit, name, per_um in _LENGTH_UNITS:
            if span > 0.0 and abs(math.log10(ratio / per_um)) < 0.15:
                raise CaseError("mesh.file", f"{info.path} spans x = {x0:g} ... {x1:g} along the "
                                f"wire, {ratio:.3g} x geometry.length_um = {length:g}: it looks "
                                f"written in {name} ({unit}), and mesh coordinates must be in "
                                f"µm; scale it by {1.0 / per_um:g} (gmsh: -clscale or "
                                "Mesh.ScalingFactor) or write it in µm")
        raise CaseError("mesh.file", f"{info.path} spans x = {x0:g} ... {x1:g} µm along the wire, "
                        f"but the wire runs along x from 0 to geometry.length_um = {length:g} µm "
                        "and the mesh must cover exactly that; set geometry.length_um (and the "
                        "electrodes) to the mesh, or fix the mesh")
    from solver.mesh.sampling import cross_section_grid

    width = g.width_um if g.cross_section == "rectangle" else g.height_um / math.sqrt(3.0)
    ys, zs = zip(*cross_section_grid(width, g.height_um), strict=True)
    if min(ys) < y0 or max(ys) > y1 or min(zs) < z0 or max(zs) > z1:
        raise CaseError("mesh.file", f"{info.path}: its section spans y = {y0:g} ... {y1:g}, "
                        f"z = {z0:g} ... {z1:g} µm, but the run samples y = {min(ys):g} ... "
                        f"{max(ys):g}, z = {min(zs):g} ... {max(zs):g} µm (from "
                        f"geometry.width_um = {g.width_um:g}, geometry.height_um = "
                        f"{g.height_um:g}); set them to the mesh's section (centred on y = 0, "
                        "bottom at z = 0)")
