"""The only place that knows about dolfinx API differences and private dolfinx calls (pinned
range: dolfinx >=0.11,<0.12)."""

from __future__ import annotations

import numpy as np


def collapse(subspace):
    """Collapse a sub-space: return (collapsed space, flat int32 array of parent dof indices).

    dolfinx 0.11 returns the parent dofs as a list of arrays (one per block); earlier releases
    returned a single array.
    """
    V, dofs = subspace.collapse()
    if isinstance(dofs, (list, tuple)):
        dofs = np.concatenate([np.asarray(d).ravel() for d in dofs])
    return V, np.asarray(dofs, dtype=np.int32).ravel()


def ghost_update(vec, insert_mode, scatter_mode) -> None:
    """Update the ghost entries of a PETSc vector of dolfinx (forward: owners to ghosts;
    reverse: ghosts added or inserted into owners). dolfinx 0.11 keeps this private
    (``dolfinx.la.petsc._ghost_update``)."""
    from dolfinx.la import petsc as la_petsc

    la_petsc._ghost_update(vec, insert_mode, scatter_mode)


def zero_vector(vec) -> None:
    """Set a PETSc vector of dolfinx to zero, ghosts included (dolfinx 0.11:
    ``dolfinx.la.petsc._zero_vector``)."""
    from dolfinx.la import petsc as la_petsc

    la_petsc._zero_vector(vec)
