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
from solver.config.errors import apart

__all__ = [
    "MAX_HOP_RATE_PER_S",
    "check_onsager_table",
    "check_params",
    "check_temperature_levels",
    "model_parameters",
    "start_temperature_key",
    "temperature_levels",
]

#: Largest admissible hop rate [1/s]: no hop is faster than the lattice vibrates (optical
#: phonons of lead-halide perovskites: 1e12-1e13 Hz).
MAX_HOP_RATE_PER_S = 1.0e14


def temperature_levels(case: Case) -> list[tuple[str, float]]:
    """Every temperature the user wrote, as ``(dotted key, T [K])`` in the file's order.

    ``temperature.T_K`` first, then each protocol segment's level keys that are given
    (``temperature.protocol[1].T_K``, ``temperature.protocol[2].T_high_K``, ...). A level a
    segment inherits (a hold without ``T_K``, a ramp without ``T_start_K``) is the previous
    one, already in the list.
    """
    levels = [("temperature.T_K", case.temperature.T_K)]
    for i, seg in enumerate(case.temperature.protocol or ()):
        for key in ("T_K", "T_start_K", "T_end_K", "T_high_K", "T_low_K"):
            value = getattr(seg, key)
            if value is not None:
                levels.append((f"temperature.protocol[{i}].{key}", value))
    return levels


def start_temperature_key(case: Case) -> str:
    """The key the user wrote for T(0), the temperature the derived parameters are taken at:
    the first segment's level if it sets one (``temperature.protocol[0].T_K``, ``T_start_K``
    or ``T_high_K``: a square starts high), else ``temperature.T_K``."""
    first = (case.temperature.protocol or (None,))[0]
    for key in ("T_K", "T_start_K", "T_high_K"):
        if first is not None and getattr(first, key) is not None:
            return f"temperature.protocol[0].{key}"
    return "temperature.T_K"


def model_parameters(case: Case):
    """``solver.parameters.from_case`` with arithmetic failures turned into a CaseError.

    Returns:
        The :class:`solver.parameters.ModelParameters` of the case.

    Raises:
        CaseError: (the key of T(0), :func:`start_temperature_key`) the parameters overflow or
            are undefined.
    """
    from solver.model.parameters import from_case

    try:
        return from_case(case)
    except (ArithmeticError, ValueError) as exc:
        raise CaseError(start_temperature_key(case), f"derived model parameters cannot be "
                        f"computed ({exc}); check it together with material.T_ref_K, "
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


def check_params(p, t_key: str = "temperature.T_K") -> None:
    """Refuse derived parameters that are not finite, or zero where they must be positive.

    Args:
        p: the derived parameters.
        t_key: the key the user wrote for the temperature ``p`` is taken at (a protocol
            segment's level: ``temperature.protocol[i].T_K``).

    Raises:
        CaseError: naming the key most likely at fault and the keys to check with it.
    """
    activation = "material.hop_activation_eV and material.T_ref_K"
    positive = (
        ("thermal voltage k_BT/e", p.thermal_voltage_V, t_key, "the temperature"),
        ("hop rate w_Br", p.w_br, t_key, activation),
        ("hop rate w_Cl", p.w_cl, t_key, activation),
        ("squared Debye length", p.debye2_um2, "material.eps_r", t_key),
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
            shown, limit = apart(rate, MAX_HOP_RATE_PER_S)
            raise CaseError("material.D_cl_ref_cm2_per_s", f"derived hop rate {name} = {shown} "
                            f"/s is above {limit} /s, faster than the lattice "
                            "vibrates (check it together with material.x_v_cl, "
                            "material.jump_length_nm, material.hop_ratio_br_cl, "
                            f"material.hop_activation_eV, material.T_ref_K and {t_key})")


def _at_level(key: str, level: float, check) -> None:
    """Run ``check()``; a CaseError it raises names the level ``level`` [K] written as ``key``:
    ``"<key>: at <level> K, ..."``, or ``"<other key>: at <key> = <level> K, ..."``."""
    try:
        check()
    except CaseError as exc:
        where = f"at {level:g} K, " if exc.key == key else f"at {key} = {level:g} K, "
        raise CaseError(exc.key, where + exc.message) from None


def check_temperature_levels(case: Case, params) -> None:
    """Every temperature a protocol reaches gives usable derived parameters (as T_K does).

    Each level is checked under the key the user wrote it with (:func:`temperature_levels`,
    T(0) under :func:`start_temperature_key`), so a segment's too-low ``T_K`` is refused as
    ``temperature.protocol[1].T_K``, never under a legal ``temperature.T_K``. Without a
    protocol this is :func:`check_params` under ``temperature.T_K``.

    Raises:
        CaseError: (``temperature.protocol[i].<level key>``) naming the level [K] at fault; a
            fault another key is blamed for (e.g. ``material.D_cl_ref_cm2_per_s``) names the
            level in its message.
    """
    import dataclasses

    start = start_temperature_key(case)
    if case.temperature.protocol is None:
        check_params(params, start)
        return
    _at_level(start, params.T_K, lambda: check_params(params, start))
    for key, level in temperature_levels(case)[1:]:
        try:
            state = params.thermal_law.state(level)
        except (ArithmeticError, ValueError) as exc:
            raise CaseError(key, f"derived model parameters cannot be computed at {level:g} K "
                            f"({exc})") from None
        at_level = dataclasses.replace(params, **dataclasses.asdict(state))
        _at_level(key, level, lambda p=at_level, k=key: check_params(p, k))
