"""Dotted keys of the case tree.

A pydantic ``loc`` as ``a.b[i].c``, and the model a key path leads to (from :class:`Case`, or
another root such as a fit file's model).
"""

import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from solver.config.case import Case

__all__ = ["format_loc"]

def format_loc(loc: Sequence[Any]) -> str:
    """Join a pydantic ``loc`` as a dotted key, list indices as ``[i]``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "case"


def _item_model(annotation: Any) -> Any:
    """The model class of ``X``, ``tuple[X, ...] | None`` or ``X | None`` annotations (else the
    annotation)."""
    for arg in typing.get_args(annotation):
        inner = _item_model(arg)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return inner
    return annotation


def _model_at(loc: Sequence[Any], root: type[BaseModel] | None = None) -> type[BaseModel] | None:
    """The model class reached by following ``loc`` from ``root`` (default ``Case``; None if
    not a model). List indices are skipped, and so is the key of a mapping of models
    (``dict[str, X]``, e.g. the fitted keys of a fit file)."""
    model: type[BaseModel] = Case if root is None else root
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        if isinstance(part, int):  # an item of a list of models (protocol segments)
            continue
        field = model.model_fields.get(part)
        annotation = _item_model(field.annotation) if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        if getattr(field.annotation, "__origin__", None) is dict and parts:
            parts.pop(0)  # the mapping's own key
        model = annotation
    return model
