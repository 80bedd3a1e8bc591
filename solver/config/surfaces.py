"""Section model of the surface conditions: ``surfaces``, a list of exchanges with reservoirs.

Each entry is one :class:`SurfaceExchange` on a named boundary (docs/case_format.md,
"Surfaces"; model: docs/model.md, "Surface exchange"). The default, an empty list, is the
closed wire of the reference model: no halide crosses a free surface.
"""

from typing import Literal

from pydantic import BaseModel, Field

from solver.config.base import _MODEL_CONFIG

__all__ = ["SurfaceExchange"]


class SurfaceExchange(BaseModel):
    """Halide exchange with a reservoir of composition y_res through one boundary:
    -J_A.n = k (1 - x_V)(y_res - y), one halide for the other (sites and vacancies kept)."""

    model_config = _MODEL_CONFIG

    kind: Literal["exchange"] = Field(
        "exchange", description="[-] exchange = first-order halide exchange with a reservoir")
    boundary: Literal["free_surface", "end_left", "end_right"] = Field(
        "free_surface",
        description="[-] free_surface = every free face in 3D, both wire ends in 1D; end_left / "
        "end_right = one wire end (1D only)",
    )
    rate_um_per_s: float = Field(
        ge=0.0, le=1e3,
        description="[µm/s] exchange velocity k: halide flux k (1 - x_V)(y_res - y) into the "
        "crystal per unit area (1D: per unit cross-section at the end)",
    )
    y_reservoir: float = Field(
        ge=0.0, le=1.0,
        description="[-] composition of the reservoir: the fraction of the first halide (Br) "
        "among the halides",
    )
