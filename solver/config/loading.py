"""Reading cases.

YAML (floats such as ``1e-12``, no duplicate keys), ``--set`` overrides, validation into a
:class:`Case`, the resolved case as a dict, and the JSON schema.

Typical use::

    case = load_case("cases/reference_forward.yaml", ["bias.field_V_per_um=2.5"])
    case_to_dict(case)     # fully resolved, JSON-serialisable
"""

import copy
import pathlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from pydantic import ValidationError

from solver.config.case import Case
from solver.config.errors import CaseError
from solver.config.halides import HALIDE_PAIRS, HalidePair, from_canonical, pair_named, to_canonical
from solver.config.keys import _model_at
from solver.config.plausible import unit_hint_first
from solver.config.translate import _case_error_from_validation, _got, first_error

__all__ = ["apply_overrides", "case_from_dict", "case_to_dict", "load_case", "read_section_file",
           "schema_json"]

# --------------------------------------------------------------------------------------------
# YAML reading


class _CaseLoader(yaml.SafeLoader):
    """SafeLoader that reads ``1e-12`` as a float and refuses duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        """Construct a mapping, raising on a key that appears twice."""
        self.flatten_mapping(node)
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # unhashable key: let the base class report it
                continue
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
        return super().construct_mapping(node, deep=deep)


_CaseLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)
_CaseLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                            _CaseLoader.construct_mapping)


def _parse_yaml(text: str, where: str) -> Any:
    """Parse YAML text with ``_CaseLoader``; errors become a one-line ``CaseError``."""
    try:
        return yaml.load(text, Loader=_CaseLoader)  # SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        place = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise CaseError(where, f"invalid YAML: {exc.problem or exc.context}{place}") from None
    except yaml.YAMLError as exc:
        raise CaseError(where, f"invalid YAML: {exc}") from None


def _read_mapping(path: pathlib.Path) -> dict:
    """Read a case file whose top level must be a mapping."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CaseError(str(path), "no such file") from None
    except IsADirectoryError:
        raise CaseError(str(path), "is a directory, not a case file") from None
    except UnicodeDecodeError:
        raise CaseError(str(path), "not UTF-8 text") from None
    except OSError as exc:
        raise CaseError(str(path), f"cannot read ({exc.strerror})") from None
    data = _parse_yaml(text, str(path))
    if data is None:
        raise CaseError(str(path), "empty case file (the top level must be a mapping with 'name')")
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise CaseError(str(path), f"the top level must be a mapping of keys, got a {kind}")
    return data


