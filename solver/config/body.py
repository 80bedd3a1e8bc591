"""Section model of a body other than the wire: ``body``, a nanocrystal or a nanocrystal film.

``body: null`` (the default) is the wire of ``geometry`` and ``electrodes`` (today's model). A
body has no electrodes: the wire's ``geometry``, ``electrodes``, ``bias`` and ``sources``
sections are not used and must keep their defaults, and the synthetic confocal PL of the wire
(``pl``) is off (docs/case_format.md, "Bodies"; docs/model.md, "Geometries").

Each body is a 1D reduction (solver/numerics/measures.py):
- ``nanocrystal``, ``reduction: sphere``: a sphere of radius R = edge/2 (the cube's inscribed
  sphere: the same surface-to-volume ratio 6/edge as the cube), radial coordinate, weight r²;
- ``nanocrystal``, ``reduction: slab``: a slab of half-thickness edge/6 (again S/V = 6/edge),
  symmetric about its mid-plane, weight 1.
Both are exact in the well-mixed limit D t / R² >> 1, the seeds' regime (docs/model.md,
"Geometries", with the numbers); the surface at r = R is the boundary ``surface``.
- ``nanocrystal``, ``reduction: cube`` (``edge_nm``) or ``box`` (``edges_nm``, a platelet): the
  crystal itself in 3D (hexahedra), every face the boundary ``surface``: the check of the 1D
  reductions (docs/model.md, "Geometries"). The 1D reductions of a box keep its S/V: sphere
  R = 3V/S, slab half-thickness V/S.
- ``film``: a nanocrystal film as an effective medium around a laser spot: a disc of radius
  ``radius_um`` centred on the beam, radial coordinate, weight r (uniform through the film's
  thickness); its outer rim (r = radius_um) is the boundary ``surface``.
"""

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from solver.config.base import _MODEL_CONFIG
from solver.config.errors import _rule

__all__ = ["Body"]


def _check_edges(body) -> None:
    """A nanocrystal's size: edge_nm or edges_nm (one of them); cube takes edge_nm, box
    edges_nm; each edge in [1, 1e4] nm."""
    if (body.edge_nm is None) == (body.edges_nm is None):
        raise _rule("edge_nm", "give edge_nm (a cube) or edges_nm (a box), one of them, for "
                    "kind nanocrystal")
    if body.edges_nm is not None:
        for i, e in enumerate(body.edges_nm):
            if not 1.0 <= e <= 1.0e4:
                raise _rule(f"edges_nm[{i}]", f"{e:g} nm is outside [1, 1e4] nm")
    if body.reduction == "cube" and body.edge_nm is None:
        raise _rule("reduction", "cube takes edge_nm; a box of edges_nm is reduction box")
    if body.reduction == "box" and body.edges_nm is None:
        raise _rule("reduction", "box takes edges_nm; a cube of edge_nm is reduction cube")
    if body.radius_um is not None:
        raise _rule("radius_um", "not used by kind nanocrystal (give edge_nm or edges_nm)")
    if body.interdiffusion_um2_per_s:
        raise _rule("interdiffusion_um2_per_s", "film only (a nanocrystal's transport is its "
                    "lattice's)")


