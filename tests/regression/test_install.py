"""A non-editable install (a wheel) works outside the checkout: presets, 3D meshes, campaigns,
fits.

The wheel is built from a copy of the source tree and installed with ``pip install --no-deps
--target DIR``; every command then runs with ``PYTHONPATH=DIR`` and its working directory outside
the repository, so nothing can reach ``cases/``, ``meshes/`` or ``run_case.py`` of the checkout.
(An editable install of the development venv, if any, is a finder appended to ``sys.meta_path``:
DIR on ``sys.path`` wins; the first test checks that it does.)
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SOURCE_ITEMS = ("pyproject.toml", "setup.py", "README.md", "solver", "cases", "campaigns", "fits",
                "ensembles")
FAST = ["--set", "time.t_end_s=60", "--set", "mesh.h_max_um=0.05", "--set",
        "output.figures=false", "--set", "output.vtx=false"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(wheel path, install dir, a working directory outside the repository)."""
    tmp = tmp_path_factory.mktemp("install")
    src = tmp / "src"
    src.mkdir()
    junk = shutil.ignore_patterns("__pycache__", "*.pyc", "build", "*.egg-info")
    for item in SOURCE_ITEMS:  # a copy: no stale build/ of the checkout can leak into the wheel
        if not (REPO / item).exists():
            continue
        if (REPO / item).is_dir():
            shutil.copytree(REPO / item, src / item, ignore=junk)
        else:
            shutil.copy2(REPO / item, src / item)
    # Without build isolation when setuptools is at hand (no index needed), else pip fetches it.
    isolation = ["--no-build-isolation"] if importlib.util.find_spec("setuptools") else []
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", *isolation, "-w", str(tmp / "dist"), str(src)],
                   check=True, capture_output=True, timeout=300)
    wheel = next((tmp / "dist").glob("perovskite_ions-*.whl"))
    target = tmp / "site"
    subprocess.run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    work = tmp / "elsewhere"
    work.mkdir()
    return wheel, target, work


def run_installed(installed, args, timeout=300, extra_env=None):
    """``python ARGS`` with only the installed copy on PYTHONPATH, from outside the checkout."""
    _, target, work = installed
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PEROVSKITE_IONS_GIT_COMMIT")}
    env.update(PYTHONPATH=str(target), MPLBACKEND="Agg", OMP_NUM_THREADS="1", **(extra_env or {}))
    return subprocess.run([sys.executable, *args], cwd=work, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


def test_wheel_holds_the_package_and_presets_only(installed):
    wheel, target, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"solver"}, tops
    source = {p.relative_to(REPO).as_posix() for p in (REPO / "solver").rglob("*.py")}
    assert source <= set(names), f"modules missing from the wheel: {sorted(source - set(names))}"
    for kind, patterns in (("cases", ["*.yaml"]), ("campaigns", ["*.yaml"]),
                           ("fits", ["*.yaml", "*.csv"])):  # a fit's data go with it
        shipped = {Path(n).name for n in names if n.startswith(f"solver/_presets/{kind}/")}
        assert shipped == {p.name for pat in patterns for p in (REPO / kind).glob(pat)}, kind
    proc = run_installed(installed, ["-c", "import solver, gmsh; print(solver.__file__)"])
    assert proc.returncode == 0, proc.stderr
    assert Path(proc.stdout.strip()).is_relative_to(target), proc.stdout


def test_installed_lists_and_runs_presets_from_anywhere(installed):
    _, target, work = installed
    proc = run_installed(installed, ["-m", "solver.cli", "--list-presets"])
    assert proc.returncode == 0, proc.stderr
    for kind in ("cases", "campaigns", "fits"):
        assert f"in {target / 'solver' / '_presets' / kind}" in proc.stdout, proc.stdout
        for path in (REPO / kind).glob("*.yaml"):
            assert f"{kind}/{path.name}" in proc.stdout, path.name
    # a listed preset name runs from a directory without cases/ (--check: validation only)
    proc = run_installed(installed, ["-m", "solver", "cases/reference_forward.yaml", "--check"])
    assert proc.returncode == 0, proc.stderr
    assert str(target / "solver" / "_presets" / "cases" / "reference_forward.yaml") in proc.stdout
    assert yaml.safe_load(proc.stdout)["name"] == "reference_forward"
    proc = run_installed(installed, ["-m", "solver", "cases/no_such_case.yaml", "--check"])
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not (work / "results").exists()
    # the shipped campaigns find their base case (../cases/...) inside the installed package
    code = ("from solver.campaign import load_campaign; from solver.presets import preset_files\n"
            "for p in preset_files('campaigns'): print(load_campaign(p)[1])")
    proc = run_installed(installed, ["-c", code])
    assert proc.returncode == 0, proc.stderr
    bases = proc.stdout.split()
    assert len(bases) == len(list((REPO / "campaigns").glob("*.yaml")))
    assert all(Path(b).is_relative_to(target / "solver" / "_presets" / "cases") for b in bases)
    # a shipped fit by its listed name: its base case (../cases/...) and data CSV next to it
    proc = run_installed(installed, ["-m", "solver", "fit", "fits/fig1e_synthetic.yaml",
                                     "--check"])
    assert proc.returncode == 0, proc.stderr
    assert f"base {target / 'solver' / '_presets' / 'cases' / 'reference_forward.yaml'}" \
        in proc.stdout, proc.stdout
    assert "8 data point(s)" in proc.stdout
    assert not (work / "results").exists()


