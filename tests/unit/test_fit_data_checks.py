"""Fit data are checked like case files (issue 27, kind 5): every data column of a fit is
range-checked against its data set's case at ``--check`` and before any run (one line naming
the file, line and column, exit 2, nothing written); the optimiser never sees a non-finite cost,
and a fit whose cost is not finite fails (exit 3) instead of reporting a result."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from solver.config import CaseError, load_case
from solver.fitting import cli as fit_cli
from solver.fitting.data import read_observations
from solver.fitting.data_checks import RANGE_SLACK, SIGMA_FLOOR, limits_of
from solver.fitting.driver import check_fit, run_fit
from solver.fitting.maths import uncertainty
from solver.fitting.optimise import NonFiniteCost, fit_least_squares
from solver.fitting.spec import load_fit
from solver.model.species import pair_of
from solver.pl.model import emission_model

REPO = Path(__file__).resolve().parents[2]
BASE = REPO / "cases" / "reference_forward.yaml"
LM_HEAD = "field_V_per_um,t_s,L_m_um,sigma_um\n"
Y_HEAD = "t_s,z_um,y,sigma_y\n"
PL_HEAD = "t_s,z_um,wavelength_nm,sigma_nm\n"
LENGTH_UM = load_case(BASE).geometry.length_um  # 7 µm


def write_fit(tmp_path: Path, lm: str | None = None, y: str | None = None,
              pl: str | None = None, data_set: dict | None = None,
              fit_set: dict | None = None) -> Path:
    """A fit of sources.alpha_br with the data files given (text, written as given)."""
    data = {}
    for kind, name, text in (("migration_length", "lm.csv", lm), ("profiles", "y.csv", y),
                             ("pl_wavelength", "pl.csv", pl)):
        if text is not None:
            (tmp_path / name).write_bytes(text.encode("utf-8") if isinstance(text, str)
                                          else text)
            data[kind] = [{"file": name, "set": dict(data_set or {})}]
    spec = {"name": "k5", "base": str(BASE), "set": dict(fit_set or {}),
            "parameters": {"sources.alpha_br": {"initial": 1e-5, "min": 1e-7, "max": 1e-3}},
            "data": data}
    path = tmp_path / "fit.yaml"
    path.write_text(yaml.safe_dump({"fit": spec}))
    return path


def check_error(path: Path, capsys) -> str:
    """``perovskite-ions fit PATH --check`` must exit 2 with one line; return it."""
    assert fit_cli.main([str(path), "--check"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def check_ok(path: Path, capsys) -> str:
    assert fit_cli.main([str(path), "--check"]) == 0, capsys.readouterr().err
    return capsys.readouterr().out


# ---- the examples ----------------------------------------------------------------

def test_tiny_sigma_refused_at_check_and_before_any_run(tmp_path, capsys):
    """sigma = 1e-300 passed --check and crashed the optimiser: now exit 2 at --check, and a
    run stops at the same line before creating its directory."""
    path = write_fit(tmp_path, lm=LM_HEAD + "4,600,0.1,0.01\n4,1200,0.2,1e-300\n")
    err = check_error(path, capsys)
    floor = SIGMA_FLOOR * LENGTH_UM
    assert err.startswith("error: fit.data.migration_length[0]: ")
    assert f"lm.csv line 3, column 'sigma_um': 1e-300 µm is below 1e-12 of the quantity's " \
           f"span (7 µm) = {floor:.3g} µm" in err
    out = tmp_path / "out"
    assert fit_cli.main([str(path), "--output", str(out)]) == 2
    assert "line 3, column 'sigma_um'" in capsys.readouterr().err
    assert not out.exists()


def test_huge_migration_length_refused(tmp_path, capsys):
    """L_m = 1e300 gave exit 0 with an infinite cost: now exit 2 (|L_m| <= wire length)."""
    err = check_error(write_fit(tmp_path, lm=LM_HEAD + "4,600,1e300,0.01\n"), capsys)
    assert "lm.csv line 2, column 'L_m_um': 1e+300 µm is outside [-7, 7] µm " \
           "(|L_m| <= geometry.length_um = 7 µm)" in err


@pytest.mark.parametrize("value, ok", [(LENGTH_UM, True), (-LENGTH_UM, True),
                                       (LENGTH_UM * 1.001, False), (-7.5, False)])
def test_migration_length_bound_is_the_wire_length(tmp_path, capsys, value, ok):
    path = write_fit(tmp_path, lm=LM_HEAD + f"4,600,{value!r},0.01\n")
    if ok:
        check_ok(path, capsys)
    else:
        assert "column 'L_m_um'" in check_error(path, capsys)


def test_profile_position_beyond_the_wire_refused(tmp_path, capsys):
    """z = 9 µm on a 7 µm wire was silently compared with the wire end."""
    text = Y_HEAD + "600,1.0,0.9,0.02\n600,9.0,0.1,0.02\n"
    err = check_error(write_fit(tmp_path, y=text, data_set={"bias.field_V_per_um": 4.0}), capsys)
    assert "y.csv line 3, column 'z_um': 9 µm is outside the wire [0, 7] µm" in err
    # the data set's own case decides: a 10 µm wire (right electrode moved) takes z = 9 µm
    longer = {"bias.field_V_per_um": 4.0, "geometry.length_um": 10.0,
              "electrodes.right": {"start_um": 8.5, "end_um": 10.0}}
    check_ok(write_fit(tmp_path, y=text, data_set=longer), capsys)
    assert "z_um" in check_error(write_fit(tmp_path, y=Y_HEAD + "600,-0.1,0.9,0.02\n"), capsys)


def test_csv_with_byte_order_mark_is_read(tmp_path, capsys):
    """A spreadsheet's 'CSV UTF-8' starts with a BOM: it was refused as 'missing column'."""
    text = LM_HEAD + "-4,600,-0.01,0.002\n4,600,0.1,0.01\n"
    plain = read_observations(*load_fit(write_fit(tmp_path, lm=text))[::2])
    path = write_fit(tmp_path, lm=b"\xef\xbb\xbf" + text.encode())
    assert (tmp_path / "lm.csv").read_bytes()[:3] == b"\xef\xbb\xbf"
    assert "2 data point(s) in 2 condition(s)" in check_ok(path, capsys)
    bom = read_observations(*load_fit(path)[::2])
    np.testing.assert_array_equal(bom.value, plain.value)
    np.testing.assert_array_equal(bom.sigma, plain.sigma)


