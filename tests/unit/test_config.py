"""Unit tests of solver.config: defaults, cross-field rules, overrides, round trip, case files."""

import json
import re
from pathlib import Path

import pydantic
import pytest
import yaml

from solver.config import (
    Case,
    CaseError,
    apply_overrides,
    case_from_dict,
    case_to_dict,
    load_case,
    schema_json,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
CASE_FILES = sorted((REPO_ROOT / "cases").glob("*.yaml"))


def rejects(data: dict) -> str:
    """Validate ``data`` expecting a CaseError; return its one-line message."""
    with pytest.raises(CaseError) as info:
        case_from_dict(data)
    text = str(info.value)
    assert "\n" not in text
    return text


def with_name(**sections) -> dict:
    """A minimal case mapping with the given sections."""
    return {"name": "t", **sections}


# --------------------------------------------------------------------------------------------
# Defaults


def test_defaults_are_the_reference_device():
    case = case_from_dict({"name": "t"})
    assert case.geometry.length_um == 7.0
    assert case.geometry.interface_um == 3.5
    assert case.geometry.br_rich_side == "left"
    assert (case.electrodes.left.start_um, case.electrodes.left.end_um) == (0.0, 1.5)
    assert (case.electrodes.right.start_um, case.electrodes.right.end_um) == (5.5, 7.0)
    assert case.electrodes.potential_on == "contact_line"
    assert case.bias.field_V_per_um == 4.0 and case.bias.polarity == "forward"
    assert case.temperature.T_K == 300.0
    assert case.material.D_cl_ref_cm2_per_s == 1.0e-12
    assert case.material.jump_length_nm is None
    assert case.transport.onsager_model == "manning"
    assert case.sources.model == "contact" and case.sources.rate_law == "composition"
    assert (case.sources.alpha_br, case.sources.alpha_cl) == (1.3e-5, 2.57e-7)
    assert case.sources.left.alpha_c == 1.3e-5 and case.sources.right.equilibrium == "auto"
    assert case.mesh.degree == 1 and case.mesh.max_cells == 200000
    assert case.time.t_end_s == 14400.0
    assert case.time.output_times_s == (0.0, 3600.0, 7200.0, 10800.0, 14400.0)
    assert case.time.scheme == "bdf2"
    assert case.solver.linear_solver == "auto"
    assert case.output.vtx is True and case.output.figures is True


def test_derived_properties():
    case = case_from_dict({"name": "t"})
    assert case.contact_left_um == 1.5
    assert case.contact_right_um == 5.5
    assert case.gap_um == pytest.approx(4.0)
    assert case.forward_field_V_per_um == 4.0
    assert case.bias_V == pytest.approx(16.0)
    assert case.jump_length_nm_resolved == 0.58
    rev = case_from_dict(with_name(bias={"polarity": "reverse", "field_V_per_um": 2.0}))
    assert rev.forward_field_V_per_um == -2.0
    assert rev.bias_V == pytest.approx(8.0)
    neg = case_from_dict(with_name(bias={"polarity": "reverse", "field_V_per_um": -3.0}))
    assert neg.forward_field_V_per_um == 3.0
    lam = case_from_dict(with_name(material={"jump_length_nm": 0.4}))
    assert lam.jump_length_nm_resolved == 0.4


def test_models_are_frozen():
    case = case_from_dict({"name": "t"})
    with pytest.raises(pydantic.ValidationError):
        case.temperature.T_K = 10.0  # type: ignore[misc]


def test_partial_electrode_is_completed_from_its_default():
    case = case_from_dict(with_name(electrodes={"right": {"start_um": 5.0}}))
    assert (case.electrodes.right.start_um, case.electrodes.right.end_um) == (5.0, 7.0)
    assert case.gap_um == pytest.approx(3.5)


def test_output_times_default_follow_t_end():
    case = case_from_dict(with_name(time={"t_end_s": 400.0}))
    assert case.time.output_times_s == (0.0, 100.0, 200.0, 300.0, 400.0)
    explicit = case_from_dict(with_name(time={"t_end_s": 400.0, "output_times_s": [400]}))
    assert explicit.time.output_times_s == (400.0,)


# --------------------------------------------------------------------------------------------
# Field and cross-field rules


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (with_name(geometry={"length_um": 0.0}), "geometry.length_um:"),
        (with_name(geometry={"interface_width_nm": -1.0}), "geometry.interface_width_nm:"),
        (with_name(material={"x_v_br": 1.5}), "material.x_v_br:"),
        (with_name(material={"x_v_cl": 0.0}), "material.x_v_cl:"),
        (with_name(material={"y_br_segment": 1.2}), "material.y_br_segment:"),
        (with_name(material={"y_cl_segment": 1.0}), "material.y_cl_segment:"),
        (with_name(material={"eps_r": 0.5}), "material.eps_r:"),
        (with_name(material={"jump_length_nm": 0.0}), "material.jump_length_nm:"),
        (with_name(transport={"f0": 1.0}), "transport.f0:"),
        (with_name(sources={"left": {"alpha_c": -1e-5}}), "sources.left.alpha_c:"),
        (with_name(sources={"alpha_cl": 0.0}), "sources.alpha_cl:"),
        (with_name(sources={"model": "everywhere"}), "sources.model:"),
        (with_name(mesh={"growth": 1.0}), "mesh.growth:"),
        (with_name(mesh={"degree": 3}), "mesh.degree:"),
        (with_name(mesh={"degree": True}), "mesh.degree:"),
        (with_name(mesh={"max_cells": 10.5}), "mesh.max_cells:"),
        (with_name(bias={"ramp_s": -1.0}), "bias.ramp_s:"),
        (with_name(bias={"field_V_per_um": True}), "bias.field_V_per_um:"),
        (with_name(temperature={"T_K": float("inf")}), "temperature.T_K:"),
        (with_name(time={"t_end_s": -1.0}), "time.t_end_s:"),
        (with_name(output={"vtx": "yes"}), "output.vtx:"),
        ({"description": "no name"}, "name:"),
        (with_name(geometry={"lenght_um": 7.0}), "geometry.lenght_um:"),
        ({"name": "t", "bogus": 1}, "bogus:"),
    ],
)
def test_field_rules(data, key):
    assert rejects(data).startswith(key)


