"""The fields of the discrete problem as data: names, units, error tolerances, validity, Newton
damping, and where each field's values sit in the state array.

A :class:`FieldLayout` is an ordered tuple of :class:`Field` s. The problem builds one blocked
Lagrange element of that many components (the unknowns of a node are adjacent in the dof
numbering: docs/performance.md, "Dof layout"), and :meth:`FieldLayout.bind` gives the
:class:`DofLayout`: per field its dof indices into the state array, which of them this rank
owns, and their coordinates. Everything that used to index fields by position — Newton's
damping, update norms and row scaling (:mod:`solver.numerics.newton`), the stepper's error norm
and state check (:mod:`solver.numerics.time_stepping`), recording and checkpoints — reads the
layout instead, so a field can be added without editing them
(``tests/unit/test_field_layout.py`` adds a passive tracer).

The default layout is the halide/vacancy/potential model of docs/model.md:

    y     halide composition y = x_A / (x_A + x_B) [-]        (halide balance)
    u     ln x_V, the log vacancy site fraction [-]           (vacancy balance)
    phi   electrostatic potential in thermal units k_BT/e [-] (Poisson equation)

No dolfinx at module level: the dof maps are computed in :meth:`FieldLayout.bind`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

#: A validity check of one field: (owned values, their coordinates z [µm], tolerance) -> one
#: line describing the first violation, or None.
Check = Callable[[np.ndarray, np.ndarray, float], str | None]


@dataclass(frozen=True)
class AbsoluteTolerance:
    """Time-step error of a field measured as |w - w_pred| / ``tol`` (same unit as the field)."""

    tol: float

    def scaled_error(self, values: np.ndarray, predicted: np.ndarray) -> np.ndarray:
        """Per-dof error over tolerance (arrays of owned values, same shape)."""
        return np.abs(values - predicted) / self.tol


@dataclass(frozen=True)
class ScaledYTolerance:
    """An absolute tolerance that follows the run's y tolerance: ``scale`` times ``time.tol_y``
    in the field's unit (e.g. an inventory per unit area: tol_y times V/S)."""

    scale: float

    def with_tol_y(self, tol_y: float) -> AbsoluteTolerance:
        """The absolute tolerance for a run whose y tolerance is ``tol_y``."""
        return AbsoluteTolerance(self.scale * tol_y)

    def scaled_error(self, values: np.ndarray, predicted: np.ndarray) -> np.ndarray:
        """Per-dof error over ``scale`` x 2e-3 (the default tol_y)."""
        return self.with_tol_y(2e-3).scaled_error(values, predicted)


@dataclass(frozen=True)
class LogFractionTolerance:
    """Time-step error of a log site fraction u = ln x, measured on x itself:
    |x - x_pred| / (atol + rtol x), with the predicted u capped at 0 (x_pred <= 1)."""

    atol: float
    rtol: float

    def scaled_error(self, values: np.ndarray, predicted: np.ndarray) -> np.ndarray:
        """Per-dof error over tolerance (arrays of owned values of u, same shape)."""
        x = np.exp(values)
        return np.abs(x - np.exp(np.minimum(predicted, 0.0))) / (self.atol + self.rtol * x)


@dataclass(frozen=True)
class Field:
    """One unknown of the coupled problem.

    Attributes:
        name: short name used in code, messages and checkpoints ("y", "u", "phi").
        description: what it is, with its unit, for messages and docs.
        equation: the equation whose unknown it is, as failure messages name it.
        tolerance: default time-step error measure (:class:`AbsoluteTolerance` or
            :class:`LogFractionTolerance`); a run's ``time`` settings may override it by name.
        damped: Newton clips each update of this field to ``solver.max_update`` (fields in
            thermal units: ln x_V and phi).
        upper_bound: Newton keeps the iterate at or below this value (u <= 0: x_V <= 1), or
            None.
        row_scaled: Newton divides this field's rows by the largest e^u / x_ref around the node
            and ignores its update where e^u is negligible (a log site fraction whose rows scale
            with it). At most one field of a layout.
        check: validity of an accepted state beyond finiteness (:data:`Check`), or None.
    """

    name: str
    description: str
    equation: str
    tolerance: AbsoluteTolerance | LogFractionTolerance
    damped: bool = False
    upper_bound: float | None = None
    row_scaled: bool = False
    check: Check | None = None