def test_run_case_fit_check_as_a_user_would(tmp_path):
    """``run_case.py --fit FIT --check`` in a fresh interpreter: BOM accepted, tiny sigma
    refused with one line and exit 2."""
    text = LM_HEAD + "4,600,0.1,0.01\n"
    path = write_fit(tmp_path, lm=b"\xef\xbb\xbf" + text.encode())
    cmd = [sys.executable, str(REPO / "run_case.py"), "--fit", str(path), "--check"]
    ok = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert ok.returncode == 0 and ": valid; base " in ok.stdout, ok.stderr
    (tmp_path / "lm.csv").write_text(LM_HEAD + "4,600,0.1,1e-300\n")
    bad = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    assert "line 2, column 'sigma_um'" in bad.stderr


# ---- every column of every kind ----------------------------------------------------------

@pytest.mark.parametrize("text, where", [
    (LM_HEAD + "4,600,nan,0.01\n", "line 2, column 'L_m_um': nan is not finite"),
    (LM_HEAD + "4,inf,0.1,0.01\n", "line 2, column 't_s': inf is not finite"),
    (LM_HEAD + "4,600,0.1\n", "line 2, column 'sigma_um': missing"),
    (LM_HEAD + "4,600,,0.01\n", "line 2, column 'L_m_um': missing"),
    (LM_HEAD + "4,0,0.1,0.01\n", "line 2, column 't_s': 0 s must be > 0"),
    (LM_HEAD + "4,600,0.1,-0.01\n", "line 2, column 'sigma_um': -0.01 must be > 0"),
    (LM_HEAD + "four,600,0.1,0.01\n", "line 2, column 'field_V_per_um': 'four' is not a"),
    # comments and blank lines count: the line number is the file's
    ("# made by hand\n" + LM_HEAD + "\n4,600,0.1,0.01\n4,1200,0.1,1e-13\n",
     "line 5, column 'sigma_um': 1e-13 µm is below"),
    # the case refuses the field of row 3 and the latest time (t_end_s) of row 2
    (LM_HEAD + "4,600,0.1,0.01\n1e6,600,0.1,0.01\n",
     "line 3, column 'field_V_per_um': bias.field_V_per_um: 1e+06 V/µm is above"),
    (LM_HEAD + "4,1e12,0.1,0.01\n4,600,0.1,0.01\n",
     "line 2, column 't_s': time.t_end_s: 1e+12 s is above"),
])
def test_migration_length_columns(tmp_path, capsys, text, where):
    err = check_error(write_fit(tmp_path, lm=text), capsys)
    assert err.startswith("error: fit.data.migration_length[0]: ") and where in err, err


