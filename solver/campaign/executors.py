"""Where campaign members, a fit's model runs and ensemble tasks execute: chosen at run time.

Three engines, each a :class:`concurrent.futures.Executor` opened for one campaign or fit by
:func:`open_engine` (``--executor local|dask|mpi``, ``--scheduler ADDRESS``, ``-j N``):

``local`` (default, nothing to install)
    A pool on this machine: threads that each start one member process
    (``python -m solver.cli ...``), ``-j`` at a time, as campaigns always ran.
``dask``
    :mod:`distributed` (``pip install .[cluster]``). Without ``--scheduler``: a
    ``LocalCluster`` of ``-j`` worker processes, one thread each. With ``--scheduler``: a
    running scheduler's address (``tcp://host:8786``) or its scheduler file (a path to the JSON
    that ``dask scheduler --scheduler-file F`` writes), or ``slurm`` / ``pbs`` for a
    ``dask_jobqueue`` cluster of ``-j`` workers configured by dask's ``jobqueue.yaml``
    (``pip install dask-jobqueue``).
``mpi``
    :class:`mpi4py.futures.MPIPoolExecutor` (mpi4py is a dependency already). The command must
    be started as ``mpirun -n N python -m mpi4py.futures run_case.py ...``: rank 0 runs the
    campaign, the other N - 1 ranks are its workers (``-j`` is ignored).

A worker of a remote engine (dask, mpi) runs a member as the local pool does (one process per
member, its own output directory, lock, checkpoint and log), so the campaign directory must be
on a file system that the workers share; what comes back to the campaign is the member's
:class:`~solver.campaign.members.MemberResult`. See docs/cluster.md.

Errors: a bad choice or an engine that is not installed raises :class:`ExecutorError` (a
:class:`solver.config.CaseError`: one line naming the option, exit 2 on the command line).
"""

from __future__ import annotations

import concurrent.futures
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from solver.config import CaseError

__all__ = ["ENGINES", "EXTRA", "Engine", "ExecutorChoice", "ExecutorError", "open_engine"]

#: The engines ``--executor`` accepts; the first is the default.
ENGINES = ("local", "dask", "mpi")
#: How to install the optional engines (pyproject.toml's ``cluster`` extra).
EXTRA = "pip install .[cluster]"
#: ``--scheduler`` values that start a dask_jobqueue cluster instead of connecting to one.
JOBQUEUE = {"slurm": "SLURMCluster", "pbs": "PBSCluster"}


class ExecutorError(CaseError):
    """An unusable ``--executor`` / ``--scheduler`` choice (``str(err)`` is one line)."""


@dataclass(frozen=True)
class ExecutorChoice:
    """The engine asked for on the command line or by the API.

    Attributes:
        kind: one of :data:`ENGINES`.
        jobs: local: members at the same time; dask without a scheduler address: workers of
            the ``LocalCluster``; dask with ``slurm``/``pbs``: workers asked from the queue;
            ignored otherwise. A whole number >= 1.
        scheduler: dask only: address, scheduler file, ``slurm`` or ``pbs`` (None: a
            ``LocalCluster``).

    Raises:
        ExecutorError: unknown ``kind``, ``jobs`` < 1, or a scheduler for another engine.
    """

    kind: str = "local"
    jobs: int = 1
    scheduler: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ENGINES:
            raise ExecutorError("--executor", f"expected one of {', '.join(ENGINES)}, got "
                                f"{self.kind!r}")
        if int(self.jobs) < 1:
            raise ExecutorError("-j", f"expected a whole number >= 1, got {self.jobs}")
        if self.scheduler is not None and self.kind != "dask":
            raise ExecutorError("--scheduler", f"applies to --executor dask only (got "
                                f"--executor {self.kind})")
        if self.scheduler is not None and not self.scheduler.strip():
            raise ExecutorError("--scheduler", "expected an address (tcp://host:8786), a "
                                "scheduler file, slurm or pbs; got an empty text")

    @property
    def remote(self) -> bool:
        """True for the engines whose workers are other processes or nodes (dask, mpi)."""
        return self.kind != "local"


@dataclass
class Engine:
    """An open engine: submit work to :attr:`executor` (a ``concurrent.futures.Executor``).

    Attributes:
        kind: one of :data:`ENGINES`.
        executor: where tasks run; its futures are :class:`concurrent.futures.Future`.
        slots: tasks that run at the same time (workers; for progress lines), >= 1.
        description: one line for logs, e.g. ``dask LocalCluster (2 workers)``.
    """

    kind: str
    executor: concurrent.futures.Executor
    slots: int
    description: str

    @property
    def local(self) -> bool:
        """True for the local pool (tasks share this process's memory and signals)."""
        return self.kind == "local"


def check_available(choice: ExecutorChoice) -> None:
    """Raise :class:`ExecutorError` now if ``choice``'s engine cannot be imported (before a
    campaign or fit does any work)."""
    if choice.kind == "dask":
        _import_distributed()
        if choice.scheduler in JOBQUEUE:
            _import_jobqueue(choice.scheduler)
    elif choice.kind == "mpi":
        _mpi_pool_size()


