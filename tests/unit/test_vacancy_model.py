"""material.vacancy_model: frozen synthesis fractions vs formation-energy equilibrium (issue 5)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from solver.config import CaseError, case_from_dict
from solver.constants import BOLTZMANN_EV_PER_K
from solver.model.parameters import from_case, pure_phase_ln_vacancy


def params_for(T_K: float, **material):
    case = case_from_dict({"name": "v", "temperature": {"T_K": T_K}, "material": material})
    return case, from_case(case)


@pytest.mark.parametrize("T_K", [300.0, 348.15, 373.15, 398.15])
def test_frozen_is_the_default_and_independent_of_T(T_K):
    case, p = params_for(T_K)
    assert case.material.vacancy_model == "frozen"
    assert p.ln_x_v_br == math.log(2.0e-9)
    assert p.ln_x_v_cl == math.log(3.0e-7)
    assert p.x_ref == 3.0e-7


def test_formation_energy_boltzmann_factors():
    """x_V,a = exp(-(E_lat,a + mu_a)/k_BT) with seed 000's 1.32 - 0.9 and 1.44 - 1.09 eV."""
    T = 373.15
    _, p = params_for(T, vacancy_model="formation_energy")
    kT = BOLTZMANN_EV_PER_K * T
    assert p.ln_x_v_br == pytest.approx(-(1.32 - 0.9) / kT, rel=1e-14)
    assert p.ln_x_v_cl == pytest.approx(-(1.44 - 1.09) / kT, rel=1e-14)
    # totals 0.42 / 0.35 eV: x_V,Br = 2.12e-6, x_V,Cl = 1.87e-5 at 100 °C
    assert math.exp(p.ln_x_v_br) == pytest.approx(2.12e-6, rel=0.01)
    assert math.exp(p.ln_x_v_cl) == pytest.approx(1.87e-5, rel=0.01)
    assert p.x_ref == pytest.approx(math.exp(p.ln_x_v_cl), rel=1e-14)
    # the seed's quoted synthesis fractions are NOT Boltzmann factors of the totals at one T:
    T_br = 0.42 / (BOLTZMANN_EV_PER_K * -math.log(2e-9))
    T_cl = 0.35 / (BOLTZMANN_EV_PER_K * -math.log(3e-7))
    assert T_br == pytest.approx(243.3, abs=0.5) and T_cl == pytest.approx(270.4, abs=0.5)


def test_formation_energy_follows_T_and_custom_energies():
    _, cold = params_for(348.15, vacancy_model="formation_energy")
    _, hot = params_for(398.15, vacancy_model="formation_energy")
    # van 't Hoff: d ln x / d(1/k_BT) = -G_f
    dbeta = 1.0 / (BOLTZMANN_EV_PER_K * 348.15) - 1.0 / (BOLTZMANN_EV_PER_K * 398.15)
    assert (hot.ln_x_v_br - cold.ln_x_v_br) / dbeta == pytest.approx(0.42, rel=1e-12)
    assert (hot.ln_x_v_cl - cold.ln_x_v_cl) / dbeta == pytest.approx(0.35, rel=1e-12)
    case, p = params_for(300.0, vacancy_model="formation_energy", formation_lattice_br_eV=1.0,
                         chemical_potential_br_eV=-0.5, formation_lattice_cl_eV=0.9,
                         chemical_potential_cl_eV=-0.6)
    assert pure_phase_ln_vacancy(case.material, 300.0) == (p.ln_x_v_br, p.ln_x_v_cl)
    assert p.ln_x_v_br == pytest.approx(-0.5 / (BOLTZMANN_EV_PER_K * 300.0))
    assert p.ln_x_v_cl == pytest.approx(-0.3 / (BOLTZMANN_EV_PER_K * 300.0))


def test_hop_rates_do_not_depend_on_the_vacancy_model():
    """The hop-rate scale stays fixed by D_cl_ref = lambda^2 x_v_cl w_Cl (synthesis x_v_cl)."""
    _, frozen = params_for(373.15)
    _, formation = params_for(373.15, vacancy_model="formation_energy")
    assert frozen.w_br == formation.w_br and frozen.w_cl == formation.w_cl


def test_composition_dependence_is_log_linear_in_both_models():
    for model in ("frozen", "formation_energy"):
        _, p = params_for(373.15, vacancy_model=model)
        y = np.array([0.0, 0.22, 0.5, 1.0])
        expected = np.exp(y * p.ln_x_v_br + (1.0 - y) * p.ln_x_v_cl)
        assert np.allclose(p.x_v_eq(y), expected, rtol=1e-14)


@pytest.mark.parametrize("material, key", [
    ({"vacancy_model": "formation_energy", "chemical_potential_br_eV": -1.32},
     "material.chemical_potential_br_eV"),
    ({"vacancy_model": "formation_energy", "formation_lattice_cl_eV": 1.0},
     "material.chemical_potential_cl_eV"),
    ({"vacancy_model": "equilibrium"}, "material.vacancy_model"),
    ({"formation_lattice_br_eV": "1.32"}, "material.formation_lattice_br_eV"),
])
def test_invalid_vacancy_model_input(material, key):
    with pytest.raises(CaseError) as err:
        case_from_dict({"name": "v", "material": material})
    assert err.value.key == key


def test_frozen_ignores_formation_energies():
    """Unphysical formation energies are accepted (and unused) with the frozen model."""
    _, p = params_for(373.15, chemical_potential_br_eV=-5.0)
    assert p.ln_x_v_br == math.log(2.0e-9)
