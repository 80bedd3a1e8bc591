"""A one-node problem for the time stepper, shared by the tests that drive the real
:class:`solver.numerics.time_stepping.TimeStepper` without a mesh.

It implements the stepper's Protocol (:class:`solver.numerics.time_stepping.SteppableProblem`)
with one dof per default field (y, u = ln x_V, phi); y solves y' = -y + f(t), u and phi stay
constant. Each "Newton solve" is the exact solution of the BDF equations, so a wrong BDF
coefficient, history order or accept rotation shows in the solution.
"""

from __future__ import annotations

import numpy as np
from mpi4py import MPI

from solver.numerics.bdf import bdf_coefficients
from solver.numerics.layout import DofLayout, FieldLayout
from solver.numerics.newton import NewtonStats


class OneNodeProblem:
    """y' = -y + :meth:`source` (t) on one node, y(0) = ``y0``; subclasses give the source."""

    def __init__(self, y0: float):
        arr = np.array([y0, -1.0, 0.0])
        self.w, self.w_n, self.w_nm1 = arr.copy(), arr.copy(), arr.copy()
        self.layout = DofLayout(FieldLayout.default(), [None] * 3,
                                [np.array([0]), np.array([1]), np.array([2])],
                                [np.zeros(1)] * 3, n_owned=3)
        self.comm = MPI.COMM_SELF
        self.bdf = self  # the BDF constants: set() below
        self.t_new = 0.0

    def source(self, t: float) -> float:
        """f(t) of y' = -y + f(t)."""
        raise NotImplementedError

    def set(self, dt, dt_prev, order):
        """BDF coefficients of the step (``problem.bdf.set``)."""
        self.a, self.dt = bdf_coefficients(dt, dt_prev, order), dt

    @property
    def state(self):
        return self.w

    @property
    def previous(self):
        return self.w_n

    def move_to(self, t):
        self.t_new = t
        return False

    def set_time(self, t):
        self.t_new = t

    def set_newton_guess(self, w):
        self.w[:] = self.w_n if w is None else w

    def accept(self):
        self.w_nm1[:] = self.w_n
        self.w_n[:] = self.w

    def state_arrays(self):
        return {"w": self.w.copy(), "w_n": self.w_n.copy(), "w_nm1": self.w_nm1.copy()}

    def restore_state_arrays(self, arrays):
        self.w[:], self.w_n[:], self.w_nm1[:] = arrays["w"], arrays["w_n"], arrays["w_nm1"]

    def invalidate_jacobian(self):
        """No Jacobian to refresh."""

    def solve(self):
        """(a0 y + a1 y_n + a2 y_nm1)/dt = -y + f(t), solved exactly for y."""
        a0, a1, a2 = self.a
        rhs = self.dt * self.source(self.t_new) - a1 * self.w_n[0] - a2 * self.w_nm1[0]
        self.w[0] = rhs / (a0 + self.dt)
        return NewtonStats(True, 1, 2)
