"""Unit tests for ``onsager_model: kmc`` (shipped KMC table + fitted composition corrections)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from solver.physics.onsager import (
    F0_PEROVSKITE_ANION,
    KMC_TABLE_PATH,
    fit_kmc_table,
    kmc_fit_for_ratio,
    reduced_onsager,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
TABLE = json.loads(KMC_TABLE_PATH.read_text())
RATIOS = TABLE["fit"]["ratios"]
Y = np.concatenate([[0.0, 1e-12, 1e-6], np.linspace(0.01, 0.99, 99), [1 - 1e-6, 1.0]])
NAMES = ("m_brbr", "m_brcl", "m_clcl", "g_brbr", "g_brcl", "g_clbr", "g_clcl")


def _args(ratio, x_v=0.0, w_cl=1.7):
    return (1 - x_v) * Y, (1 - x_v) * (1 - Y), ratio * w_cl, w_cl


def test_table_is_package_data_and_complete():
    """The table ships in solver/physics/data and holds the four ratios of issue 12."""
    assert KMC_TABLE_PATH.parent.name == "data"
    assert "solver.physics" in (REPO_ROOT / "setup.py").read_text()
    np.testing.assert_allclose(sorted(RATIOS), [1 / 3, 1.0, 3.0, 10.0], rtol=1e-12)
    assert len(TABLE["rows"]) >= 4 * 9
    for row in TABLE["rows"]:
        for n in ("m_brbr", "m_brcl", "m_clcl"):
            assert row[f"{n}_err_per_s"] > 0


@pytest.mark.parametrize("ratio", [0.5, 2.0, 30.0, 3.001])
def test_ratio_outside_table_is_refused(ratio):
    with pytest.raises(ValueError, match="not in the KMC table") as exc:
        reduced_onsager(0.5, 0.5, ratio, 1.0, "kmc", F0_PEROVSKITE_ANION)
    assert "\n" not in str(exc.value)


def test_ratio_lookup_is_scale_free():
    for r in RATIOS:
        a = reduced_onsager(0.3, 0.7, r * 2.0, 2.0, "kmc", F0_PEROVSKITE_ANION)
        b = reduced_onsager(0.3, 0.7, r * 5e3, 5e3, "kmc", F0_PEROVSKITE_ANION)
        assert b.m_brbr == pytest.approx(2.5e3 * a.m_brbr, rel=1e-12)  # m ∝ w at fixed ratio
    with pytest.raises(ValueError):
        reduced_onsager(0.3, 0.7, np.array([3.0, 1.0]), 1.0, "kmc", F0_PEROVSKITE_ANION)


@pytest.mark.parametrize("ratio", RATIOS)
@pytest.mark.parametrize("x_v", [0.0, 1e-6, 0.05])
def test_symmetry_limits_positive(ratio, x_v):
    x_br, x_cl, w_br, w_cl = _args(ratio, x_v)
    o = reduced_onsager(x_br, x_cl, w_br, w_cl, "kmc", F0_PEROVSKITE_ANION)
    for n in NAMES:
        assert np.all(np.isfinite(getattr(o, n))), n
    # g_ab x_b = m_ab, both cross g's give the same symmetric m_BrCl
    np.testing.assert_allclose(o.g_brbr * x_br, o.m_brbr, rtol=1e-13, atol=0)
    np.testing.assert_allclose(o.g_clcl * x_cl, o.m_clcl, rtol=1e-13, atol=0)
    np.testing.assert_allclose(o.g_brcl * x_cl, o.m_brcl, rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(o.g_clbr * x_br, o.m_brcl, rtol=1e-13, atol=1e-300)
    # positive definite inside; coupling non-negative
    inner = (Y > 0) & (Y < 1)
    det = o.m_brbr * o.m_clcl - o.m_brcl**2
    assert np.all(det[inner] > 0) and np.all(o.m_brcl >= 0)
    assert np.all(o.m_brbr[Y > 0] > 0) and np.all(o.m_clcl[Y < 1] > 0)
    # one-species limits: m_BrBr -> x_Br w_Br, g_BrBr -> w_Br; and symmetrically for Cl
    assert o.m_brbr[-1] == pytest.approx(x_br[-1] * w_br, rel=1e-10)
    assert o.g_brbr[-1] == pytest.approx(w_br, rel=1e-10)
    assert o.m_clcl[0] == pytest.approx(x_cl[0] * w_cl, rel=1e-10)
    assert o.m_brcl[0] == 0.0 and o.m_brcl[-1] == 0.0


@pytest.mark.parametrize("x_v", [0.0, 1e-3])
def test_equal_rates_sum_rule_exact(x_v):
    x_br, x_cl, w, _ = _args(1.0, x_v, w_cl=3.3)
    o = reduced_onsager(x_br, x_cl, w, w, "kmc", F0_PEROVSKITE_ANION)
    np.testing.assert_allclose(o.m_brbr + o.m_brcl, x_br * w, rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(o.m_clcl + o.m_brcl, x_cl * w, rtol=1e-13, atol=1e-300)


def test_fit_reproduces_kmc_rows():
    """Every KMC row within 4σ (+0.5 % of the value) of the fitted model; χ²/dof sensible."""
    for row in TABLE["rows"]:
        y, r = row["y_br"], row["ratio_br_cl"]
        o = reduced_onsager(y, 1 - y, row["w_br_per_s"], row["w_cl_per_s"], "kmc",
                            F0_PEROVSKITE_ANION)
        for n in ("m_brbr", "m_brcl", "m_clcl"):
            v, e = row[f"{n}_per_s"], row[f"{n}_err_per_s"]
            assert abs(getattr(o, n) - v) <= 4 * e + 5e-3 * abs(v), (r, y, n, v, e)
    for entry in TABLE["fit"]["entries"]:
        for k, v in entry.items():
            if k.startswith("chi2_dof"):
                assert v < 4.0, (entry["ratio_br_cl"], k, v)


def test_fit_recovers_synthetic_corrections():
    """fit_kmc_table recovers known polynomial corrections from exact synthetic rows."""
    ys = np.linspace(0.05, 0.95, 11)
    p_bb, p_x, p_cc = [0.05, -0.1, 0.02], [-0.2, 0.1, 0.3], [0.03, 0.01, -0.04]
    poly = np.polynomial.polynomial.polyval
    rows = []
    for y in ys:
        man = reduced_onsager(y, 1 - y, 3.0, 1.0, "manning", F0_PEROVSKITE_ANION)
        rows.append({"y_br": y, "w_br_per_s": 3.0, "w_cl_per_s": 1.0, "ratio_br_cl": 3.0,
                     "m_brbr_per_s": man.m_brbr * (1 + (1 - y) * poly(y, p_bb)),
                     "m_brcl_per_s": man.m_brcl * (1 + poly(y, p_x)),
                     "m_clcl_per_s": man.m_clcl * (1 + y * poly(y, p_cc)),
                     "m_brbr_err_per_s": 1e-6, "m_brcl_err_per_s": 1e-6,
                     "m_clcl_err_per_s": 1e-6})
    fit = fit_kmc_table(rows)
    e = fit["entries"][0]
    assert e["degree_brbr"] == e["degree_brcl"] == e["degree_clcl"] == 2  # not 3: no gain
    np.testing.assert_allclose(e["p_brbr"], p_bb, atol=1e-9)
    np.testing.assert_allclose(e["p_brcl"], p_x, atol=1e-9)
    np.testing.assert_allclose(e["p_clcl"], p_cc, atol=1e-9)
    assert not e["equal_rates"]
    # corrections below the noise are not fitted: pure Manning rows give no correction
    flat = [dict(r, m_brbr_per_s=r["m_brbr_per_s"] / (1 + (1 - r["y_br"]) * poly(r["y_br"], p_bb)))
            for r in rows]
    e0 = fit_kmc_table(flat)["entries"][0]
    assert e0["degree_brbr"] == -1 and e0["p_brbr"] == [0.0]


def test_kmc_close_to_manning():
    """At ratio 3 the KMC model stays within 15 % of Manning on the diagonal (the KMC rows say
    so, docs/onsager_kmc.md)."""
    e = kmc_fit_for_ratio(3.0)
    assert e["ratio_br_cl"] == pytest.approx(3.0) and 0 < e["f0"] < 1
    y = np.linspace(0.05, 0.95, 19)
    k = reduced_onsager(y, 1 - y, 3.0, 1.0, "kmc", F0_PEROVSKITE_ANION)
    m = reduced_onsager(y, 1 - y, 3.0, 1.0, "manning", F0_PEROVSKITE_ANION)
    np.testing.assert_allclose(k.m_brbr, m.m_brbr, rtol=0.15)
    np.testing.assert_allclose(k.m_clcl, m.m_clcl, rtol=0.15)


def test_ufl_matches_numpy():
    import ufl
    from dolfinx import fem, mesh
    from mpi4py import MPI

    import solver  # noqa: F401  (imports dolfinx_solver before dolfinx)

    msh = mesh.create_unit_interval(MPI.COMM_WORLD, 4)
    V = fem.functionspace(msh, ("Lagrange", 1))
    x_br = fem.Function(V)
    x_cl = fem.Function(V)
    xb, xc = 0.3, 0.7 - 1e-3
    x_br.x.array[:] = xb
    x_cl.x.array[:] = xc
    for ratio in (1.0, 3.0):
        ref = reduced_onsager(xb, xc, ratio * 2.0, 2.0, "kmc", F0_PEROVSKITE_ANION)
        o = reduced_onsager(x_br, x_cl, ratio * 2.0, 2.0, "kmc", F0_PEROVSKITE_ANION)
        for n in (*NAMES, "cross"):
            val = fem.assemble_scalar(fem.form(getattr(o, n) * ufl.dx))
            assert msh.comm.allreduce(val, op=MPI.SUM) == pytest.approx(getattr(ref, n),
                                                                         rel=1e-12), n


def test_cli_refuses_ratio_outside_table():
    """Exit 2 with one line naming material.hop_ratio_br_cl, before anything is written."""
    proc = subprocess.run(
        [sys.executable, "run_case.py", "cases/reference_forward.yaml", "--check",
         "--set", "transport.onsager_model=kmc", "--set", "material.hop_ratio_br_cl=2.0"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: material.hop_ratio_br_cl:")
    assert "not in the KMC table" in lines[0]
    ok = subprocess.run(
        [sys.executable, "run_case.py", "cases/reference_forward.yaml", "--check",
         "--set", "transport.onsager_model=kmc"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
