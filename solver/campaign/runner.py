"""Run (or resume) a campaign: reuse what is done, run the rest, write campaign.csv/.json.

See :mod:`solver.campaign` for the behaviour (reuse, resume, signals, exit codes).
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

from solver.campaign.executors import Engine, ExecutorChoice, check_available, open_engine
from solver.campaign.members import UNFINISHED, MemberResult, logged_warnings, run_members
from solver.campaign.reuse import case_sha, reuse_decision
from solver.campaign.spec import (
    CampaignSpec,
    Member,
    _member_dirs_inside,
    expand_members,
    load_campaign,
)
from solver.campaign.stop import StopRequest
from solver.config import CaseError, case_to_dict, load_case
from solver.console import write
from solver.exit_codes import EXIT_INTERRUPTED, EXIT_OK, EXIT_SOLVER
from solver.io import files, output_dir, provenance

__all__ = ["SUMMARY_COLUMNS", "run_campaign"]

SUMMARY_COLUMNS = (
    "migration_length_um",
    "front_position_um",
    "total_br_relative_drift",
    "steps",
    "rejected_steps",
    "newton_iterations",
    "wall_time_s",
)


#: A body's end values in campaign.csv (summary.json "body"), as body_<name>.
BODY_COLUMNS = ("y_mean", "x_v_mean", "inventory", "pl_peak_nm")


def _rows(results: list[MemberResult]) -> list[dict]:
    rows = []
    for r in results:
        row = {"member": r.member.name, **{k: v for k, v in r.member.swept.items()
                                           if k != "member"}, "status": r.status}
        for col in SUMMARY_COLUMNS:
            row[col] = r.summary.get(col, float("nan"))
        uptake = r.summary.get("cl_uptake_br_segment") or {}
        row["cl_max_fraction_ahead"] = uptake.get("max_cl_fraction", float("nan"))
        row["cl_mean_increase"] = uptake.get("mean_cl_increase", float("nan"))
        body = r.summary.get("body")
        if body is not None:  # a nanocrystal or film: its observables at the end
            row.update({f"body_{k}": body.get(k, float("nan")) for k in BODY_COLUMNS})
        row["message"] = r.message
        row["warnings"] = " | ".join(r.warnings)  # the member's warnings (campaign.csv)
        rows.append(row)
    return rows


def _progress(total: int, quiet: bool):
    """``(progress bar or None, on_result)``: a line per finished member (a bar on a terminal);
    members that never started are not reported one by one."""
    if quiet:
        return None, lambda r: None
    if not sys.stderr.isatty():
        counter = {"n": 0}

        def line(r: MemberResult) -> None:
            if r.status == "not started":
                return
            counter["n"] += 1
            notes = [r.message] if r.message else []
            if r.warnings:
                notes.append(f"{len(r.warnings)} warning{'s' if len(r.warnings) > 1 else ''}")
            extra = f" ({'; '.join(notes)})" if notes else ""
            write(f"[{counter['n']}/{total}] {r.member.name}: {r.status}{extra}")

        return None, line
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    bar = Progress("[bold]campaign", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    task = bar.add_task("members", total=total)
    bar.start()
    return bar, lambda r: bar.update(task, advance=1)


def _resolved(base: Path, members: list[Member]) -> list[Member]:
    """``members`` with the SHA-256 of their resolved cases (every member validated first)."""
    resolved = []
    for m in members:
        try:
            case = load_case(base, m.overrides)
        except CaseError as exc:
            raise CaseError(f"campaign member {m.name}: {exc}") from None
        resolved.append(dataclasses.replace(m, case_sha=case_sha(case_to_dict(case))))
    return resolved


def run_campaign(path, *, jobs: int = 1, output: str | None = None, force: bool = False,
                 extra_overrides=(), quiet: bool = False, executor: str = "local",
                 scheduler: str | None = None) -> int:
    """Run (or resume) a campaign; return ``EXIT_OK`` (0) if every member completed,
    ``EXIT_INTERRUPTED`` (4) if SIGTERM/SIGINT stopped it (or a member) before every member
    completed, else ``EXIT_SOLVER`` (3).

    ``executor`` (``local``, ``dask``, ``mpi``) and ``scheduler`` choose where the members run
    (:mod:`solver.campaign.executors`; ``jobs`` as there); the engine is opened once the
    members are validated and the campaign directory is locked, and closed at the end.
    ``campaign.json`` records it (``executor``).

    SIGTERM/SIGINT are handled for the whole call (:class:`solver.campaign.stop.StopRequest`):
    no member starts after one, the running members get it and are waited for, campaign.csv
    and campaign.json hold what completed, and one line on stderr says how much did. A signal
    that arrives when every member has completed changes nothing (exit 0).

    Raises:
        CaseError: the campaign file, its base case or a member's overrides are invalid, or a
            member directory would lie outside the campaign directory.
        OutputError: the campaign directory cannot be created or written, or another process
            (a campaign or run) holds it.
        ExecutorError: a bad ``executor``/``scheduler``, or an engine that is not installed
            (one line naming ``pip install .[cluster]``; checked before any work).
    """
    choice = ExecutorChoice(executor, jobs, scheduler)
    check_available(choice)
    if output is not None and not str(output).strip():
        raise CaseError("--output", f"expected a directory, got {output!r} (leave it out for "
                        "the default results/<campaign name>)")
    with StopRequest() as stop:
        spec, base = load_campaign(path)
        members = _resolved(base, expand_members(spec, extra_overrides))
        root = Path(output) if output else Path("results") / spec.name
        with output_dir.OutputDir(root):  # created if missing, locked: OutputError, exit 2
            _member_dirs_inside(root, members)
            with open_engine(choice) as engine:
                return _run_locked(spec, members, path, base, root, engine=engine, force=force,
                                   quiet=quiet, stop=stop)


def _plan(members: list[Member], root: Path, force: bool, quiet: bool):
    """``(results of the reusable members, members to run)``; a member whose inputs changed
    is announced ("rerun: inputs changed (...)") and starts over."""
    results: dict[str, MemberResult] = {}
    todo = []
    for m in members:
        summary, reason = (None, "") if force else reuse_decision(root, m.name, m.case_sha)
        if summary is not None:
            results[m.name] = MemberResult(m, "reused", summary,
                                           warnings=logged_warnings(root, m.name))
            continue
        if reason:
            if not quiet:
                write(f"{m.name}: {reason}")
            m = dataclasses.replace(m, fresh=True)
        todo.append(m)
    return results, todo


def _run_locked(spec: CampaignSpec, members: list[Member], path, base: Path, root: Path, *,
                engine: Engine, force: bool, quiet: bool, stop: StopRequest) -> int:
    """:func:`run_campaign` once the campaign directory is locked."""
    t0 = time.perf_counter()
    results, todo = _plan(members, root, force, quiet)
    bar, tick = _progress(len(todo), quiet)
    try:
        for r in run_members(todo, base, root, fresh=force, on_result=tick, stop=stop,
                             engine=engine):
            results[r.member.name] = r
    finally:
        if bar is not None:
            bar.stop()
    ordered = [results[m.name] for m in members]
    rows = _rows(ordered)
    try:
        files.write_timeseries_csv(root / "campaign.csv", rows)
        files.write_json(root / "campaign.json", {
            "campaign": spec.model_dump(), "campaign_file": str(Path(path).resolve()),
            "base_case": str(base), "members": rows, "ran": len(todo),
            "reused": len(members) - len(todo), "executor": engine.description,
            "failed": [r.member.name for r in ordered if r.status == "failed"],
            "interrupted": [r.member.name for r in ordered if r.status in UNFINISHED],
            "wall_time_s": time.perf_counter() - t0, "provenance": provenance.provenance(),
        })
    except OSError as exc:
        write(f"error: campaign {spec.name}: cannot write {exc.filename or root} "
              f"({output_dir.os_reason(exc)}); the members' results are in their directories",
              sys.stderr)
        return EXIT_SOLVER
    return _report(spec.name, ordered, len(todo), root, quiet)


def _report(name: str, ordered: list[MemberResult], ran: int, root: Path, quiet: bool) -> int:
    """Print the members' warnings (``warning: <member>: ...`` on stderr, also with
    ``quiet``, as single runs print theirs) and the outcome (one line on stderr if
    interrupted); return the exit code."""
    for r in ordered:
        for text in r.warnings:
            write(f"warning: {r.member.name}: {text}", sys.stderr)
    failed = [r for r in ordered if r.status == "failed"]
    if any(r.status in UNFINISHED for r in ordered):
        done = sum(r.status in ("completed", "reused") for r in ordered)
        also = f", {len(failed)} failed" if failed else ""
        write(f"interrupted: campaign {name}: {done} of {len(ordered)} members completed"
              f"{also} -> {root}/campaign.csv; rerun to resume", sys.stderr)
        return EXIT_INTERRUPTED
    if not quiet:
        warned = sum(bool(r.warnings) for r in ordered)
        also = f", {warned} with warnings (above)" if warned else ""
        write(f"campaign {name}: {len(ordered)} members, ran {ran}, "
              f"reused {len(ordered) - ran}, failed {len(failed)}{also} -> {root}/campaign.csv")
        for r in failed:
            write(f"  failed: {r.member.name}: {r.message}", sys.stderr)
    return EXIT_SOLVER if failed else EXIT_OK
