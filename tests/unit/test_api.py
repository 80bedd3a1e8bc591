"""The public API (solver/__init__.py): lazy names, and the example in docs/ that uses only
them runs and gives the same L_m as the command line."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import solver

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "docs" / "api_example.py"


def test_every_public_name_resolves():
    for name in solver.__all__:
        assert getattr(solver, name) is not None, name
    assert solver.load_case.__module__ == "solver.config.loading"


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        getattr(solver, "no_such_name")


def test_example_uses_only_public_names():
    tree = ast.parse(EXAMPLE.read_text(encoding="utf-8"))
    used = {n.attr for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and getattr(n.value, "id", "") == "solver"}
    imports = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
               and (n.module or "").startswith("solver")]
    assert not imports, "the example imports from solver submodules"
    assert used <= set(solver.__all__), used - set(solver.__all__)
    assert {"load_case", "run_case", "read_profile_csv"} <= used


def test_example_runs_and_agrees_with_the_command_line(tmp_path):
    proc = subprocess.run([sys.executable, str(EXAMPLE), str(tmp_path / "api")], cwd=REPO,
                          capture_output=True, text=True, timeout=300, check=True)
    assert "reference_forward: t = 600 s, L_m = " in proc.stdout
    cli = subprocess.run(
        [sys.executable, "run_case.py", "cases/reference_forward.yaml", "--quiet",
         "--set", "time.t_end_s=600", "--set", "time.output_times_s=[0, 600]",
         "--set", "output.figures=false", "--set", "output.vtx=false",
         "--output", str(tmp_path / "cli")], cwd=REPO, capture_output=True, text=True,
        timeout=300, check=True)
    assert cli.returncode == 0
    api = json.loads((tmp_path / "api" / "summary.json").read_text())
    ref = json.loads((tmp_path / "cli" / "summary.json").read_text())
    assert api["migration_length_um"] == ref["migration_length_um"]
    assert api["steps"] == ref["steps"] > 10
