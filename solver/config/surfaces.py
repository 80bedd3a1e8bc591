"""Section model of the surface conditions: ``surfaces``, a list of exchanges with reservoirs.

Each entry is one reaction on a named boundary, chosen by ``kind``: :class:`SurfaceExchange`
(``exchange``, first order with a reservoir of given composition), :class:`SolutionExchange`
(``solution``, mass action with a solution, barrier models of seed 002) or :class:`Expulsion`
(``expulsion``, the second halide expelled to a surface inventory by light and heat, seeds
003/004) (docs/case_format.md, "Surfaces"; model: docs/model.md, "Surface exchange",
"Surface reactions"). The default, an empty list, is the
closed wire of the reference model: no halide crosses a free surface.
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Discriminator, Field, Tag, model_validator

from solver.config.base import _MODEL_CONFIG
from solver.config.errors import _rule

__all__ = ["Expulsion", "SolutionExchange", "Surface", "SurfaceExchange"]


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


_BOUNDARY_DOC = (
    "[-] surface = the body's surface (body.kind nanocrystal: r = R); volume = every point of "
    "the body (body.kind film: the nanocrystals' surfaces spread through the film, an effective "
    "medium; needs specific_area_per_um); free_surface / end_left / end_right as for exchange "
    "(the wire)"
)
_Boundary = Literal["surface", "volume", "free_surface", "end_left", "end_right"]
#: The crystals' surface per film volume, shared by the reactions that may act in a film.
_SpecificArea = Annotated[float | None, Field(
    gt=0.0, le=1e4,
    description="[1/µm] boundary volume: nanocrystal surface area per film volume (6/edge "
    "times the packing fraction); not used on a surface")]


class SolutionExchange(BaseModel):
    """Anion exchange with a solution by mass action, with a barrier that may depend on the
    exchanged fraction (docs/model.md, "Surface reactions"; seed 002 line 99):
    -J_A.n = nu exp(-E(f)/k_BT) (c_A x_B - K c_B x_A), c_A = y_sol c, c_B = (1 - y_sol) c."""

    model_config = _MODEL_CONFIG

    kind: Literal["solution"] = Field(description="[-] solution = mass-action exchange with a "
                                      "solution of fixed halide concentrations")
    boundary: _Boundary = Field("surface", description=_BOUNDARY_DOC)
    specific_area_per_um: _SpecificArea = None
    concentration_mol_per_L: float = Field(
        ge=0.0, le=20.0,
        description="[mol/L] total halide concentration of the solution c (seed 002: 1 µg/mL "
        "TBAB = 3.1 µmol/L, its line 75)")
    y_solution: float = Field(
        1.0, ge=0.0, le=1.0,
        description="[-] fraction of the first halide (A, e.g. Br) among the solution's halides")
    rate_constant_um_per_s_per_M: float = Field(
        ge=0.0, le=1e12,
        description="[µm s⁻¹ (mol/L)⁻¹] prefactor nu of the forward rate k+ = nu exp(-E(f)/k_BT)")
    equilibrium_ratio: float = Field(
        1.0, ge=0.0, le=1e6,
        description="[-] K = k-/k+: 1 = no preference between the halides (the crystal "
        "reaches the solution's composition); 0 = irreversible uptake of A")
    barrier_eV: float = Field(0.0, ge=0.0, le=3.0,
                              description="[eV] E0, the barrier at f = 0")
    barrier_model: Literal["constant", "linear", "quadratic", "threshold"] = Field(
        "constant",
        description="[-] E(f): constant E0 | linear E0 - beta f | quadratic E0 - beta f^2 (seed "
        "002 line 99) | threshold E0 until f >= f_c, then E0 - beta (nucleation)")
    barrier_drop_eV: float = Field(0.0, ge=0.0, le=3.0,
                                   description="[eV] beta of the barrier models (<= barrier_eV)")
    threshold_fraction: float = Field(0.5, gt=0.0, lt=1.0,
                                      description="[-] f_c of the threshold model")
    y_start: float = Field(
        0.0, ge=0.0, le=1.0,
        description="[-] composition from which the exchanged fraction is counted: f = (y - "
        "y_start)/(y_solution - y_start), clipped to [0, 1] (seed 002: CsPbCl3, y = 0)")

    @model_validator(mode="after")
    def _drop_below_barrier(self) -> "SolutionExchange":
        if self.barrier_drop_eV > self.barrier_eV:
            raise _rule("barrier_drop_eV", f"{self.barrier_drop_eV:g} eV is above barrier_eV = "
                        f"{self.barrier_eV:g} eV (the barrier would turn negative)")
        if self.barrier_model == "constant" and self.barrier_drop_eV != 0.0:
            raise _rule("barrier_drop_eV", "not used by barrier_model constant")
        return self


class Expulsion(BaseModel):
    """Light- and heat-driven expulsion of the second halide (B, e.g. I) from the lattice to a
    surface inventory theta, refilling of vacancies from it, and irreversible loss of it
    (docs/model.md, "Surface reactions"; seed 003 lines 96-104, seed 004 lines 89-117):
    B_lattice -> B_surf + V_X at r_out = k_out(T, n) x_B (1 - theta/theta_max);
    B_surf + V_X -> B_lattice at r_in = k_in(T) theta x_V;  B_surf -> lost at k_loss(T) theta."""

    model_config = _MODEL_CONFIG

    kind: Literal["expulsion"] = Field(description="[-] expulsion = light/heat-driven expulsion "
                                       "of the second halide to a surface inventory")
    boundary: _Boundary = Field("surface", description=_BOUNDARY_DOC)
    specific_area_per_um: _SpecificArea = None
    dark_rate_um_per_s: float = Field(
        0.0, ge=0.0, le=1e6,
        description="[µm/s] k_out without light at T_ref_K (thermal expulsion)")
    light_rate_um_per_s: float = Field(
        0.0, ge=0.0, le=1e6,
        description="[µm/s] light part of k_out at T_ref_K and carrier density "
        "carrier_ref_per_cm3: k_out = dark + light (n/n_ref)^carrier_exponent")
    carrier_ref_per_cm3: float = Field(1e17, gt=0.0, le=1e23,
                                       description="[cm⁻³] n_ref of the light part")
    carrier_exponent: float = Field(1.0, ge=0.0, le=4.0,
                                    description="[-] m of (n/n_ref)^m (1 = linear in n)")
    expulsion_activation_eV: float = Field(0.0, ge=0.0, le=3.0,
                                           description="[eV] Arrhenius energy of k_out")
    refill_rate_per_s: float = Field(
        0.0, ge=0.0, le=1e12,
        description="[1/s] k_in at T_ref_K: r_in = k_in theta x_V (theta in µm on a surface, "
        "[-] in a volume)")
    refill_activation_eV: float = Field(0.0, ge=0.0, le=3.0,
                                        description="[eV] Arrhenius energy of k_in")
    loss_rate_per_s: float = Field(0.0, ge=0.0, le=1e6,
                                   description="[1/s] k_loss at T_ref_K (sublimation, seed 003 "
                                   "line 104); 0 = inventory kept")
    loss_activation_eV: float = Field(0.0, ge=0.0, le=3.0,
                                      description="[eV] Arrhenius energy of k_loss")
    capacity: float | None = Field(
        None, gt=0.0, le=1e6,
        description="[µm on a surface, [-] in a volume] theta_max, the inventory the surface "
        "can hold; null = unlimited")
    inventory_diffusivity_um2_per_s: float = Field(
        0.0, ge=0.0, le=1e6,
        description="[µm²/s] boundary volume: lateral diffusion of the expelled halide through "
        "the film at T_ref_K (seed 004 line 115: D0 = 5.3e-11 m²/s, Ea = 182 meV)")
    inventory_activation_eV: float = Field(0.0, ge=0.0, le=3.0,
                                           description="[eV] Arrhenius energy of that diffusion")
    T_ref_K: float = Field(300.0, gt=0.0, le=900.0,
                           description="[K] temperature at which the rates above hold")


def _kind(v: Any) -> str:
    """The ``kind`` of a surface entry (a mapping or a model); ``exchange`` if absent."""
    if isinstance(v, dict):
        return v.get("kind", "exchange")
    return getattr(v, "kind", "exchange")


#: One entry of ``surfaces``, chosen by its ``kind`` (default ``exchange``).
Surface = Annotated[
    Annotated[SurfaceExchange, Tag("exchange")]
    | Annotated[SolutionExchange, Tag("solution")]
    | Annotated[Expulsion, Tag("expulsion")],
    Discriminator(_kind),
]