@pytest.mark.parametrize("y, ok", [(1.0 + RANGE_SLACK * 0.9, True), (-RANGE_SLACK * 0.9, True),
                                   (1.0 + RANGE_SLACK * 1.1, False), (-0.2, False)])
def test_profile_composition_range(tmp_path, capsys, y, ok):
    path = write_fit(tmp_path, y=Y_HEAD + f"600,3.0,{y!r},0.02\n")
    if ok:
        check_ok(path, capsys)
    else:
        assert "y.csv line 2, column 'y': " in check_error(path, capsys)


def pl_range(case_set=()) -> tuple[float, float]:
    """The emission range of the case's PL model (pure compounds' peaks) [nm]."""
    case = load_case(BASE, case_set)
    return emission_model(pair_of(case), case.pl.wavelength_br_nm, case.pl.wavelength_cl_nm,
                          case.pl.bowing_eV).wavelength_range_nm


def test_pl_wavelength_range_follows_the_case_emission_model(tmp_path, capsys):
    lo, hi = pl_range()
    slack = RANGE_SLACK * (hi - lo)
    assert limits_of("pl_wavelength", load_case(BASE)).value == pytest.approx(
        (lo - slack, hi + slack))
    check_ok(write_fit(tmp_path, pl=PL_HEAD + f"600,1.0,{hi + 0.9 * slack!r},1.0\n"), capsys)
    for bad in (hi + 1.1 * slack, lo - 1.1 * slack, -500.0):
        err = check_error(write_fit(tmp_path, pl=PL_HEAD + f"600,1.0,{bad!r},1.0\n"), capsys)
        assert "pl.csv line 2, column 'wavelength_nm': " in err and "emission range" in err
    # the case's pl.wavelength_br_nm moves the range
    moved = {"pl.wavelength_br_nm": hi + 20.0}
    check_ok(write_fit(tmp_path, pl=PL_HEAD + f"600,1.0,{hi + 10.0!r},1.0\n", data_set=moved),
             capsys)
    err = check_error(write_fit(tmp_path, pl=PL_HEAD + "600,8.0,500,1.0\n"), capsys)
    assert "column 'z_um': 8 µm is outside the wire" in err


def test_pl_data_need_pl_enabled(tmp_path, capsys):
    path = write_fit(tmp_path, pl=PL_HEAD + "600,1.0,480,1.0\n", fit_set={"pl.enabled": False})
    assert "fit.data.pl_wavelength[0].set: pl.enabled is false" in check_error(path, capsys)


@pytest.mark.parametrize("kind, head, row, span", [
    ("migration_length", LM_HEAD, "4,600,0.1,{s!r}", LENGTH_UM),
    ("profiles", Y_HEAD, "600,3.0,0.5,{s!r}", 1.0),
    ("pl_wavelength", PL_HEAD, "600,3.0,480,{s!r}", None),
])
def test_sigma_floor_is_relative_to_the_quantity_span(tmp_path, capsys, kind, head, row, span):
    if span is None:
        lo, hi = pl_range()
        span = hi - lo
    file = {"migration_length": "lm", "profiles": "y", "pl_wavelength": "pl"}[kind]
    floor = SIGMA_FLOOR * span
    check_ok(write_fit(tmp_path, **{file: head + row.format(s=floor * 1.01) + "\n"}), capsys)
    err = check_error(write_fit(tmp_path, **{file: head + row.format(s=floor * 0.99) + "\n"}),
                      capsys)
    assert f"fit.data.{kind}[0]: " in err and "column 'sigma_" in err and "below 1e-12" in err


def test_file_not_utf8_is_one_line(tmp_path, capsys):
    path = write_fit(tmp_path, lm=("field_V_per_um,t_s,L_m_µm,sigma_um\n4,600,0.1,0.01\n"
                                   ).encode("latin-1"))
    assert "not UTF-8 text" in check_error(path, capsys)