def _composition_check(y: np.ndarray, z: np.ndarray, tol: float) -> str | None:
    """y in [-tol, 1 + tol]: x_A = y (1 - x_V) and x_B = (1 - y)(1 - x_V) not negative."""
    if y.size and y.min() < -tol:
        k = int(np.argmin(y))
        return (f"y = {y[k]:.6g} < {-tol:g}, so x_Br < 0 (halide balance (y)) at "
                f"z = {z[k]:.6g} µm")
    if y.size and y.max() > 1.0 + tol:
        k = int(np.argmax(y))
        return (f"y = {y[k]:.6g} > {1 + tol:g}, so x_Cl < 0 and x_Br + x_V > 1 "
                f"(halide balance (y)) at z = {z[k]:.6g} µm")
    return None


def _vacancy_check(u: np.ndarray, z: np.ndarray, tol: float) -> str | None:
    """ln x_V <= 0 (x_V <= 1)."""
    if u.size and u.max() > 0.0:
        k = int(np.argmax(u))
        return (f"x_V = {np.exp(min(u[k], 700.0)):.6g} > 1 (vacancy balance (ln x_V)) at "
                f"z = {z[k]:.6g} µm")
    return None


#: The halide composition.
COMPOSITION = Field("y", "halide composition y = x_A/(x_A + x_B) [-]", "halide balance (y)",
                    AbsoluteTolerance(2e-3), check=_composition_check)
#: The log vacancy site fraction.
LN_VACANCY = Field("u", "log vacancy site fraction u = ln x_V [-]",
                   "vacancy balance (ln x_V)", LogFractionTolerance(1e-10, 0.05), damped=True,
                   upper_bound=0.0, row_scaled=True, check=_vacancy_check)
#: The electrostatic potential in thermal units.
POTENTIAL = Field("phi", "electrostatic potential phi = psi/(k_BT/e) [-]",
                  "Poisson equation (phi)", AbsoluteTolerance(0.05), damped=True)


@dataclass(frozen=True)
class FieldLayout:
    """An ordered set of fields: the components of the blocked unknown, in this order.

    Raises:
        ValueError: duplicate names, or more than one row-scaled field.
    """

    fields: tuple[Field, ...]

    def __post_init__(self):
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate field names in {names}")
        if sum(f.row_scaled for f in self.fields) > 1:
            raise ValueError("at most one row-scaled field")

    @classmethod
    def default(cls) -> FieldLayout:
        """(y, u, phi): the halide/vacancy/potential model (docs/model.md)."""
        return cls((COMPOSITION, LN_VACANCY, POTENTIAL))

    def extended(self, *more: Field) -> FieldLayout:
        """This layout with ``more`` fields appended."""
        return FieldLayout((*self.fields, *more))

    @property
    def names(self) -> tuple[str, ...]:
        """Field names in layout order."""
        return tuple(f.name for f in self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def __iter__(self):
        return iter(self.fields)

    def index(self, name: str) -> int:
        """Position of the field ``name``.

        Raises:
            KeyError: no such field (the message lists the names).
        """
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"no field {name!r} (fields: {', '.join(self.names)})") from None

    @property
    def row_scaled_index(self) -> int | None:
        """Position of the row-scaled field, or None."""
        return next((i for i, f in enumerate(self.fields) if f.row_scaled), None)

    def bind(self, W) -> DofLayout:
        """The dof maps of these fields on the blocked space ``W`` (a dolfinx function space
        with one component per field, in layout order).

        Raises:
            ValueError: ``W`` has another number of components.
        """
        from solver.numerics.compat import collapse

        bs = W.dofmap.index_map_bs
        if bs != len(self):
            raise ValueError(f"the space has {bs} components, the layout {len(self)} fields")
        spaces, dofs, z = [], [], []
        for i in range(len(self)):
            Vi, d = collapse(W.sub(i))
            spaces.append(Vi)
            dofs.append(d)
            z.append(Vi.tabulate_dof_coordinates()[:, 0].copy())
        n_owned = W.dofmap.index_map.size_local * bs
        return DofLayout(self, spaces, dofs, z, n_owned)


