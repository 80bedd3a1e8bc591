"""Plausibility warnings of the preflight: legal but unusual values, and keys the model ignores.

:func:`case_warnings` returns ``"<key>: <message>"`` strings; the run goes ahead and the CLI prints
them as ``warning:`` lines. The usual ranges are :data:`solver.config.PLAUSIBLE`.
"""

from __future__ import annotations

from solver.config import Case, plausibility_warnings

__all__ = ["case_warnings"]

#: Why ``transport.f0`` is not used by an Onsager model.
_F0_UNUSED = {
    "kmc": "the KMC table carries its own f0 = 0.68892, docs/onsager_kmc.md",
    "ideal": "ideal (uncorrelated) coefficients have no correlation factor",
}


def case_warnings(case: Case) -> list[str]:
    """``"<key>: <message>"`` for every value outside its usual range (``PLAUSIBLE``, also the
    levels of protocol segments, named by their own key: ``temperature.protocol[1].T_K``;
    :func:`solver.config.plausibility_warnings`), and for a key the chosen model ignores
    (``transport.f0`` with ``onsager_model`` kmc or ideal).

    Legal but unusual: the run goes ahead, the CLI prints these as ``warning:`` lines. The
    formation-energy keys are only looked at when ``material.vacancy_model`` uses them.
    """
    return plausibility_warnings(case) + _unused_key_warnings(case)


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
