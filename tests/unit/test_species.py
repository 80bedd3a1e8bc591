"""Halide pairs as data (solver/config/halides.py, solver/model/species.py): names, labels,
defaults and the emission laws, Br/I's against seed 004's formula."""

from __future__ import annotations

import math
import typing

import numpy as np
import pytest

from solver.config import Material
from solver.config.halides import _BR_I_D0_CM2_PER_S, _BR_I_D_REF, _BR_I_EA_EV
from solver.constants import BOLTZMANN_EV_PER_K
from solver.model.species import (
    BR_CL,
    BR_I,
    HALIDE_PAIRS,
    EndPointEmission,
    PolynomialEmission,
    output_names,
    pair_named,
    pair_of,
)
from solver.pl.model import HC_EV_NM, EmissionModel, PolynomialEmissionModel, emission_model


def seed004(x):
    """Seed 004, line 78: E_PL(x) = 2.42 - 0.2 x^2 + 0.04 x^3 eV."""
    return 2.42 - 0.2 * x**2 + 0.04 * x**3


def test_registry_and_schema_literal_agree():
    assert list(HALIDE_PAIRS) == ["Br/Cl", "Br/I"]
    assert typing.get_args(Material.model_fields["halides"].annotation) == tuple(HALIDE_PAIRS)
    assert pair_named(None) is BR_CL and pair_named("Br/I") is BR_I
    with pytest.raises(KeyError):
        pair_named("Br/F")


def test_pairs_name_their_halides_and_compounds():
    assert (BR_CL.a.symbol, BR_CL.a.name, BR_CL.b.symbol, BR_CL.b.name) == (
        "Br", "bromide", "Cl", "chloride")
    assert (BR_I.b.symbol, BR_I.b.name, BR_I.b.key) == ("I", "iodide", "i")
    assert BR_CL.compounds == ("CsPbBr3", "CsPbCl3")
    assert BR_I.compounds == ("CsPbBr3", "CsPbI3")
    assert (BR_CL.name, BR_I.name) == ("Br/Cl", "Br/I")
    with pytest.raises(ValueError, match="'a' or 'b'"):
        BR_I.halide("c")


def test_key_names_follow_the_pair():
    assert BR_CL.key("y_{}_segment", "b") == "y_cl_segment"
    assert BR_I.key("y_{}_segment", "b") == "y_i_segment"
    assert BR_I.key("hop_ratio_{}_{}", "a", "b") == "hop_ratio_br_i"
    assert BR_CL.schema_keys() == {}
    assert BR_I.written("material.hop_ratio_br_cl") == "material.hop_ratio_br_i"
    assert BR_I.written("material.eps_r") == "material.eps_r"
    assert BR_CL.written("material.x_v_cl") == "material.x_v_cl"
    assert BR_I.schema_keys() == {
        "material.x_v_cl": "material.x_v_i",
        "material.y_cl_segment": "material.y_i_segment",
        "material.hop_ratio_br_cl": "material.hop_ratio_br_i",
        "material.D_cl_ref_cm2_per_s": "material.D_i_ref_cm2_per_s",
        "material.formation_lattice_cl_eV": "material.formation_lattice_i_eV",
        "material.chemical_potential_cl_eV": "material.chemical_potential_i_eV",
        "sources.alpha_cl": "sources.alpha_i",
        "pl.wavelength_cl_nm": "pl.wavelength_i_nm",
    }


def test_every_canonical_key_with_cl_is_a_pair_key():
    """Every schema key naming chloride is renamed for Br/I (no per-halide key forgotten)."""
    from solver.config import schema_json

    def keys(schema, node, prefix=""):
        out = []
        for name, sub in node.get("properties", {}).items():
            ref = sub.get("$ref") or next((s.get("$ref") for s in sub.get("anyOf", [])
                                           if "$ref" in s), None)
            dotted = f"{prefix}{name}"
            if ref:
                out += keys(schema, schema["$defs"][ref.rsplit("/", 1)[-1]], dotted + ".")
            else:
                out.append(dotted)
        return out

    schema = schema_json()
    with_cl = {k for k in keys(schema, schema) if "_cl" in k.rsplit(".", 1)[-1]}
    assert with_cl == set(BR_I.schema_keys())


def test_labels_and_output_names():
    assert BR_CL.fraction_label("a") == "x_Br" == BR_I.fraction_label("a")
    assert BR_CL.composition_tex() == r"$y = x_{Br}/(x_{Br}+x_{Cl})$"
    assert BR_I.composition_tex() == r"$y = x_{Br}/(x_{Br}+x_{I})$"
    assert BR_I.symbols("{}-rich", "b") == "I-rich"
    cl, i = output_names(BR_CL), output_names(BR_I)
    assert (cl["uptake"], cl["uptake_max"], cl["uptake_mean"], cl["ahead"], cl["pl_margin"]) == (
        "cl_uptake_br_segment", "max_cl_fraction", "mean_cl_increase", "max_cl_ahead",
        "cl_margin_um")
    assert (i["uptake"], i["uptake_max"], i["ahead"], i["pl_margin"]) == (
        "i_uptake_br_segment", "max_i_fraction", "max_i_ahead", "i_margin_um")
    assert cl["total_a_final"] == i["total_a_final"] == "total_br_final_um"
    assert cl["fraction_a"] == "x_Br"
    assert pair_of({"material": {"halides": "Br/I"}}) is BR_I and pair_of({}) is BR_CL


