"""A TransportProblem is freed when its last reference goes (solver.newton.weak_callback).

PETSc keeps a SNES's Python callbacks in C, out of sight of Python's garbage collector: with
bound methods there, every problem built in a process stayed alive with its mesh, matrices and
MPI communicators, and after ~150 problems MPICH ran out of communicators (the test suite exited
with status 15, MPI_ERR_OTHER, after its last test).
"""

import gc
import weakref
from pathlib import Path

import pytest
from mpi4py import MPI

from solver.config import load_case
from solver.numerics.newton import weak_callback
from solver.run import build_problem

REPO_ROOT = Path(__file__).resolve().parents[2]
CASE = REPO_ROOT / "cases" / "reference_forward.yaml"


def free_communicators() -> int:
    """How many more communicators this process can create (MPICH has a fixed number of
    context ids): duplicate until MPI refuses, then free them all."""
    comms = []
    try:
        while len(comms) < 100_000:
            comms.append(MPI.COMM_SELF.Dup())
    except MPI.Exception:
        pass
    n = len(comms)
    for c in comms:
        c.Free()
    return n


def test_problem_is_freed_with_its_communicators():
    case = load_case(CASE, ["mesh.h_max_um=0.1"])
    build_problem(case, MPI.COMM_WORLD)  # JIT and library caches first
    gc.collect()
    before = free_communicators()
    problem = build_problem(case, MPI.COMM_WORLD)[0]
    assert free_communicators() < before  # the problem holds some while it lives
    ref = weakref.ref(problem)
    del problem
    gc.collect()
    assert ref() is None
    assert free_communicators() == before


def test_weak_callback_does_not_keep_its_object():
    class Target:
        def value(self, x):
            return 2 * x

    target = Target()
    call = weak_callback(target.value)
    assert call(3) == 6
    del target
    gc.collect()
    with pytest.raises(ReferenceError, match=r"Target\.value"):
        call(3)
