"""Section models of the device.

``geometry``, ``electrodes``, ``material``, ``transport``, ``sources`` (docs/case_format.md;
docs/model.md, "Parameters and sources").

Each model implements its section key by key (names, defaults, units in the descriptions'
leading ``[unit]``, hard ranges) and its own cross-field rules; rules across sections are in
:class:`solver.config.case.Case`.
"""

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from solver.config.base import _MODEL_CONFIG
from solver.config.errors import _rule

__all__ = ["Electrode", "ElectrodeSource", "Electrodes", "Geometry", "Material", "Sources",
           "Transport"]

#: Default electrode zones [µm]: 1.5 µm zone, 4 µm gap, 1.5 µm zone (docs/model.md,
#: "Parameters and sources").
_DEFAULT_ELECTRODES = {
    "left": {"start_um": 0.0, "end_um": 1.5},
    "right": {"start_um": 5.5, "end_um": 7.0},
}


class Geometry(BaseModel):
    """Wire geometry along z (0 = left wire end)."""

    model_config = _MODEL_CONFIG

    length_um: float = Field(7.0, ge=0.01, le=1.0e4,
                             description="[µm] wire length; z runs from 0 to length_um")
    interface_um: float = Field(
        3.5,
        description="[µm] initial Br/Cl interface position; must lie strictly inside the gap "
        "between the contact lines (electrodes.left.end_um < . < electrodes.right.start_um)",
    )
    br_rich_side: Literal["left", "right"] = Field(
        "left", description="[-] side of the interface holding the Br-rich segment"
    )
    interface_width_nm: float = Field(
        30.0, ge=0.01, le=1.0e5, description="[nm] tanh half-width of the initial composition step"
    )
    dimension: Literal[1, 3] = Field(
        1, description="[-] 1 = wire axis only (graded interval mesh); 3 = the wire as a solid "
        "on two bottom electrodes (gmsh, or mesh.file)",
    )
    width_um: float = Field(0.2, ge=1.0e-3, le=100.0,
                            description="[µm] 3D: wire width (across, y)")
    height_um: float = Field(0.2, ge=1.0e-3, le=100.0,
                             description="[µm] 3D: wire height (z; bottom on the "
                             "electrodes); hexagon: flat-to-flat height")
    cross_section: Literal["rectangle", "hexagon"] = Field(
        "rectangle", description="[-] 3D: cross-section shape of the generated wire"
    )


class Electrode(BaseModel):
    """One electrode zone under the wire, [start_um, end_um]."""

    model_config = _MODEL_CONFIG

    start_um: float = Field(description="[µm] start of the electrode zone (0 <= . < end_um)")
    end_um: float = Field(description="[µm] end of the electrode zone (start_um < . <= length)")

    @model_validator(mode="after")
    def _start_before_end(self) -> "Electrode":
        if not self.start_um < self.end_um:
            raise _rule("end_um", f"must be > start_um = {self.start_um:g}")
        return self


