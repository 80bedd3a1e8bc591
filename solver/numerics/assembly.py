"""Residual and Jacobian assembly of a :class:`solver.numerics.problem.TransportProblem`
into PETSc objects, for the Newton solver (:mod:`solver.numerics.newton`), and the JIT options
of its forms.

The cell forms are dolfinx's; on box hexahedra the flux terms are added edge by edge
(:mod:`solver.numerics.edge_assembly`); the Jacobian's storage is
:mod:`solver.numerics.jacobian_matrix`. dolfinx's private vector calls go through
:mod:`solver.numerics.compat`.
"""

from __future__ import annotations

import numpy as np
from dolfinx.fem import petsc as fem_petsc
from mpi4py import MPI
from petsc4py import PETSc

from solver.numerics.compat import ghost_update, zero_vector


def jit_options(native_kernels: bool) -> dict | None:
    """JIT options of the problem's forms: dolfinx's defaults, or with ``-march=native``.

    dolfinx compiles the FFCx kernels with ``cffi_extra_compile_args = ["-O2", "-g0"]``
    (``dolfinx.jit.get_options()``); ``native_kernels`` adds ``-march=native`` (the CPU's
    vector and fused multiply-add instructions). The flags are part of the JIT cache key, so
    both variants live side by side in the cache.
    """
    if not native_kernels:
        return None
    from dolfinx import jit

    base = list(jit.get_options()["cffi_extra_compile_args"])
    return {"cffi_extra_compile_args": [*base, "-march=native"]}


def impose_boundary_values(w, bcs) -> None:
    """Set the Dirichlet dofs of ``w`` (a Function; local, with ghosts) to the values of
    ``bcs``."""
    for bc in bcs:
        w.x.array[bc.dof_indices()[0]] = float(bc.g.value)

def _boundary_values_hold(problem, x) -> bool:
    """True if ``x`` equals the Dirichlet values on every constrained dof (collective)."""
    ok = True
    with x.localForm() as loc:
        arr = loc.array
        for bc in problem.bcs:
            dofs, n_owned = bc.dof_indices()
            ok = ok and bool(np.all(arr[dofs[:n_owned]] == float(bc.g.value)))
    return ok if problem.comm.size == 1 else bool(problem.comm.allreduce(ok, op=MPI.LAND))

def assemble_residual(problem, x, b) -> None:
    """F(x) into ``b`` (PETSc vectors of the problem's space W), with the Dirichlet rows set to
    x - g; also sets the problem's ``w`` to ``x``. Unscaled: the Newton solver scales its rows
    (solver/numerics/newton.py).

    dolfinx's residual also "lifts" b by -J[:, bc] (g - x), which costs a pass of the
    Jacobian kernel over every cell at a contact (a fifth of a 3D run's time). Once the
    iterate satisfies the boundary values (always after the first Newton step; from the
    start when the contact potentials did not change) that term is exactly zero, so only
    then is it skipped.
    """
    if _boundary_values_hold(problem, x):
        ghost_update(x, PETSc.InsertMode.INSERT, PETSc.ScatterMode.FORWARD)
        fem_petsc.assign(x, problem.w)
        zero_vector(b)
        fem_petsc.assemble_vector(b, problem.problem.F)
        ghost_update(b, PETSc.InsertMode.ADD, PETSc.ScatterMode.REVERSE)
        fem_petsc.set_bc(b, problem.bcs, x0=x, alpha=-1.0)
        _add_edge_residual(problem, b)
        ghost_update(b, PETSc.InsertMode.INSERT, PETSc.ScatterMode.FORWARD)
    else:
        fem_petsc.assemble_residual(None, x, b, problem.w, problem.problem.F, problem.problem.J,
                                    problem.bcs)
        _add_edge_residual(problem, b)  # rows of constrained dofs are left alone

def _add_edge_residual(problem, b) -> None:
    """Add the edge-assembled flux terms (:attr:`edge_fluxes`) at the state ``w`` to the
    finished residual ``b``: assembled into a vector of their own, whose shared rows are
    summed across ranks, so that ``b``'s Dirichlet rows (which the edges leave alone) and
    ghost handling stay dolfinx's."""
    if problem.edge_fluxes is None:
        return
    e = problem._edge_b
    with e.localForm() as loc:
        loc.set(0.0)
        problem.edge_fluxes.add_residual(problem.w.x.array, loc.array)
    ghost_update(e, PETSc.InsertMode.ADD, PETSc.ScatterMode.REVERSE)
    b.axpy(1.0, e)

def assemble_jacobian(problem, x) -> None:
    """J(x) into :attr:`jacobian_matrix` (Dirichlet rows: identity); also sets ``w`` to
    ``x``. Unscaled: the Newton solver scales its rows (solver/numerics/newton.py)."""
    ghost_update(x, PETSc.InsertMode.INSERT, PETSc.ScatterMode.FORWARD)
    fem_petsc.assign(x, problem.w)
    add = (None if problem.edge_fluxes is None else
           lambda csr: problem.edge_fluxes.add_jacobian(problem.w.x.array, csr))
    problem.jacobian.assemble(problem.bcs, add)
