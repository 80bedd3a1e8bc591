"""The campaign file: its schema, and the members it expands to (no process is started here).

See :mod:`solver.campaign` for the file format. Campaign and member names are directory names:
they start with a letter or digit, hold no ``/`` (so never ``.`` or ``..``) and are at most 255
bytes long; :func:`_member_dirs_inside` checks that every member directory resolves inside the
campaign directory.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from solver.config import CaseError, read_section_file

_CFG = ConfigDict(extra="forbid", frozen=True)

#: Longest file name most filesystems accept [bytes].
NAME_MAX = 255
#: Most members of one campaign (product points times listed members) [-]. Each is a whole
#: run with its own directory and process; 10 000 is a 100 x 100 sweep. Counted from the
#: lengths of the lists before any member is built.
MAX_CAMPAIGN_MEMBERS = 10_000
_MEMBER_LIMIT = (f"at most {MAX_CAMPAIGN_MEMBERS} per campaign (each is a run): sweep fewer values "
                 "or split the campaign")
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

    @field_validator("product")
    @classmethod
    def _bounded_product(cls, product: dict) -> dict:
        """At most :data:`MAX_CAMPAIGN_MEMBERS` product points (the product of the lengths of
        the value lists: nothing is expanded)."""
        points = math.prod(len(v) for v in product.values())
        if points > MAX_CAMPAIGN_MEMBERS:
            sizes = " x ".join(str(len(v)) for v in product.values())
            raise ValueError(f"{sizes} values = {points} members, {_MEMBER_LIMIT}")
        return product

    @field_validator("members")
    @classmethod
    def _bounded_members(cls, members: list, info: ValidationInfo) -> list:
        """At most :data:`MAX_CAMPAIGN_MEMBERS` members: listed members x product points."""
        points = math.prod(len(v) for v in (info.data.get("product") or {}).values())
        if len(members) * points > MAX_CAMPAIGN_MEMBERS:
            raise ValueError(f"{len(members)} listed members x {points} product points = "
                             f"{len(members) * points} members, {_MEMBER_LIMIT}")
        return members


@dataclass(frozen=True)
class Member:
    """A resolved campaign member (also a model run of a fit, :mod:`solver.fitting.runs`)."""

    name: str
    swept: dict  # the swept key -> value of this member (for campaign.csv)
    overrides: tuple  # "key=value" strings, in order
    #: SHA-256 of the member's fully resolved case (:func:`solver.campaign.reuse.case_sha`);
    #: "" if unknown (then no reuse record is kept for it).
    case_sha: str = ""
    #: Start over (``--force``) even if the member left a checkpoint: its inputs changed.
    fresh: bool = False


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
