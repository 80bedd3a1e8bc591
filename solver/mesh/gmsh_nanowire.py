"""gmsh generator: a nanowire lying on two bottom electrodes (rectangular or hexagonal section).

Coordinates in µm: x along the wire (0 ... length; the "z" of the 1D model and of all outputs),
y across it (centred on 0), z up (the wire's bottom face lies on the electrodes at z = 0).

Physical groups (the contract of solver/mesh/tags.py and with user meshes, by *name*):
    volumes   "zone_left", "gap", "zone_right"      wire above each electrode / between them
    surfaces  "contact_left", "contact_right"       wire bottom on each electrode (ψ imposed,
                                                    electrode reactions)
              "free_surface"                        every other boundary face (no flux,
                                                    zero normal field)

The mesh is graded toward the contact edges (the contact lines x = left.end, x = right.start on
the bottom) with gmsh Distance/Threshold fields, and optionally toward the initial interface.

Part of the package, so an installed copy (``pip install .``) generates meshes from anywhere.
Run standalone to write a .msh file (``meshes/nanowire.py`` is a wrapper of this command):
    python -m solver.mesh.gmsh_nanowire --length 7 --width 0.2 --height 0.2 --out meshes/wire.msh
"""

from __future__ import annotations

import argparse
import itertools
import math
from pathlib import Path

from solver.mesh.tags import PHYSICAL


def _section_points(width: float, height: float, shape: str):
    """Cross-section polygon (y, z) with its bottom edge on z = 0."""
    if shape == "rectangle":
        w = width / 2
        return [(-w, 0.0), (w, 0.0), (w, height), (-w, height)]
    # hexagon with two horizontal faces; bottom face lies on the electrodes
    r = height / math.sqrt(3.0)  # circumradius so that the flat-to-flat height = height
    return [(-r / 2, 0.0), (r / 2, 0.0), (r, height / 2), (r / 2, height), (-r / 2, height),
            (-r, height / 2)]


def build_structured_model(gmsh, *, length, width, height, electrodes, interface, h_section,
                           axial_layer, shape="rectangle"):
    """Extrude the meshed cross-section along the wire in layers of ~``axial_layer`` µm.

    Layer boundaries fall on the electrode edges and the initial interface, so no facet straddles
    a contact line. Physical groups: volume "wire" and surface "boundary"; the solver assigns
    zones and contacts from cell/facet positions (solver/mesh/wire3d.py). For thin wires this
    gives the axial resolution a sharp front needs (~10 nm) with a coarse section.
    """
    occ = gmsh.model.occ
    (aL, bL), (aR, bR) = electrodes
    cuts = sorted({0.0, aL, bL, aR, bR, interface, length})
    pts = _section_points(width, height, shape)
    tags = [occ.addPoint(0.0, y, z) for y, z in pts]
    lines = [occ.addLine(tags[i], tags[(i + 1) % len(tags)]) for i in range(len(tags))]
    face = occ.addPlaneSurface([occ.addCurveLoop(lines)])
    layers = [max(1, round((x1 - x0) / axial_layer)) for x0, x1 in itertools.pairwise(cuts)]
    heights = [x / length for x in cuts[1:]]
    # Rectangle: a transfinite quad section extruded into axis-aligned hexahedra (tensor-product
    # stencils along the wire, as in 1D); hexagon: triangles extruded into tetrahedra.
    hexahedra = shape == "rectangle"
    occ.synchronize()
    if hexahedra:
        for line, size in zip(lines, (width, height, width, height), strict=True):
            gmsh.model.mesh.setTransfiniteCurve(line, max(2, round(size / h_section) + 1))
        gmsh.model.mesh.setTransfiniteSurface(face)
        gmsh.model.mesh.setRecombine(2, face)
    ext = occ.extrude([(2, face)], length, 0, 0, numElements=layers, heights=heights,
                      recombine=hexahedra)
    occ.synchronize()
    vols = [t for d, t in ext if d == 3]
    gmsh.model.addPhysicalGroup(3, vols, 99, name="wire")
    bnd = [t for _, t in gmsh.model.getBoundary([(3, v) for v in vols], oriented=False)]
    gmsh.model.addPhysicalGroup(2, bnd, 98, name="boundary")
    gmsh.option.setNumber("Mesh.MeshSizeMax", h_section)
    gmsh.option.setNumber("Mesh.MeshSizeMin", h_section / 4)
    gmsh.model.mesh.generate(3)