@pytest.mark.parametrize(
    ("data", "key"),
    [
        # electrodes inside the wire and start < end
        (with_name(electrodes={"left": {"start_um": -0.5}}), "electrodes.left.start_um:"),
        (with_name(electrodes={"right": {"end_um": 7.5}}), "electrodes.right.end_um:"),
        (with_name(geometry={"length_um": 6.0}), "electrodes.right.end_um:"),
        (
            with_name(electrodes={"left": {"start_um": 1.5, "end_um": 1.5}}),
            "electrodes.left.end_um:",
        ),
        (with_name(electrodes={"right": {"start_um": 7.0}}), "electrodes.right.end_um:"),
        # not overlapping, left of right
        (with_name(electrodes={"left": {"end_um": 6.0}}), "electrodes.right.start_um:"),
        (
            with_name(
                electrodes={
                    "left": {"start_um": 5.5, "end_um": 7.0},
                    "right": {"start_um": 0.0, "end_um": 1.5},
                }
            ),
            "electrodes.right.start_um:",
        ),
        # interface strictly inside the gap
        (with_name(geometry={"interface_um": 1.0}), "geometry.interface_um:"),
        (with_name(geometry={"interface_um": 1.5}), "geometry.interface_um:"),
        (with_name(geometry={"interface_um": 5.5}), "geometry.interface_um:"),
        (with_name(geometry={"interface_um": 6.0}), "geometry.interface_um:"),
        # output times within [0, t_end] and sorted
        (with_name(time={"output_times_s": [0, 20000]}), "time.output_times_s[1]:"),
        (with_name(time={"output_times_s": [-1, 0]}), "time.output_times_s[0]:"),
        (with_name(time={"t_end_s": 100.0, "output_times_s": [0, 3600]}), "time.output_times_s"),
        (with_name(time={"output_times_s": [0, 7200, 3600]}), "time.output_times_s:"),
        (with_name(time={"output_times_s": [0, 3600, 3600]}), "time.output_times_s:"),
        # dt_min <= dt_initial <= dt_max
        (with_name(time={"dt_initial_s": 1e-13}), "time.dt_initial_s:"),
        (with_name(time={"dt_initial_s": 2000.0}), "time.dt_initial_s:"),
        (with_name(time={"dt_min_s": 1.0, "dt_max_s": 0.5}), "time.dt_initial_s:"),
        # h_min <= h_max
        (with_name(mesh={"h_min_nm": 60.0}), "mesh.h_max_um:"),
        # y_cl < y_br
        (with_name(material={"y_cl_segment": 0.5, "y_br_segment": 0.5}), "material.y_cl_segment:"),
    ],
)
def test_cross_field_rules(data, key):
    assert rejects(data).startswith(key)


