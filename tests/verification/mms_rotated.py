"""The manufactured-solution setting shared by test_mms_multid.py and test_mms_simplex.py.

A rectangle [0, 1] x [0, HEIGHT] (a box [0, 1] x [0, HEIGHT] x [0, DEPTH] in 3D) rotated by
ANGLE in its first two axes, with the contacts on its end faces (s = 0, s = 1) where phi is
imposed and the electrode reactions act as facet fluxes, as on the bottom facets of the 3D wire.
Forcing: the weak residual of the exact solution built by the same term builder with the fluxes
evaluated as the PDE states them (Galerkin at EXACT_FLUX_DEGREE), so the measured error is the
discretisation's only. T_STEPS backward-Euler steps of DT; errors in L2 at the end.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import ufl
from dolfinx import fem
from dolfinx import mesh as dmesh
from mpi4py import MPI

from solver.config import case_from_dict
from solver.mesh.tags import CONTACT_LEFT, CONTACT_RIGHT, GAP, ZONE_LEFT, ZONE_RIGHT, TaggedMesh
from solver.model.parameters import ElectrodeSourceParameters, from_case
from solver.numerics.newton import SolverOptions
from solver.numerics.problem import TransportProblem

HEIGHT = 0.5  # [-] extent along the second axis
DEPTH = 0.25  # [-] extent along the third axis (3D)
ANGLE = math.pi / 6  # mesh rotation in the first two axes (J^{-T} != J^{-1})
EXACT_FLUX_DEGREE = 8  # fluxes of the exact solution as the PDE states them
T_STEPS = 3
DT = 0.05
#: |Δψ| [V] of the manufactured runs (the electrode source rates scale with it).
MMS_BIAS_V = 2.0


def exact(xyz, t, lib, dim: int = 2):
    """Manufactured (y, u, phi) of the physical coordinates; phi is constant on each end face
    (the Dirichlet contacts). ``lib``: numpy or ufl."""
    c, s = math.cos(ANGLE), math.sin(ANGLE)
    x = (c * xyz[0] + s * xyz[1], -s * xyz[0] + c * xyz[1])  # unrotated (s, r)
    y = 0.5 + 0.3 * lib.cos(math.pi * x[0]) * (1 + 0.5 * t) + 0.1 * lib.cos(2 * math.pi * x[1])
    u = (math.log(0.05) + 0.5 * lib.sin(math.pi * x[0]) * lib.cos(t)
         + 0.3 * lib.cos(2 * math.pi * x[1]) * (1 + t))
    phi = (2.0 * lib.sin(2.0 * x[0]) * (1 + t)
           + 0.8 * lib.sin(math.pi * x[0]) * lib.cos(math.pi * x[1] / HEIGHT))
    if dim == 3:
        z = lib.cos(math.pi * xyz[2] / DEPTH)
        y = y + 0.05 * z
        u = u + 0.2 * z * (1 + t)
        phi = phi + 0.4 * lib.sin(math.pi * x[0]) * z
    return y, u, phi


def tagged_rotated(msh, h: float, move=None) -> TaggedMesh:
    """Tag the contacts (end faces x = 0, 1) and the electrode zones (cell midpoints below 0.25
    and above 0.75) of an unrotated mesh, then call ``move(geometry)`` if given (node
    perturbations) and rotate by ANGLE. ``h``: the mesh size recorded in the TaggedMesh."""
    tdim = msh.topology.dim
    facets, values = [], []
    for tag, xc in ((CONTACT_LEFT, 0.0), (CONTACT_RIGHT, 1.0)):
        f = dmesh.locate_entities_boundary(msh, tdim - 1, lambda X, xc=xc: np.isclose(X[0], xc))
        facets.append(f)
        values.append(np.full(f.size, tag, dtype=np.int32))
    f = np.concatenate(facets)
    order = np.argsort(f)
    facet_tags = dmesh.meshtags(msh, tdim - 1, f[order], np.concatenate(values)[order])
    n_local = msh.topology.index_map(tdim).size_local + msh.topology.index_map(tdim).num_ghosts
    mid = dmesh.compute_midpoints(msh, tdim, np.arange(n_local, dtype=np.int32))[:, 0]
    vals = np.full(n_local, GAP, dtype=np.int32)
    vals[mid < 0.25] = ZONE_LEFT
    vals[mid > 0.75] = ZONE_RIGHT
    cell_tags = dmesh.meshtags(msh, tdim, np.arange(n_local, dtype=np.int32), vals)
    g = msh.geometry.x
    if move is not None:
        move(g)
    c, s = math.cos(ANGLE), math.sin(ANGLE)
    g[:, 0], g[:, 1] = c * g[:, 0] - s * g[:, 1], s * g[:, 0] + c * g[:, 1]
    n_cells = msh.topology.index_map(tdim).size_global
    return TaggedMesh(msh, facet_tags, cell_tags, n_cells, h)


def parameters(name: str, flux_scheme: str):
    """Model parameters of the manufactured runs (all terms active, O(1) coefficients)."""
    base = from_case(case_from_dict({"name": name}))
    return dataclasses.replace(
        base, length_um=1.0, contact_left_um=0.0, contact_right_um=1.0,
        electrode_left_um=(0.0, 0.25), electrode_right_um=(0.75, 1.0), interface_um=0.5,
        interface_width_um=0.05, ln_x_v_br=math.log(0.02), ln_x_v_cl=math.log(0.08),
        x_ref=0.05, lambda2_um2=10.0, w_br=3.0, w_cl=1.0, debye2_um2=0.2,
        onsager_model="manning", source_model="contact", rate_law="composition",
        source_left=ElectrodeSourceParameters(0.4, 0.3, "half"),
        source_right=ElectrodeSourceParameters(0.5, 0.2, "local"),
        alpha_br=0.6, alpha_cl=0.2, flux_scheme=flux_scheme,
    )


def l2_errors(m: TaggedMesh, params, dim: int) -> np.ndarray:
    """L2 errors of (y, ln x_V, phi) after T_STEPS steps on mesh ``m`` with ``params``."""
    comm = MPI.COMM_WORLD
    x = ufl.SpatialCoordinate(m.mesh)
    t_new = fem.Constant(m.mesh, 0.0)
    t_old = fem.Constant(m.mesh, 0.0)

    def forcing(problem, tests):
        ex_new, ex_old = exact(x, t_new, ufl, dim), exact(x, t_old, ufl, dim)
        exact_terms = problem.build_terms(ex_new, ex_old, ex_old, tests,
                                           exact_flux_degree=EXACT_FLUX_DEGREE)
        return {f"mms_{k}": -form for k, form in exact_terms.items()}

    pb = TransportProblem(m, params, 1, SolverOptions(stol=1e-11), forcing=forcing)
    assert pb.flux_scheme == params.flux_scheme
    pb.bias_V.value = MMS_BIAS_V
    coords = [pb.W.sub(i).collapse()[0].tabulate_dof_coordinates().T for i in range(3)]
    for f in (pb.w, pb.w_n, pb.w_nm1):
        for i, name in enumerate(("y", "u", "phi")):
            pb.set_field(name, exact(coords[i], 0.0, np, dim)[i], f)
    t = 0.0
    for _ in range(T_STEPS):
        t_old.value, t_new.value = t, t + DT
        pb.bdf.set(DT, None, 1)
        for const, xc in ((pb.phi_left, 0.0), (pb.phi_right, 1.0)):
            end = np.array([[math.cos(ANGLE) * xc], [math.sin(ANGLE) * xc], [0.0]])
            const.value = exact(end, t + DT, np, 2)[2][0]  # phi on an end face: no z term
        stats = pb.solve()
        assert stats.converged, stats
        pb.w_n.x.array[:] = pb.w.x.array
        t += DT
    t_new.value = t
    dxq = ufl.Measure("dx", domain=m.mesh, metadata={"quadrature_degree": 6})
    errs = []
    for i, ex in enumerate(exact(x, t_new, ufl, dim)):
        e = ufl.split(pb.w)[i] - ex
        errs.append(math.sqrt(comm.allreduce(fem.assemble_scalar(fem.form(e * e * dxq)),
                                             op=MPI.SUM)))
    return np.array(errs)
