"""The field layout (solver/numerics/layout.py): fields as data, and a fourth field added in a
test without touching the stepper, Newton, recording or checkpoint code.

The fourth field is a passive tracer c with its own diffusion, D c'' = c_t, no flux at the wire
ends. Its exact properties on any mesh: the total ∫ c dz is conserved, and on an unbounded line
the variance of c grows as 2 D t (second moment of the heat kernel); a Gaussian far from the ends
sees the line as unbounded. The model's own fields (y, u, phi) must not notice the tracer.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import ufl
from mpi4py import MPI

from solver.config import load_case
from solver.mesh.interval import mesh_for_parameters
from solver.model.parameters import from_case
from solver.numerics.layout import (
    AbsoluteTolerance,
    Field,
    FieldLayout,
    LogFractionTolerance,
)
from solver.numerics.problem import SolverOptions, TransportProblem
from solver.numerics.time_stepping import StepSettings, TimeStepper, check_state

D_TRACER_UM2_PER_S = 2e-4
T_END_S = 600.0
SIGMA0_UM = 0.5
Z0_UM = 3.5
TRACER = Field("c", "passive tracer concentration [-]", "tracer diffusion (c)",
               AbsoluteTolerance(1e-3))


# ---------------------------------------------------------------------------- layout as data
def test_default_layout_names_and_roles():
    lay = FieldLayout.default()
    assert lay.names == ("y", "u", "phi")
    assert lay.row_scaled_index == 1
    assert [f.damped for f in lay] == [False, True, True]
    assert [f.upper_bound for f in lay] == [None, 0.0, None]
    assert lay.extended(TRACER).names == ("y", "u", "phi", "c")


def test_layout_refuses_duplicates_and_names_unknown_fields():
    with pytest.raises(ValueError, match="duplicate"):
        FieldLayout.default().extended(Field("y", "", "", AbsoluteTolerance(1.0)))
    with pytest.raises(KeyError, match=r"no field 'n' \(fields: y, u, phi\)"):
        FieldLayout.default().index("n")


def test_tolerances_scale_errors_as_the_stepper_did():
    """The error measures reproduce the stepper's former inline formulas."""
    w = np.array([0.2, 0.5])
    p = np.array([0.1, 0.52])
    assert AbsoluteTolerance(2e-3).scaled_error(w, p) == pytest.approx([50.0, 10.0])
    u, up = np.log([1e-6, 1e-8]), np.array([np.log(2e-6), 0.3])
    got = LogFractionTolerance(1e-10, 0.05).scaled_error(u, up)
    want = [abs(1e-6 - 2e-6) / (1e-10 + 0.05e-6), abs(1e-8 - 1.0) / (1e-10 + 0.05e-8)]
    assert got == pytest.approx(want, rel=1e-12)


def test_field_checks_name_the_violation():
    lay = FieldLayout.default()
    z = np.array([1.0, 2.0])
    assert lay.fields[0].check(np.array([0.5, -0.2]), z, 0.05).startswith(
        "y = -0.2 < -0.05, so x_Br < 0 (halide balance (y)) at z = 2 µm")
    assert "x_V = 2.71828 > 1" in lay.fields[1].check(np.array([-1.0, 1.0]), z, 0.05)
    assert lay.fields[0].check(np.array([0.0, 1.0]), z, 0.05) is None


# ---------------------------------------------------------------------------- a fourth field
def _tracer_terms(problem, tests):
    """Storage (BDF, lumped like the model's) and diffusion of the tracer, the fourth field."""
    c, c_n, c_nm1 = (ufl.split(f)[3] for f in (problem.w, problem.w_n, problem.w_nm1))
    v = tests[3]
    b = problem.bdf
    rate = (b.a0 * c + b.a1 * c_n + b.a2 * c_nm1) / b.dt
    dx_diff = ufl.Measure("dx", domain=problem.mesh1d.mesh, metadata={"quadrature_degree": 2})
    return {"tracer_storage": rate * v * problem.dx,
            "tracer_diffusion": D_TRACER_UM2_PER_S * ufl.dot(ufl.grad(c), ufl.grad(v)) * dx_diff}