@dataclass
class DofLayout:
    """Where each field's values sit in the local state array (owned + ghost entries).

    Attributes:
        fields: the :class:`FieldLayout`.
        spaces: per field, its collapsed scalar space.
        dofs: per field, (n_i,) int32 indices into the state array (owned and ghost).
        z: per field, (n_i,) axial coordinate [µm] of those dofs.
        n_owned: entries of the state array this rank owns (the first ``n_owned``).
        owned: per field, (n_i,) bool mask of ``dofs`` owned by this rank.
        owned_dofs, owned_z: ``dofs`` and ``z`` restricted to ``owned``.
    """

    fields: FieldLayout
    spaces: list
    dofs: list[np.ndarray]
    z: list[np.ndarray]
    n_owned: int
    owned: list[np.ndarray] = field(init=False)
    owned_dofs: list[np.ndarray] = field(init=False)
    owned_z: list[np.ndarray] = field(init=False)

    def __post_init__(self):
        self.owned = [d < self.n_owned for d in self.dofs]
        self.owned_dofs = [d[o] for d, o in zip(self.dofs, self.owned, strict=True)]
        self.owned_z = [z[o] for z, o in zip(self.z, self.owned, strict=True)]
        self._axial_order = None

    def values(self, name: str, array: np.ndarray) -> np.ndarray:
        """Local values (owned + ghost) of field ``name`` in the state array ``array``."""
        return array[self.dofs[self.fields.index(name)]]

    def owned_values(self, name: str, array: np.ndarray) -> np.ndarray:
        """Owned values of field ``name`` in ``array`` (in the order of ``owned_z``)."""
        return array[self.owned_dofs[self.fields.index(name)]]

    def set_values(self, name: str, array: np.ndarray, values) -> None:
        """Write ``values`` (local, owned + ghost order) into ``array`` for field ``name``."""
        array[self.dofs[self.fields.index(name)]] = values

    def axial_order(self, comm) -> tuple[np.ndarray, np.ndarray] | None:
        """1D meshes: (z [µm], order) on rank 0 such that the owned values of any field,
        gathered over ranks in rank order and indexed by ``order``, are its z-sorted nodal
        profile without the duplicates of shared nodes; None on other ranks. The fields share
        one Lagrange space, so one order serves all. Computed once (collective).

        Raises:
            RuntimeError: the fields do not share one dof layout.
        """
        if self._axial_order is not None:
            return self._axial_order[0]
        zs = list(self.owned_z)
        if comm.size > 1:
            gathered = comm.gather(zs, root=0)
            zs = None if comm.rank != 0 else [np.concatenate([g[i] for g in gathered])
                                             for i in range(len(self.fields))]
        result = None
        if zs is not None:
            order = np.argsort(zs[0], kind="stable")
            z = zs[0][order]
            keep = np.concatenate([[True], np.diff(z) > 1e-12])  # duplicates of shared nodes
            for zi in zs[1:]:
                if not np.array_equal(zi[order][keep], z[keep]):
                    raise RuntimeError("the fields do not share one dof layout")
            result = (z[keep], order[keep])
        self._axial_order = (result,)
        return result

    def gather_axial(self, comm, array: np.ndarray) -> dict[str, np.ndarray] | None:
        """1D meshes: every field's z-sorted nodal profile on rank 0 (a dict by field name;
        None on other ranks), from the local state ``array``. Collective.

        Returns:
            ``{"z_um": (n,), name: (n,) for each field}`` on rank 0.
        """
        z_order = self.axial_order(comm)
        parts = [array[d] for d in self.owned_dofs]
        if comm.size > 1:
            gathered = comm.gather(parts, root=0)
            if comm.rank != 0:
                return None
            parts = [np.concatenate([g[i] for g in gathered]) for i in range(len(parts))]
        z, order = z_order
        out = {"z_um": z}
        out.update({f.name: p[order] for f, p in zip(self.fields, parts, strict=True)})
        return out


def tolerances_from_settings(tol_y: float, tol_phi: float, atol_x_v: float,
                             rtol_x_v: float) -> dict[str, AbsoluteTolerance |
                                                           LogFractionTolerance]:
    """The time-step tolerances of the default fields from a run's ``time`` settings."""
    return {"y": AbsoluteTolerance(tol_y), "u": LogFractionTolerance(atol_x_v, rtol_x_v),
            "phi": AbsoluteTolerance(tol_phi)}

