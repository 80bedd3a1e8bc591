"""Fuzzing the case loader and the CLI (hypothesis): bad input exits 2 with one line, writes
nothing.

Every generated case file or ``--set`` override goes through ``solver.cli.main`` in-process, with
``solver.run`` replaced by a stub (no solve). The outcome must be either exit 2 with exactly one
``error: ...`` line on stderr, no traceback and no output directory, or a valid case that reaches
the (stubbed) run with a mesh within ``mesh.max_cells``. A few subprocess checks cover the real
entry point. Runs in a few seconds.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tempfile
import types
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from solver.config import Case, case_to_dict, load_case

REPO_ROOT = Path(__file__).resolve().parents[2]
GOOD_CASE = REPO_ROOT / "cases" / "reference_forward.yaml"
#: Examples per fuzz test; FUZZ_EXAMPLES=2000 (and FUZZ_RANDOM=1) for a deeper, random search.
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "120")), deadline=None,
                derandomize=not os.environ.get("FUZZ_RANDOM"), database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def _dotted_keys(model: type[BaseModel] = Case, prefix: str = "") -> list[str]:
    """Every leaf key of the case schema, dotted."""
    keys = []
    for name, field in model.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            keys += _dotted_keys(ann, f"{prefix}{name}.")
        else:
            keys.append(f"{prefix}{name}")
    return keys


KEYS = _dotted_keys()
SECTIONS = sorted({k.split(".")[0] for k in KEYS if "." in k})

scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, -1, 0.5, 1e-300, 1e300, 1e-12, 2.0, 1e9, 200000, 1.0000001]),
    st.text(max_size=12),
    st.sampled_from(["forward", "bdf2", "manning", "contact", "left", "auto", "1e-3", "yes"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(["a", "x", "left", "start_um"]),
                                            inner, max_size=3)),
    max_leaves=8,
)


@st.composite
def mutated_cases(draw) -> dict:
    """A valid case dict with random keys set to random values, removed or added."""
    data = case_to_dict(load_case(GOOD_CASE))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["set", "set", "set", "delete", "unknown", "section"]))
        if op == "section":
            data[draw(st.sampled_from(SECTIONS))] = draw(values)
            continue
        key = draw(st.sampled_from(KEYS))
        parts = key.split(".")
        node = data
        for part in parts[:-1]:
            node = node.setdefault(part, {}) if isinstance(node, dict) else {}
        if not isinstance(node, dict):
            continue
        if op == "set":
            node[parts[-1]] = draw(values)
        elif op == "delete":
            node.pop(parts[-1], None)
        else:
            node[draw(st.text(min_size=1, max_size=8))] = draw(values)
    return data


@pytest.fixture
def stub_run(monkeypatch):
    """Replace solver.run by a stub recording the calls."""
    calls = []

    class Failure(Exception):
        pass

    def run_case(case, output_dir, **kwargs):
        calls.append((case, output_dir))
        return {}

    module = types.ModuleType("solver.run")
    module.run_case = run_case
    module.SolverFailure = Failure
    module.Interrupted = Failure
    monkeypatch.setitem(sys.modules, "solver.run", module)
    return calls


def run_main(argv: list[str]) -> tuple[int, str]:
    """``solver.cli.main(argv)`` with stderr captured (stdout discarded)."""
    from solver.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse
            code = exc.code
    return code, err.getvalue()


def assert_clean_outcome(code: int, err: str, out_dir: Path, calls: list) -> None:
    """Exit 2 with one error line and no directory, or a valid case handed to the run."""
    assert "Traceback" not in err
    if code == 0:
        assert calls, "exit 0 without running"
        from solver.preflight import check_case

        check_case(calls[-1][0])  # within mesh.max_cells, finite derived parameters
        return
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert len(lines[0]) > len("error: x: ")
    assert not out_dir.exists(), "a directory was created for invalid input"


@FUZZ
@given(data=mutated_cases())
def test_fuzz_case_files(stub_run, data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "case.yaml"
        try:
            text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        except (yaml.YAMLError, ValueError):
            return
        path.write_text(text, encoding="utf-8")
        out = Path(tmp) / "out"
        code, err = run_main([str(path), "--output", str(out), "--quiet"])
        assert_clean_outcome(code, err, out, stub_run)


@FUZZ
@given(text=st.one_of(
    st.text(max_size=200),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    st.lists(st.sampled_from(["name: x\n", "geometry:\n", "  length_um: 7\n", "- 1\n", "[", "]",
                              "{", "}", ": ", "&a ", "*a ", "!!python/object ", "\t", "'", "\"",
                              "mesh: {h_min_nm: 1e-9}\n", "? ", "%YAML 1.1\n", "---\n", "..."]),
             max_size=12).map("".join),
))
def test_fuzz_raw_text(stub_run, text):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "case.yaml"
        path.write_bytes(text.encode("utf-8", errors="surrogateescape"))
        out = Path(tmp) / "out"
        code, err = run_main([str(path), "--output", str(out), "--quiet"])
        assert_clean_outcome(code, err, out, stub_run)


@FUZZ
@given(key=st.one_of(st.sampled_from(KEYS), st.text(max_size=15)),
       raw=st.one_of(st.text(max_size=20), values.map(lambda v: yaml.safe_dump(v).strip())))
def test_fuzz_overrides(stub_run, key, raw):
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        code, err = run_main([str(GOOD_CASE), "--set", f"{key}={raw}", "--output", str(out),
                              "--quiet"])
        assert_clean_outcome(code, err, out, stub_run)


@pytest.mark.parametrize("overrides, expected", [
    (["mesh.h_min_nm=0.01", "mesh.h_max_um=2e-5"], "mesh.max_cells: the mesh would have about"),
    (["mesh.h_min_nm=0.006", "mesh.h_max_um=1e-5", "mesh.growth=1.0000000001"],
     "mesh.max_cells:"),
    (["mesh.h_min_nm=1e-300", "mesh.h_max_um=1e-300", "mesh.growth=1.0000000001"],
     "mesh.h_min_nm: 1e-300 nm is below 0.01 x material.lattice_constant_nm"),
    (["mesh.max_cells=100"], "mesh.max_cells: the mesh would have 916 cells"),
    (["temperature.T_K=1"], "temperature.T_K: 1 K is below the usual range"),  # °C hint first
    (["temperature.T_K=1e300", "material.hop_activation_eV=1e300"],
     "temperature.T_K: 1e+300 K is above 900 K"),
])
def test_absurd_but_schema_valid_values_exit_2(stub_run, tmp_path, overrides, expected):
    out = tmp_path / "out"
    argv = [str(GOOD_CASE), "--output", str(out)]
    for o in overrides:
        argv += ["--set", o]
    code, err = run_main(argv)
    assert code == 2 and err.startswith(f"error: {expected}"), err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists() and not stub_run
    code, err = run_main([*argv, "--check"])  # --check refuses them too
    assert code == 2 and expected in err


def test_huge_mesh_subprocess_leaves_no_directory(tmp_path):
    """The real entry point refuses a huge mesh quickly and creates nothing."""
    out = tmp_path / "results" / "huge"
    proc = subprocess.run(
        [sys.executable, "run_case.py", str(GOOD_CASE), "--output", str(out),
         "--set", "mesh.h_min_nm=0.01", "--set", "mesh.h_max_um=1e-5"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: mesh.max_cells: ") and "Traceback" not in proc.stderr
    assert not (tmp_path / "results").exists()


def test_unreadable_inputs_subprocess(tmp_path):
    """Binary garbage, deep nesting and a directory as case file: exit 2, one line each."""
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"name: x\n\xff\xfe\x00\x81")
    deep = tmp_path / "deep.yaml"
    deep.write_text("name: x\ngeometry: " + "[" * 5000 + "]" * 5000 + "\n")
    cases = {binary: "not UTF-8", deep: "nested too deeply", tmp_path: "is a directory"}
    procs = {p: subprocess.Popen([sys.executable, "run_case.py", str(p), "--output",
                                  str(tmp_path / "out")], cwd=REPO_ROOT, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for p in cases}
    for path, expected in cases.items():
        _, err = procs[path].communicate(timeout=120)
        assert procs[path].returncode == 2, err
        assert len(err.strip().splitlines()) == 1 and expected in err, err
    assert not (tmp_path / "out").exists()
