"""The only place that knows about dolfinx API differences (pinned range: dolfinx >=0.11,<0.12)."""

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
