"""The whole case: :class:`Case`, its sections, the rules across sections, derived quantities.

The rules that need more than one section (electrodes inside the wire, the interface inside the
gap, mesh sizes against the lattice constant and the wire length, no bias on a floating wire) are
``model_validator`` hooks of ``Case``, reported with the dotted key they concern.
"""

from pydantic import BaseModel, Field, model_validator

from solver.config.base import _MODEL_CONFIG
from solver.config.body import Body
from solver.config.device import Electrodes, Geometry, Material, Sources, Transport
from solver.config.drive import Bias, Temperature, check_solved_laser, polarity_sign
from solver.config.errors import _rule, apart
from solver.config.light import Light
from solver.config.numerics import Checkpoint, Mesh, Solver, Time
from solver.config.output import PL, Output
from solver.config.surfaces import Surface

__all__ = ["Case"]


def _check_surface_boundary(key: str, surface, body, dimension: int) -> None:
    """Where a surface entry may act: ``surface``/``volume`` on a body (``volume`` on a film
    only), the wire's boundaries on the wire (its ends in 1D only)."""
    b = surface.boundary
    if body is not None:
        if b not in ("surface", "volume"):
            raise _rule(f"{key}.boundary", f"{b} is a wire boundary; a body has surface and "
                        "volume")
        if b == "volume" and body.kind != "film":
            raise _rule(f"{key}.boundary", "volume is the film's effective medium (body.kind "
                        "film); a nanocrystal reacts on its surface")
        if b == "surface" and body.kind == "film":
            raise _rule(f"{key}.boundary", "a film's crystals react through its volume: write "
                        "boundary: volume with specific_area_per_um (its surface is the disc's "
                        "rim, far from the beam)")
        return
    if b in ("surface", "volume"):
        raise _rule(f"{key}.boundary", f"{b} is a body's boundary (set body); the wire has "
                    "free_surface, end_left, end_right")
    if surface.kind != "exchange":
        raise _rule(f"{key}.kind", f"{surface.kind} acts on a body (set body); the wire takes "
                    "kind exchange")
    if b != "free_surface" and dimension != 1:
        raise _rule(f"{key}.boundary", f"{b} is a wire end of the 1D model; in 3D the "
                    "exchange acts on free_surface (every free face)")


