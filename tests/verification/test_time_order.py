"""Observed order in time of the stepper's BDF schemes: BDF1 -> 1, BDF2 -> 2.

Requirement: the time discretisation converges at its design order. The real
:class:`solver.numerics.time_stepping.TimeStepper` (history, predictor, the accept of
w_n, w_nm1, the coefficients of :func:`solver.numerics.bdf.bdf_coefficients` through
``problem.bdf``) drives a problem whose
"Newton solve" is the exact solution of the BDF equations of the smooth ODE

    y' = -y + sin t,  y(0) = 1/2,  exact y(t) = (sin t - cos t)/2 + e^{-t},

at fixed steps (dt_max = dt_initial, tolerances that never reject). A wrong coefficient, history
order or accept rotation lowers the observed order and fails the test.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from solver.numerics.bdf import bdf_coefficients
from solver.numerics.time_stepping import SteppableProblem, StepSettings, TimeStepper
from tests.one_node import OneNodeProblem

T_END_S = 2.0


def exact(t: float) -> float:
    return 0.5 * (math.sin(t) - math.cos(t)) + math.exp(-t)


class OdeProblem(OneNodeProblem):
    """y' = -y + sin t on one node (:class:`tests.one_node.OneNodeProblem`)."""

    def __init__(self):
        super().__init__(exact(0.0))

    def source(self, t):
        return math.sin(t)


def test_ode_problem_is_a_steppable_problem():
    """The one-node ODE implements every method of the stepper's Protocol (the executable
    spec of SteppableProblem), and TransportProblem does too."""
    from solver.numerics.problem import TransportProblem

    wanted = {n for n in dir(SteppableProblem) if not n.startswith("_")}
    assert wanted >= {"state", "previous", "move_to", "accept", "solve", "state_arrays"}
    for cls in (OdeProblem, TransportProblem):
        missing = {n for n in wanted if not hasattr(cls, n)} - {"comm", "layout", "bdf"}
        assert not missing, (cls.__name__, missing)


def final_error(scheme: str, dt: float) -> float:
    pb = OdeProblem()
    settings = StepSettings(t_end=T_END_S, output_times=(), scheme=scheme, dt_initial=dt,
                            dt_min=dt / 10, dt_max=dt, tol_y=1e9, tol_phi=1e9, rtol_x_v=1e9)
    steps = []
    stepper = TimeStepper(pb, settings, on_step=lambda t, dt_, its, c: steps.append(dt_))
    stepper.run()
    assert stepper.t == pytest.approx(T_END_S, rel=1e-14)
    assert np.allclose(steps, dt, rtol=1e-9), "steps must be fixed for an order test"
    return abs(pb.w_n[0] - exact(stepper.t))


@pytest.mark.parametrize(("scheme", "order"), [("bdf1", 1), ("bdf2", 2)])
def test_observed_order_in_time(scheme, order):
    dts = [T_END_S / n for n in (20, 40, 80, 160)]
    errors = [final_error(scheme, dt) for dt in dts]
    rates = [math.log2(e0 / e1) for e0, e1 in itertools.pairwise(errors)]
    assert rates[-1] == pytest.approx(order, abs=0.1), (errors, rates)
    assert all(r > order - 0.2 for r in rates), rates


def test_bdf_coefficients_are_exact_for_quadratics():
    """(a0 f(t) + a1 f(t - dt) + a2 f(t - dt - dt_prev)) / dt = f'(t) for quadratic f
    (BDF2, any step ratio) and for linear f (BDF1)."""
    t = 1.7
    for dt, dt_prev in ((0.3, 0.3), (0.2, 0.5), (0.7, 0.1)):
        a0, a1, a2 = bdf_coefficients(dt, dt_prev, 2)
        f = lambda s: 2.0 + 3.0 * s - 1.5 * s * s  # noqa: E731
        approx = (a0 * f(t) + a1 * f(t - dt) + a2 * f(t - dt - dt_prev)) / dt
        assert approx == pytest.approx(3.0 - 3.0 * t, rel=1e-12)
    assert bdf_coefficients(0.1, 0.1, 2) == pytest.approx((1.5, -2.0, 0.5))
    assert bdf_coefficients(0.1, None, 2) == (1.0, -1.0, 0.0)
    with pytest.raises(ValueError):
        bdf_coefficients(0.1, 0.1, 3)
