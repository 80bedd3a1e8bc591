"""Signals and failures during a run's set-up (issue 27, kind 4).

- SIGTERM during 3D mesh generation (gmsh resets SIGTERM to its default action at
  ``gmsh.initialize``) or during form compilation (a fresh cache, so FFCx really compiles): exit
  4, one line, ``summary.json`` says ``interrupted`` (was: exit 143, ``running``, and a compile
  lock that made every later run time out). The signal is sent by the process to itself from
  inside gmsh's mesh generation or FFCx's compile step (a wrapper around the CLI), so it arrives
  at exactly that point every time.
- A compile lock left by a killed compile (``.c`` without ``.c.cached``) is removed and the run
  completes.
- An unusable form cache (a file, a read-only filesystem) falls back to a temporary cache with
  one warning line; exit 0.
- Closed stdout or stderr, and ``PYTHONIOENCODING=ascii``: exit 0, "µm" written as "um".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from solver.exit_codes import EXIT_INTERRUPTED, EXIT_OK

REPO = Path(__file__).resolve().parents[2]
ONE_D = [str(REPO / "cases" / "reference_forward.yaml"), "--set", "time.t_end_s=60",
         "--set", "output.figures=false", "--quiet"]
WIRE = [str(REPO / "cases" / "wire3d.yaml"), "--quiet", "--set", "mesh.h3d_max_um=0.1",
        "--set", "mesh.h3d_axial_um=0.05", "--set", "output.vtx=false",
        "--set", "output.figures=false", "--set", "pl.enabled=false",
        "--set", "time.t_end_s=60"]

#: Runs the CLI, sending SIGTERM to itself when gmsh starts meshing (SIG_AT=mesh) or when FFCx
#: starts compiling a module (SIG_AT=compile).
WRAPPER = '''
import os, signal, sys
import solver
where = os.environ["SIG_AT"]
if where == "mesh":
    import gmsh
    target, name = gmsh.model.mesh, "generate"
else:
    import ffcx.codegeneration.jit as target
    name = "_compile_objects"
original = getattr(target, name)
def hooked(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGTERM)
    return original(*args, **kwargs)
setattr(target, name, hooked)
from solver.cli import main
sys.exit(main(sys.argv[1:]))
'''


def _env(tmp_path: Path, **extra: str) -> dict:
    """The environment with a fresh form cache under ``tmp_path`` (so forms are compiled)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEROVSKITE_IONS_")}
    env.update({"XDG_CACHE_HOME": str(tmp_path / "cache"),
                "XDG_CONFIG_HOME": str(tmp_path / "config"), **extra})
    return env


def _run(argv: list[str], env: dict, *, script: str | None = None,
         **kwargs) -> subprocess.CompletedProcess:
    cmd = ([sys.executable, "-c", script, *argv] if script
           else [sys.executable, str(REPO / "run_case.py"), *argv])
    return subprocess.run(cmd, cwd=REPO, env=env, text=True, capture_output=True, timeout=300,
                          **kwargs)


def _lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip()]


def _fenics(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "fenics"


@pytest.mark.parametrize(("where", "argv", "phase"), [
    ("mesh", WIRE, "mesh generation"),
    ("compile", ONE_D, "form compilation"),
])
def test_sigterm_during_setup_is_exit_4_and_interrupted(tmp_path, where, argv, phase):
    out = tmp_path / "out"
    proc = _run([*argv, "--output", str(out)], _env(tmp_path, SIG_AT=where), script=WRAPPER)
    assert proc.returncode == EXIT_INTERRUPTED, proc.stderr[-2000:]
    lines = _lines(proc.stderr)
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"interrupted: stopped by SIGTERM during set-up ({phase})")
    assert "rerun with --force" in lines[0]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "interrupted" and summary["interrupted_during"] == phase
    assert not (out / "timeseries.csv").exists()
    if where == "compile":  # every module it started is complete: no lock is left
        started = sorted(_fenics(tmp_path).glob("libffcx_*.c"))
        assert started
        assert all(c.with_name(c.name + ".cached").exists() for c in started)


