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
``-j N`` runs N at a time. A member whose ``summary.json`` reports ``completed`` with the same base case and overrides is reused, so a
finished campaign reruns no work; a member interrupted by SIGTERM/SIGINT (exit 4, checkpoint
written) continues from its checkpoint (``--restart``). ``campaign.csv`` (one row per member:
swept values and the summary observables) and ``campaign.json`` aggregate the results.
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
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from solver import outputs
from solver.config import CaseError, load_case
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


class MemberSpec(BaseModel):
    """One explicitly listed member."""

    model_config = _CFG
    name: str = Field(pattern=r"^[A-Za-z0-9_.+=-]+$", description="member name (a directory)")
    set: dict[str, Any] = Field(default_factory=dict, description="dotted key -> value")


class CampaignSpec(BaseModel):
    """The ``campaign`` mapping of a campaign file."""

    model_config = _CFG
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="campaign name (a directory)")
    base: str = Field(description="base case file, relative to the campaign file")
    description: str = ""
    set: dict[str, Any] = Field(default_factory=dict, description="overrides for all members")
    product: dict[str, list[Any]] = Field(default_factory=dict, description="key -> values")
    members: list[MemberSpec] = Field(default_factory=list, description="explicit members")

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
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise CaseError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise CaseError(f"{path}: malformed YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict) or set(data) != {"campaign"}:
        raise CaseError(f"{path}: a campaign file has exactly one top-level key, 'campaign'")
    try:
        spec = CampaignSpec.model_validate(data["campaign"])
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in ("campaign", *err["loc"]))
        raise CaseError(f"{loc}: {err['msg']}") from None
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
    return members


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


def _interrupted(member: Member, out: Path, base: Path) -> bool:
    """True if the member was interrupted (SIGTERM/SIGINT) with the same inputs and left a
    checkpoint: it continues with ``--restart`` instead of starting over."""
    try:
        summary = json.loads((out / "summary.json").read_text())
    except (OSError, ValueError):
        return False
    return (
        summary.get("status") == "interrupted"
        and summary.get("overrides") == list(member.overrides)
        and summary.get("case_file") == str(base)
        and (out / "checkpoint" / "meta.json").is_file()
    )


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


def _run_member(member: Member, base: Path, root: Path) -> MemberResult:
    out = root / member.name
    again = "--restart" if _interrupted(member, out, base) else "--force"
    cmd = [sys.executable, "-P", "-m", "solver.cli", str(base), "--output", str(out), "--quiet",
           again]
    for o in member.overrides:
        cmd += ["--set", o]
    env = _member_environment()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if again == "--restart" and proc.returncode == EXIT_INPUT:  # unusable checkpoint: start over
        cmd[cmd.index("--restart")] = "--force"
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    log = root / "logs" / f"{member.name}.log"
    outputs.write_text_atomic(log, f"$ {' '.join(cmd)}\n{proc.stdout}{proc.stderr}")
    if proc.returncode == EXIT_OK:
        return MemberResult(member, "completed", json.loads((out / "summary.json").read_text()))
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    message = lines[-1] if lines else f"exit code {proc.returncode}"
    return MemberResult(member, "failed", message=f"exit {proc.returncode}: {message}")


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
            print(f"[{counter['n']}/{total}] {r.member.name}: {r.status}{extra}", flush=True)

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
        CaseError: the campaign file, its base case or a member's overrides are invalid.
    """
    spec, base = load_campaign(path)
    members = expand_members(spec, extra_overrides)
    for m in members:  # validate every member before running any
        try:
            load_case(base, m.overrides)
        except CaseError as exc:
            raise CaseError(f"campaign member {m.name}: {exc}") from None
    root = Path(output) if output else Path("results") / spec.name
    root.mkdir(parents=True, exist_ok=True)
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
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = [pool.submit(_run_member, m, base, root) for m in todo]
            for fut in as_completed(futures):
                r = fut.result()
                results[r.member.name] = r
                tick(r)
    finally:
        if bar is not None:
            bar.stop()
    ordered = [results[m.name] for m in members]
    rows = _rows(ordered)
    outputs.write_timeseries_csv(root / "campaign.csv", rows)
    failed = [r for r in ordered if r.status == "failed"]
    outputs.write_json(root / "campaign.json", {
        "campaign": spec.model_dump(), "campaign_file": str(Path(path).resolve()),
        "base_case": str(base), "members": rows, "ran": len(todo),
        "reused": len(members) - len(todo), "failed": [r.member.name for r in failed],
        "wall_time_s": time.perf_counter() - t0, "provenance": outputs.provenance(),
    })
    if not quiet:
        print(f"campaign {spec.name}: {len(members)} members, ran {len(todo)}, "
              f"reused {len(members) - len(todo)}, failed {len(failed)} -> {root}/campaign.csv")
        for r in failed:
            print(f"  failed: {r.member.name}: {r.message}", file=sys.stderr)
    return EXIT_SOLVER if failed else EXIT_OK
