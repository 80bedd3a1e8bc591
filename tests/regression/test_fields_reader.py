"""The VTX output ``fields/state.bp`` read back (solver.io.fields.read_fields) and compared with
the profile CSVs of the same run at the same times: 1D nodal values exactly (to the CSV's 11
digits), 3D through the profiles' own cross-section average; the axis convention (mesh x is the
profiles' z); a 2-rank run reads as the serial one; the reader's errors.

``adios2`` is never imported in this process (it would make a later dolfinx import fail, see
solver/io/fields.py); its presence is checked with ``importlib.util.find_spec``.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from solver.io import fields as fields_io
from solver.io.fields import FieldsUnavailable, read_fields
from solver.io.files import read_profile_csv

REPO = Path(__file__).resolve().parents[2]
MPIRUN = Path(sys.executable).parent / "mpirun"
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("adios2") is None,
    reason="adios2 not installed: the VTX reader needs the fields extra "
           "(.venv/bin/pip install -e '.[fields]'; part of .[test])")

# The runs read here are the session's shared ones (tests/regression/conftest.py): the 1D
# reference_forward (600 s, 50 nm mesh) serial and on 2 ranks, and the coarse 3D wire (0.05 s);
# each writes VTX fields (output.vtx, true by default and in cases/wire3d.yaml).


def profiles(out: Path) -> list[tuple[float, dict]]:
    return [read_profile_csv(p) for p in sorted((out / "profiles").glob("t_*.csv"))]


@pytest.fixture(scope="module")
def run_1d(forward_600s) -> Path:
    assert (forward_600s / "fields" / "state.bp").is_dir()
    return forward_600s


def test_1d_fields_equal_the_profiles_at_every_output_time(run_1d):
    f = read_fields(run_1d / "fields" / "state.bp")
    profs = profiles(run_1d)
    n_t, n = len(profs), profs[0][1]["z_um"].size
    assert f["t_s"].shape == (n_t,)
    assert f["coordinates_um"].shape == (n, 3) and f["axial_um"].shape == (n,)
    for name in fields_io.FIELD_NAMES:
        assert f[name].shape == (n_t, n), name
    # 1D mesh: the wire axis is the mesh's x; y = z = 0.
    assert np.all(f["coordinates_um"][:, 1:] == 0.0)
    np.testing.assert_array_equal(f["axial_um"], f["coordinates_um"][:, 0])
    for k, (t_s, p) in enumerate(profs):
        assert f["t_s"][k] == pytest.approx(t_s, rel=1e-10)
        np.testing.assert_allclose(f["axial_um"], p["z_um"], rtol=1e-10, atol=1e-12)
        for name in fields_io.FIELD_NAMES:  # exact nodal values (CSV: %.10e)
            np.testing.assert_allclose(f[name][k], p[name], rtol=1e-10, atol=1e-14,
                                       err_msg=f"{name} at t = {t_s}")
    # the run directory itself is accepted too
    np.testing.assert_array_equal(read_fields(run_1d)["y"], f["y"])


def test_3d_mesh_x_is_the_profiles_z_and_the_fields_average_to_the_profiles(wire3d_coarse):
    """In 3D the mesh's x is the wire axis (the profiles' z_um), y across (centred), z up
    (0 on the electrodes); the profiles are the mean of the Q1 fields over the 3 x 3 sample
    lines (solver.recording.line_sampler), recomputed here from the VTX nodes."""
    from scipy.interpolate import RegularGridInterpolator

    from solver.mesh.sampling import cross_section_grid

    out = wire3d_coarse
    f = read_fields(out)
    xyz = f["coordinates_um"]
    lo, hi = xyz.min(axis=0), xyz.max(axis=0)
    np.testing.assert_allclose([lo[0], hi[0]], [0.0, 7.0], atol=1e-12)  # length_um along x
    np.testing.assert_allclose([lo[1], hi[1]], [-0.1, 0.1], atol=1e-12)  # width_um across y
    np.testing.assert_allclose([lo[2], hi[2]], [0.0, 0.2], atol=1e-12)  # height_um, z up
    # Structured hexahedra: the nodes form a grid, sorted x, y, z (C order).
    axes = [np.unique(np.round(xyz[:, i], 9)) for i in range(3)]
    shape = tuple(a.size for a in axes)
    assert int(np.prod(shape)) == xyz.shape[0]
    lines = cross_section_grid(0.2, 0.2)
    for k, (t_s, p) in enumerate(profiles(out)):
        assert f["t_s"][k] == pytest.approx(t_s, rel=1e-10)
        z = p["z_um"]
        points = np.array([(zz, a, b) for (a, b) in lines for zz in z])
        # (field, interpolated quantity, back): the profile averages exp(u), u = ln x_V, Q1
        for name, fwd, back in (("y", None, None), ("x_V", np.log, np.exp),
                                ("psi_V", None, None)):
            grid = f[name][k] if fwd is None else fwd(f[name][k])
            values = RegularGridInterpolator(axes, grid.reshape(shape))(points)
            values = (values if back is None else back(values)).reshape(len(lines), z.size)
            np.testing.assert_allclose(values.mean(axis=0), p[name], rtol=1e-9, atol=1e-12,
                                       err_msg=f"{name} at t = {t_s}")


@pytest.mark.mpi
@pytest.mark.skipif(not MPIRUN.exists(), reason="mpirun from the mpich wheel not found")
def test_two_rank_file_reads_as_the_serial_one(run_1d, forward_600s_two_ranks):
    """Each rank writes its block with ghost nodes; the reader keeps every node once."""
    serial = read_fields(run_1d)
    parallel = read_fields(forward_600s_two_ranks)
    assert set(parallel) == set(serial)
    np.testing.assert_array_equal(parallel["coordinates_um"], serial["coordinates_um"])
    np.testing.assert_array_equal(parallel["t_s"], serial["t_s"])
    for name in fields_io.FIELD_NAMES:
        np.testing.assert_allclose(parallel[name], serial[name], rtol=1e-8, atol=1e-12)


def test_file_declares_what_paraview_reads(run_1d):
    """ParaView's ADIOS2 VTX reader follows the file's ``vtk.xml`` attribute: an unstructured
    grid with points ``geometry``, point data y, x_V, psi_V and TIME = ``step`` [s]."""
    code = ("import sys, adios2\n"
            "with adios2.FileReader(sys.argv[1]) as f:\n"
            "    xml = f.read_attribute_string('vtk.xml')\n"
            "    print(xml if isinstance(xml, str) else xml[0])\n")
    proc = subprocess.run([sys.executable, "-c", code, str(run_1d / "fields" / "state.bp")],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    xml = proc.stdout
    assert 'type="UnstructuredGrid"' in xml and '<DataArray Name="geometry" />' in xml
    for name in fields_io.FIELD_NAMES:
        assert f'<DataArray Name="{name}" />' in xml
    assert '<DataArray Name="TIME">step</DataArray>' in xml


def test_reading_leaves_this_process_free_of_adios2_and_dolfinx_importable(run_1d):
    """read_fields must not load the adios2 wheel here: imported before dolfinx it makes
    dolfinx's own ADIOS2 unloadable. A fresh process reads, then imports dolfinx."""
    read_fields(run_1d)
    assert "adios2" not in sys.modules
    code = ("import sys, solver\nfrom solver.io.fields import read_fields\n"
            "read_fields(sys.argv[1])\nimport dolfinx.io\nprint('ok')\n")
    proc = subprocess.run([sys.executable, "-c", code, str(run_1d)], capture_output=True,
                          text=True, timeout=120, cwd=REPO, check=False)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_missing_file_and_other_directories_are_one_line_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"output\.vtx: true"):
        read_fields(tmp_path / "nothing")
    fake = tmp_path / "fake.bp"
    fake.mkdir()
    (fake / "md.idx").write_bytes(b"not adios")
    with pytest.raises(ValueError, match=r"fake\.bp: not an ADIOS2 BP4 directory \(no md\.0\)"):
        read_fields(fake)
    (fake / "md.0").write_bytes(b"not adios either")
    with pytest.raises(ValueError, match=r"fake\.bp: ") as err:  # read by ADIOS2 in the child
        read_fields(fake)
    assert "\n" not in str(err.value) and "Traceback" not in str(err.value)
    assert "\x1b" not in str(err.value)


def test_without_adios2_the_error_says_how_to_install_it(run_1d, tmp_path, monkeypatch):
    """A child that cannot import adios2 (a stub that raises shadows the package)."""
    (tmp_path / "stub").mkdir()
    (tmp_path / "stub" / "adios2.py").write_text("raise ImportError('no adios2 here')\n")
    env = fields_io._child_env()
    env["PYTHONPATH"] = f"{tmp_path / 'stub'}:{env['PYTHONPATH']}"
    monkeypatch.setattr(fields_io, "_child_env", lambda: env)
    with pytest.raises(FieldsUnavailable, match=r"pip install -e '\.\[fields\]'"):
        read_fields(run_1d)