class Electrodes(BaseModel):
    """The two electrodes; a partial ``left``/``right`` mapping is completed from its defaults."""

    model_config = _MODEL_CONFIG

    left: Electrode = Field(
        default_factory=lambda: Electrode(**_DEFAULT_ELECTRODES["left"]),
        description="[µm] left electrode zone (default 0.0-1.5); its end_um is the left "
        "contact line",
    )
    right: Electrode = Field(
        default_factory=lambda: Electrode(**_DEFAULT_ELECTRODES["right"]),
        description="[µm] right electrode zone (default 5.5-7.0); its start_um is the right "
        "contact line",
    )
    potential_on: Literal["contact_line", "zone"] = Field(
        "contact_line",
        description="[-] where the potential is imposed in 1D: at the contact lines (inner "
        "electrode edges) or over the whole electrode zones",
    )

    floating: bool = Field(
        False,
        description="[-] true = floating wire (zero-bias anneals): no potential imposed on the "
        "contacts; the potential's gauge is fixed by psi = 0 at one node (the left wire end, "
        "z = 0; in 3D the vertex with the smallest (z, x, y)). Requires zero bias",
    )

    @model_validator(mode="before")
    @classmethod
    def _complete_sides(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for side, default in _DEFAULT_ELECTRODES.items():
            if isinstance(data.get(side), dict):
                data[side] = {**default, **data[side]}
        return data

    @model_validator(mode="after")
    def _ordered(self) -> "Electrodes":
        if not self.left.end_um < self.right.start_um:
            raise _rule(
                "right.start_um",
                f"must be > electrodes.left.end_um = {self.left.end_um:g} (electrodes must not "
                "overlap and the left electrode must lie left of the right one)",
            )
        return self



class Material(BaseModel):
    """Material parameters of the halide pair (docs/model.md, "Parameters and sources",
    "Halide pairs"). The fields carry the Br/Cl (canonical) names; a case of another pair writes
    its own names for the per-halide keys (solver.config.halides)."""

    model_config = _MODEL_CONFIG

    halides: Literal["Br/Cl", "Br/I"] = Field(
        "Br/Cl",
        description="[-] halide pair A/B, y = x_A/(x_A+x_B): Br/Cl (CsPbBr3-CsPbCl3, seeds "
        "000/001) or Br/I (CsPbBr3-CsPbI3, seed 004: its emission law and defaults). The keys "
        "naming the second halide take its symbol (y_i_segment, x_v_i, hop_ratio_br_i, "
        "D_i_ref_cm2_per_s, sources.alpha_i, pl.wavelength_i_nm, ...; docs/case_format.md)",
    )
    lattice_constant_nm: float = Field(
        0.58, ge=0.2, le=2.0, description="[nm] lattice constant a; site density c_s = 3/a^3"
    )
    jump_length_nm: float | None = Field(
        None, ge=0.1, le=2.0,
        description="[nm] hop length lambda; null = lattice constant (seed 000 Eq. 2)"
    )
    eps_r: float = Field(250.0, ge=1, le=1.0e5, description="[-] relative permittivity")
    x_v_br: float = Field(
        2.0e-9, gt=0, lt=1, description="[-] equilibrium vacancy fraction of pure CsPbBr3"
    )
    x_v_cl: float = Field(
        3.0e-7, gt=0, lt=1, description="[-] equilibrium vacancy fraction of pure CsPbCl3"
    )
    y_br_segment: float = Field(
        1.0, gt=0, le=1, description="[-] initial y = x_Br/(x_Br+x_Cl) of the Br-rich segment"
    )
    y_cl_segment: float = Field(
        0.10, ge=0, lt=1, description="[-] initial y of the Cl-rich segment (< y_br_segment)"
    )
    hop_ratio_br_cl: float = Field(3.0, ge=1.0e-4, le=1.0e4,
                                   description="[-] hop-rate ratio w_Br / w_Cl")
    D_cl_ref_cm2_per_s: float = Field(
        1.0e-12,
        gt=0, le=1.0e-4,
        description="[cm^2/s] lambda^2 x_v_cl w_Cl at T_ref_K; fixes the hop-rate scale",
    )
    T_ref_K: float = Field(373.15, gt=0, le=900.0,
                           description="[K] reference temperature of D_cl_ref")
    hop_activation_eV: float = Field(
        0.28, ge=0, le=5.0, description="[eV] Arrhenius activation energy of w_Br and w_Cl"
    )
    vacancy_model: Literal["frozen", "formation_energy"] = Field(
        "frozen",
        description="[-] pure-phase equilibrium vacancy fractions: frozen = x_v_br/x_v_cl, the "
        "synthesis values, at every T (seed 000: vacancy content set by the synthesis "
        "conditions); formation_energy = x_V,a(T) = exp(-(E_lat,a + mu_a)/(k_B T)), a = Br, Cl "
        "(seed 000: lattice part of the formation free energy 1.32/1.44 eV plus the standard-state "
        "chemical potentials -0.9/-1.09 eV gives the totals 0.42/0.35 eV), x_v_br/x_v_cl then "
        "only fix the hop-rate scale (D_cl_ref_cm2_per_s). In both, ln x_V,eq(y) = y ln x_V,Br + "
        "(1-y) ln x_V,Cl (ideal solution: formation free energy linear in y). docs/thermal.md",
    )
    formation_lattice_br_eV: float = Field(
        1.32, ge=-10.0, le=10.0,
        description="[eV] vacancy_model formation_energy: lattice part of the vacancy "
        "formation free energy in CsPbBr3 (seed 000, MD thermodynamic integration)",
    )
    formation_lattice_cl_eV: float = Field(
        1.44, ge=-10.0, le=10.0,
        description="[eV] vacancy_model formation_energy: lattice part of the vacancy "
        "formation free energy in CsPbCl3 (seed 000)",
    )
    chemical_potential_br_eV: float = Field(
        -0.9, ge=-10.0, le=10.0,
        description="[eV] vacancy_model formation_energy: standard-state chemical "
        "potential of Br (seed 000, synthesis conditions, excess Cl)",
    )
    chemical_potential_cl_eV: float = Field(
        -1.09, ge=-10.0, le=10.0,
        description="[eV] vacancy_model formation_energy: standard-state chemical "
        "potential of Cl (seed 000)",
    )

    vacancy_equilibration: Literal["none", "schottky"] = Field(
        "none",
        description="[-] bulk equilibration of the halide vacancies: none = anion vacancies "
        "conserved, Poisson background frozen at x_V,eq(y(z, 0)); schottky = a bulk term "
        "R = k(T) (x_V,eq(y(z, t)) - x_V) [1/s] in the vacancy balance, with the compensating "
        "(cation-vacancy) background created and removed with it, dx_bg/dt = R "
        "(solver/physics/equilibration.py, docs/model.md \"Vacancy equilibration\")",
    )
    equilibration_prefactor_per_s: float = Field(
        1.0e13, gt=0, le=1.0e20,
        description="[1/s] vacancy_equilibration schottky: prefactor nu0 of "
        "k(T) = nu0 exp(-E_a/(k_B T)); default 1e13 1/s, a lattice attempt frequency "
        "(the order of the optical-phonon frequencies of lead-halide perovskites, 1-3 THz)",
    )
    equilibration_activation_eV: float = Field(
        1.32, ge=0, le=5.0,
        description="[eV] vacancy_equilibration schottky: activation energy E_a of k(T); "
        "default 1.32 eV, the lattice part of the vacancy formation free energy in CsPbBr3 "
        "(seed 000; 1.44 eV in CsPbCl3)",
    )

    @model_validator(mode="after")
    def _segments_ordered(self) -> "Material":
        if not self.y_cl_segment < self.y_br_segment:
            raise _rule("y_cl_segment", f"must be < material.y_br_segment = {self.y_br_segment:g}")
        return self

    @model_validator(mode="after")
    def _formation_energies_positive(self) -> "Material":
        if self.vacancy_model != "formation_energy":
            return self
        for a in ("br", "cl"):
            total = getattr(self, f"formation_lattice_{a}_eV") + getattr(
                self, f"chemical_potential_{a}_eV")
            if not total > 0.0:
                raise _rule(f"chemical_potential_{a}_eV", f"formation_lattice_{a}_eV + "
                            f"chemical_potential_{a}_eV = {total:g} eV must be > 0 (x_V < 1)")
        return self


class Transport(BaseModel):
    """Onsager (transport) model of the halide/vacancy sublattice."""

    model_config = _MODEL_CONFIG

    onsager_model: Literal["ideal", "manning", "kmc"] = Field(
        "manning", description="[-] Onsager coefficients: ideal (uncorrelated), Manning, or kmc "
        "(fitted kinetic Monte Carlo table, docs/onsager_kmc.md; material.hop_ratio_br_cl must "
        "be one of the table's ratios 1/3, 1, 3, 10)"
    )
    f0: float = Field(
        0.6889, gt=0, lt=1,
        description="[-] tracer correlation factor of the pure anion sublattice of cubic ABX3 "
        "(0.68892 computed, docs/onsager.md; 0.69 in Ishigaki et al. 1988)",
    )
    flux_scheme: Literal["exponential_fitting", "galerkin"] = Field(
        "exponential_fitting",
        description="[-] flux discretisation: exponential_fitting (Scharfetter-Gummel per cell "
        "edge; degree 1: intervals, hexahedra, triangles/tetrahedra (edge-averaged); degree 2 "
        "falls back to galerkin) or galerkin (log "
        "variables at quadrature points)",
    )


class ElectrodeSource(BaseModel):
    """Vacancy creation/annihilation at one electrode (docs/model.md, "Electrode sources")."""

    model_config = _MODEL_CONFIG

    alpha_c: float = Field(
        1.3e-5, ge=0, description="[µm V^-1 s^-1] creation coefficient (rate_law fixed)"
    )
    alpha_d: float = Field(
        1.3e-5, ge=0, description="[µm V^-1 s^-1] annihilation coefficient (rate_law fixed)"
    )
    equilibrium: Literal["half", "local", "auto"] = Field(
        "auto",
        description="[-] electrode equilibrium: half = r_c/(r_c+r_d); local = relax to "
        "x_V,eq(y) (alpha_d ignored); auto = half at the positive contact, local at the "
        "negative one",
    )


class Sources(BaseModel):
    """Electrode sources: model, rate law and per-electrode coefficients."""

    model_config = _MODEL_CONFIG

    model: Literal["none", "contact", "zone"] = Field(
        "contact",
        description="[-] none = no sources; contact = flux at the contact lines; zone = "
        "volumetric rate r/w_e over the electrode zones",
    )
    rate_law: Literal["fixed", "composition"] = Field(
        "composition",
        description="[-] fixed = each electrode's alpha_c/alpha_d; composition = ln alpha(y) = "
        "y ln alpha_br + (1-y) ln alpha_cl at both electrodes; r = alpha |dpsi(t)| / 2 [µm/s]. "
        "Default composition: one parameter set for both polarities (calibration, issue 3, "
        "docs/validation.md)",
    )
    left: ElectrodeSource = Field(
        default_factory=ElectrodeSource, description="left electrode source parameters"
    )
    right: ElectrodeSource = Field(
        default_factory=ElectrodeSource, description="right electrode source parameters"
    )
    alpha_br: float = Field(
        1.3e-5, gt=0, description="[µm V^-1 s^-1] rate_law composition: alpha at y = 1"
    )
    alpha_cl: float = Field(
        2.57e-7, gt=0,
        description="[µm V^-1 s^-1] rate_law composition: alpha at y = 0; the default makes "
        "alpha(y = 0.10) = 3.8e-7, seed 001's reverse-bias value (alpha(1) = 1.3e-5, forward)",
    )
    activation_eV: float = Field(
        0.0, ge=0, le=5.0,
        description="[eV] Arrhenius activation energy E_a of every electrode rate coefficient "
        "(alpha_c, alpha_d, alpha_br, alpha_cl): alpha(T) = alpha exp(-(E_a/k_B)(1/T - "
        "1/T_ref_K)), following a temperature protocol. Default 0: the rates do not depend on "
        "T (the calibrated model; docs/model.md, \"Electrode sources\")",
    )
    T_ref_K: float = Field(
        300.0, gt=0, le=900.0,
        description="[K] temperature at which the alpha values hold (used only with "
        "activation_eV > 0); default 300 K, the room temperature of the bias experiments the "
        "alphas were calibrated on (seed 001)",
    )