def test_boundary_values_accepted():
    case = case_from_dict(
        with_name(
            electrodes={"left": {"start_um": 0.0, "end_um": 3.0}, "right": {"start_um": 3.2}},
            geometry={"interface_um": 3.1},
            time={"dt_initial_s": 1e-12, "output_times_s": [0, 14400]},
            mesh={"h_min_nm": 50.0, "h_max_um": 0.05},
            material={"y_cl_segment": 0.0, "y_br_segment": 1.0},
        )
    )
    assert case.gap_um == pytest.approx(0.2)


def test_error_message_is_short_and_names_the_problem():
    text = rejects(with_name(time={"t_end_s": -1}))
    # value, unit, the violated bound and the whole range
    assert text.startswith("time.t_end_s: -1 s is below 1e-15 s (expected 1e-15 <= t_end_s <= "
                           "1e+10 s")
    text = rejects(with_name(geometry={"lenght_um": 7.0}))
    assert "length_um" in text  # suggestion
    # a misspelt required key: the typo is reported (with the suggestion), not the missing key
    text = rejects(with_name(bias={"protocol": [{"kind": "step", "duraton_s": 10,
                                                 "field_V_per_um": 1}]}))
    assert text.startswith("bias.protocol[0].duraton_s: unknown key (did you mean "
                           "'duration_s'?"), text


def test_petsc_option_values_booleans_and_unions():
    """YAML booleans reach PETSc in its spelling; a value of no allowed kind gets one line that
    names the option (not pydantic's union-member tags such as ``ksp_type.str``)."""
    case = case_from_dict(with_name(solver={"petsc_options": {
        "snes_lag_preconditioner_persists": True, "ksp_monitor": False, "ksp_max_it": 5}}))
    assert case.solver.petsc_options == {"snes_lag_preconditioner_persists": "true",
                                         "ksp_monitor": "false", "ksp_max_it": 5}
    for value, got in (([1], "a list"), ({"a": 1}, "a dict"), (None, "None")):
        text = rejects(with_name(solver={"petsc_options": {"ksp_type": value}}))
        assert text == ("solver.petsc_options.ksp_type: must be a string or true/false or an "
                        f"integer or a number (got {got})"), text


# --------------------------------------------------------------------------------------------
# Overrides and loading


def write(tmp_path: Path, text: str, name: str = "case.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_overrides_numbers_nested_lists_bools(tmp_path):
    path = write(tmp_path, "name: t\nbias:\n  field_V_per_um: 4.0\n")
    case = load_case(
        path,
        [
            "bias.field_V_per_um=2.5",
            "bias.polarity=reverse",
            "sources.left.alpha_c=1e-6",
            "time.output_times_s=[0, 100, 200]",
            "time.t_end_s=200",
            "output.vtx=false",
            "material.jump_length_nm=0.4",
            "description=hello world",
        ],
    )
    assert case.bias.field_V_per_um == 2.5
    assert case.bias.polarity == "reverse"
    assert case.sources.left.alpha_c == 1e-6
    assert case.sources.right.alpha_c == 1.3e-5
    assert case.time.output_times_s == (0.0, 100.0, 200.0)
    assert case.output.vtx is False
    assert case.jump_length_nm_resolved == 0.4
    assert case.description == "hello world"


def test_overrides_later_wins_and_null(tmp_path):
    path = write(tmp_path, "name: t\nmaterial: {jump_length_nm: 0.5}\n")
    overrides = ["bias.field_V_per_um=1", "bias.field_V_per_um=3", "material.jump_length_nm=null"]
    case = load_case(path, overrides)
    assert case.bias.field_V_per_um == 3.0
    assert case.material.jump_length_nm is None


def test_overrides_do_not_modify_input():
    data = {"name": "t", "bias": {"field_V_per_um": 1.0}}
    out = apply_overrides(data, ["bias.field_V_per_um=2"])
    assert data["bias"]["field_V_per_um"] == 1.0 and out["bias"]["field_V_per_um"] == 2


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("geometry.length_um.x=1", "geometry.length_um.x:"),  # path into a number
        ("name.x=1", "name.x:"),
        ("bias.field_V_per_um", "--set bias.field_V_per_um:"),  # no '='
        ("bias..field=1", "--set bias..field=1:"),
        ("=3", "--set =3:"),
        ("geometry.lengthum=7", "geometry.lengthum:"),  # unknown key caught by the schema
        ("time.t_end_s=-1", "time.t_end_s:"),
        ("time.output_times_s=[0, 1", "--set time.output_times_s:"),  # bad YAML value
    ],
)
def test_bad_overrides(tmp_path, override, key):
    path = write(tmp_path, "name: t\n")
    with pytest.raises(CaseError) as info:
        load_case(path, [override])
    assert str(info.value).startswith(key)
    assert "\n" not in str(info.value)


