"""Case files: pydantic models, YAML loading, ``--set`` overrides and one-line errors.

The models implement ``docs/case_format.md`` key by key (names, defaults, units, constraints).
Every model forbids unknown keys, is immutable and validates strictly: numbers must be YAML
numbers (not quoted strings, not booleans), ``inf``/``nan`` are refused. Cross-field rules are
checked by ``model_validator`` hooks and reported with the dotted key they concern.

This package imports neither dolfinx nor UFL, so validating a case is cheap.

Typical use::

    case = load_case("cases/reference_forward.yaml", ["bias.field_V_per_um=2.5"])
    case.bias_V            # |forward field| * gap [V]
    case_to_dict(case)     # fully resolved, JSON-serialisable

Modules, each importing only from the ones above it:

- ``errors``: :class:`CaseError` and ``_rule`` (the error of a cross-field rule); no solver
  imports, so any layer can raise ``CaseError``.
- ``base``: the strict model configuration and the output-time rule every section shares.
- ``device`` (geometry, electrodes, material, transport, sources), ``drive`` (bias, temperature,
  protocol segments), ``numerics`` (mesh, time, solver, checkpoint), ``output`` (output, pl):
  the section models.
- ``case``: :class:`Case`, the rules across sections and the derived quantities.
- ``keys``: dotted keys (``format_loc``) and the model a key path leads to.
- ``plausible``: usual ranges and wrong-unit guesses (:data:`PLAUSIBLE`, :func:`range_hint`),
  units of keys, the message for a value outside its hard range.
- ``translate``: pydantic validation errors -> one-line :class:`CaseError`.
- ``loading``: YAML, ``--set``, :func:`load_case`, :func:`case_to_dict`, the JSON schema.

Everything below is importable from ``solver.config`` as before the split.
"""

from solver.config.case import Case
from solver.config.device import (
    Electrode,
    Electrodes,
    ElectrodeSource,
    Geometry,
    Material,
    Sources,
    Transport,
)
from solver.config.drive import Bias, BiasSegment, Temperature, TemperatureSegment
from solver.config.errors import CaseError
from solver.config.keys import format_loc
from solver.config.loading import (
    apply_overrides,
    case_from_dict,
    case_to_dict,
    load_case,
    read_section_file,
    schema_json,
)
from solver.config.numerics import Checkpoint, Mesh, Solver, Time
from solver.config.output import PL, Output
from solver.config.plausible import (
    PLAUSIBLE,
    Plausible,
    plausibility_warnings,
    plausible_key,
    range_hint,
    unit_hint_first,
    unit_of_key,
)
from solver.config.translate import first_error, unknown_key_message

__all__ = [
    "PL",
    "PLAUSIBLE",
    "Bias",
    "BiasSegment",
    "Case",
    "CaseError",
    "Checkpoint",
    "Electrode",
    "ElectrodeSource",
    "Electrodes",
    "Geometry",
    "Material",
    "Mesh",
    "Output",
    "Plausible",
    "Solver",
    "Sources",
    "Temperature",
    "TemperatureSegment",
    "Time",
    "Transport",
    "apply_overrides",
    "case_from_dict",
    "case_to_dict",
    "first_error",
    "format_loc",
    "load_case",
    "plausibility_warnings",
    "plausible_key",
    "range_hint",
    "read_section_file",
    "schema_json",
    "unit_hint_first",
    "unit_of_key",
    "unknown_key_message",
]
