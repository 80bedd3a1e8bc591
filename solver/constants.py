"""Physical constants (CODATA 2018, exact SI values where defined). SI units only."""

ELEMENTARY_CHARGE_C = 1.602176634e-19  # [C] e
BOLTZMANN_J_PER_K = 1.380649e-23  # [J/K] k_B
BOLTZMANN_EV_PER_K = 8.617333262e-5  # [eV/K] k_B / e
VACUUM_PERMITTIVITY_F_PER_M = 8.8541878128e-12  # [F/m] eps_0


def thermal_voltage_V(T_K: float) -> float:
    """Return k_B T / e in volts."""
    return BOLTZMANN_J_PER_K * T_K / ELEMENTARY_CHARGE_C
HC_EV_NM = 1239.841984  # [eV nm] h c: a photon of wavelength λ [nm] has E = HC_EV_NM / λ [eV]