def test_scientific_notation_without_dot_is_a_number(tmp_path):
    path = write(tmp_path, "name: t\ntime:\n  dt_min_s: 1e-13\n  atol_x_v: 5E-11\n")
    case = load_case(path, ["time.dt_initial_s=1e-10"])
    assert case.time.dt_min_s == 1e-13
    assert case.time.atol_x_v == 5e-11
    assert case.time.dt_initial_s == 1e-10


def test_file_problems(tmp_path):
    cases = {
        tmp_path / "missing.yaml": "no such file",
        write(tmp_path, "", "empty.yaml"): "empty",
        write(tmp_path, "- a\n- b\n", "list.yaml"): "mapping",
        write(tmp_path, "name: [unclosed\n", "bad.yaml"): "invalid YAML",
        write(tmp_path, "name: a\nname: b\n", "dup.yaml"): "duplicate key",
        tmp_path: "directory",
    }
    for path, words in cases.items():
        with pytest.raises(CaseError) as info:
            load_case(path)
        text = str(info.value)
        assert text.startswith(f"{path}: ") and words in text and "\n" not in text


def test_case_error_is_one_line():
    err = CaseError("a.b", "first line\nsecond   line")
    assert str(err) == "a.b: first line second line"
    assert err.key == "a.b"
    single = CaseError("mesh.max_cells: 300000 cells exceed 200000")
    assert (single.key, single.message) == ("mesh.max_cells", "300000 cells exceed 200000")
    assert str(CaseError("no key here")) == "case: no key here"


def test_case_from_dict_rejects_non_mapping():
    with pytest.raises(CaseError):
        case_from_dict(["name", "t"])  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Round trip, schema, case files


def test_round_trip():
    case = case_from_dict(
        with_name(
            bias={"polarity": "reverse"},
            material={"jump_length_nm": 0.41},
            sources={"rate_law": "composition", "right": {"equilibrium": "local"}},
            time={"t_end_s": 100.0},
            mesh={"degree": 2},
        )
    )
    data = case_to_dict(case)
    json.dumps(data)  # JSON-serialisable
    assert case_from_dict(data) == case
    assert case_to_dict(case_from_dict(data)) == data
    assert data["time"]["output_times_s"] == [0.0, 25.0, 50.0, 75.0, 100.0]
    assert data["material"]["jump_length_nm"] == 0.41


def test_schema_lists_every_section():
    schema = schema_json()
    json.dumps(schema)
    assert set(schema["properties"]) == set(Case.model_fields)
    assert schema["required"] == ["name"]
    assert schema["additionalProperties"] is False


def _schema_keys(schema: dict, node: dict | None = None, prefix: str = "") -> list[str]:
    """Every dotted key of the JSON schema (``--print-schema``), list items as ``key[]``."""
    node = schema if node is None else node
    if "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    for option in node.get("anyOf", []):  # X | None
        if option.get("type") != "null":
            return _schema_keys(schema, option, prefix)
    if node.get("type") == "array" and "items" in node and prefix:
        return _schema_keys(schema, node["items"], prefix + "[]")
    keys = []
    for name, sub in node.get("properties", {}).items():
        dotted = f"{prefix}.{name}" if prefix else name
        keys.append(dotted)
        keys += _schema_keys(schema, sub, dotted)
    return keys


def _case_format() -> tuple[dict, str]:
    """docs/case_format.md: its first YAML block (the full list of keys) and its Protocols
    section."""
    text = (REPO_ROOT / "docs" / "case_format.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(.*?)```", text, re.S).group(1)
    protocols = text[text.index("## Protocols"):]
    return yaml.safe_load(block), protocols


#: Sections whose default is null, documented by a table in a section of their own.
NULL_SECTIONS = {"body": "## Bodies", "temperature.heater": "## Heater and laser",
                 "temperature.laser": "## Heater and laser"}