@contextmanager
def open_engine(choice: ExecutorChoice, *,
                local_pool: Callable[[int], concurrent.futures.Executor] | None = None
                ) -> Iterator[Engine]:
    """Open the engine of ``choice`` for the duration of the ``with`` block; closed (the
    ``LocalCluster`` and its workers stopped) on exit.

    Args:
        choice: the engine.
        local_pool: the local executor's factory, called with ``choice.jobs`` (default
            :class:`concurrent.futures.ThreadPoolExecutor`: right for tasks that start a
            process; CPU-bound Python tasks, e.g. an ensemble's, pass
            ``ProcessPoolExecutor``).

    Raises:
        ExecutorError: the engine is not installed (naming :data:`EXTRA`), ``mpi`` without
            ``python -m mpi4py.futures`` workers, or a scheduler that cannot be reached.
    """
    with ExitStack() as stack:
        if choice.kind == "local":
            factory = local_pool or (lambda n: concurrent.futures.ThreadPoolExecutor(n))
            pool = stack.enter_context(factory(choice.jobs))
            engine = Engine("local", pool, choice.jobs, f"local pool ({choice.jobs} at a time)")
        elif choice.kind == "dask":
            engine = _dask_engine(choice, stack)
        else:
            engine = _mpi_engine(stack)
        yield engine


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise ExecutorError("--executor", f"dask: dask.distributed is not installed "
                            f"({EXTRA})") from None
    return distributed


def _import_jobqueue(name: str):
    try:
        import dask_jobqueue
    except ImportError:
        raise ExecutorError("--scheduler", f"{name}: dask-jobqueue is not installed (pip "
                            "install dask-jobqueue)") from None
    return getattr(dask_jobqueue, JOBQUEUE[name])


def _dask_client(choice: ExecutorChoice, stack: ExitStack):
    """``(client, what)`` of ``choice`` (a LocalCluster, a jobqueue cluster, or a running
    scheduler by address or scheduler file)."""
    distributed = _import_distributed()
    target = choice.scheduler
    if target is None:
        cluster = stack.enter_context(distributed.LocalCluster(
            n_workers=choice.jobs, threads_per_worker=1, processes=True,
            dashboard_address=None, silence_logs=logging.CRITICAL))  # no shutdown tracebacks
        return (stack.enter_context(distributed.Client(cluster)),
                f"dask LocalCluster ({choice.jobs} workers)")
    if target in JOBQUEUE:
        cluster = stack.enter_context(_import_jobqueue(target)())
        cluster.scale(choice.jobs)
        return (stack.enter_context(distributed.Client(cluster)),
                f"dask {JOBQUEUE[target]} ({choice.jobs} workers)")
    try:
        if os.path.isfile(target):
            client = distributed.Client(scheduler_file=target, timeout="30s")
        else:
            client = distributed.Client(target, timeout="30s")
    except (OSError, TimeoutError, ValueError) as exc:
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise ExecutorError("--scheduler", f"cannot reach dask scheduler {target} "
                            f"({reason})") from None
    return stack.enter_context(client), f"dask scheduler {target}"


def _dask_engine(choice: ExecutorChoice, stack: ExitStack) -> Engine:
    client, what = _dask_client(choice, stack)
    slots = max(1, sum(client.nthreads().values()))
    # pure=False: two members with equal arguments are two tasks; retries=0: a task that
    # raised is a failed member (a worker that dies has its task rerun by the scheduler).
    executor = client.get_executor(pure=False, retries=0)
    return Engine("dask", executor, slots, what)


def _mpi_pool_size() -> int:
    """Workers of the ``python -m mpi4py.futures`` pool this process is rank 0 of.

    Raises:
        ExecutorError: mpi4py.futures missing, or no such pool (started without
            ``-m mpi4py.futures``, or on one rank).
    """
    try:
        from mpi4py import MPI
        from mpi4py.futures import _core
    except ImportError:
        raise ExecutorError("--executor", f"mpi: mpi4py.futures is not installed ({EXTRA})"
                            ) from None
    size = MPI.COMM_WORLD.Get_size()
    if getattr(_core, "SharedPool", None) is None or size < 2:
        raise ExecutorError("--executor", "mpi: start the command as 'mpirun -n N python -m "
                            "mpi4py.futures run_case.py ...' (N - 1 worker ranks); this "
                            f"process has no worker pool (world size {size})")
    return size - 1


def _petsc_on_this_rank() -> None:
    """Initialise PETSc on ``COMM_SELF`` in this (rank 0) process, if nothing did yet.

    PETSc's initialisation is collective on its world communicator; the worker ranks of
    ``python -m mpi4py.futures`` sit in their task loop and never join it, so a later import
    of dolfinx here (the campaign's provenance record) would wait forever. The members are
    processes of their own and initialise their own PETSc.
    """
    import sys

    if "petsc4py.PETSc" in sys.modules:
        return
    import petsc4py
    from mpi4py import MPI

    petsc4py.init(comm=MPI.COMM_SELF)


def _mpi_engine(stack: ExitStack) -> Engine:
    from mpi4py.futures import MPIPoolExecutor

    slots = _mpi_pool_size()
    _petsc_on_this_rank()
    executor = stack.enter_context(MPIPoolExecutor())
    return Engine("mpi", executor, slots, f"mpi4py.futures ({slots} worker ranks)")