def _problem(with_tracer: bool):
    case = load_case("cases/reference_forward.yaml", ["mesh.h_max_um=0.02"])
    params = from_case(case)
    m = case.mesh
    mesh = mesh_for_parameters(MPI.COMM_WORLD, params, m.h_min_nm, m.h_max_um, m.growth)
    fields = FieldLayout.default().extended(TRACER) if with_tracer else None
    pb = TransportProblem(mesh, params, m.degree, SolverOptions(),
                          forcing=_tracer_terms if with_tracer else None, fields=fields)
    pb.initialise()
    if with_tracer:
        z = pb.layout.z[3]
        c0 = np.exp(-0.5 * ((z - Z0_UM) / SIGMA0_UM) ** 2)
        for f in (pb.w, pb.w_n, pb.w_nm1):
            pb.set_field("c", c0, f)
            f.x.scatter_forward()
    return case, pb


def _moments(pb):
    """(∫ c dz, variance of c [µm²]) from the nodal profile (trapezoid on the sorted nodes)."""
    prof = pb.layout.gather_axial(pb.comm, pb.w.x.array)
    if prof is None:
        return None
    z, c = prof["z_um"], prof["c"]
    mass = np.trapezoid(c, z)
    mean = np.trapezoid(z * c, z) / mass
    return mass, np.trapezoid((z - mean) ** 2 * c, z) / mass


def _run(pb, case, t_end, stepper_state=None):
    settings = StepSettings.from_config(case.time, t_end=t_end, output_times=())
    stepper = TimeStepper(pb, settings)
    if stepper_state is not None:
        stepper.restore(*stepper_state)
    stepper.run()
    return stepper


def test_fourth_field_tracer_diffuses_and_leaves_the_model_alone():
    case, pb = _problem(with_tracer=True)
    assert pb.layout.fields.names == ("y", "u", "phi", "c")
    before = _moments(pb)
    stepper = _run(pb, case, T_END_S)
    after = _moments(pb)
    if after is not None:
        mass0, var0 = before
        mass1, var1 = after
        assert mass1 == pytest.approx(mass0, rel=1e-9)
        growth = var1 - var0
        assert growth == pytest.approx(2.0 * D_TRACER_UM2_PER_S * T_END_S, rel=1e-4), growth
    # The model's own fields: the same answer as without the tracer.
    case3, pb3 = _problem(with_tracer=False)
    _run(pb3, case3, T_END_S)
    for name in ("y", "u", "phi"):
        a, b = pb.field(name), pb3.field(name)
        assert np.max(np.abs(a - b)) <= 1e-10 * max(1.0, np.max(np.abs(b))), name
    assert stepper.counters.steps > 10


def test_fourth_field_checkpoint_restart_and_state_check():
    """The stepper's checkpoint state carries the tracer without any code knowing it; a
    restored run continues exactly; the state check names the tracer's equation."""
    case, pb = _problem(with_tracer=True)
    stepper = _run(pb, case, 0.5 * T_END_S)
    scalars, arrays = stepper.state()
    scalars = dict(scalars)
    # Continue the same problem to the end ...
    cont = TimeStepper(pb, StepSettings.from_config(case.time, t_end=T_END_S, output_times=()))
    cont.restore(scalars, arrays)
    cont.run()
    reference = pb.w.x.array.copy()
    # ... and a fresh four-field problem restored from the checkpoint state.
    case2, pb2 = _problem(with_tracer=True)
    _run(pb2, case2, T_END_S, stepper_state=(scalars, arrays))
    assert np.array_equal(pb2.w.x.array, reference)

    bad = pb2.w.x.array.copy()
    bad[pb2.layout.owned_dofs[3][:1]] = math.nan
    message = check_state(pb2, bad)
    if pb2.layout.owned_dofs[3].size:
        assert message.startswith("non-finite c (nan) in the tracer diffusion (c) at z = ")