def _null_section(block: dict, dotted: str) -> str | None:
    """The null-by-default section (a key of NULL_SECTIONS) holding ``dotted``, or None."""
    parts = dotted.split(".")
    node = block
    for k in range(len(parts) - 1):
        if not isinstance(node, dict) or parts[k] not in node:
            return None
        node = node[parts[k]]
        if node is None:
            prefix = ".".join(parts[:k + 1])
            return prefix if prefix in NULL_SECTIONS else None
    return None


def text_of_section(key: str) -> str:
    """The text of docs/case_format.md's section documenting the null section ``key``."""
    text = (REPO_ROOT / "docs" / "case_format.md").read_text()
    start = text.index(NULL_SECTIONS[key])
    end = text.find("\n## ", start + 1)
    return text[start:] if end < 0 else text[start:end]


def test_case_format_doc_names_every_schema_key():
    """docs/case_format.md (called "the full list" by the README) cannot drift from the schema:
    every key is in its key block, segment keys in its Protocols section."""
    block, protocols = _case_format()
    keys = _schema_keys(schema_json())
    assert "material.vacancy_equilibration" in keys and "bias.protocol[].period_s" in keys
    missing = []
    for dotted in keys:
        if "[]." in dotted:  # protocol segment keys: the table of the Protocols section
            if f"`{dotted.rsplit('.', 1)[-1]}`" not in protocols:
                missing.append(dotted)
            continue
        null = _null_section(block, dotted)
        if null is not None:  # a section that is null by default: its own table
            if f"`{dotted.rsplit('.', 1)[-1]}`" not in text_of_section(null):
                missing.append(dotted)
            continue
        node = block
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                missing.append(dotted)
                break
            node = node[part]
    assert not missing, f"keys of the schema missing from docs/case_format.md: {missing}"


def test_case_format_doc_block_is_the_defaults():
    """The key block's values are the defaults (e.g. solver.linear_solver auto, not lu), and it
    holds no key the schema lacks."""
    block, _ = _case_format()
    assert block == case_to_dict(case_from_dict({"name": block["name"]}))


def test_case_files_exist():
    names = {p.name for p in CASE_FILES}
    assert {"reference_forward.yaml", "reference_reverse.yaml", "no_sources.yaml"} <= names


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.name)
def test_case_file_loads(path):
    case = load_case(path)
    assert case.name == path.stem
    assert case_from_dict(case_to_dict(case)) == case


def test_reference_cases_content():
    fwd = load_case(REPO_ROOT / "cases" / "reference_forward.yaml")
    rev = load_case(REPO_ROOT / "cases" / "reference_reverse.yaml")
    off = load_case(REPO_ROOT / "cases" / "no_sources.yaml")
    assert fwd.forward_field_V_per_um == 4.0 and rev.forward_field_V_per_um == -4.0
    assert fwd.bias_V == pytest.approx(16.0) and rev.bias_V == pytest.approx(16.0)
    assert off.sources.model == "none" and off.forward_field_V_per_um == 4.0
    # apart from name, description and polarity, the reference cases are the defaults
    default = case_to_dict(case_from_dict({"name": "x"}))
    for key in ("name", "description", "bias"):
        default.pop(key)
    for case in (fwd, rev):
        data = case_to_dict(case)
        for key in ("name", "description", "bias"):
            data.pop(key)
        assert data == default


# --------------------------------------------------------------------------------------------
# Halide pairs (material.halides; solver/config/halides.py)


def br_i(**material) -> dict:
    """A Br/I case mapping with the given material keys (Br/I names)."""
    return with_name(material={"halides": "Br/I", **material})


def test_br_i_keys_are_aliases_of_the_schema_keys():
    case = case_from_dict(br_i(y_i_segment=0.2, x_v_i=1e-6, hop_ratio_br_i=10.0,
                               D_i_ref_cm2_per_s=2e-9, formation_lattice_i_eV=1.5,
                               chemical_potential_i_eV=-1.0))
    m = case.material
    assert (m.halides, m.y_cl_segment, m.x_v_cl, m.hop_ratio_br_cl, m.D_cl_ref_cm2_per_s,
            m.formation_lattice_cl_eV, m.chemical_potential_cl_eV) == (
        "Br/I", 0.2, 1e-6, 10.0, 2e-9, 1.5, -1.0)
    # the pair's defaults where the case is silent; Br/Cl's elsewhere (placeholders)
    assert case_from_dict(br_i()).material.hop_activation_eV == 0.182
    assert case_from_dict(br_i()).material.D_cl_ref_cm2_per_s == 1.8e-9
    assert case_from_dict(br_i()).pl.wavelength_cl_nm == 690.0
    assert case_from_dict(br_i()).material.x_v_cl == 3.0e-7
    assert case_from_dict(br_i(hop_activation_eV=0.3)).material.hop_activation_eV == 0.3
    s = case_from_dict({**br_i(), "sources": {"alpha_i": 1e-6}, "pl": {"wavelength_i_nm": 700.0}})
    assert (s.sources.alpha_cl, s.pl.wavelength_cl_nm) == (1e-6, 700.0)