def test_stale_compile_lock_is_removed(tmp_path):
    """A compile killed with SIGKILL leaves its ``.c`` without ``.c.cached``: the next run waits
    for it (dolfinx's JIT timeout, 1 s here), removes it with one warning and completes."""
    (tmp_path / "config" / "dolfinx").mkdir(parents=True)
    (tmp_path / "config" / "dolfinx" / "dolfinx_jit_options.json").write_text('{"timeout": 1}')
    env = _env(tmp_path)
    first = _run([*ONE_D, "--output", str(tmp_path / "a")], env)
    assert first.returncode == EXIT_OK, first.stderr
    lock = sorted(_fenics(tmp_path).glob("libffcx_*.c"))[0]
    for done in _fenics(tmp_path).glob(lock.stem + ".*"):
        if done != lock:
            done.unlink()  # as a compile killed before it finished
    lock.write_text("")
    old = time.time() - 60
    os.utime(lock, (old, old))
    second = _run([*ONE_D, "--output", str(tmp_path / "b")], env)
    assert second.returncode == EXIT_OK, second.stderr
    lines = _lines(second.stderr)
    assert len(lines) == 1 and "form cache: removed" in lines[0] and str(lock) in lines[0], lines
    assert lock.with_name(lock.name + ".cached").exists()


def _read_only_dir(tmp_path: Path):
    """A read-only cache directory: a read-only tmpfs as root (root writes through modes),
    else a directory without write permission."""
    path = tmp_path / "ro"
    path.mkdir()
    if os.geteuid() == 0:
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(path)],
                              capture_output=True, check=False)
        if proc.returncode:
            pytest.skip(f"cannot mount a read-only tmpfs: {proc.stderr.decode().strip()}")
        return path, lambda: subprocess.run(["umount", "-l", str(path)], check=False)
    path.chmod(0o555)
    return path, lambda: path.chmod(0o755)


@pytest.mark.parametrize("kind", ["file", "read-only"])
def test_unusable_cache_falls_back_with_one_warning(tmp_path, kind):
    if kind == "file":
        cache, cleanup = tmp_path / "cache-file", lambda: None
        cache.write_text("not a directory")
    else:
        cache, cleanup = _read_only_dir(tmp_path)
    try:
        proc = _run([*ONE_D, "--output", str(tmp_path / "out")],
                    _env(tmp_path, XDG_CACHE_HOME=str(cache)))
    finally:
        cleanup()
    assert proc.returncode == EXIT_OK, proc.stderr
    lines = _lines(proc.stderr)
    assert len(lines) == 1, proc.stderr
    assert f"form cache {cache}/fenics cannot be used" in lines[0]
    assert "Traceback" not in proc.stderr
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["status"] == "completed"


@pytest.mark.parametrize("closed", ["stdout", "stderr", "both"])
def test_closed_standard_streams(tmp_path, closed):
    """``run_case.py ... >&-`` / ``2>&-``: the run completes (exit 0), nothing is written into
    the descriptors MPI opens in their place."""
    shell = {"stdout": ">&-", "stderr": "2>&-", "both": ">&- 2>&-"}[closed]
    out = tmp_path / "out"
    args = " ".join(f"'{a}'" for a in [*ONE_D[:-1], "--output", str(out)])
    proc = subprocess.run(f"'{sys.executable}' run_case.py {args} {shell}", shell=True,
                          cwd=REPO, env=_env(tmp_path), capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == EXIT_OK, proc.stderr
    assert json.loads((out / "summary.json").read_text())["status"] == "completed"
    if closed == "stdout":
        assert "Traceback" not in proc.stderr and "Error" not in proc.stderr


def test_ascii_encoding_writes_um(tmp_path):
    out = tmp_path / "out"
    proc = _run([*ONE_D[:-1], "--output", str(out)], _env(tmp_path, PYTHONIOENCODING="ascii"))
    assert proc.returncode == EXIT_OK, proc.stderr
    assert "Traceback" not in proc.stderr
    last = _lines(proc.stdout)[-1]
    assert last.startswith("reference_forward: L_m = ") and " um at t = 60 s" in last


def test_sigterm_handler_survives_gmsh_initialize():
    """gmsh.initialize() resets SIGTERM to its default action at the C level; the mesh builder
    installs Python's handler again (``solver.console.reinstall_signal_handlers``)."""
    code = '''
import os, signal, solver
from solver.console import reinstall_signal_handlers
import gmsh
hits = []
signal.signal(signal.SIGTERM, lambda *a: hits.append(1))
gmsh.initialize(interruptible=False)
reinstall_signal_handlers()
os.kill(os.getpid(), signal.SIGTERM)
gmsh.finalize()
print("caught" if hits else "missed")
'''
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0 and proc.stdout.strip() == "caught", (proc.returncode,
                                                                      proc.stderr)