def read_section_file(path: pathlib.Path, key: str, kind: str) -> Any:
    """The value under the one top-level ``key`` of a YAML file (campaign and fit files).

    Raises:
        CaseError: unreadable file, malformed YAML, or a top level other than ``{key: ...}``.
    """
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise CaseError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise CaseError(f"{path}: malformed YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict) or set(data) != {key}:
        raise CaseError(f"{path}: a {kind} file has exactly one top-level key, '{key}'")
    return data[key]


# --------------------------------------------------------------------------------------------
# Overrides


def _split_override(override: str) -> tuple[list[str], str]:
    """Split ``a.b.c=value`` into its key path and raw value."""
    key, sep, raw = override.partition("=")
    parts = key.strip().split(".")
    if not sep or not all(p.strip() for p in parts):
        raise CaseError(f"--set {override}", "expected key.sub=value")
    return [p.strip() for p in parts], raw


def apply_overrides(data: Mapping[str, Any], overrides: Sequence[str]) -> dict:
    """Return a deep copy of ``data`` with ``key.sub=value`` overrides applied.

    Values are parsed as YAML (numbers, lists, booleans, null). Missing intermediate mappings
    are created; unknown keys are left for the schema to reject.

    Args:
        data: Raw case mapping.
        overrides: Strings ``dotted.key=value``.

    Returns:
        The new mapping.

    Raises:
        CaseError: Malformed override, or a path through a value that is not a mapping.
    """
    result = copy.deepcopy(dict(data))
    for override in overrides:
        parts, raw = _split_override(override)
        dotted = ".".join(parts)
        node = result
        for depth, part in enumerate(parts[:-1]):
            if part not in node and _is_scalar_field(parts[: depth + 1]):
                node[part] = None  # reported just below, before the schema sees it
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                where = ".".join(parts[: depth + 1])
                raise CaseError(dotted, f"cannot set it: {where} is not a mapping")
            node = child
        node[parts[-1]] = _parse_yaml(raw, f"--set {dotted}")
    return result


def _is_scalar_field(loc: Sequence[str]) -> bool:
    """True if ``loc`` names a known case field that is neither a section (sub-model) nor a
    mapping (``solver.petsc_options``: ``--set solver.petsc_options.ksp_type=gmres``)."""
    parent = _model_at(loc[:-1])
    if parent is None or loc[-1] not in parent.model_fields or _model_at(loc) is not None:
        return False
    annotation = parent.model_fields[loc[-1]].annotation
    return getattr(annotation, "__origin__", annotation) is not dict


# --------------------------------------------------------------------------------------------
# Public API


def _pair_of(data: Mapping[str, Any]) -> HalidePair:
    """The halide pair a raw case names in ``material.halides`` (default Br/Cl).

    Raises:
        CaseError: ``material.halides`` is not a shipped pair.
    """
    material = data.get("material")
    name = material.get("halides") if isinstance(material, dict) else None
    if name is not None and (not isinstance(name, str) or name not in HALIDE_PAIRS):
        allowed = " or ".join(repr(k) for k in HALIDE_PAIRS)
        raise CaseError("material.halides", f"Input should be {allowed}{_got(name)}")
    return pair_named(name)


def _canonical(data: Mapping[str, Any]) -> tuple[HalidePair, dict, dict[str, str]]:
    """The adapter between a pair's key names and the schema: the raw case with the keys of
    its halide pair renamed to the schema's (Br/Cl) names and the pair's defaults filled in
    (solver.config.halides.to_canonical); also the pair and canonical -> written key names.

    Raises:
        CaseError: unknown pair, or a key named after a halide of another pair (e.g.
            ``material.y_cl_segment`` with ``material.halides: Br/I``).
    """
    pair = _pair_of(data)
    try:
        canonical, written = to_canonical(data, pair)
    except ValueError as exc:
        raise CaseError(*exc.args) from None
    return pair, canonical, written


def case_from_dict(data: Mapping[str, Any]) -> Case:
    """Validate a raw case mapping.

    The per-halide keys are written with the case's pair's names (``material.halides``; e.g.
    ``material.y_i_segment`` for Br/I) and validated under the schema's (Br/Cl) names; errors
    name the key as written.

    Args:
        data: Mapping as read from YAML (not modified).

    Returns:
        The validated, immutable case.

    Raises:
        CaseError: First validation problem, as ``"<dotted.key>: <message>"``.
    """
    if not isinstance(data, Mapping):
        raise CaseError("case", f"must be a mapping of keys, got a {type(data).__name__}")
    pair, canonical, written = _canonical(data)
    try:
        return Case.model_validate(canonical, context={"halides": pair.name})
    except ValidationError as exc:
        error = _case_error_from_validation(exc, written)
        if first_error(exc)["type"] == "case_rule":  # a cross-key rule: a unit slip first
            error = unit_hint_first(error, canonical)
        raise error from None


def case_to_dict(case: Case) -> dict[str, Any]:
    """Fully resolved case (all defaults filled) as a JSON-serialisable dict, the per-halide
    keys named after the case's pair (``material.y_i_segment`` for Br/I).

    ``case_from_dict(case_to_dict(case)) == case``.
    """
    data = case.model_dump(mode="json")
    return from_canonical(data, pair_named(case.material.halides))


def load_case(path: str | pathlib.Path, overrides: Sequence[str] = ()) -> Case:
    """Read a case YAML file, apply ``--set`` overrides and validate.

    Args:
        path: Case file.
        overrides: Strings ``dotted.key=value`` (value parsed as YAML), applied in order.

    Returns:
        The validated case.

    Raises:
        CaseError: Unreadable or malformed file, bad override, or invalid case.
    """
    data = _read_mapping(pathlib.Path(path))
    return case_from_dict(apply_overrides(data, overrides))


def schema_json() -> dict[str, Any]:
    """JSON schema of the case format (for ``--print-schema``)."""
    return Case.model_json_schema()
