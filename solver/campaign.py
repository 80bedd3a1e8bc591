"""Simulation campaigns: one base case, a sweep of overrides, members run in parallel.

A campaign file is YAML with a single top-level ``campaign`` mapping::

    campaign:
      name: fig1e                           # results go to results/<name>/<member>/
      base: ../cases/reference_forward.yaml # base case, relative to this file
      set:                                  # overrides applied to every member (optional)
        sources.rate_law: composition
      product:                              # Cartesian product over dotted keys ...
        bias.field_V_per_um: [-4, -2, 2, 4]
      members:                              # ... and/or an explicit list (name + overrides)
        - {name: seed_literal, set: {sources.left.equilibrium: half}}

With both ``product`` and ``members``, every listed member is combined with every product point.
Each member runs as its own process (``python -m solver.cli BASE --set ... --output DIR --quiet``
with the campaign's own ``solver`` package), so a failing member cannot take the others down;
``-j N`` runs N at a time. A member whose ``summary.json`` reports ``completed`` with the same
base case and overrides is reused, so a finished campaign reruns no work; any other member that
left a checkpoint (interrupted by SIGTERM/SIGINT, killed hard, stopped by a full disk) continues
from it (``--restart``), and starts over (``--force``) only if that checkpoint is unusable or
belongs to other inputs; with ``--force`` every member starts over. ``campaign.csv`` (one row per
member: swept values and the summary observables) and ``campaign.json`` aggregate the results.

Campaign and member names are directory names: they start with a letter or digit, hold no
``/`` (so never ``.`` or ``..``) and are at most 255 bytes long; every member directory is
checked to resolve inside the campaign directory. The campaign directory is locked while the
campaign runs (:class:`solver.outputs.OutputDir`), and every member's directory by its run.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import site
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from solver import outputs
from solver.checkpoint import has_checkpoint
from solver.config import CaseError, load_case, read_section_file
from solver.console import write
from solver.exit_codes import EXIT_INPUT, EXIT_OK, EXIT_SOLVER

SUMMARY_COLUMNS = (
    "migration_length_um",
    "front_position_um",
    "total_br_relative_drift",
    "steps",
    "rejected_steps",
    "newton_iterations",
    "wall_time_s",
)

_CFG = ConfigDict(extra="forbid", frozen=True)

#: Longest file name most filesystems accept [bytes].
NAME_MAX = 255
_MEMBER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+=-]*")
_CAMPAIGN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def _directory_name(value: str, pattern: re.Pattern, chars: str) -> str:
    """``value`` if it is a safe directory name (see the module docstring), else ValueError."""
    if not pattern.fullmatch(value):
        raise ValueError(f"{value!r} names a directory: start with a letter or digit and use "
                         f"only letters, digits and {chars} (no '/', not '.' or '..')")
    if len(value.encode()) > NAME_MAX:
        raise ValueError(f"{len(value.encode())} characters, at most {NAME_MAX} (it names a "
                         "directory)")
    return value


class MemberSpec(BaseModel):
    """One explicitly listed member."""

    model_config = _CFG
    name: str = Field(description="member name (a directory)")
    set: dict[str, Any] = Field(default_factory=dict, description="dotted key -> value")

    @field_validator("name")
    @classmethod
    def _safe_name(cls, value: str) -> str:
        return _directory_name(value, _MEMBER_NAME, "'_', '.', '+', '=', '-'")


class CampaignSpec(BaseModel):
    """The ``campaign`` mapping of a campaign file."""

    model_config = _CFG
    name: str = Field(description="campaign name (a directory)")
    base: str = Field(description="base case file, relative to the campaign file")
    description: str = ""
    set: dict[str, Any] = Field(default_factory=dict, description="overrides for all members")
    product: dict[str, list[Any]] = Field(default_factory=dict, description="key -> values")
    members: list[MemberSpec] = Field(default_factory=list, description="explicit members")

    @field_validator("name")
    @classmethod
    def _safe_name(cls, value: str) -> str:
        return _directory_name(value, _CAMPAIGN_NAME, "'_', '.', '-'")

    @model_validator(mode="after")
    def _has_sweep(self):
        if not self.product and not self.members:
            raise ValueError("needs 'product' and/or 'members'")
        for key, values in self.product.items():
            if not values:
                raise ValueError(f"product.{key}: empty list of values")
        return self


@dataclass(frozen=True)
class Member:
    """A resolved campaign member."""

    name: str
    swept: dict  # the swept key -> value of this member (for campaign.csv)
    overrides: tuple  # "key=value" strings, in order


@dataclass
class MemberResult:
    """What happened to one member."""

    member: Member
    status: str  # completed | reused | failed
    summary: dict = field(default_factory=dict)
    message: str = ""


def is_campaign_file(path: str | Path) -> bool:
    """True if ``path`` is a YAML mapping with a top-level ``campaign`` key."""
    try:
        data = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and "campaign" in data


def _format_value(value) -> str:
    """A YAML-parsable text for an override value (JSON is YAML)."""
    return json.dumps(value) if not isinstance(value, str) else value


def _token(key: str, value) -> str:
    text = f"{key.split('.')[-1]}={_format_value(value)}"
    return re.sub(r"[^A-Za-z0-9_.+=-]", "_", text)


def load_campaign(path: str | Path) -> tuple[CampaignSpec, Path]:
    """Read and validate a campaign file; return the spec and the resolved base case path.

    Raises:
        CaseError: one line naming the problem (``campaign.<key>: ...``).
    """
    path = Path(path)
    section = read_section_file(path, "campaign", "campaign")
    try:
        spec = CampaignSpec.model_validate(section)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in ("campaign", *err["loc"]))
        raise CaseError(f"{loc}: {err['msg'].removeprefix('Value error, ')}") from None
    base = (path.parent / spec.base).resolve()
    if not base.is_file():
        raise CaseError(f"campaign.base: {spec.base} not found (relative to {path.parent})")
    return spec, base


def expand_members(spec: CampaignSpec, extra_overrides=()) -> list[Member]:
    """All members: product points × listed members, with the campaign-wide overrides first."""
    common = [f"{k}={_format_value(v)}" for k, v in spec.set.items()]
    keys = list(spec.product)
    points = list(itertools.product(*(spec.product[k] for k in keys))) if keys else [()]
    listed = spec.members or [None]
    members = []
    for listed_member, point in itertools.product(listed, points):
        swept = dict(zip(keys, point, strict=True))
        tokens = [_token(k, v) for k, v in swept.items()]
        over = list(common)
        if listed_member is not None:
            swept = {"member": listed_member.name, **swept}
            tokens.insert(0, listed_member.name)
            over += [f"{k}={_format_value(v)}" for k, v in listed_member.set.items()]
        over += [f"{k}={_format_value(v)}" for k, v in swept.items() if k != "member"]
        over += list(extra_overrides)
        members.append(Member("__".join(tokens), swept, tuple(over)))
    names = [m.name for m in members]
    if len(set(names)) != len(names):
        raise CaseError("campaign: member names are not unique (list members need distinct names)")
    for name in names:
        if len(name.encode()) > NAME_MAX:
            raise CaseError(f"campaign: member name {name[:40]}... has {len(name.encode())} "
                            f"characters, at most {NAME_MAX} (it names a directory): shorten the "
                            "member names or the swept keys and values")
    return members


def _member_dirs_inside(root: Path, members: list[Member]) -> None:
    """Every member directory must resolve to a direct child of the campaign directory."""
    top = root.resolve()
    for m in members:
        where = (root / m.name).resolve()
        if where.parent != top:
            raise CaseError(f"campaign member {m.name}: its directory {where} is not inside the "
                            f"campaign directory {top}")


def _reusable(member: Member, out: Path, base: Path) -> dict | None:
    """The member's summary if it already completed with the same inputs, else None."""
    path = out / "summary.json"
    try:
        summary = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    same = (
        summary.get("status") == "completed"
        and summary.get("overrides") == list(member.overrides)
        and summary.get("case_file") == str(base)
    )
    return summary if same else None


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
    """
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    root = Path(__file__).resolve().parent.parent
    site_dirs = {Path(d).resolve() for d in [*site.getsitepackages(), site.getusersitepackages()]}
    if root not in site_dirs:
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(root), env.get("PYTHONPATH", "")) if p)
    return env


def _run_member(member: Member, base: Path, root: Path, fresh: bool = False) -> MemberResult:
    out = root / member.name
    again = "--restart" if _resumable(out, fresh) else "--force"
    cmd = [sys.executable, "-P", "-m", "solver.cli", str(base), "--output", str(out), "--quiet",
           again]
    for o in member.overrides:
        cmd += ["--set", o]
    env = _member_environment()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    text = f"$ {' '.join(cmd)}\n{proc.stdout}{proc.stderr}"
    if again == "--restart" and proc.returncode == EXIT_INPUT:  # unusable checkpoint: start over
        cmd[cmd.index("--restart")] = "--force"
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        text += f"$ {' '.join(cmd)}\n{proc.stdout}{proc.stderr}"
    try:
        outputs.write_text_atomic(root / "logs" / f"{member.name}.log", text)
    except OSError:  # e.g. a full disk: the result below still reports what happened
        pass
    if proc.returncode == EXIT_OK:
        return MemberResult(member, "completed", json.loads((out / "summary.json").read_text()))
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    message = lines[-1] if lines else f"exit code {proc.returncode}"
    return MemberResult(member, "failed", message=f"exit {proc.returncode}: {message}")


def run_members(members: list[Member], base: Path, root: Path, *, jobs: int = 1,
                fresh: bool = False, on_result=None) -> list[MemberResult]:
    """Run ``members`` of base case ``base`` in ``root/<member name>/``, ``jobs`` at a time
    (one process each, see the module docstring), without the reuse check; return their
    results in the order of ``members``. ``fresh``: every member starts over (``--force``),
    else one that left a checkpoint continues from it. ``on_result(result)`` is called as each
    member finishes. Used by campaigns and by fits (solver/fitting/runs.py)."""
    done: dict[str, MemberResult] = {}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(_run_member, m, base, root, fresh) for m in members]
        for fut in as_completed(futures):
            r = fut.result()
            done[r.member.name] = r
            if on_result is not None:
                on_result(r)
    return [done[m.name] for m in members]


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
        row["message"] = r.message
        rows.append(row)
    return rows


def _progress(total: int, quiet: bool):
    if quiet:
        return None, lambda r: None
    if not sys.stderr.isatty():
        counter = {"n": 0}

        def line(r: MemberResult) -> None:
            counter["n"] += 1
            extra = f" ({r.message})" if r.message else ""
            write(f"[{counter['n']}/{total}] {r.member.name}: {r.status}{extra}")

        return None, line
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    bar = Progress("[bold]campaign", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    task = bar.add_task("members", total=total)
    bar.start()
    return bar, lambda r: bar.update(task, advance=1)


def run_campaign(path, *, jobs: int = 1, output: str | None = None, force: bool = False,
                 extra_overrides=(), quiet: bool = False) -> int:
    """Run (or resume) a campaign; return ``EXIT_OK`` (0) if every member completed, else
    ``EXIT_SOLVER`` (3).

    Raises:
        CaseError: the campaign file, its base case or a member's overrides are invalid, or a
            member directory would lie outside the campaign directory.
        OutputError: the campaign directory cannot be created or written, or another process
            (a campaign or run) holds it.
    """
    spec, base = load_campaign(path)
    members = expand_members(spec, extra_overrides)
    for m in members:  # validate every member before running any
        try:
            load_case(base, m.overrides)
        except CaseError as exc:
            raise CaseError(f"campaign member {m.name}: {exc}") from None
    root = Path(output) if output else Path("results") / spec.name
    with outputs.OutputDir(root):  # created if missing, locked: OutputError, exit 2
        _member_dirs_inside(root, members)
        return _run_locked(spec, members, path, base, root, jobs=jobs, force=force, quiet=quiet)


def _run_locked(spec: CampaignSpec, members: list[Member], path, base: Path, root: Path, *,
                jobs: int, force: bool, quiet: bool) -> int:
    """:func:`run_campaign` once the campaign directory is locked."""
    t0 = time.perf_counter()
    results: dict[str, MemberResult] = {}
    todo = []
    for m in members:
        summary = None if force else _reusable(m, root / m.name, base)
        if summary is not None:
            results[m.name] = MemberResult(m, "reused", summary)
        else:
            todo.append(m)
    bar, tick = _progress(len(todo), quiet)
    try:
        for r in run_members(todo, base, root, jobs=jobs, fresh=force, on_result=tick):
            results[r.member.name] = r
    finally:
        if bar is not None:
            bar.stop()
    ordered = [results[m.name] for m in members]
    rows = _rows(ordered)
    failed = [r for r in ordered if r.status == "failed"]
    try:
        outputs.write_timeseries_csv(root / "campaign.csv", rows)
        outputs.write_json(root / "campaign.json", {
            "campaign": spec.model_dump(), "campaign_file": str(Path(path).resolve()),
            "base_case": str(base), "members": rows, "ran": len(todo),
            "reused": len(members) - len(todo), "failed": [r.member.name for r in failed],
            "wall_time_s": time.perf_counter() - t0, "provenance": outputs.provenance(),
        })
    except OSError as exc:
        write(f"error: campaign {spec.name}: cannot write {exc.filename or root} "
              f"({outputs.os_reason(exc)}); the members' results are in their directories",
              sys.stderr)
        return 3
    if not quiet:
        write(f"campaign {spec.name}: {len(members)} members, ran {len(todo)}, "
              f"reused {len(members) - len(todo)}, failed {len(failed)} -> {root}/campaign.csv")
        for r in failed:
            write(f"  failed: {r.member.name}: {r.message}", sys.stderr)
    return EXIT_SOLVER if failed else EXIT_OK