def build_model(gmsh, *, length, width, height, electrodes, interface, h_max, h_min,
                grading_distance, shape="rectangle", order=1):
    """Build the geometry and mesh in the current gmsh model (call on one rank only).

    Args:
        gmsh: the imported gmsh module (initialised).
        length, width, height: wire size [µm]; electrodes: ((a_L, b_L), (a_R, b_R)) [µm];
        interface: initial interface x [µm] (also a refinement location);
        h_max, h_min: largest / smallest cell size [µm]; grading_distance: distance over which
        cells grow from h_min to h_max [µm]; shape: "rectangle" or "hexagon".
    """
    _build_prisms(gmsh, length=length, width=width, height=height, electrodes=electrodes,
                  shape=shape)
    _add_physical_groups(gmsh, electrodes)
    _set_grading(gmsh, electrodes=electrodes, interface=interface, width=width, height=height,
                 h_max=h_max, h_min=h_min, grading_distance=grading_distance)
    gmsh.option.setNumber("Mesh.MeshSizeExtendFromBoundary", 0)
    gmsh.option.setNumber("Mesh.MeshSizeFromPoints", 0)
    gmsh.option.setNumber("Mesh.MeshSizeFromCurvature", 0)
    gmsh.option.setNumber("Mesh.Algorithm3D", 10)  # HXT
    gmsh.model.mesh.generate(3)
    if order > 1:
        gmsh.model.mesh.setOrder(order)


def _build_prisms(gmsh, *, length, width, height, electrodes, shape) -> None:
    """One prism per axial piece (cut at the electrode edges), fragmented so that shared faces
    are conforming."""
    occ = gmsh.model.occ
    (aL, bL), (aR, bR) = electrodes
    cuts = sorted({0.0, aL, bL, aR, bR, length})
    pts = _section_points(width, height, shape)
    volumes = []
    for x0, x1 in itertools.pairwise(cuts):
        tags = [occ.addPoint(x0, y, z) for y, z in pts]
        lines = [occ.addLine(tags[i], tags[(i + 1) % len(tags)]) for i in range(len(tags))]
        loop = occ.addCurveLoop(lines)
        face = occ.addPlaneSurface([loop])
        ext = occ.extrude([(2, face)], x1 - x0, 0, 0)
        volumes += [e for e in ext if e[0] == 3]
    occ.fragment(volumes[:1], volumes[1:])
    occ.synchronize()


def _add_physical_groups(gmsh, electrodes) -> None:
    """Physical groups of :data:`solver.mesh.tags.PHYSICAL` from the entities' positions: zones
    by the volume's centre, contacts = boundary faces on the bottom over each electrode, every
    other boundary face free surface."""
    (aL, bL), (aR, bR) = electrodes

    def centre(dim, tag):
        return gmsh.model.occ.getCenterOfMass(dim, tag)

    groups = {k: [] for k in PHYSICAL}
    for _, tag in gmsh.model.getEntities(3):
        x = centre(3, tag)[0]
        name = "zone_left" if aL < x < bL else "zone_right" if aR < x < bR else "gap"
        groups[name].append(tag)
    for _, tag in gmsh.model.getEntities(2):
        up = gmsh.model.getAdjacencies(2, tag)[0]
        if len(up) != 1:
            continue  # interior face between two pieces
        cx = centre(2, tag)[0]
        bbox = gmsh.model.getBoundingBox(2, tag)
        on_bottom = abs(bbox[2]) < 1e-6 and abs(bbox[5]) < 1e-6
        if on_bottom and aL < cx < bL:
            groups["contact_left"].append(tag)
        elif on_bottom and aR < cx < bR:
            groups["contact_right"].append(tag)
        else:
            groups["free_surface"].append(tag)
    for name, (dim, tag) in PHYSICAL.items():
        if groups[name]:
            gmsh.model.addPhysicalGroup(dim, groups[name], tag, name=name)