def test_br_i_case_to_dict_shows_br_i_names_and_round_trips():
    case = case_from_dict(br_i(y_i_segment=0.2))
    data = case_to_dict(case)
    assert data["material"]["y_i_segment"] == 0.2 and "y_cl_segment" not in data["material"]
    assert {"x_v_i", "hop_ratio_br_i", "D_i_ref_cm2_per_s"} <= set(data["material"])
    assert "alpha_i" in data["sources"] and "wavelength_i_nm" in data["pl"]
    assert list(data["material"])[:9] == [  # the renamed keys keep their places
        "halides", "lattice_constant_nm", "jump_length_nm", "eps_r", "x_v_br", "x_v_i",
        "y_br_segment", "y_i_segment", "hop_ratio_br_i"]
    assert case_from_dict(data) == case
    assert "halides" in case_to_dict(case_from_dict({"name": "t"}))["material"]
    assert "y_cl_segment" in case_to_dict(case_from_dict({"name": "t"}))["material"]


def test_br_i_names_in_set_overrides():
    data = apply_overrides(br_i(), ["material.y_i_segment=0.3", "sources.alpha_i=1e-6"])
    case = case_from_dict(data)
    assert (case.material.y_cl_segment, case.sources.alpha_cl) == (0.3, 1e-6)
    on_br_cl = apply_overrides({"name": "t"}, ["material.halides=Br/I",
                                               "material.x_v_i=1e-6"])
    assert case_from_dict(on_br_cl).material.x_v_cl == 1e-6


@pytest.mark.parametrize(("data", "expected"), [
    (br_i(y_cl_segment=0.2), "material.y_cl_segment: names a key of the Br/Cl pair, but "
     "material.halides is Br/I: write material.y_i_segment"),
    ({**br_i(), "sources": {"alpha_cl": 1e-6}}, "sources.alpha_cl: names a key of the Br/Cl "
     "pair"),
    (with_name(material={"y_i_segment": 0.2}), "material.y_i_segment: names a key of the Br/I "
     "pair, but material.halides is Br/Cl: write material.y_cl_segment"),
    (br_i(y_i_segment=1.2), "material.y_i_segment: 1.2 is not below 1 (expected 0 <= "
     "y_i_segment < 1)"),
    (br_i(y_i_segment=0.5, y_br_segment=0.4), "material.y_i_segment: must be < "
     "material.y_br_segment = 0.4"),
    (br_i(hop_ratio_br_i="3"), "material.hop_ratio_br_i: "),
    (br_i(y_i_segmnt=0.2), "material.y_i_segmnt: unknown key (did you mean 'y_i_segment'?"),
    (with_name(material={"halides": "Br/F"}), "material.halides: Input should be 'Br/Cl' or "
     "'Br/I' (got 'Br/F')"),
])
def test_br_i_errors_name_the_key_as_written(data, expected):
    text = rejects(data)
    assert text.startswith(expected), text


def test_br_i_pl_keys_are_not_checked_against_the_br_cl_law():
    """The Br/Cl end-point rule (Cl peak below Br's) does not apply to Br/I's law."""
    assert case_from_dict({**br_i(), "pl": {"wavelength_i_nm": 690.0}}).pl.wavelength_cl_nm \
        == 690.0
    assert "larger gap" in rejects(with_name(pl={"wavelength_cl_nm": 530.0}))


def test_br_cl_name_in_br_i_case_exits_2_with_one_line(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "c.yaml"
    path.write_text("name: c\nmaterial: {halides: Br/I, y_cl_segment: 0.2}\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "run_case.py", str(path), "--check"], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "material.y_cl_segment: names a key of the Br/Cl pair" in lines[0]
    ok = subprocess.run([sys.executable, "run_case.py", "cases/wire_br_i.yaml", "--check"],
                        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert ok.returncode == 0, ok.stderr
    assert "y_i_segment" in ok.stdout and "y_cl_segment" not in ok.stdout