class Body(BaseModel):
    """A nanocrystal or a nanocrystal film, as a 1D radial or slab reduction."""

    model_config = _MODEL_CONFIG

    kind: Literal["nanocrystal", "film"] = Field(
        description="[-] nanocrystal = one crystal of edge edge_nm; film = a nanocrystal film "
        "around a laser spot (effective medium, disc of radius_um)")
    reduction: Literal["sphere", "slab", "cube", "box"] = Field(
        "sphere",
        description="[-] nanocrystal: sphere (radius 3V/S, weight r^2) or slab (half-thickness "
        "V/S, weight 1), both 1D and keeping the crystal's surface-to-volume ratio S/V (a cube: "
        "R = edge/2, half-thickness edge/6); cube (edge_nm) or box (edges_nm) = the crystal "
        "itself in 3D (hexahedra of mesh.h_max_um; a check of the reductions). Not used by "
        "film (a disc, weight r)")
    edge_nm: float | None = Field(
        None, ge=1.0, le=1.0e4,
        description="[nm] nanocrystal: cube edge (seed 003: 23 nm); give this or edges_nm; not "
        "used by film")
    edges_nm: tuple[float, float, float] | None = Field(
        None, strict=False,
        description="[nm] nanocrystal: the three edges of a box (a platelet: seed 002, 19 x 19 "
        "x 3-5 nm, its line 50), each in [1, 1e4]; give this or edge_nm; not used by film")
    radius_um: float | None = Field(
        None, gt=0.0, le=1.0e4,
        description="[µm] film: radius of the simulated disc around the beam centre (several "
        "beam radii); required for film, not used by nanocrystal")
    interdiffusion_um2_per_s: float = Field(
        0.0, ge=0.0, le=1e6,
        description="[µm²/s] film: Br/I interdiffusion through the film between its crystals "
        "at interdiffusion_T_ref_K, J_A = -D_f (1 - x_V) grad y, one halide for the other "
        "(seed 004 line 115: D0 = 5.3e-11 m²/s, Ea = 182 meV); 0 = none (the crystals' own "
        "transport only)")
    interdiffusion_activation_eV: float = Field(
        0.0, ge=0.0, le=3.0, description="[eV] film: Arrhenius energy of D_f (pointwise in T)")
    interdiffusion_T_ref_K: float = Field(
        300.0, gt=0.0, le=900.0, description="[K] film: temperature at which D_f holds")
    y_initial: float = Field(
        ge=0.0, le=1.0,
        description="[-] initial composition y = x_A/(x_A + x_B), uniform (seed 003: "
        "CsPbBr1.2I1.8, y = 0.4)")

    @model_validator(mode="after")
    def _sizes(self) -> "Body":
        if self.kind == "nanocrystal":
            _check_edges(self)
        else:
            if self.radius_um is None:
                raise _rule("radius_um", "required for kind film")
            if self.edge_nm is not None or self.edges_nm is not None:
                raise _rule("edge_nm" if self.edge_nm is not None else "edges_nm",
                            "not used by kind film (give radius_um)")
            if self.reduction != "sphere":
                raise _rule("reduction", "not used by kind film (a film is a disc)")
        return self

    @property
    def coordinate(self) -> str:
        """The 1D reduction's coordinate: spherical, cartesian (slab) or cylindrical (film)."""
        if self.kind == "film":
            return "cylindrical"
        return "spherical" if self.reduction == "sphere" else "cartesian"

    @property
    def dimension(self) -> int:
        """3 for a nanocrystal solved as itself (cube, box), 1 for the reductions and films."""
        return 3 if self.kind == "nanocrystal" and self.reduction in ("cube", "box") else 1

    @property
    def edges_um(self) -> tuple[float, float, float]:
        """A nanocrystal's three edges [µm] (a cube's all equal)."""
        if self.edges_nm is not None:
            return tuple(e * 1e-3 for e in self.edges_nm)
        return (self.edge_nm * 1e-3,) * 3

    @property
    def volume_to_surface_um(self) -> float:
        """V/S of a nanocrystal [µm]: abc/(2(ab + bc + ca)) (a cube: edge/6)."""
        a, b, c = self.edges_um
        return a * b * c / (2.0 * (a * b + b * c + c * a))

    @property
    def radius_um_resolved(self) -> float:
        """The 1D domain's length [µm]: R = 3V/S (sphere; edge/2 for a cube), V/S (slab;
        edge/6), radius_um (film); the 3D crystal: its smallest half edge."""
        if self.kind == "film":
            return float(self.radius_um)
        if self.dimension == 3:
            return 0.5 * min(self.edges_um)
        return self.volume_to_surface_um * (1.0 if self.reduction == "slab" else 3.0)
