"""Graded 1D interval meshes of the nanowire axis with tagged contact points and zones.

The vertex set always contains the wire ends, the electrode edges and the initial interface.
Cells grow geometrically (factor ``growth``) from ``h_min`` at every such point up to ``h_max``,
so the nm-thin accumulation/depletion layers at the contact lines and the front are resolved
(docs/model.md, "Numerical method").

Tags (:mod:`solver.mesh.tags`, the contract with the forms):
    facets (vertices): CONTACT_LEFT, CONTACT_RIGHT at the contact lines; END_LEFT, END_RIGHT
        at the wire ends (the 1D free surface).
    cells: ZONE_LEFT, ZONE_RIGHT inside the electrode zones, GAP elsewhere.
"""

from __future__ import annotations

import itertools

import numpy as np

from solver.mesh.tags import (
    CONTACT_LEFT,
    CONTACT_RIGHT,
    END_LEFT,
    END_RIGHT,
    GAP,
    ZONE_LEFT,
    ZONE_RIGHT,
    TaggedMesh,
)


def graded_segment(a: float, b: float, h_min: float, h_max: float, growth: float) -> np.ndarray:
    """Return vertices of [a, b] graded from both ends (first cell h_min, ratio ``growth``).

    Cells are ``min(h_min * growth**k, h_max)`` from each end; the middle cells are rescaled so the
    segment is filled exactly. Returns a sorted array including both end points.
    """
    length = b - a
    if length <= 2.0 * h_min:
        return np.array([a, b]) if length <= h_min else np.array([a, 0.5 * (a + b), b])
    sizes = []
    total = 0.0
    k = 0
    h = h_min
    while True:
        h = min(h_min * growth**k, h_max) if h < h_max else h_max  # growth**k may overflow
        if 2.0 * (total + h) > length:
            break
        sizes.append(h)
        total += h
        k += 1
    # Fill the middle with equal cells close to the last graded size; absorb a sliver by giving
    # back the last graded cell on each side, so neighbouring cells never differ by > ~2x.
    middle = length - 2.0 * total
    h_last = sizes[-1] if sizes else h_min
    if sizes and middle < 0.5 * h_last:
        sizes.pop()
        middle += 2.0 * h_last
    n_mid = max(1, round(middle / h_last))
    left = a + np.cumsum([0.0, *sizes])
    right = b - np.cumsum([0.0, *sizes])[::-1]
    mid = np.linspace(left[-1], right[0], n_mid + 1)
    return np.concatenate([left[:-1], mid, right[1:]])


def graded_vertices(points_um, h_min_um: float, h_max_um: float, growth: float) -> np.ndarray:
    """Return sorted vertices over [min(points), max(points)], graded toward every point."""
    pts = np.unique(np.asarray(points_um, dtype=float))
    pieces = [graded_segment(a, b, h_min_um, h_max_um, growth) for a, b in itertools.pairwise(pts)]
    out = np.concatenate([pieces[0]] + [p[1:] for p in pieces[1:]])
    return out


def create_mesh1d(comm, vertices_um: np.ndarray, contacts_um, zones_um) -> TaggedMesh:
    """Create a distributed dolfinx interval mesh from vertex coordinates given on rank 0.

    Args:
        comm: MPI communicator.
        vertices_um: sorted vertex coordinates [µm] (only rank 0's array is used).
        contacts_um: (left, right) contact line positions [µm]; must be vertices.
        zones_um: ((a_L, b_L), (a_R, b_R)) electrode zones [µm].
    """
    import basix.ufl
    from dolfinx import mesh as dmesh

    if comm.rank == 0:
        x = np.asarray(vertices_um, dtype=np.float64).reshape(-1, 1)
        n = x.shape[0] - 1
        cells = np.stack([np.arange(n), np.arange(1, n + 1)], axis=1).astype(np.int64)
    else:
        x = np.zeros((0, 1), dtype=np.float64)
        cells = np.zeros((0, 2), dtype=np.int64)
    n_cells = comm.bcast(cells.shape[0] if comm.rank == 0 else None, root=0)
    element = basix.ufl.element("Lagrange", "interval", 1, shape=(1,))
    partitioner = dmesh.create_cell_partitioner(dmesh.GhostMode.shared_facet, 2)
    msh = dmesh.create_mesh(comm, cells, element, x, partitioner)

    h_all = np.diff(np.asarray(vertices_um)) if comm.rank == 0 else None
    h_min = comm.bcast(float(h_all.min()) if comm.rank == 0 else None, root=0)
    tol = 1e-3 * h_min

    tdim = msh.topology.dim
    ends = comm.bcast((float(x[0, 0]), float(x[-1, 0])) if comm.rank == 0 else None, root=0)
    facet_ids, facet_vals = [], []
    for tag, zc in zip((CONTACT_LEFT, CONTACT_RIGHT, END_LEFT, END_RIGHT), (*contacts_um, *ends),
                       strict=True):
        f = dmesh.locate_entities(msh, tdim - 1, lambda X, zc=zc: np.abs(X[0] - zc) < tol)
        if facet_ids and tag in (END_LEFT, END_RIGHT):  # a contact at a wire end stays a contact
            f = np.setdiff1d(f, np.concatenate(facet_ids)).astype(np.int32)
        facet_ids.append(f)
        facet_vals.append(np.full(f.size, tag, dtype=np.int32))
    fi = np.concatenate(facet_ids)
    order = np.argsort(fi)
    facet_tags = dmesh.meshtags(msh, tdim - 1, fi[order], np.concatenate(facet_vals)[order])

    msh.topology.create_connectivity(tdim, 0)
    n_local = msh.topology.index_map(tdim).size_local + msh.topology.index_map(tdim).num_ghosts
    mid = dmesh.compute_midpoints(msh, tdim, np.arange(n_local, dtype=np.int32))[:, 0]
    vals = np.full(n_local, GAP, dtype=np.int32)
    (aL, bL), (aR, bR) = zones_um
    vals[(mid > aL) & (mid < bL)] = ZONE_LEFT
    vals[(mid > aR) & (mid < bR)] = ZONE_RIGHT
    cell_tags = dmesh.meshtags(msh, tdim, np.arange(n_local, dtype=np.int32), vals)
    return TaggedMesh(msh, facet_tags, cell_tags, n_cells, h_min)


def mesh_for_parameters(comm, params, h_min_nm: float, h_max_um: float,
                        growth: float) -> TaggedMesh:
    """Graded mesh for the device in ``params`` (a :class:`ModelParameters`); a body
    (``params.body``: nanocrystal or film) is the interval [0, R], graded from both ends, with
    no contacts or electrode zones."""
    if getattr(params, "body", None) is not None:
        pts = [0.0, params.length_um]
        v = graded_vertices(pts, h_min_nm * 1e-3, h_max_um, growth) if comm.rank == 0 else None
        return create_mesh1d(comm, v, (params.contact_left_um, params.contact_right_um),
                             (params.electrode_left_um, params.electrode_right_um))
    pts = [
        0.0,
        params.length_um,
        *params.electrode_left_um,
        *params.electrode_right_um,
        params.interface_um,
    ]
    v = graded_vertices(pts, h_min_nm * 1e-3, h_max_um, growth) if comm.rank == 0 else None
    return create_mesh1d(
        comm, v, (params.contact_left_um, params.contact_right_um),
        (params.electrode_left_um, params.electrode_right_um),
    )
