"""The ensemble file: one top-level ``ensemble:`` mapping (schema, loading, one-line errors).

Every key, unit and default is in :class:`EnsembleSpec` and its sections; the sources of the
defaults are in solver/ensemble/model.py, solver/ensemble/observables.py and docs/nanocrystals.md.
Unknown keys, wrong types and out-of-range values raise a one-line
:class:`solver.config.CaseError` naming the dotted key (``ensemble.barrier.beta_eV: ...``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from solver.config import CaseError, read_section_file
from solver.config.base import _MODEL_CONFIG
from solver.config.translate import first_error, unknown_key_message
from solver.ensemble.model import Barrier, RateLaw
from solver.ensemble.observables import Optics
from solver.ensemble.reverse import ReverseStep

__all__ = ["EnsembleSpec", "is_ensemble_file", "load_ensemble"]


class BarrierSpec(BaseModel):
    """``ensemble.barrier``: E‡(f) (solver/ensemble/model.py)."""

    model_config = _MODEL_CONFIG
    model: Literal["constant", "linear", "quadratic", "threshold"] = "quadratic"
    E0_eV: float = Field(0.45, ge=0.0, le=3.0, description="barrier of the first exchange")
    beta_eV: float = Field(0.0, ge=0.0, le=3.0, description="drop of the barrier")
    f_c: float = Field(0.1, gt=0.0, lt=1.0, description="threshold model: fraction of the drop")

    def build(self) -> Barrier:
        return Barrier(self.model, self.E0_eV, self.beta_eV, self.f_c)


class ReverseSpec(BaseModel):
    """``ensemble.reverse``: the Br -> Cl step (solver/ensemble/reverse.py); absent: none."""

    model_config = _MODEL_CONFIG
    chloride_umol_per_L: float = Field(gt=0.0, le=1e6, description="Cl- background")
    delta_G0_eV: float = Field(0.0, ge=-1.0, le=1.0, description="free energy per exchange")
    release_volume_fL: float | None = Field(None, gt=0.0, description="None: swept away")

    def build(self) -> ReverseStep:
        return ReverseStep(self.chloride_umol_per_L, self.delta_G0_eV, self.release_volume_fL)


class ParticlesSpec(BaseModel):
    """``ensemble.particles``: square platelets, seed 002 lines 50 and 67."""

    model_config = _MODEL_CONFIG
    count: int = Field(500, ge=1, le=100_000, description="particles per concentration")
    edge_mean_nm: float = Field(19.1, gt=0.0, le=1000.0)
    edge_sd_nm: float = Field(5.0, ge=0.0, le=1000.0)
    edge_min_nm: float = Field(5.0, gt=0.0, description="lower truncation of the edge")
    thickness_nm_min: float = Field(3.0, gt=0.0, le=100.0)
    thickness_nm_max: float = Field(5.0, gt=0.0, le=100.0)
    lattice_constant_nm: float = Field(0.56, gt=0.1, le=2.0, description="CsPbCl3, seed line 63")

    @model_validator(mode="after")
    def _ordered(self):
        if self.thickness_nm_max < self.thickness_nm_min:
            raise ValueError("thickness_nm_max: below thickness_nm_min")
        if self.edge_min_nm >= self.edge_mean_nm + 3 * self.edge_sd_nm:
            raise ValueError("edge_min_nm: leaves almost no particle (>= mean + 3 sd)")
        return self


class OpticsSpec(BaseModel):
    """``ensemble.optics``: the microscope (solver/ensemble/observables.py)."""

    model_config = _MODEL_CONFIG
    frame_s: float = Field(0.1, gt=0.0, le=10.0)
    window_s: float = Field(120.0, gt=0.0, le=1e5)
    baseline_s: float = Field(2.0, gt=0.0, le=1e3)
    noise_relative: float = Field(0.05, gt=0.0, le=1.0)
    n_sigma: float = Field(3.0, gt=0.0, le=20.0)
    persist_frames: int = Field(3, ge=1, le=100)
    filter_cut_on_nm: float = Field(450.0, gt=300.0, lt=700.0)
    linewidth_eV: float = Field(0.11, gt=0.0, le=1.0)
    brightness_ratio: float = Field(30.0, gt=0.0, le=1e4)
    confinement: Literal["none", "slab"] = "none"

    @model_validator(mode="after")
    def _frames(self):
        if self.window_s / self.frame_s > 1e6:
            raise ValueError("frame_s: more than 1e6 frames in the window")
        if self.baseline_s < 5 * self.frame_s:
            raise ValueError("baseline_s: fewer than 5 baseline frames")
        return self

    def build(self) -> Optics:
        return Optics(**self.model_dump())


class EnsembleSpec(BaseModel):
    """The ``ensemble`` mapping of an ensemble file."""

    model_config = _MODEL_CONFIG
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=200)
    description: str = ""
    seed: int = Field(ge=0, description="root of every random stream (numpy SeedSequence)")
    concentrations_ug_per_mL: list[float] = Field(min_length=1, max_length=100)
    umol_per_L_per_ug_per_mL: float = Field(3.1, gt=0.0, description="TBAB, seed line 75")
    T_K: float = Field(295.15, gt=0.0, le=2000.0)
    attempt_frequency_per_s: float | None = Field(None, gt=0.0,
                                                  description="None: k_B T / h")
    rate_per: Literal["surface_site", "particle"] = "surface_site"
    final_br_fraction: float = Field(2.0 / 3.0, gt=0.0, le=1.0, description="seed line 54")
    barrier: BarrierSpec = BarrierSpec()
    reverse: ReverseSpec | None = None
    particles: ParticlesSpec = ParticlesSpec()
    optics: OpticsSpec = OpticsSpec()
    traces_in_figure: int = Field(6, ge=0, le=50)

    @model_validator(mode="after")
    def _concentrations(self):
        if any(not c > 0 for c in self.concentrations_ug_per_mL):
            raise ValueError("concentrations_ug_per_mL: every value must be > 0")
        if len(set(self.concentrations_ug_per_mL)) != len(self.concentrations_ug_per_mL):
            raise ValueError("concentrations_ug_per_mL: values repeat")
        return self

    def rate_law(self) -> RateLaw:
        return RateLaw(self.barrier.build(), self.T_K, self.attempt_frequency_per_s,
                       self.rate_per)


def is_ensemble_file(path) -> bool:
    """True if ``path`` is a YAML mapping with a top-level ``ensemble`` key (never raises)."""
    try:
        data = yaml.safe_load(Path(path).read_text())
    except (OSError, ValueError, yaml.YAMLError, RecursionError):
        return False
    return isinstance(data, dict) and "ensemble" in data


def load_ensemble(path) -> EnsembleSpec:
    """Read and validate an ensemble file.

    Raises:
        CaseError: one line naming the dotted key (``ensemble.<key>: ...``).
    """
    section = read_section_file(Path(path), "ensemble", "ensemble")
    try:
        return EnsembleSpec.model_validate(section)
    except ValidationError as exc:
        err = first_error(exc)
        loc = [str(p) for p in err["loc"]]
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = unknown_key_message(err["loc"], EnsembleSpec)
        elif err["type"] == "value_error" and ": " in msg:  # a validator naming its key
            key, _, msg = msg.partition(": ")
            loc.append(key)
        raise CaseError(".".join(["ensemble", *loc]), msg) from None
