"""Mesh tags: the one home of the integer ids and names of the nanowire's regions.

The contract between the mesh generators and readers (:mod:`solver.mesh.interval`,
:mod:`solver.mesh.wire3d`, :mod:`solver.mesh.gmsh_nanowire`, user mesh files) and the forms and
boundary conditions (:mod:`solver.physics`, :mod:`solver.numerics`):

    facets  1 contact_left, 2 contact_right   (1D: the contact points; 3D: the wire's bottom
                                               on each electrode)
            3 free_surface                    (3D: every other boundary face; 1D: the wire
                                               ends, tagged by :data:`WIRE_ENDS` below)
    cells   1 zone_left, 2 zone_right         (the wire above each electrode)
            3 gap                             (between them)

In 1D the wire ends are vertices (facets) too; they carry their own ids, :data:`END_LEFT` and
:data:`END_RIGHT`, and together form the ``free_surface`` of a 1D wire (a surface condition on
``free_surface`` acts at both ends in 1D, on the free faces in 3D). gmsh and user ``.msh`` files
name the physical groups by the names here; their integer ids may differ (the readers remap).

No dolfinx here: ids, names and the :class:`TaggedMesh` container only.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Facet ids.
CONTACT_LEFT = 1
CONTACT_RIGHT = 2
FREE_SURFACE = 3
#: 1D only: the wire ends z = 0 and z = L (vertices), parts of the free surface.
END_LEFT = 4
END_RIGHT = 5
#: Cell ids.
ZONE_LEFT = 1
ZONE_RIGHT = 2
GAP = 3

#: Cell tag names -> ids (gmsh volume physical groups).
CELL_NAMES = {"zone_left": ZONE_LEFT, "zone_right": ZONE_RIGHT, "gap": GAP}
#: Facet tag names -> ids (gmsh surface physical groups).
FACET_NAMES = {"contact_left": CONTACT_LEFT, "contact_right": CONTACT_RIGHT,
               "free_surface": FREE_SURFACE}
#: gmsh physical groups, name -> (dimension, id), as the generator writes them.
PHYSICAL = {
    "zone_left": (3, ZONE_LEFT),
    "gap": (3, GAP),
    "zone_right": (3, ZONE_RIGHT),
    "contact_left": (2, CONTACT_LEFT),
    "contact_right": (2, CONTACT_RIGHT),
    "free_surface": (2, FREE_SURFACE),
}
#: Boundary names a boundary condition may be placed on -> facet ids, per mesh dimension.
#: ``free_surface`` in 1D is the two wire ends.
BOUNDARY_IDS = {
    1: {"contact_left": (CONTACT_LEFT,), "contact_right": (CONTACT_RIGHT,),
        "free_surface": (END_LEFT, END_RIGHT), "end_left": (END_LEFT,),
        "end_right": (END_RIGHT,), "surface": (END_RIGHT,)},
    3: {"contact_left": (CONTACT_LEFT,), "contact_right": (CONTACT_RIGHT,),
        "free_surface": (FREE_SURFACE,), "surface": (FREE_SURFACE,)},
}


def boundary_ids(name: str, tdim: int) -> tuple[int, ...]:
    """Facet ids of the boundary called ``name`` on a mesh of topological dimension ``tdim``.

    Raises:
        KeyError: no boundary of that name in that dimension (the message lists the names).
    """
    names = BOUNDARY_IDS.get(tdim, BOUNDARY_IDS[3])
    if name not in names:
        raise KeyError(f"no boundary {name!r} on a {tdim}D mesh (boundaries: "
                       f"{', '.join(names)})")
    return names[name]


@dataclass
class TaggedMesh:
    """A dolfinx mesh (1D interval or 3D) with its tags.

    Attributes:
        mesh: dolfinx mesh (coordinates in µm).
        facet_tags: facet (1D: vertex) tags, ids above.
        cell_tags: ZONE_LEFT / ZONE_RIGHT / GAP.
        n_cells: global number of cells.
        h_min_um: smallest cell [µm].
    """

    mesh: object
    facet_tags: object
    cell_tags: object
    n_cells: int
    h_min_um: float