def _set_grading(gmsh, *, electrodes, interface, width, height, h_max, h_min,
                 grading_distance) -> None:
    """Background size field: h_min at the contact lines (bottom edges at x = b_L and x = a_R)
    growing to h_max over ``grading_distance``, and a moderate refinement around the interface."""
    (_, bL), (aR, _) = electrodes
    edges = []
    for _, tag in gmsh.model.getEntities(1):
        bb = gmsh.model.getBoundingBox(1, tag)
        along_y = abs(bb[0] - bb[3]) < 1e-6 and abs(bb[2]) < 1e-6 and abs(bb[5]) < 1e-6
        if along_y and (abs(bb[0] - bL) < 1e-6 or abs(bb[0] - aR) < 1e-6):
            edges.append(tag)
    field = gmsh.model.mesh.field
    f_dist = field.add("Distance")
    field.setNumbers(f_dist, "CurvesList", edges)
    field.setNumber(f_dist, "Sampling", 50)
    f_thr = field.add("Threshold")
    field.setNumber(f_thr, "InField", f_dist)
    field.setNumber(f_thr, "SizeMin", h_min)
    field.setNumber(f_thr, "SizeMax", h_max)
    field.setNumber(f_thr, "DistMin", 0.0)
    field.setNumber(f_thr, "DistMax", grading_distance)
    f_box = field.add("Box")  # moderate refinement around the interface
    for key, val in (("VIn", max(h_min, h_max / 2)), ("VOut", h_max), ("XMin", interface - 0.3),
                     ("XMax", interface + 0.3), ("YMin", -width), ("YMax", width),
                     ("ZMin", -1.0), ("ZMax", height + 1.0)):
        field.setNumber(f_box, key, val)
    f_min = field.add("Min")
    field.setNumbers(f_min, "FieldsList", [f_thr, f_box])
    field.setAsBackgroundMesh(f_min)


def main(argv=None) -> None:
    """Command line: write the graded (unstructured) wire mesh to ``--out``."""
    ap = argparse.ArgumentParser(prog="python -m solver.mesh.gmsh_nanowire",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--length", type=float, default=7.0)
    ap.add_argument("--width", type=float, default=0.2)
    ap.add_argument("--height", type=float, default=0.2)
    ap.add_argument("--electrodes", type=float, nargs=4, default=(0.0, 1.5, 5.5, 7.0))
    ap.add_argument("--interface", type=float, default=3.5)
    ap.add_argument("--h-max", type=float, default=0.05)
    ap.add_argument("--h-min", type=float, default=0.01)
    ap.add_argument("--grading-distance", type=float, default=0.3)
    ap.add_argument("--shape", choices=("rectangle", "hexagon"), default="rectangle")
    ap.add_argument("--out", default="meshes/nanowire.msh")
    a = ap.parse_args(argv)
    import gmsh

    gmsh.initialize()
    gmsh.option.setNumber("General.Terminal", 0)
    gmsh.model.add("nanowire")
    e = a.electrodes
    build_model(gmsh, length=a.length, width=a.width, height=a.height,
                electrodes=((e[0], e[1]), (e[2], e[3])), interface=a.interface, h_max=a.h_max,
                h_min=a.h_min, grading_distance=a.grading_distance, shape=a.shape)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    gmsh.write(a.out)
    gmsh.finalize()
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
