"""Plausibility warnings of the preflight: legal but unusual values, and keys the model ignores.

:func:`case_warnings` returns ``"<key>: <message>"`` strings; the run goes ahead and the CLI prints
them as ``warning:`` lines. The usual ranges are :data:`solver.config.PLAUSIBLE`.
"""

from __future__ import annotations

from typing import Any

from solver.config import PLAUSIBLE, Case, range_hint, unit_of_key

__all__ = ["case_warnings"]

#: Why ``transport.f0`` is not used by an Onsager model.
_F0_UNUSED = {
    "kmc": "the KMC table carries its own f0 = 0.68892, docs/onsager_kmc.md",
    "ideal": "ideal (uncorrelated) coefficients have no correlation factor",
}


def _value_at(case: Case, dotted: str) -> Any:
    """The value of a dotted key of ``case`` (None if absent)."""
    node: Any = case
    for part in dotted.split("."):
        node = getattr(node, part, None)
    return node


def case_warnings(case: Case) -> list[str]:
    """``"<key>: <message>"`` for every value outside its usual range (``PLAUSIBLE``), and for
    a key the chosen model ignores (``transport.f0`` with ``onsager_model`` kmc or ideal).

    Legal but unusual: the run goes ahead, the CLI prints these as ``warning:`` lines. The
    formation-energy keys are only looked at when ``material.vacancy_model`` uses them.
    """
    out = []
    for key, p in PLAUSIBLE.items():
        formation = "formation" in key or "chemical_potential" in key
        if formation and case.material.vacancy_model != "formation_energy":
            continue
        value = _value_at(case, key)
        if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        size = abs(value) if p.signed else value
        if p.lo <= size <= p.hi:
            continue
        unit = unit_of_key(key)
        u = f" {unit}" if unit else ""
        side = "below" if size < p.lo else "above"
        what = f"|{key.rsplit('.', 1)[-1]}| = " if p.signed else ""
        text = (f"{key}: {what}{value:g}{u} is {side} the usual range {p.lo:g} ... {p.hi:g}{u} "
                f"({p.why})")
        hint = range_hint(key, float(value), unit)
        out.append(f"{text}; {hint}" if hint else text)
    return out + _unused_key_warnings(case)


def _unused_key_warnings(case: Case) -> list[str]:
    """Keys set explicitly to a non-default value that the chosen model ignores.

    ``transport.f0`` enters only ``onsager_model: manning``. A value equal to the default does
    not warn: resolved case files (``--check``, summary.json, fitted_case.yaml) carry every key.
    """
    tr = case.transport
    default = type(tr).model_fields["f0"].default
    why = _F0_UNUSED.get(tr.onsager_model)
    if why and "f0" in tr.model_fields_set and tr.f0 != default:
        return [f"transport.f0: {tr.f0:g} is not used with transport.onsager_model: "
                f"{tr.onsager_model} ({why}); it applies to onsager_model: manning only, so "
                "remove it or choose manning"]
    return []
