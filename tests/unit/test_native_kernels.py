"""``solver.native_kernels``: the form kernels compiled with -march=native
(solver/numerics/assembly.py).

The flag must reach the JIT (a different compiled kernel) and leave the physics unchanged: the
same short run with and without it gives the same migration length and totals to round-off.
"""

import json
from pathlib import Path

import pytest

from solver.cli import main
from solver.numerics.assembly import jit_options

REPO_ROOT = Path(__file__).resolve().parents[2]
FORWARD = str(REPO_ROOT / "cases" / "reference_forward.yaml")
SHORT = ["--quiet", "--set", "mesh.h_max_um=0.05", "--set", "output.figures=false",
         "--set", "output.vtx=false", "--set", "time.t_end_s=120", "--set", "pl.enabled=false"]


def test_jit_options_add_march_native_to_dolfinx_defaults():
    from dolfinx import jit

    assert jit_options(False) is None
    flags = jit_options(True)["cffi_extra_compile_args"]
    assert flags[-1] == "-march=native"
    assert flags[:-1] == list(jit.get_options()["cffi_extra_compile_args"])


def test_native_kernels_run_equals_default(tmp_path, monkeypatch):
    import dolfinx.fem.petsc as fem_petsc

    seen = []
    init = fem_petsc.NonlinearProblem.__init__

    def spy(self, *args, **kwargs):
        seen.append(kwargs.get("jit_options"))
        init(self, *args, **kwargs)

    monkeypatch.setattr(fem_petsc.NonlinearProblem, "__init__", spy)
    out = {}
    for flag in ("false", "true"):
        out[flag] = tmp_path / flag
        assert main([FORWARD, *SHORT, "--set", f"solver.native_kernels={flag}",
                     "--output", str(out[flag])]) == 0
    assert seen[0] is None and "-march=native" in seen[1]["cffi_extra_compile_args"]
    a, b = (json.loads((out[f] / "summary.json").read_text()) for f in ("false", "true"))
    assert a["steps"] == b["steps"]
    for key in ("migration_length_um", "total_br_final_um", "total_vacancy_final_um"):
        assert b[key] == pytest.approx(a[key], rel=1e-9, abs=1e-14), key
