"""Method of manufactured solutions for the coupled transient (y, ln x_V, phi) system.

Requirement: with every term active (Onsager transport, Poisson, contact-point electrode sources
with both equilibrium options and the composition rate law), the discrete solution converges to a
smooth manufactured solution at the optimal rate in L2: order >= 1.9 for P1 and >= 2.9 for P2.

The forcing is the weak residual of the exact solution built by the *same* term builder
(``TransportProblem.build_terms``), with the exact solution's own discrete time derivative, so
the time discretisation error is zero and the measured error is purely spatial. Boundary fluxes
of the exact solution are included automatically (the weak residual contains them).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import ufl
from dolfinx import fem
from mpi4py import MPI

from solver.config import case_from_dict
from solver.mesh.interval import create_mesh1d
from solver.model.parameters import ElectrodeSourceParameters, from_case
from solver.numerics.newton import SolverOptions
from solver.numerics.problem import TransportProblem

EXACT_FLUX_DEGREE = 8  # fluxes of the exact solution as the PDE states them
T_STEPS = 4
DT = 0.05
#: |Δψ| [V] of the manufactured runs (the electrode source rates scale with it).
MMS_BIAS_V = 2.0


def exact_np(z, t):
    """Manufactured (y, u, phi) as numpy arrays."""
    y = 0.5 + 0.3 * np.cos(np.pi * z) * (1 + 0.5 * t)
    u = math.log(0.05) + 0.5 * np.sin(np.pi * z) * np.cos(t)
    phi = 2.0 * np.sin(2.0 * z) * (1 + t)
    return y, u, phi


def exact_ufl(z, t):
    """The same as UFL expressions of the spatial coordinate and a time constant."""
    y = 0.5 + 0.3 * ufl.cos(ufl.pi * z) * (1 + 0.5 * t)
    u = math.log(0.05) + 0.5 * ufl.sin(ufl.pi * z) * ufl.cos(t)
    phi = 2.0 * ufl.sin(2.0 * z) * (1 + t)
    return y, u, phi


def mms_parameters(onsager_model: str, rate_law: str, flux_scheme: str,
                   source_model: str = "contact"):
    """O(1) parameters on a unit wire with contacts at 0.25 and 0.75."""
    base = from_case(case_from_dict({"name": "mms"}))
    return dataclasses.replace(
        base, length_um=1.0, contact_left_um=0.25, contact_right_um=0.75,
        electrode_left_um=(0.0, 0.25), electrode_right_um=(0.75, 1.0), interface_um=0.5,
        interface_width_um=0.05, ln_x_v_br=math.log(0.02), ln_x_v_cl=math.log(0.08),
        x_ref=0.05, lambda2_um2=10.0, w_br=3.0, w_cl=1.0, debye2_um2=0.2,
        onsager_model=onsager_model, source_model=source_model, rate_law=rate_law,
        source_left=ElectrodeSourceParameters(0.4, 0.3, "half"),
        source_right=ElectrodeSourceParameters(0.5, 0.2, "local"),
        alpha_br=0.6, alpha_cl=0.2, flux_scheme=flux_scheme,
    )


def l2_errors(n_cells: int, degree: int, onsager_model: str, rate_law: str, flux_scheme: str,
              source_model: str = "contact"):
    comm = MPI.COMM_WORLD
    params = mms_parameters(onsager_model, rate_law, flux_scheme, source_model)
    verts = np.linspace(0.0, 1.0, n_cells + 1)
    m = create_mesh1d(comm, verts, (0.25, 0.75), ((0.0, 0.25), (0.75, 1.0)))
    z = ufl.SpatialCoordinate(m.mesh)[0]
    t_new = fem.Constant(m.mesh, 0.0)
    t_old = fem.Constant(m.mesh, 0.0)

    def forcing(problem, tests):
        ex_new, ex_old = exact_ufl(z, t_new), exact_ufl(z, t_old)
        exact_terms = problem.build_terms(ex_new, ex_old, ex_old, tests,
                                           exact_flux_degree=EXACT_FLUX_DEGREE)
        return {f"mms_{k}": -form for k, form in exact_terms.items()}

    pb = TransportProblem(m, params, degree, SolverOptions(stol=1e-11), forcing=forcing)
    pb.bias_V.value = MMS_BIAS_V
    for f in (pb.w, pb.w_n, pb.w_nm1):
        for name, vals in zip(("y", "u", "phi"), exact_np(pb.z[0], 0.0), strict=True):
            pb.set_field(name, vals, f)
    t = 0.0
    for _ in range(T_STEPS):
        t_old.value, t_new.value = t, t + DT
        pb.bdf.set(DT, None, 1)
        for const, zc in ((pb.phi_left, 0.25), (pb.phi_right, 0.75)):
            const.value = exact_np(np.array([zc]), t + DT)[2][0]
        stats = pb.solve()
        assert stats.converged, stats
        pb.w_n.x.array[:] = pb.w.x.array
        t += DT
    t_new.value = t
    errs = []
    dxq = ufl.Measure("dx", domain=m.mesh, metadata={"quadrature_degree": 8})
    for i, ex in enumerate(exact_ufl(z, t_new)):
        e = ufl.split(pb.w)[i] - ex
        val = comm.allreduce(fem.assemble_scalar(fem.form(e * e * dxq)), op=MPI.SUM)
        errs.append(math.sqrt(val))
    return np.array(errs)


@pytest.mark.parametrize(
    "degree, flux_scheme, meshes, min_rate",
    [
        (1, "exponential_fitting", (32, 64, 128), 1.9),
        (1, "galerkin", (32, 64, 128), 1.9),
        (2, "galerkin", (16, 32, 64), 2.9),
    ],
)
@pytest.mark.parametrize("onsager_model, rate_law",
                         [("manning", "composition"), ("ideal", "fixed")])
def test_mms_convergence_order(degree, flux_scheme, meshes, min_rate, onsager_model, rate_law):
    errors = np.array(
        [l2_errors(n, degree, onsager_model, rate_law, flux_scheme) for n in meshes]
    )
    rates = np.log2(errors[:-1] / errors[1:])
    assert np.all(errors[-1] < errors[0]), errors
    for field, r in zip(("y", "ln x_V", "phi"), rates.T, strict=True):
        assert np.all(r >= min_rate), f"{field}: rates {r} (errors {errors})"


def test_mms_convergence_zone_sources():
    """Requirement: the zone placement of the electrode sources (volumetric r / w_e over the
    electrode zones) converges at the optimal P1 rate too."""
    meshes = (32, 64, 128)
    errors = np.array(
        [l2_errors(n, 1, "manning", "fixed", "exponential_fitting", "zone") for n in meshes]
    )
    rates = np.log2(errors[:-1] / errors[1:])
    assert np.all(rates >= 1.9), f"rates {rates} (errors {errors})"
