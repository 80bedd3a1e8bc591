"""Model parameters in the internal unit system, derived once from a validated case.

Internal units (used by every weak form): length in µm, time in s, electrostatic potential
as phi = e psi / (k_B T) (thermal units), amounts as site fractions of the halide sublattice.
Rates r [µm/s] are velocities (flux of site fraction through a contact point).

The physics modules receive :class:`ModelParameters` only; they never see the YAML case.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from solver.constants import (
    BOLTZMANN_EV_PER_K,
    ELEMENTARY_CHARGE_C,
    VACUUM_PERMITTIVITY_F_PER_M,
    thermal_voltage_V,
)
from solver.model.reactions import body_parameters, reaction_parameters
from solver.model.temperature_field import temperature_laws


@dataclass(frozen=True)
class ElectrodeSourceParameters:
    """Vacancy creation/annihilation at one electrode (docs/model.md, "Electrode sources").

    Attributes:
        alpha_c: creation coefficient α_c [µm V⁻¹ s⁻¹] (fixed rate law).
        alpha_d: annihilation coefficient α_d [µm V⁻¹ s⁻¹] (fixed rate law).
        equilibrium: "half" (x_V -> r_c/(r_c+r_d)) or "local" (x_V -> x_V,eq(y)); "auto" has
            already been resolved by polarity.
    """

    alpha_c: float
    alpha_d: float
    equilibrium: str


@dataclass(frozen=True)
class ThermalState:
    """Everything that depends on the temperature, at one T (internal units).

    Attributes:
        T_K: temperature [K]; thermal_voltage_V: k_B T / e [V];
        w_br, w_cl: hop rates [1/s] (Arrhenius, :func:`hop_rates_per_s`);
        debye2_um2: squared Debye length at the (fixed) x_ref [µm²] (∝ T);
        ln_x_v_br, ln_x_v_cl: pure-phase equilibrium ln x_V [-] (:func:`pure_phase_ln_vacancy`);
        equilibration_rate_per_s: bulk vacancy equilibration rate k(T) [1/s]
            (:func:`equilibration_rate_per_s`; 0 with vacancy_equilibration none).
        source_rate_factor: Arrhenius factor of the electrode rate coefficients α(T)/α [-]
            (:func:`electrode_rate_factor`; 1 with sources.activation_eV 0).
    """

    T_K: float
    thermal_voltage_V: float
    w_br: float
    w_cl: float
    debye2_um2: float
    ln_x_v_br: float
    ln_x_v_cl: float
    equilibration_rate_per_s: float = 0.0
    source_rate_factor: float = 1.0


#: The ModelParameters attributes that follow the temperature, as the weak forms read them:
#: every field of :class:`ThermalState` but T_K and thermal_voltage_V (which the problem keeps
#: as numbers). Under a temperature protocol each becomes a UFL constant set at every step.
THERMAL_KEYS = tuple(f.name for f in dataclasses.fields(ThermalState)
                     if f.name not in ("T_K", "thermal_voltage_V"))


@dataclass(frozen=True)
class ThermalLaw:
    """The temperature dependence of the model: the one place T enters (docs/model.md).

    Attributes:
        material: the validated ``material`` section (hop-rate and vacancy parameters).
        x_ref: the vacancy scale of the vacancy and Poisson rows [-], fixed at T(0).
        sources: the validated ``sources`` section (activation_eV, T_ref_K of the electrode
            rates); None: the electrode rates do not depend on T.
    """

    material: object
    x_ref: float
    sources: object = None

    def state(self, T_K: float) -> ThermalState:
        """The T-dependent parameters at ``T_K`` [K].

        Raises:
            ArithmeticError, ValueError: T_K or the material values give no finite numbers.
        """
        m = self.material
        lam_nm = m.jump_length_nm if m.jump_length_nm is not None else m.lattice_constant_nm
        w_br, w_cl = hop_rates_per_s(
            T_K, m.D_cl_ref_cm2_per_s, m.T_ref_K, m.hop_activation_eV, lam_nm, m.x_v_cl,
            m.hop_ratio_br_cl,
        )
        ln_x_v_br, ln_x_v_cl = pure_phase_ln_vacancy(m, T_K)
        return ThermalState(
            T_K=T_K, thermal_voltage_V=thermal_voltage_V(T_K), w_br=w_br, w_cl=w_cl,
            debye2_um2=debye_length_squared_um2(T_K, m.eps_r, m.lattice_constant_nm, self.x_ref),
            ln_x_v_br=ln_x_v_br, ln_x_v_cl=ln_x_v_cl,
            equilibration_rate_per_s=equilibration_rate_per_s(m, T_K),
            source_rate_factor=(1.0 if self.sources is None else electrode_rate_factor(
                self.sources.activation_eV, self.sources.T_ref_K, T_K)),
        )


@dataclass(frozen=True)
class SurfaceExchangeParameters:
    """One halide exchange with a reservoir (case key ``surfaces``; docs/model.md, "Surface
    exchange"): boundary name, exchange velocity k [µm/s], reservoir composition y_res [-]."""

    boundary: str
    rate_um_per_s: float
    y_reservoir: float


@dataclass(frozen=True)
class ModelParameters:
    """Everything the weak forms need, in internal units (µm, s, k_BT/e).

    Attributes:
        T_K: temperature [K].
        thermal_voltage_V: k_B T / e [V].
        length_um: wire length [µm].
        contact_left_um, contact_right_um: contact lines (inner electrode edges) [µm].
        electrode_left_um, electrode_right_um: electrode zones (start, end) [µm].
        interface_um: initial Br/Cl interface [µm].
        interface_width_um: tanh width of the initial step [µm].
        br_rich_left: True when the Br-rich segment is on the left.
        y_br, y_cl: initial compositions y = x_Br/(x_Br+x_Cl) of the two segments [-].
        ln_x_v_br, ln_x_v_cl: ln of the pure-phase equilibrium vacancy fractions [-].
        x_ref: vacancy fraction used to scale the vacancy and Poisson equations [-].
        lambda2_um2: squared jump length λ² [µm²].
        w_br, w_cl: halide-vacancy exchange rates at T [1/s].
        onsager_model: "ideal", "manning" or "kmc"; f0: pure-lattice correlation factor [-].
        flux_scheme: "exponential_fitting" (Scharfetter–Gummel; P1 intervals, Q1 hexahedra) or
            "galerkin".
        debye2_um2: ε0 εr k_BT / (e² c_s x_ref) [µm²], the squared Debye length at x_ref.
        potential_on: "contact_line" or "zone".
        source_model: "none", "contact" or "zone"; rate_law: "fixed" or "composition".
        source_left, source_right: per-electrode source parameters.
        alpha_br, alpha_cl: composition rate law end points [µm V⁻¹ s⁻¹] at
            sources.T_ref_K (all of them, and alpha_c/alpha_d, times source_rate_factor at T).
        source_activation_eV: Arrhenius energy of the electrode rate coefficients [eV]; 0 (the
            default): the rates do not depend on T and source_rate_factor is not used.
        source_rate_factor: α(T)/α(T_ref) [-] (:func:`electrode_rate_factor`).
        vacancy_equilibration: "none" (anion vacancies conserved, frozen Poisson background)
            or "schottky" (bulk relaxation to x_V,eq(y), solver.physics.equilibration).
        equilibration_rate_per_s: k(T) [1/s] of the schottky term (0 with "none").
        floating: True for a floating wire (no contact potentials; phi = 0 at one node).
        surfaces: :class:`SurfaceExchangeParameters` of the case's ``surfaces`` (empty: closed
            surfaces).
        thermal_law: how the T-dependent attributes above follow T (None: T never changes).
        bias, temperature: the case's :class:`solver.model.protocols.BiasProtocol` and
            :class:`solver.model.protocols.TemperatureProtocol` (None: no bias, T_K held); the
            problem's defaults.
        body: :class:`solver.model.reactions.BodyParameters` of a nanocrystal or film (None:
            the wire); coordinate: the 1D reduction's metric (solver/numerics/measures.py),
            "cartesian" for the wire.
        light: :class:`solver.model.light.Illumination` of the case's ``light`` section, or
            None if it is dark at all times.
        temperature_field: T(x, t) [K] the surface reactions see (``temperature.laser``:
            :class:`solver.model.temperature_field.LaserOnSubstrate`), or None: the uniform
            ``temperature`` protocol.

    The applied bias is not a number here: the bias protocol gives it at each time. T_K,
    thermal_voltage_V, w_br, w_cl, debye2_um2, ln_x_v_br, ln_x_v_cl,
    equilibration_rate_per_s and source_rate_factor are the values at t = 0;
    with a temperature protocol the problem follows ``thermal_law.state(T(t))``.
    """

    T_K: float
    thermal_voltage_V: float
    length_um: float
    contact_left_um: float
    contact_right_um: float
    electrode_left_um: tuple[float, float]
    electrode_right_um: tuple[float, float]
    interface_um: float
    interface_width_um: float
    br_rich_left: bool
    y_br: float
    y_cl: float
    ln_x_v_br: float
    ln_x_v_cl: float
    x_ref: float
    lambda2_um2: float
    w_br: float
    w_cl: float
    onsager_model: str
    f0: float
    debye2_um2: float
    potential_on: str
    source_model: str
    rate_law: str
    source_left: ElectrodeSourceParameters
    source_right: ElectrodeSourceParameters
    alpha_br: float
    alpha_cl: float
    flux_scheme: str = "exponential_fitting"
    vacancy_equilibration: str = "none"
    equilibration_rate_per_s: float = 0.0
    source_activation_eV: float = 0.0
    source_rate_factor: float = 1.0
    floating: bool = False
    surfaces: tuple = ()
    thermal_law: ThermalLaw | None = None
    bias: object = None
    temperature: object = None
    body: object = None
    coordinate: str = "cartesian"
    light: object = None
    temperature_field: object = None

    @property
    def gap_um(self) -> float:
        """Distance between the contact lines [µm]."""
        return self.contact_right_um - self.contact_left_um

    def source_alphas(self) -> dict[str, float]:
        """The electrode rate coefficients the rate laws use at T_K [µm V⁻¹ s⁻¹]: α_Br, α_Cl
        and each electrode's α_c, α_d times source_rate_factor (as numbers: the values at
        t = 0 under a temperature protocol)."""
        f = self.source_rate_factor if self.source_activation_eV > 0 else 1.0
        return {"alpha_br": self.alpha_br * f, "alpha_cl": self.alpha_cl * f,
                "left.alpha_c": self.source_left.alpha_c * f,
                "left.alpha_d": self.source_left.alpha_d * f,
                "right.alpha_c": self.source_right.alpha_c * f,
                "right.alpha_d": self.source_right.alpha_d * f}

    def ln_x_v_eq(self, y):
        """ln x_V,eq(y) = y ln x_V,Br + (1-y) ln x_V,Cl (seed 000; docs/model.md, "Vacancy model").

        Plain arithmetic, so ``y`` may be a float, a numpy array or a UFL expression.
        """
        return y * self.ln_x_v_br + (1.0 - y) * self.ln_x_v_cl

    def x_v_eq(self, y):
        """Equilibrium vacancy fraction x_V,eq(y) for floats and numpy arrays."""
        import numpy as np

        return np.exp(self.ln_x_v_eq(y))


def hop_rates_per_s(
    T_K: float,
    D_cl_ref_cm2_per_s: float,
    T_ref_K: float,
    activation_eV: float,
    lambda_nm: float,
    x_v_cl: float,
    hop_ratio_br_cl: float,
) -> tuple[float, float]:
    """Return (w_Br, w_Cl) [1/s] at T.

    The scale is fixed by the pure-CsPbCl3 interdiffusivity D_Cl(T_ref) = λ² x_V,Cl w_Cl(T_ref)
    (seed 000, Eq. 2 with the frozen synthesis vacancy fraction), and both rates follow Arrhenius,
    w(T) = w(T_ref) exp[-E_a/k_B (1/T - 1/T_ref)].
    """
    lambda_cm = lambda_nm * 1e-7
    w_cl_ref = D_cl_ref_cm2_per_s / (lambda_cm**2 * x_v_cl)
    arrhenius = math.exp(-activation_eV / BOLTZMANN_EV_PER_K * (1.0 / T_K - 1.0 / T_ref_K))
    w_cl = w_cl_ref * arrhenius
    return hop_ratio_br_cl * w_cl, w_cl


def electrode_rate_factor(activation_eV: float, T_ref_K: float, T_K: float) -> float:
    r"""Arrhenius factor α(T)/α(T_ref) [-] of the electrode rate coefficients.

    .. math::
        \frac{\alpha(T)}{\alpha(T_{ref})} = \exp\left[-\frac{E_a}{k_B}
        \left(\frac{1}{T} - \frac{1}{T_{ref}}\right)\right]

    with ``sources.activation_eV`` (E_a [eV]) and ``sources.T_ref_K`` [K]; exactly 1 at
    E_a = 0 or T = T_ref (docs/model.md, "Electrode sources").

    Raises:
        OverflowError: the factor does not fit a float (T_ref far below T); the message names
            sources.activation_eV and sources.T_ref_K.
    """
    if activation_eV == 0.0:
        return 1.0
    try:
        return math.exp(-activation_eV / BOLTZMANN_EV_PER_K * (1.0 / T_K - 1.0 / T_ref_K))
    except OverflowError:
        raise OverflowError(
            f"the electrode rate factor alpha(T)/alpha(T_ref) overflows at T = {T_K:g} K with "
            f"sources.activation_eV = {activation_eV:g} eV and sources.T_ref_K = {T_ref_K:g} K"
        ) from None


def pure_phase_ln_vacancy(material, T_K: float) -> tuple[float, float]:
    r"""Return (ln x_V,Br, ln x_V,Cl), the pure-phase equilibrium vacancy site fractions at T.

    ``material.vacancy_model``:

    - ``frozen`` (default): the synthesis values ``x_v_br``, ``x_v_cl`` (seed 000: 2e-9, 3e-7),
      independent of T; the vacancy content is set when the wire is made and does not
      re-equilibrate during the anneal.
    - ``formation_energy``: dilute, non-interacting vacancies in equilibrium at T (Boltzmann),

      .. math::
          x_{V,a}(T) = \exp\left(-\frac{E_{lat,a} + \mu_a}{k_B T}\right),\qquad a = Br, Cl,

      with the lattice part of the formation free energy E_lat = 1.32 / 1.44 eV and the
      standard-state chemical potentials mu = -0.9 / -1.09 eV of seed 000, whose sums are the
      seed's total formation energies 0.42 / 0.35 eV. (At 373 K: 2.1e-6 and 1.9e-5; the seed's
      quoted 2e-9 / 3e-7 are not Boltzmann factors of 0.42 / 0.35 eV at one temperature, see
      docs/thermal.md.)

    The composition dependence is the same in both models (ideal solution, formation free energy
    linear in y): ln x_V,eq(y) = y ln x_V,Br + (1 - y) ln x_V,Cl (:meth:`ModelParameters.x_v_eq`).

    Args:
        material: a validated :class:`solver.config.Material`.
        T_K: temperature [K].

    Returns:
        (ln x_V,Br, ln x_V,Cl) [-].
    """
    if material.vacancy_model == "formation_energy":
        kT = BOLTZMANN_EV_PER_K * T_K
        g_br = material.formation_lattice_br_eV + material.chemical_potential_br_eV
        g_cl = material.formation_lattice_cl_eV + material.chemical_potential_cl_eV
        return -g_br / kT, -g_cl / kT
    return math.log(material.x_v_br), math.log(material.x_v_cl)


def equilibration_rate_per_s(material, T_K: float) -> float:
    r"""Rate k(T) [1/s] of the bulk vacancy equilibration (``material.vacancy_equilibration``).

    .. math::
        k(T) = \nu_0 \exp\left(-\frac{E_a}{k_B T}\right)

    with ``equilibration_prefactor_per_s`` (ν0 [1/s]) and ``equilibration_activation_eV``
    (E_a [eV]); 0 for ``none``. Making or removing a halide vacancy in the bulk (a Schottky
    pair with a cation vacancy, or exchange with a free surface) costs the vacancy formation
    energy, 1.32 eV (CsPbBr3) / 1.44 eV (CsPbCl3) for the lattice part (seed 000), against
    0.28 eV for a hop: k(300 K) / k(373 K) = exp(-E_a/k_B (1/300 - 1/373.15)) = 5e-5 at
    1.32 eV, i.e. the channel is ~2e4 times slower at room temperature than at 100 °C.
    """
    if material.vacancy_equilibration == "none":
        return 0.0
    return material.equilibration_prefactor_per_s * math.exp(
        -material.equilibration_activation_eV / (BOLTZMANN_EV_PER_K * T_K))


def debye_length_squared_um2(T_K: float, eps_r: float, lattice_constant_nm: float, x_ref: float):
    """Squared Debye length ε0 εr k_BT / (e² c_s x_ref) [µm²], c_s = 3/a³ halide sites."""
    a_m = lattice_constant_nm * 1e-9
    c_s = 3.0 / a_m**3
    lam2_m2 = (
        VACUUM_PERMITTIVITY_F_PER_M * eps_r * thermal_voltage_V(T_K)
        / (ELEMENTARY_CHARGE_C * c_s * x_ref)
    )
    return lam2_m2 * 1e12


def _resolve_equilibrium(choice: str, positive: set[bool]) -> str:
    """``auto``: "half" at the positive contact, "local" at the negative one (and without
    bias); "switched" when the contact changes polarity during the protocol (the problem then
    switches between the two with the bias, solver.physics.sources)."""
    if choice != "auto":
        return choice
    if len(positive) > 1:
        return "switched"
    return "half" if positive == {True} else "local"


def from_case(case) -> ModelParameters:
    """Derive :class:`ModelParameters` from a validated :class:`solver.config.Case` (the
    T-dependent values at T(0) of the temperature protocol)."""
    from solver.model.protocols import BiasProtocol

    g, m, el = case.geometry, case.material, case.electrodes
    film = case.body is not None and case.body.kind == "film"
    temperature, temperature_field = temperature_laws(case.temperature, radial=film,
                                                      light=case.light)
    T_K = temperature.T_K(0.0)
    ln_x_v_br, ln_x_v_cl = pure_phase_ln_vacancy(m, T_K)
    # Scale of the vacancy and Poisson rows: the larger pure-phase fraction (frozen: x_v_cl).
    x_ref = m.x_v_cl if m.vacancy_model == "frozen" else math.exp(max(ln_x_v_br, ln_x_v_cl))
    law = ThermalLaw(m, x_ref, case.sources)
    th = law.state(T_K)
    lam_nm = m.jump_length_nm if m.jump_length_nm is not None else m.lattice_constant_nm
    br_left = g.br_rich_side == "left"
    gap = el.right.start_um - el.left.end_um
    bias = BiasProtocol.from_config(case.bias, gap, br_left)
    # Which contact is positive while a bias is applied: {True} left, {False} right, both
    # if the polarity changes.
    left_positive = bias.polarities(case.time.t_end_s)
    src = case.sources
    from solver.model.light import Illumination

    light = Illumination.from_config(case.light)
    params = ModelParameters(
        T_K=T_K,
        thermal_voltage_V=th.thermal_voltage_V,
        length_um=g.length_um,
        contact_left_um=el.left.end_um,
        contact_right_um=el.right.start_um,
        electrode_left_um=(el.left.start_um, el.left.end_um),
        electrode_right_um=(el.right.start_um, el.right.end_um),
        interface_um=g.interface_um,
        interface_width_um=g.interface_width_nm * 1e-3,
        br_rich_left=br_left,
        y_br=m.y_br_segment,
        y_cl=m.y_cl_segment,
        ln_x_v_br=th.ln_x_v_br,
        ln_x_v_cl=th.ln_x_v_cl,
        x_ref=x_ref,
        lambda2_um2=(lam_nm * 1e-3) ** 2,
        w_br=th.w_br,
        w_cl=th.w_cl,
        onsager_model=case.transport.onsager_model,
        flux_scheme=case.transport.flux_scheme,
        vacancy_equilibration=m.vacancy_equilibration,
        equilibration_rate_per_s=th.equilibration_rate_per_s,
        source_activation_eV=case.sources.activation_eV,
        source_rate_factor=th.source_rate_factor,
        floating=el.floating,
        f0=case.transport.f0,
        debye2_um2=th.debye2_um2,
        potential_on=el.potential_on,
        source_model=src.model,
        rate_law=src.rate_law,
        source_left=ElectrodeSourceParameters(
            src.left.alpha_c, src.left.alpha_d,
            _resolve_equilibrium(src.left.equilibrium, left_positive),
        ),
        source_right=ElectrodeSourceParameters(
            src.right.alpha_c, src.right.alpha_d,
            _resolve_equilibrium(src.right.equilibrium, {not v for v in left_positive}),
        ),
        alpha_br=src.alpha_br,
        alpha_cl=src.alpha_cl,
        surfaces=tuple(_surface_parameters(sf) for sf in case.surfaces),
        light=None if light.is_dark else light,
        temperature_field=temperature_field,
        thermal_law=law,
        bias=bias,
        temperature=temperature,
    )
    return params if case.body is None else _as_body(params, case.body)


def _surface_parameters(entry):
    """The parameters of one ``surfaces`` entry (exchange: :class:`SurfaceExchangeParameters`;
    the other kinds: solver.model.reactions)."""
    if entry.kind == "exchange":
        return SurfaceExchangeParameters(entry.boundary, entry.rate_um_per_s, entry.y_reservoir)
    return reaction_parameters(entry)


def _as_body(params: ModelParameters, body) -> ModelParameters:
    """The wire parameters turned into a body's (solver/config/body.py): the domain [0, R]
    with no contacts (floating, no sources, no bias), uniform composition, the body's
    coordinate."""
    from solver.model.protocols import BiasProtocol

    bp = body_parameters(body)
    R = bp.radius_um
    return dataclasses.replace(
        params, length_um=R, contact_left_um=-R, contact_right_um=2.0 * R,
        electrode_left_um=(-R, -R), electrode_right_um=(2.0 * R, 2.0 * R),
        interface_um=0.5 * R, br_rich_left=True, y_br=bp.y_initial, y_cl=bp.y_initial,
        source_model="none", floating=True, bias=BiasProtocol.none(), body=bp,
        coordinate=bp.coordinate)
