"""Derived model parameters of the preflight: computable, finite and positive where they must be.

Extreme but individually valid temperatures or activation energies can overflow or underflow the
derived parameters (hop rates, Debye length, contact potentials); a hop rate above
:data:`MAX_HOP_RATE_PER_S` (faster than the lattice vibrates) is refused. The same checks run at
every temperature a protocol reaches, and ``transport.onsager_model: kmc`` needs the rate ratio
in the shipped KMC table. Every refusal is a :class:`solver.config.CaseError`.
"""

from __future__ import annotations

import math

from solver.config import Case, CaseError

__all__ = [
    "MAX_HOP_RATE_PER_S",
    "check_onsager_table",
    "check_params",
    "check_temperature_levels",
    "model_parameters",
]

#: Largest admissible hop rate [1/s]: no hop is faster than the lattice vibrates (optical
#: phonons of lead-halide perovskites: 1e12-1e13 Hz).
MAX_HOP_RATE_PER_S = 1.0e14


def model_parameters(case: Case):
    """``solver.parameters.from_case`` with arithmetic failures turned into a CaseError.

    Returns:
        The :class:`solver.parameters.ModelParameters` of the case.

    Raises:
        CaseError: (``temperature.T_K``) the parameters overflow or are undefined.
    """
    from solver.model.parameters import from_case

    try:
        return from_case(case)
    except (ArithmeticError, ValueError) as exc:
        raise CaseError("temperature.T_K", f"derived model parameters cannot be computed "
                        f"({exc}); check it together with material.T_ref_K, "
                        "material.hop_activation_eV and the material energies") from None


def check_onsager_table(case: Case, p) -> None:
    """``transport.onsager_model: kmc`` needs the rate ratio w_Br/w_Cl in the shipped table.

    Raises:
        CaseError: (``material.hop_ratio_br_cl``) the ratio is not in the table.
    """
    if case.transport.onsager_model != "kmc":
        return
    from solver.physics.onsager import kmc_fit_for_ratio

    try:
        kmc_fit_for_ratio(p.w_br / p.w_cl)
    except (OSError, ValueError) as exc:
        raise CaseError("material.hop_ratio_br_cl", str(exc)) from None


def check_params(p) -> None:
    """Refuse derived parameters that are not finite, or zero where they must be positive.

    Raises:
        CaseError: naming the key most likely at fault and the keys to check with it.
    """
    activation = "material.hop_activation_eV and material.T_ref_K"
    positive = (
        ("thermal voltage k_BT/e", p.thermal_voltage_V, "temperature.T_K", "temperature"),
        ("hop rate w_Br", p.w_br, "temperature.T_K", activation),
        ("hop rate w_Cl", p.w_cl, "temperature.T_K", activation),
        ("squared Debye length", p.debye2_um2, "material.eps_r", "temperature.T_K"),
        ("reference vacancy fraction", p.x_ref, "material", "the vacancy fractions"),
        ("squared jump length", p.lambda2_um2, "material.jump_length_nm",
         "material.lattice_constant_nm"),
    )
    for name, value, key, also in positive:
        if not (math.isfinite(value) and value > 0.0):
            raise CaseError(key, f"derived {name} = {value:g} is not a positive finite number "
                            f"(check it together with {also})")
    finite = (("ln x_V,Br", p.ln_x_v_br, "material"), ("ln x_V,Cl", p.ln_x_v_cl, "material"))
    for name, value, key in finite:
        if not math.isfinite(value):
            raise CaseError(key, f"derived {name} is not finite ({value:g})")
    if not p.x_ref < 1.0:
        raise CaseError("material", f"derived pure-phase vacancy fraction {p.x_ref:g} is not < 1 "
                        "(check the vacancy parameters)")
    for name, rate in (("w_Br", p.w_br), ("w_Cl", p.w_cl)):
        if rate > MAX_HOP_RATE_PER_S:
            raise CaseError("material.D_cl_ref_cm2_per_s", f"derived hop rate {name} = {rate:.3g} "
                            f"/s is above {MAX_HOP_RATE_PER_S:g} /s, faster than the lattice "
                            "vibrates (check it together with material.x_v_cl, "
                            "material.jump_length_nm, material.hop_ratio_br_cl, "
                            "material.hop_activation_eV, material.T_ref_K and temperature.T_K)")


def check_temperature_levels(case: Case, params) -> None:
    """Every temperature a protocol reaches gives usable derived parameters (as T_K does).

    Raises:
        CaseError: (``temperature.protocol``) naming the level [K] at fault.
    """
    import dataclasses

    from solver.model.protocols import TemperatureProtocol

    if case.temperature.protocol is None:
        return
    temp = TemperatureProtocol.from_config(case.temperature)
    for level in sorted({x for piece in temp.schedule.pieces for x in (piece.a, piece.b)}):
        try:
            state = params.thermal_law.state(level)
        except (ArithmeticError, ValueError) as exc:
            raise CaseError("temperature.protocol", f"derived model parameters cannot be "
                            f"computed at {level:g} K ({exc})") from None
        try:
            check_params(dataclasses.replace(params, **dataclasses.asdict(state)))
        except CaseError as exc:
            raise CaseError("temperature.protocol", f"at {level:g} K: {exc}") from None
