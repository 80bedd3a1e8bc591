"""Errors of case input: :class:`CaseError` (what users see) and ``_rule`` (what validators raise).

``CaseError`` is the one exception of invalid input anywhere in the solver (case files, ``--set``,
campaign and fit files, user meshes): ``str(err)`` is one line, ``"<dotted.key>: <message>"``.
``_rule`` is what the cross-field ``model_validator`` hooks of the section models raise; the
translation of pydantic errors (:mod:`solver.config.translate`) turns it into a ``CaseError``
naming the full dotted key.

This module imports nothing from the solver, so any layer may raise ``CaseError``.
"""

from pydantic_core import PydanticCustomError

__all__ = ["CaseError", "apart"]


class CaseError(Exception):
    """An invalid case: ``str(err)`` is one line, ``"<dotted.key>: <message>"``.

    For unreadable or malformed files the key is the file path. Both
    ``CaseError("mesh.max_cells", "too many cells")`` and the one-argument form
    ``CaseError("mesh.max_cells: too many cells")`` are accepted.

    Attributes:
        key: Dotted key (or file path) the problem concerns.
        message: Human-readable description, whitespace collapsed to one line.
    """

    def __init__(self, key: str, message: str | None = None) -> None:
        if message is None:
            key, sep, message = str(key).partition(": ")
            if not sep:
                key, message = "case", key
        self.key = " ".join(str(key).split())
        self.message = " ".join(str(message).split())
        super().__init__(f"{self.key}: {self.message}")


def apart(value: float, *others: float) -> tuple[str, ...]:
    """``value`` and ``others`` as ``%g`` texts with enough significant digits that a number
    differing from another never reads the same (6 digits if they already differ, up to 17).

    For messages comparing a value with a bound: 100.0000001 against 100 gives
    ``("100.0000001", "100")``, never "100 is above 100". Equal numbers stay equal
    ("0 is not above 0").
    """
    numbers = (value, *others)
    for digits in range(6, 18):
        texts = tuple(f"{x:.{digits}g}" for x in numbers)
        clash = any(texts[i] == texts[j] and numbers[i] != numbers[j]
                    for i in range(len(numbers)) for j in range(i))
        if not clash:
            break
    return texts


def _rule(key: str, message: str) -> PydanticCustomError:
    """Build a cross-field validation error naming ``key`` relative to the current model.

    Args:
        key: Dotted key relative to the model whose validator raises.
        message: What is wrong.

    Returns:
        An error that ``_case_error_from_validation`` turns into ``"<loc>.<key>: <message>"``.
    """
    return PydanticCustomError("case_rule", "{message}", {"key": key, "message": message})