class Case(BaseModel):
    """A complete case (docs/case_format.md); defaults are the reference device
    (docs/model.md, "Parameters and sources")."""

    model_config = _MODEL_CONFIG

    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        description="[-] case name (letters, digits, '_', '.', '-'); default output directory "
        "is results/<name>",
    )
    description: str = Field("", description="[-] free text, copied to summary.json")
    geometry: Geometry = Field(default_factory=Geometry, description="wire geometry")
    electrodes: Electrodes = Field(default_factory=Electrodes, description="electrode zones")
    bias: Bias = Field(default_factory=Bias, description="applied bias")
    temperature: Temperature = Field(default_factory=Temperature, description="temperature")
    material: Material = Field(default_factory=Material, description="material parameters")
    transport: Transport = Field(default_factory=Transport, description="transport model")
    sources: Sources = Field(default_factory=Sources, description="electrode sources")
    body: Body | None = Field(
        None, description="a nanocrystal or a nanocrystal film instead of the wire "
        "(docs/case_format.md, Bodies); null = the wire of geometry and electrodes")
    light: Light = Field(default_factory=Light,
                         description="illumination (docs/nanocrystals.md, Light and "
                         "photocarriers); default dark")
    surfaces: list[Surface] = Field(
        default_factory=list,
        description="surface reactions with reservoirs (docs/case_format.md, Surfaces); empty = "
        "closed surfaces",
    )
    mesh: Mesh = Field(default_factory=Mesh, description="mesh")
    time: Time = Field(default_factory=Time, description="time span and stepping")
    solver: Solver = Field(default_factory=Solver, description="solver settings")
    output: Output = Field(default_factory=Output, description="output options")
    checkpoint: Checkpoint = Field(
        default_factory=Checkpoint, description="checkpoint/restart (docs/reliability.md)"
    )
    pl: PL = Field(default_factory=PL,
                   description="synthetic photoluminescence (solver/pl/model.py)")

    @model_validator(mode="after")
    def _check_geometry(self) -> "Case":
        length = self.geometry.length_um
        for side in ("left", "right"):
            zone = getattr(self.electrodes, side)
            if zone.start_um < 0.0:
                raise _rule(f"electrodes.{side}.start_um", "must be >= 0 (inside the wire)")
            if zone.end_um > length:
                v, n = apart(zone.end_um, length)
                raise _rule(f"electrodes.{side}.end_um", f"{v} µm is above geometry.length_um "
                            f"= {n} µm (must be <= it: inside the wire)")
        lo, hi = self.contact_left_um, self.contact_right_um
        if not lo < self.geometry.interface_um < hi:
            v, a, b = apart(self.geometry.interface_um, lo, hi)
            raise _rule("geometry.interface_um", f"{v} µm must lie strictly inside the gap "
                        f"between the contact lines ({a}, {b}) µm")
        return self

    @model_validator(mode="after")
    def _check_sizes(self) -> "Case":
        """Mesh sizes between a hundredth of a lattice constant and the wire length; a mesh
        file only in 3D."""
        m, length = self.mesh, self.geometry.length_um
        floor_nm = 0.01 * self.material.lattice_constant_nm
        why = ("a continuum cell below a hundredth of a lattice constant means nothing, and far "
               "below it the mesh coordinates drown in round-off")
        if m.h_min_nm < floor_nm:
            v, f = apart(m.h_min_nm, floor_nm)
            raise _rule("mesh.h_min_nm", f"{v} nm is below 0.01 x "
                        f"material.lattice_constant_nm = {f} nm (expected {f} "
                        f"nm <= h_min_nm <= mesh.h_max_um: {why})")
        for name in ("h_max_um", "h3d_max_um", "h3d_min_um", "h3d_axial_um",
                     "grading_distance_um"):
            value = getattr(m, name)
            if value is None:
                continue
            expected = f"expected {floor_nm * 1e-3:g} <= {name} <= {length:g} µm"
            if value * 1e3 < floor_nm:
                v, f = apart(value, floor_nm * 1e-3)
                raise _rule(f"mesh.{name}", f"{v} µm is below 0.01 x "
                            f"material.lattice_constant_nm = {f} µm ({expected}: {why})")
            if value > length and name != "grading_distance_um":
                v, f = apart(value, length)
                raise _rule(f"mesh.{name}", f"{v} µm is above geometry.length_um = "
                            f"{f} µm ({expected}: a cell cannot be longer than the wire)")
        if m.file is not None:
            if not m.file.strip():
                raise _rule("mesh.file", "must be a mesh file path, or null to generate the mesh")
            if self.geometry.dimension != 3:
                raise _rule("mesh.file", "a mesh file is only read in 3D, and this case is 1D "
                            "(geometry.dimension = 1, the graded interval is generated): set "
                            "geometry.dimension: 3, or remove mesh.file")
        return self

    @model_validator(mode="after")
    def _check_surfaces(self) -> "Case":
        """A wire end is a boundary of the 1D wire only; ``surface`` and ``volume`` are a
        body's; ``volume`` needs a specific area; a surface inventory at most once."""
        for i, surface in enumerate(self.surfaces):
            key = f"surfaces[{i}]"
            _check_surface_boundary(key, surface, self.body, self.geometry.dimension)
            area = getattr(surface, "specific_area_per_um", None)
            if surface.boundary == "volume" and area is None:
                raise _rule(f"{key}.specific_area_per_um", "required on boundary volume")
            if surface.boundary != "volume" and area is not None:
                raise _rule(f"{key}.specific_area_per_um", "only used on boundary volume")
            if (getattr(surface, "inventory_diffusivity_um2_per_s", 0.0)
                    and surface.boundary != "volume"):
                raise _rule(f"{key}.inventory_diffusivity_um2_per_s",
                            "only used on boundary volume (a film)")
        if sum(s.kind == "expulsion" for s in self.surfaces) > 1:
            raise _rule("surfaces", "at most one expulsion entry (one surface inventory)")
        return self

    @model_validator(mode="after")
    def _check_body(self) -> "Case":
        """A body has no electrodes: the wire's sections keep their defaults."""
        if self.body is None:
            return self
        for name, default in (("geometry", Geometry()), ("electrodes", Electrodes()),
                              ("bias", Bias()), ("sources", Sources())):
            section = getattr(self, name)
            for key in type(section).model_fields:
                if getattr(section, key) != getattr(default, key):
                    raise _rule(f"{name}.{key}", "not used with body (a nanocrystal or film has "
                                "no electrodes): leave it out")
        if self.mesh.h_min_nm * 1e-3 >= self.body.radius_um_resolved:
            raise _rule("mesh.h_min_nm", f"{self.mesh.h_min_nm:g} nm is not below the body's "
                        f"radius {self.body.radius_um_resolved * 1e3:g} nm")
        return self

    @model_validator(mode="after")
    def _check_laser(self) -> "Case":
        """temperature.laser model heat_equation: a film and the light's Gaussian beam."""
        check_solved_laser(self.temperature.laser, self.body, self.light)
        return self

    @model_validator(mode="after")
    def _floating_needs_zero_bias(self) -> "Case":
        """A floating wire has no contact potentials, so it cannot carry a bias."""
        if not self.electrodes.floating:
            return self
        b = self.bias
        fields = [("bias.field_V_per_um", b.field_V_per_um)]
        for i, seg in enumerate(b.protocol or ()):
            fields += [(f"bias.protocol[{i}].{k}", getattr(seg, k))
                       for k in type(seg).model_fields if k.startswith("field")]
        if b.protocol is not None:
            fields = fields[1:]  # the constant field is not used with a protocol
        for key, value in fields:
            if value is not None and value != 0.0:
                raise _rule(key, f"{value:g} V/µm, but electrodes.floating is true: a floating "
                            "wire has no contact potentials, so the bias must be 0 (or set "
                            "electrodes.floating: false)")
        return self

    @property
    def contact_left_um(self) -> float:
        """Left contact line [µm]: inner edge of the left electrode (``left.end_um``)."""
        return self.electrodes.left.end_um

    @property
    def contact_right_um(self) -> float:
        """Right contact line [µm]: inner edge of the right electrode (``right.start_um``)."""
        return self.electrodes.right.start_um

    @property
    def gap_um(self) -> float:
        """Distance between the contact lines [µm]."""
        return self.contact_right_um - self.contact_left_um

    @property
    def forward_field_V_per_um(self) -> float:
        """Signed forward field [V/µm]: ``field_V_per_um`` times +1 (forward) or -1 (reverse)."""
        return polarity_sign(self.bias.polarity) * self.bias.field_V_per_um

    @property
    def bias_V(self) -> float:
        """Magnitude of the applied voltage [V]: ``|forward field| * gap``."""
        return abs(self.forward_field_V_per_um) * self.gap_um

    @property
    def jump_length_nm_resolved(self) -> float:
        """Hop length [nm]: ``material.jump_length_nm``, or the lattice constant if null."""
        if self.material.jump_length_nm is None:
            return self.material.lattice_constant_nm
        return self.material.jump_length_nm