def test_br_cl_emission_is_the_end_point_model():
    law = BR_CL.emission
    assert isinstance(law, EndPointEmission)
    assert (law.wavelength_a_nm, law.wavelength_b_nm, law.bowing_eV) == (526.0, 420.0, 0.0)
    assert emission_model(BR_CL) == EmissionModel()
    assert EmissionModel().wavelength_range_nm == (420.0, 526.0)


@pytest.mark.parametrize("x", [0.0, 1.5, 3.0])
def test_br_i_law_is_seed_004s_formula(x):
    law = BR_I.emission
    assert isinstance(law, PolynomialEmission)
    assert law.energy_eV(x) == pytest.approx(seed004(x), abs=1e-15)
    model = emission_model(BR_I)
    assert isinstance(model, PolynomialEmissionModel)
    y = 1.0 - x / 3.0
    assert float(model.energy_eV(y)) == pytest.approx(seed004(x), abs=1e-15)
    assert float(model.wavelength_nm(y)) == pytest.approx(HC_EV_NM / seed004(x), rel=1e-15)


def test_br_i_law_values_and_text():
    law = BR_I.emission
    assert law.energy_eV(0.0) == pytest.approx(2.42)
    assert law.energy_eV(1.5) == pytest.approx(2.105)
    assert law.energy_eV(3.0) == pytest.approx(1.70)
    assert law.formula() == "E(x) = 2.42 - 0.2 x^2 + 0.04 x^3 eV"
    lo, hi = PolynomialEmissionModel().wavelength_range_nm
    assert lo == pytest.approx(HC_EV_NM / 2.42) and hi == pytest.approx(HC_EV_NM / 1.70)


def test_br_i_law_is_monotonic_and_its_inverse_round_trips():
    law = BR_I.emission
    x = np.linspace(0.0, 3.0, 10001)
    E = law.energy_eV(x)
    assert np.all(np.diff(E) < 0)  # strictly decreasing on [0, 3]
    assert np.all(law.x_from_energy(E) <= 3.0) and np.all(law.x_from_energy(E) >= 0.0)
    inner = x[x > 0.05]  # dE/dx = 0 at x = 0: the inverse is ill-conditioned there
    assert np.allclose(law.x_from_energy(law.energy_eV(inner)), inner, rtol=0, atol=1e-12)
    assert float(law.x_from_energy(law.energy_eV(0.0))) == pytest.approx(0.0, abs=1e-7)
    model = PolynomialEmissionModel()
    y = np.linspace(0.02, 1.0, 50)
    assert np.allclose(model.composition_from_wavelength(model.wavelength_nm(y)), y,
                       rtol=0, atol=1e-12)
    # beyond the pure compounds: clipped to them; nan stays nan
    assert model.composition_from_energy(np.array([3.0, 1.0, np.nan]))[:2].tolist() == [1.0, 0.0]
    assert np.isnan(model.composition_from_energy(np.nan))


def test_a_non_monotonic_law_is_refused():
    with pytest.raises(ValueError, match="not strictly monotonic"):
        PolynomialEmission((2.42, 0.0, -0.2, 0.04), x_max=4.0)  # turns at x = 10/3
    with pytest.raises(ValueError):
        PolynomialEmission((), 3.0)


def test_br_i_defaults_and_their_sources():
    defaults = {k: (v, src) for k, v, src in BR_I.defaults}
    assert defaults["material.hop_activation_eV"][0] == _BR_I_EA_EV == 0.182
    assert "seed 004" in defaults["material.hop_activation_eV"][1]
    derived = _BR_I_D0_CM2_PER_S * math.exp(-_BR_I_EA_EV / (BOLTZMANN_EV_PER_K * 373.15))
    assert defaults["material.D_cl_ref_cm2_per_s"][0] == _BR_I_D_REF == pytest.approx(derived,
                                                                                        rel=0.03)
    assert (defaults["pl.wavelength_br_nm"][0], defaults["pl.wavelength_cl_nm"][0]) == (513.0,
                                                                                        690.0)
    assert BR_CL.defaults == ()
    assert all(src for _, _, src in BR_I.defaults)


def test_figure_labels_follow_the_pair():
    from solver.figures.device import Device, labels

    br_i = Device(7.0, (0.0, 1.5), (5.5, 7.0), 2.0, 300.0, name="w", halides="Br/I")
    assert labels(br_i)["y"] == r"$y = x_{Br}/(x_{Br}+x_{I})$"
    assert labels(br_i)["x_v_rescaled"] == r"$x_V\,/\,x_{V,eq}(y_{I})$"
    assert labels(br_i)["b_rich"] == "I-rich"
    assert labels(None)["y"] == r"$y = x_{Br}/(x_{Br}+x_{Cl})$"
    assert br_i.title().startswith("w (CsPbBr3-CsPbI3): ")
    assert Device(7.0, (0.0, 1.5), (5.5, 7.0), 2.0, 300.0, name="w").title().startswith("w: ")
    d = Device.from_case_dict({"name": "w", "geometry": {"length_um": 7.0},
                               "electrodes": {"left": {"start_um": 0, "end_um": 1.5},
                                              "right": {"start_um": 5.5, "end_um": 7}},
                               "bias": {"field_V_per_um": 2.0}, "temperature": {"T_K": 300.0},
                               "material": {"halides": "Br/I"}})
    assert d.pair is BR_I
