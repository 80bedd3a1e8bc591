"""Member processes: each campaign member (or model run of a fit) is one ``solver.cli`` process.

:func:`run_members` runs members ``jobs`` at a time, each as ``python -P -m solver.cli BASE
--set ... --output DIR --quiet`` with the campaign's own ``solver`` package, so a failing member
cannot take the others down. A member that left a checkpoint continues from it (``--restart``;
if the run refuses that checkpoint, exit 2, it starts over with ``--force``) unless it must
start over (``fresh``). Its console output goes to ``<root>/logs/<member>.log`` (its
``warning: ...`` lines also into :attr:`MemberResult.warnings`), and a reuse
record (:mod:`solver.campaign.reuse`) to ``<root>/logs/<member>.reuse.json``.

Signals: started through a :class:`solver.campaign.stop.StopRequest`, no member starts after
SIGTERM/SIGINT, and the running ones get the signal, stop with a checkpoint (exit 4) and are
waited for; they are reported ``interrupted``, the ones never started ``not started``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import site
import subprocess
import sys
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass, field
from pathlib import Path

from solver.campaign.executors import Engine, ExecutorChoice, open_engine
from solver.campaign.reuse import launch_record, write_completed_record
from solver.campaign.spec import Member
from solver.campaign.stop import StopFile, StopRequest
from solver.exit_codes import EXIT_INPUT, EXIT_INTERRUPTED, EXIT_OK
from solver.io import files, output_dir
from solver.io.checkpoint import has_checkpoint

__all__ = ["MemberResult", "logged_warnings", "member_warnings", "run_members"]

#: Seconds between looks at the stop request while members run.
POLL_S = 0.2
#: Statuses of a member that did not finish its work (a rerun resumes it).
UNFINISHED = ("interrupted", "not started")
#: Environment variable prefixes of MPI launchers (MPICH's Hydra, PMIx, Open MPI's per-rank
#: ones), not passed on to member processes.
_LAUNCHER_VARIABLES = ("PMI_", "PMIX_", "HYDI_", "HYDRA_", "MPIR_", "MPI_LOCALNRANKS",
                       "MPI_LOCALRANKID", "OMPI_COMM_WORLD_", "OMPI_MCA_ess", "OMPI_MCA_orte_")


@dataclass
class MemberResult:
    """What happened to one member."""

    member: Member
    status: str  # completed | reused | failed | interrupted | not started
    summary: dict = field(default_factory=dict)
    message: str = ""
    #: The member's warnings (its ``warning: ...`` lines on stderr, without the prefix), in
    #: order, each once.
    warnings: tuple[str, ...] = ()


#: Where a member's console warnings start: ``warning: <key>: <message>`` (solver/cli.py).
WARNING_PREFIX = "warning: "


#: A logged warning of a member (solver/logging_setup.py without a terminal):
#: ``2025-01-31 12:00:00,123 WARNING <message>``.
_LOGGED_WARNING = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ WARNING (.+)")


def member_warnings(text: str) -> tuple[str, ...]:
    """The warnings of a member's console output or log ``text``, each once, in order: every
    line that starts with ``warning: `` (the plausibility warnings a run prints before it
    starts, e.g. "did you give °C?"), without the prefix, and every logged warning (e.g. an
    unusable form cache), without its time stamp."""
    found = []
    for line in text.splitlines():
        line = line.strip()
        logged = _LOGGED_WARNING.fullmatch(line)
        if line.startswith(WARNING_PREFIX):
            found.append(line[len(WARNING_PREFIX):].strip())
        elif logged:
            found.append(logged.group(1).strip())
    return tuple(dict.fromkeys(w for w in found if w))


def logged_warnings(root: Path, name: str) -> tuple[str, ...]:
    """The warnings in member ``name``'s log ``<root>/logs/<name>.log`` (a reused member:
    :func:`member_warnings`); () if there is no readable log."""
    try:
        text = (root / "logs" / f"{name}.log").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ()
    return member_warnings(text)


def _resumable(out: Path, fresh: bool) -> bool:
    """True if the member continues from its checkpoint (``--restart``) instead of starting
    over: it left one (interrupted, killed hard, stopped by a full disk, failed) and the
    campaign runs without ``--force``. The member's run checks that the checkpoint is intact
    and of the same inputs, else it exits 2 and the member starts over."""
    return not fresh and has_checkpoint(out)


def _member_environment() -> dict[str, str]:
    """Environment of a member process: one OpenMP thread, and the ``solver`` package of this
    process first on ``PYTHONPATH`` unless it is installed in a site directory.

    Members run ``python -P -m solver.cli`` (``-P``: the working directory is not searched), so
    they import the same ``solver`` as the campaign: an installed copy from anywhere, or the
    checkout a campaign was started from (``run_case.py`` puts its folder first on sys.path).
    The variables of an MPI launcher (:data:`_LAUNCHER_VARIABLES`: a worker rank of ``mpirun
    -n N python -m mpi4py.futures``) are left out, so a member starts as its own MPI job
    instead of trying to join the worker's.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(_LAUNCHER_VARIABLES)}
    env["OMP_NUM_THREADS"] = "1"
    root = Path(__file__).resolve().parents[2]  # the folder holding solver/
    site_dirs = {Path(d).resolve() for d in [*site.getsitepackages(), site.getusersitepackages()]}
    if root not in site_dirs:
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(root), env.get("PYTHONPATH", "")) if p)
    return env


