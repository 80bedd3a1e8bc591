"""Pydantic validation errors -> one-line :class:`CaseError`.

The error to report, unknown keys with "did you mean", union members in words, values outside
a hard range with the reason and a unit guess (:func:`solver.config.plausible._bound_message`).
"""

import difflib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from solver.config.errors import CaseError
from solver.config.keys import _model_at, format_loc
from solver.config.plausible import _bound_message

__all__ = ["first_error", "unknown_key_message"]

def unknown_key_message(loc: Sequence[Any], root: type[BaseModel] | None = None) -> str:
    """Message for an unknown key at pydantic location ``loc`` of model ``root`` (default
    ``Case``), with a "did you mean" suggestion and the allowed keys. Also used for fit files
    (solver/fitting/spec.py)."""
    model = _model_at(loc[:-1], root)
    if model is None:
        return "unknown key"
    allowed = list(model.model_fields)
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown key ({hint}allowed: {', '.join(allowed)})"


def _got(value: Any) -> str:
    """`` (got X)`` for short scalar inputs, else an empty string."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        text = repr(value)
        return f" (got {text})" if len(text) <= 40 else ""
    return f" (got a {type(value).__name__})"


def first_error(exc: ValidationError) -> dict[str, Any]:
    """The error of ``exc`` to report: an unknown key if there is one (a misspelt key is also a
    missing one, and the unknown key names the typo: "did you mean"), else the first error."""
    errors = exc.errors(include_url=False)
    return next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])


#: Words for pydantic's union-member tags (the last element of a union error's ``loc``).
_UNION_TAGS = {"str": "a string", "bool": "true/false", "int": "an integer",
               "float": "a number"}


def _union_word(err: dict) -> str | None:
    """A union member in words from one of its errors: its type tag (:data:`_UNION_TAGS`) or
    the values of a ``Literal`` member (tag ``literal[...]``); None if neither."""
    tag = err["loc"][-1] if err["loc"] else None
    if tag in _UNION_TAGS:
        return _UNION_TAGS[tag]
    if isinstance(tag, str) and tag.startswith("literal[") and "ctx" in err:
        return err["ctx"]["expected"]
    return None


def _union_alternatives(errors: list[dict], loc: list) -> list[str]:
    """For a value matching no member of a union (e.g. ``solver.petsc_options`` values: a
    string, true/false or a number; ``solver.jacobian_reuse_steps``: 'auto' or an integer),
    pydantic reports one error per member, each with the member's tag appended to the key's
    ``loc``: the members in words, or [] if ``loc`` is not such an error."""
    if not loc:
        return []
    words = [_union_word(e) for e in errors if list(e["loc"][:-1]) == loc[:-1]]
    if len(words) < 2 or None in words:
        return []
    return list(dict.fromkeys(words))


def _case_error_from_validation(exc: ValidationError,
                                written: Mapping[str, str] | None = None) -> CaseError:
    """Turn the error of a ``ValidationError`` (:func:`first_error`) into a one-line
    ``CaseError``.

    Args:
        exc: the validation error (keys with the schema's names).
        written: schema dotted key -> the key the user wrote, for the per-halide keys of a pair
            other than Br/Cl (solver.config.halides): the error names the key as written, in
            its key and its message.
    """
    error = _error_of(exc)
    if not written:
        return error
    return CaseError(written.get(error.key, error.key), _rename(error.message, written))


def _rename(text: str, written: Mapping[str, str]) -> str:
    """``text`` with every schema key name of ``written`` (dotted, or its last part alone)
    replaced by the name the user wrote."""
    for canonical, name in written.items():
        for old, new in ((canonical, name), (canonical.rpartition(".")[2],
                                             name.rpartition(".")[2])):
            text = re.sub(rf"(?<![\w.]){re.escape(old)}(?!\w)", new, text)
    return text


def _error_of(exc: ValidationError) -> CaseError:
    """The one-line ``CaseError`` of :func:`first_error`, with the schema's key names."""
    err = first_error(exc)
    loc = list(err["loc"])
    kind = err["type"]
    union = _union_alternatives(exc.errors(include_url=False), loc)
    if union:
        return CaseError(format_loc(loc[:-1]), f"must be {' or '.join(union)}"
                         + _got(err.get("input")))
    if kind == "case_rule":
        key = format_loc(loc)
        sub = err["ctx"]["key"]
        key = f"{key}.{sub}" if loc else sub
        return CaseError(key, err["ctx"]["message"])
    if kind == "extra_forbidden":
        return CaseError(format_loc(loc), unknown_key_message(loc))
    if kind == "missing":
        return CaseError(format_loc(loc), "required key is missing")
    if kind == "string_pattern_mismatch":
        msg = "use only letters, digits, '_', '.', '-' (not first); it names the output directory"
        return CaseError(format_loc(loc), msg + _got(err["input"]))
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return CaseError(format_loc(loc), "must be a mapping of keys" + _got(err["input"]))
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        text = _bound_message(loc, err.get("input"))
        if text:
            return CaseError(format_loc(loc), text)
    msg = err["msg"].removeprefix("Value error, ")
    return CaseError(format_loc(loc), msg + _got(err.get("input")))
