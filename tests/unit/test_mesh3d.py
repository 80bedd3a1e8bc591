"""3D mesh generation: tags and measures (contact areas, zone volumes) are exact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import ufl
from dolfinx import fem
from mpi4py import MPI

from solver.mesh.tags import CONTACT_LEFT, CONTACT_RIGHT, FREE_SURFACE, GAP, ZONE_LEFT, ZONE_RIGHT
from solver.mesh.wire3d import generate_nanowire

GEOM = dict(length=7.0, width=0.2, height=0.3, electrodes=((0.0, 1.5), (5.0, 7.0)),
            interface=3.5)


def measure(m, kind, tag):
    msh = m.mesh
    data = m.facet_tags if kind == "ds" else m.cell_tags
    meas = ufl.Measure(kind, domain=msh, subdomain_data=data)
    one = fem.Constant(msh, 1.0)
    return msh.comm.allreduce(fem.assemble_scalar(fem.form(one * meas(tag))), op=MPI.SUM)


@pytest.mark.parametrize("structured", [True, False])
def test_generated_wire_tags_and_measures(structured):
    kw = dict(h_max=0.1, h_min=0.05, grading_distance=0.2)
    if structured:
        kw["axial_layer"] = 0.1
    m = generate_nanowire(MPI.COMM_WORLD, **GEOM, **kw)
    w, h = GEOM["width"], GEOM["height"]
    assert measure(m, "ds", CONTACT_LEFT) == pytest.approx(1.5 * w, rel=1e-10)
    assert measure(m, "ds", CONTACT_RIGHT) == pytest.approx(2.0 * w, rel=1e-10)
    surface = 2 * (7.0 * w + 7.0 * h + w * h)
    assert measure(m, "ds", FREE_SURFACE) == pytest.approx(surface - 3.5 * w, rel=1e-10)
    assert measure(m, "dx", ZONE_LEFT) == pytest.approx(1.5 * w * h, rel=1e-10)
    assert measure(m, "dx", ZONE_RIGHT) == pytest.approx(2.0 * w * h, rel=1e-10)
    assert measure(m, "dx", GAP) == pytest.approx(3.5 * w * h, rel=1e-10)
    assert m.n_cells > 100 and np.isfinite(m.h_min_um)


def test_preflight_counts_structured_hexahedra_exactly():
    """The preflight estimate that guards mesh.max_cells is the generated hexahedron count."""
    from solver.config import load_case
    from solver.preflight import estimated_cells_3d

    over = ["geometry.height_um=0.3", "electrodes.right.start_um=5.0", "mesh.h3d_max_um=0.1",
            "mesh.h3d_axial_um=0.1"]
    case = load_case(Path(__file__).resolve().parents[2] / "cases" / "wire3d.yaml", over)
    m = generate_nanowire(MPI.COMM_WORLD, **GEOM, h_max=0.1, h_min=0.05, grading_distance=0.2,
                          axial_layer=0.1)
    assert m.mesh.topology.cell_type.name == "hexahedron"
    assert estimated_cells_3d(case) == m.n_cells