def _execute(cmd: list[str], stop: StopRequest | StopFile) -> subprocess.CompletedProcess | None:
    """Run ``cmd`` to its end through ``stop``; None if a stop request refused to start it."""
    proc = stop.launch(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       env=_member_environment())
    if proc is None:
        return None
    try:
        out, err = proc.communicate()
    finally:
        stop.finished(proc)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _clear_stale_lock(out: Path) -> None:
    """Remove the lock file a member killed during its set-up left (nobody holds it)."""
    if not (out / output_dir.LOCK_NAME).exists():
        return
    handle = output_dir.OutputDir(out)
    try:
        handle.acquire()
    except output_dir.OutputError:  # held by a live process: not stale
        return
    handle.release()


def _run_member(member: Member, base: Path, root: Path, fresh: bool,
                stop: StopRequest | StopFile) -> MemberResult:
    """Run one member to its end (in a local thread, or on a remote worker with a
    :class:`StopFile`); its result."""
    out = root / member.name
    again = "--restart" if _resumable(out, fresh or member.fresh) else "--force"
    cmd = [sys.executable, "-P", "-m", "solver.cli", str(base), "--output", str(out), "--quiet",
           again]
    for o in member.overrides:
        cmd += ["--set", o]
    launch_record(root, member.name, member.case_sha)
    proc = _execute(cmd, stop)
    if proc is None:
        return MemberResult(member, "not started")
    text = f"$ {' '.join(cmd)}\n{proc.stdout}{proc.stderr}"
    if again == "--restart" and proc.returncode == EXIT_INPUT:  # unusable checkpoint: start over
        cmd[cmd.index("--restart")] = "--force"
        retry = _execute(cmd, stop)
        if retry is not None:
            proc = retry
            text += f"$ {' '.join(cmd)}\n{proc.stdout}{proc.stderr}"
    try:
        files.write_text_atomic(root / "logs" / f"{member.name}.log", text)
    except OSError:  # e.g. a full disk: the result below still reports what happened
        pass
    return _result(member, proc, out, root, stop)


def _result(member: Member, proc: subprocess.CompletedProcess, out: Path, root: Path,
            stop: StopRequest | StopFile) -> MemberResult:
    """The member's result from its process's exit code and ``summary.json``, with the
    warnings it printed."""
    warnings = member_warnings(proc.stderr)
    if proc.returncode == EXIT_OK:
        write_completed_record(root, member.name, member.case_sha)
        return MemberResult(member, "completed", json.loads((out / "summary.json").read_text()),
                            warnings=warnings)
    lines = [ln for ln in proc.stderr.strip().splitlines()
             if ln.strip() and not ln.startswith(WARNING_PREFIX)]
    message = f"exit {proc.returncode}: " + (lines[-1] if lines else "no message")
    if proc.returncode == EXIT_INTERRUPTED or stop.requested:
        _clear_stale_lock(out)
        return MemberResult(member, "interrupted", message=message, warnings=warnings)
    return MemberResult(member, "failed", message=message, warnings=warnings)


def run_members(members: list[Member], base: Path, root: Path, *, jobs: int = 1,
                fresh: bool = False, on_result=None, stop: StopRequest | None = None,
                engine: Engine | None = None) -> list[MemberResult]:
    """Run ``members`` of base case ``base`` in ``root/<member name>/`` (one process each, see
    the module docstring), without the reuse check; return their results in the order of
    ``members``. Used by campaigns and by fits (solver/fitting/runs.py).

    Args:
        members: the members to run (names unique).
        base: the base case file.
        root: the campaign (or fit runs) directory; on a file system the engine's workers
            share.
        jobs: members at the same time on the local pool made when ``engine`` is None.
        fresh: every member starts over (``--force``); else one that left a checkpoint
            continues from it (unless ``member.fresh``).
        on_result: called with each :class:`MemberResult` as the member finishes.
        stop: the campaign's or fit's :class:`StopRequest` (default: none, signals act as
            usual). On a remote engine it reaches the members through a
            :class:`~solver.campaign.stop.StopFile` in ``root/logs``.
        engine: an open engine (:func:`solver.campaign.executors.open_engine`); None: a local
            pool of ``jobs`` for this call.

    A task that raised on its worker (e.g. a dask ``KilledWorker`` after the scheduler's
    retries) is reported ``failed`` with the exception's text; a rerun runs it again.
    """
    stop = stop if stop is not None else StopRequest()
    if engine is None:
        with open_engine(ExecutorChoice("local", max(1, jobs))) as local:
            return _run_on(local, members, base, root, fresh, on_result, stop)
    return _run_on(engine, members, base, root, fresh, on_result, stop)


def _run_on(engine: Engine, members: list[Member], base: Path, root: Path, fresh: bool,
            on_result, stop: StopRequest) -> list[MemberResult]:
    """:func:`run_members` on an open engine."""
    remote = None if engine.local else StopFile(root / "logs" / f"stop-{secrets.token_hex(8)}")
    reach = stop if remote is None else remote
    done: dict[str, MemberResult] = {}
    pending = {engine.executor.submit(_run_member, m, base, root, fresh, reach): m
               for m in members}
    try:
        while pending:
            finished, _ = wait(pending, timeout=POLL_S, return_when=FIRST_COMPLETED)
            stop.forward()
            if remote is not None and stop.requested and not remote.requested:
                remote.request()
            for fut in finished:
                r = _outcome(fut, pending.pop(fut))
                done[r.member.name] = r
                if on_result is not None:
                    on_result(r)
    finally:
        if remote is not None:
            remote.clear()
    return [done[m.name] for m in members]


def _outcome(fut, member: Member) -> MemberResult:
    """The member's result from its finished future (a task that raised: ``failed``)."""
    if fut.cancelled():
        return MemberResult(member, "not started")
    try:
        return fut.result()
    except Exception as exc:  # noqa: BLE001  (any worker-side failure is this member's)
        text = " ".join(str(exc).split())[:300]
        return MemberResult(member, "failed", message=f"executor: {type(exc).__name__}: {text}")
