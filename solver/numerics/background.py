"""The fixed negative charge of the Poisson equation, x_bg: frozen, or evolving with the bulk
vacancy equilibration, and its history for the time steps and checkpoints.

Model: docs/model.md, "Vacancy equilibration" (:mod:`solver.physics.equilibration`). Without
equilibration x_bg is the initial equilibrium x_V,eq(y(z, 0)), held as exp of a Lagrange
function so that the initial state is exactly neutral at every quadrature point. With
``material.vacancy_equilibration: schottky`` x_bg evolves with the vacancies' equilibration:
x_bg^{n+1} is a UFL expression of the unknowns and of x_bg at t_n and t_{n-1}, which are P1
functions advanced after each accepted step (:meth:`Background.accept`).
"""

from __future__ import annotations

import numpy as np
import ufl
from dolfinx import fem

from solver.physics.equilibration import background_next, equilibration_rate
from solver.physics.initial import initial_ln_vacancy


class Background:
    """x_bg on the vacancy field's space.

    Args:
        V: the collapsed space of u = ln x_V; z_um: its dof coordinates [µm].
        params: ModelParameters (initial composition, vacancy_equilibration).
        lumped: storage lumped at the vertices (degree 1); equilibration needs it.

    Raises:
        ValueError: vacancy equilibration on a higher-degree mesh.
    """

    def __init__(self, V, z_um: np.ndarray, params, lumped: bool):
        #: ln x_V,eq(y(z, 0)) (the frozen background's log).
        self.u_background = fem.Function(V)
        self.u_background.x.array[:] = initial_ln_vacancy(z_um, params)
        self.equilibrating = params.vacancy_equilibration == "schottky"
        self.bg_n = self.bg_nm1 = None
        self._next = self._new = None
        if self.equilibrating:
            if not lumped:
                raise ValueError("material.vacancy_equilibration schottky needs mesh.degree 1 "
                                 "(lumped storage: the background bookkeeping is exact at the "
                                 "vertices)")
            self.bg_n = fem.Function(V, name="x_bg")
            self.bg_nm1 = fem.Function(V)
            self.reset()

    def reset(self) -> None:
        """x_bg at t_n and t_{n-1} set to the initial equilibrium x_V,eq(y(z, 0)) (nodal)."""
        for f in (self.bg_n, self.bg_nm1):
            if f is not None:
                f.x.array[:] = np.exp(self.u_background.x.array)

    def at_new_time(self, y, u, params, bdf):
        """x_bg at the end of the step as a UFL expression: :func:`background_next` of the
        unknowns (y, u) with equilibration, else the frozen exp(u_background)."""
        if not self.equilibrating:
            return ufl.exp(self.u_background)
        return background_next(equilibration_rate(y, u, params), self.bg_n, self.bg_nm1, bdf)

    def compile_update(self, y, u, params, bdf) -> None:
        """Compile the interpolation of x_bg^{n+1} used by :meth:`accept` (equilibration only)."""
        if not self.equilibrating:
            return
        V = self.bg_n.function_space
        self._next = fem.Expression(self.at_new_time(y, u, params, bdf),
                                    V.element.interpolation_points)
        self._new = fem.Function(V)

    def at_last_time(self):
        """x_bg of the last accepted time as a UFL object (for the net charge)."""
        return self.bg_n if self.equilibrating else ufl.exp(self.u_background)

    def values(self) -> np.ndarray:
        """Local nodal values (incl. ghosts) of x_bg [-] at the last accepted time, in the
        order of the vacancy field's dofs."""
        if self.equilibrating:
            return self.bg_n.x.array.copy()
        return np.exp(self.u_background.x.array)

    def accept(self) -> None:
        """After an accepted step (``w`` holds its state, the BDF constants are its):
        x_bg^{n+1} at the vertices, then x_bg^{n-1} <- x_bg^n <- x_bg^{n+1}. No-op without
        equilibration."""
        if not self.equilibrating:
            return
        self._new.interpolate(self._next)
        self.bg_nm1.x.array[:] = self.bg_n.x.array
        self.bg_n.x.array[:] = self._new.x.array
        for f in (self.bg_n, self.bg_nm1):
            f.x.scatter_forward()

    def arrays(self) -> dict:
        """This rank's history arrays (for checkpoints): ``bg_n``, ``bg_nm1`` with
        equilibration, else nothing."""
        if not self.equilibrating:
            return {}
        return {"bg_n": self.bg_n.x.array.copy(), "bg_nm1": self.bg_nm1.x.array.copy()}

    def restore(self, arrays: dict) -> None:
        """Inverse of :meth:`arrays`.

        Raises:
            ValueError: an array is missing or has the wrong length.
        """
        if not self.equilibrating:
            return
        for name, f in (("bg_n", self.bg_n), ("bg_nm1", self.bg_nm1)):
            if name not in arrays:
                raise ValueError(f"checkpoint has no array {name} (vacancy equilibration)")
            if arrays[name].shape != f.x.array.shape:
                raise ValueError(f"checkpoint array {name} has {arrays[name].size} values, this "
                                 f"rank has {f.x.array.size}")
            f.x.array[:] = arrays[name]
            f.x.scatter_forward()