def test_installed_generates_3d_meshes(installed):
    """The gmsh generator is part of the package: a tiny structured wire (4 hexahedra per
    section x 10 layers) through solver.mesh.wire3d, and the graded .msh writer's command line
    (``python -m solver.mesh.gmsh_nanowire``, and its deprecated path, which still runs and
    says so)."""
    _, target, work = installed
    code = (
        "import json, solver.mesh.wire3d as m3, solver.mesh.gmsh_nanowire as g\n"
        "from mpi4py import MPI\n"
        "w = m3.generate_nanowire(MPI.COMM_WORLD, length=1.0, width=0.1, height=0.1,\n"
        "    electrodes=((0.0, 0.3), (0.7, 1.0)), interface=0.5, h_max=0.05, h_min=0.05,\n"
        "    grading_distance=0.1, axial_layer=0.1)\n"
        "print(json.dumps({'cells': w.n_cells, 'type': w.mesh.topology.cell_type.name,\n"
        "                  'module': g.__file__}))\n"
    )
    proc = run_installed(installed, ["-c", code])
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert (got["cells"], got["type"]) == (40, "hexahedron")
    assert Path(got["module"]).is_relative_to(target)
    args = ["--length", "1", "--width", "0.1", "--height", "0.1", "--electrodes", "0", "0.3",
            "0.7", "1", "--interface", "0.5", "--h-max", "0.1", "--h-min", "0.05", "--out"]
    proc = run_installed(installed, ["-W", "default", "-m", "solver.nanowire_gmsh", *args,
                                     "meshes/old.msh"])
    assert proc.returncode == 0 and "solver.nanowire_gmsh is deprecated" in proc.stderr
    assert (work / "meshes" / "old.msh").stat().st_size > 0
    proc = run_installed(installed, ["-W", "error::DeprecationWarning", "-m",
                                     "solver.mesh.gmsh_nanowire", *args, "meshes/tiny.msh"])
    assert proc.returncode == 0, proc.stderr
    text = (work / "meshes" / "tiny.msh").read_text(errors="replace")
    for group in ("zone_left", "gap", "zone_right", "contact_left", "contact_right",
                  "free_surface"):
        assert f'"{group}"' in text, group


def test_installed_runs_a_campaign(installed):
    """Members start with ``python -m solver.cli`` and import the installed copy (no .git
    around it: provenance has no commit, whereas the checkout would give one)."""
    _, target, work = installed
    base = target / "solver" / "_presets" / "cases" / "reference_forward.yaml"
    spec = {"campaign": {
        "name": "tiny", "base": str(base),
        "set": {"time.t_end_s": 60, "mesh.h_max_um": 0.05, "output.figures": False,
                "output.vtx": False},
        "members": [{"name": "only"}]}}
    (work / "tiny.yaml").write_text(yaml.safe_dump(spec))
    proc = run_installed(installed, ["-m", "solver", "tiny.yaml", "--output", "out", "--quiet"])
    assert proc.returncode == 0, proc.stderr + proc.stdout
    report = json.loads((work / "out" / "campaign.json").read_text())
    assert report["failed"] == [] and report["ran"] == 1
    assert report["base_case"] == str(base)
    summary = json.loads((work / "out" / "only" / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["t_final_s"] == pytest.approx(60)
    assert summary["provenance"]["git"] == {"commit": None, "dirty": None}
    log = (work / "out" / "logs" / "only.log").read_text()
    assert " -m solver.cli " in log.splitlines()[0]


@pytest.mark.parametrize("value, expected", [
    ("", None),
    ("0123abcd", {"commit": "0123abcd", "dirty": None}),
    ("0123abcd-dirty", {"commit": "0123abcd", "dirty": True}),
])
def test_recorded_commit_for_copies_without_git(monkeypatch, value, expected):
    """The Docker image has no .git: its build argument GIT_COMMIT reaches the provenance."""
    from solver.io import provenance

    monkeypatch.setenv(provenance.GIT_COMMIT_ENV, value)
    assert provenance.recorded_git_info() == expected
    monkeypatch.setattr(provenance, "git_info", lambda path: {"commit": None, "dirty": None})
    assert provenance.provenance()["git"] == (expected or {"commit": None, "dirty": None})
    monkeypatch.setattr(provenance, "git_info", lambda path: {"commit": "f" * 40, "dirty": False})
    assert provenance.provenance()["git"] == {"commit": "f" * 40, "dirty": False}
