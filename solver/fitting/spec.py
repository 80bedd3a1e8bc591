"""The fit file: which case keys to fit, within which bounds, against which data.

A fit file is YAML with a single top-level ``fit`` mapping (paths relative to the fit file)::

    fit:
      name: fig1e_synthetic                 # results go to results/fits/<name>/
      base: ../cases/reference_forward.yaml # base case
      set:                                  # overrides of every model run (optional)
        mesh.h_max_um: 0.05
      parameters:                           # dotted case keys (as in --set) to fit
        sources.alpha_br: {initial: 5.0e-6, min: 1.0e-7, max: 1.0e-3, scale: log}
        sources.alpha_cl: {initial: 1.0e-6, min: 1.0e-9, max: 1.0e-5, scale: log}
      data:                                 # at least one data set
        migration_length:                   # L_m vs field after a time (seed 001 Fig. 1e)
          - {file: fig1e_synthetic.csv}     # field_V_per_um, t_s, L_m_um, sigma_um
        profiles:                           # composition profiles y(z) at given times
          - {file: y_4V.csv, set: {bias.field_V_per_um: 4.0}}   # t_s, z_um, y, sigma_y
        pl_wavelength:                      # PL peak wavelength along the wire (solver/pl/model.py)
          - {file: pl_4V.csv, set: {bias.field_V_per_um: 4.0}}  # t_s, z_um, wavelength_nm,
                                                                 # sigma_nm
      optimizer: {loss: linear, max_nfev: 30, diff_step: 0.01}  # optional, see Optimizer

Errors are one line naming the key (``fit.parameters.sources.alpha_br.min: ...``; an unknown
key with the case files' "did you mean"), raised as :class:`solver.config.CaseError` (exit code
2 at the command line). Every key with units and defaults, the data files and the outputs:
docs/fitting.md.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from solver.config import (
    CaseError,
    first_error,
    format_loc,
    read_section_file,
    unknown_key_message,
)

__all__ = ["DataSet", "FitSpec", "Optimizer", "Parameter", "load_fit"]

_CFG = ConfigDict(extra="forbid", frozen=True)

#: Case keys the fit sets itself for every model run (time span and output times).
RESERVED_KEYS = ("time.t_end_s", "time.output_times_s")


class Parameter(BaseModel):
    """One fitted case key.

    The optimiser works on the scaled parameter u: u = log10(x) for ``scale: log`` (x > 0),
    u = (x - min) / (max - min) for ``scale: linear``; bounds and the finite-difference step
    (``optimizer.diff_step``) are in u.
    """

    model_config = _CFG
    initial: float = Field(description="[key's unit] starting value, min < initial < max")
    min: float = Field(description="[key's unit] lower bound")
    max: float = Field(description="[key's unit] upper bound")
    scale: Literal["log", "linear"] = Field("log", description="[-] scale of the search")

    @model_validator(mode="after")
    def _ordered(self) -> Parameter:
        for name in ("initial", "min", "max"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{name}: must be finite")
        if not self.min < self.max:
            raise ValueError(f"min ({self.min:g}) must be < max ({self.max:g})")
        if not self.min < self.initial < self.max:
            raise ValueError(f"initial ({self.initial:g}) must lie strictly between min "
                             f"({self.min:g}) and max ({self.max:g})")
        if self.scale == "log" and self.min <= 0:
            raise ValueError(f"scale log needs min > 0, got {self.min:g}")
        return self


class DataSet(BaseModel):
    """One data file and the case overrides of the experiment it records."""

    model_config = _CFG
    file: str = Field(description="CSV file, relative to the fit file")
    set: dict[str, Any] = Field(default_factory=dict, description="dotted key -> value")


class Data(BaseModel):
    """The data sets; each kind is a list (a single mapping is accepted as a one-item list)."""

    model_config = _CFG
    migration_length: list[DataSet] = Field(default_factory=list)
    profiles: list[DataSet] = Field(default_factory=list)
    pl_wavelength: list[DataSet] = Field(default_factory=list)

    @field_validator("migration_length", "profiles", "pl_wavelength", mode="before")
    @classmethod
    def _one_or_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, dict) else value

    @model_validator(mode="after")
    def _some(self) -> Data:
        if not (self.migration_length or self.profiles or self.pl_wavelength):
            raise ValueError("needs at least one of migration_length, profiles, pl_wavelength")
        return self


class Optimizer(BaseModel):
    """Settings of ``scipy.optimize.least_squares`` (method ``trf``, bounded)."""

    model_config = _CFG
    loss: Literal["linear", "soft_l1", "huber", "cauchy", "arctan"] = Field(
        "linear", description="[-] linear = least squares; the others are robust losses")
    f_scale: float = Field(1.0, gt=0, description="[-] residual (in sigmas) where a robust loss "
                           "starts to flatten")
    max_nfev: int = Field(30, ge=1, le=10000, description="[-] most residual evaluations (each "
                          "one model run per experiment condition)")
    diff_step: float = Field(0.01, gt=0, le=0.5, description="[-] forward-difference step in "
                             "the scaled parameter u (log10 units for log scale)")
    ftol: float = Field(1e-6, ge=0, description="[-] relative change of the cost to stop")
    xtol: float = Field(1e-6, ge=0, description="[-] relative change of u to stop")
    gtol: float = Field(1e-8, ge=0, description="[-] gradient norm to stop")
    absolute_sigma: bool = Field(
        True, description="[-] true: the stated uncertainties are absolute, cov = (J^T J)^-1; "
        "false: rescaled by the fit quality, cov = s^2 (J^T J)^-1, s^2 = 2 cost / (m - n)")


class FitSpec(BaseModel):
    """The ``fit`` mapping of a fit file."""

    model_config = _CFG
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=200,
                      description="fit name (a directory)")
    description: str = ""
    base: str = Field(description="base case file, relative to the fit file")
    set: dict[str, Any] = Field(default_factory=dict, description="overrides of every run")
    parameters: dict[str, Parameter] = Field(description="dotted case key -> Parameter")
    data: Data
    optimizer: Optimizer = Field(default_factory=Optimizer)

    @model_validator(mode="after")
    def _keys(self) -> FitSpec:
        if not self.parameters:
            raise ValueError("parameters: name at least one case key to fit")
        fixed = set(self.set)
        for ds in (*self.data.migration_length, *self.data.profiles, *self.data.pl_wavelength):
            fixed |= set(ds.set)
        for key in self.parameters:
            if key in fixed:
                raise ValueError(f"parameters.{key}: also given in a 'set'; a key is either "
                                 "fitted or fixed")
        for key in (*fixed, *self.parameters):
            if key in RESERVED_KEYS:
                raise ValueError(f"{key}: set by the fit from the data times; remove it")
        if self.data.migration_length and "bias.field_V_per_um" in self.parameters:
            raise ValueError("parameters.bias.field_V_per_um: the migration_length data set it")
        return self


def _loc(err: dict) -> str:
    """Dotted location of a pydantic error as for case files (list items as ``[i]``); dotted
    case keys stay as they are."""
    return format_loc(("fit", *err["loc"]))


def load_fit(path: str | Path) -> tuple[FitSpec, Path, Path]:
    """Read and validate a fit file.

    Returns:
        ``(spec, base, folder)``: the spec, the resolved base case path and the folder data
        files are relative to.

    Raises:
        CaseError: one line naming the problem (``fit.<key>: ...``).
    """
    path = Path(path)
    section = read_section_file(path, "fit", "fit")
    try:
        spec = FitSpec.model_validate(section)
    except ValidationError as exc:
        err = first_error(exc)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":  # as for case files: did you mean, allowed keys
            msg = unknown_key_message(err["loc"], FitSpec)
        raise CaseError(_loc(err), msg) from None
    folder = path.parent
    base = (folder / spec.base).resolve()
    if not base.is_file():
        raise CaseError("fit.base", f"{spec.base} not found (relative to {folder})")
    return spec, base, folder