def test_check_fit_raises_case_error_not_traceback(tmp_path):
    with pytest.raises(CaseError, match=r"line 2, column 'sigma_um'"):
        check_fit(write_fit(tmp_path, lm=LM_HEAD + "4,600,0.1,1e-300\n"))


# ---- the optimiser never sees a non-finite cost; such a fit fails ------------------------

def linear_model(points, bad=None):
    """r(u) = u - 1 (two rows), with ``bad`` put into row 1 at u > 1.5 (a later point)."""
    out = []
    for u in points:
        r = np.array([u[0] - 1.0, 2.0 * (u[0] - 1.0)])
        if bad is not None and u[0] > 1.5:
            r[1] = bad
        out.append(r)
    return out


@pytest.mark.parametrize("bad", [np.nan, np.inf, 1e200])  # 1e200: ½ Σ r² overflows
def test_non_finite_residual_stops_the_optimiser(bad):
    with pytest.raises(NonFiniteCost) as err:
        fit_least_squares(lambda p: linear_model(p, bad), [3.0], [-10.0], [10.0])
    assert err.value.u[0] > 1.5
    assert list(err.value.rows) == ([] if math.isfinite(bad) else [1])
    # finite residuals everywhere: the same call converges
    lsq = fit_least_squares(linear_model, [3.0], [-10.0], [10.0])
    assert lsq.u[0] == pytest.approx(1.0) and math.isfinite(lsq.cost)


def test_uncertainty_of_a_non_finite_fit_is_refused():
    with pytest.raises(ValueError, match="finite"):
        uncertainty(np.array([[1.0], [2.0]]), np.array([np.inf, 0.0]))
    with pytest.raises(ValueError, match="overflows"):
        uncertainty(np.array([[1.0], [2.0]]), np.array([1e200, 0.0]))


class FakeRunner:
    """Stands in for ModelRunner: model = data + 0.5 sigma, or NaN in row ``nan_row``."""

    nan_row: int | None = None

    def __init__(self, base, common, keys, obs, root, **kwargs):
        self.obs, self.ran, self.reused, self.batches = obs, 0, 0, 0

    def predict(self, points):
        self.batches += 1
        out = []
        for _ in points:
            model = self.obs.value + 0.5 * self.obs.sigma
            if self.nan_row is not None:
                model[self.nan_row] = np.nan
            out.append(model)
        return out


@pytest.mark.parametrize("nan_row", [None, 1])
def test_fit_with_non_finite_model_fails_with_exit_3(tmp_path, capsys, monkeypatch, nan_row):
    import solver.fitting.driver as driver
    from solver.logging_setup import setup_logging

    setup_logging("warning")  # a handler on this test's stderr (earlier tests' are closed)
    monkeypatch.setattr(driver, "plot_fit", lambda *a, **k: None)
    monkeypatch.setattr(FakeRunner, "nan_row", nan_row)
    monkeypatch.setattr(driver, "ModelRunner", FakeRunner)
    path = write_fit(tmp_path, lm=LM_HEAD + "# header comment\n4,600,0.1,0.01\n4,900,0.2,0.01\n")
    out = tmp_path / "out"
    code = run_fit(path, output=str(out), quiet=True)
    err = capsys.readouterr().err.strip()
    if nan_row is None:
        assert code == 0 and (out / "fit.json").is_file()
        return
    assert code == 3
    assert err.startswith("error: fit k5: failed: the model value of 1 data row(s) is not "
                          "finite (first: migration_length lm.csv line 4) at sources.alpha_br")
    assert len(err.splitlines()) == 1 and not (out / "fit.json").exists()


def test_fitting_doc_states_the_limits_the_code_uses():
    """docs/fitting.md gives the sigma floor, the slack and the default emission range."""
    doc = " ".join((REPO / "docs" / "fitting.md").read_text(encoding="utf-8").split())
    lo, hi = pl_range()
    assert f"≥ {SIGMA_FLOOR:g} × the quantity's span" in doc
    assert f"−{RANGE_SLACK:g} … {1 + RANGE_SLACK:g}" in doc
    assert f"widened by {RANGE_SLACK:.0%}".replace("%", " %") in doc
    assert f"{lo:g}–{hi:g} nm for the defaults" in doc
    assert "byte-order mark" in doc and "failed: the model value of" in doc
