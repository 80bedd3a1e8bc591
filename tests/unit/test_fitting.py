"""Fitting without the solver: the fit-file schema and its errors, data files, reading model
outputs, residual weighting, the covariance maths and the optimiser on analytic models."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy.optimize import curve_fit

from solver.config import CaseError
from solver.fitting import cli as fit_cli
from solver.fitting.data import Block, read_observations
from solver.fitting.maths import Scale, uncertainty, weighted_residuals
from solver.fitting.optimise import fit_least_squares, forward_jacobian
from solver.fitting.predict import ModelOutputError, predict_block
from solver.fitting.runs import case_key
from solver.fitting.spec import load_fit
from solver.io import files

REPO = Path(__file__).resolve().parents[2]
BASE = str(REPO / "cases" / "reference_forward.yaml")
LM_CSV = "field_V_per_um,t_s,L_m_um,sigma_um\n-4,3600,-0.01,0.002\n4,3600,0.34,0.01\n" \
         "4,1800,0.2,0.01\n"


def write_fit(tmp_path, **changes) -> Path:
    (tmp_path / "lm.csv").write_text(LM_CSV)
    spec = {"name": "t", "base": BASE,
            "parameters": {"sources.alpha_br": {"initial": 1e-5, "min": 1e-7, "max": 1e-3}},
            "data": {"migration_length": [{"file": "lm.csv"}]}}
    for key, value in changes.items():
        if value is None:
            spec.pop(key)
        else:
            spec[key] = value
    path = tmp_path / "fit.yaml"
    path.write_text(yaml.safe_dump({"fit": spec}))
    return path


# ---- fit file ----------------------------------------------------------------------------

def test_valid_fit_file_and_conditions(tmp_path):
    spec, base, folder = load_fit(write_fit(tmp_path))
    assert str(base) == BASE and spec.parameters["sources.alpha_br"].scale == "log"
    obs = read_observations(spec, folder)
    # two fields -> two conditions; the +4 V/µm one needs both times
    assert [c.overrides for c in obs.conditions] == [("bias.field_V_per_um=-4.0",),
                                                     ("bias.field_V_per_um=4.0",)]
    assert obs.conditions[1].times_s == (1800.0, 3600.0)
    assert obs.conditions[1].time_overrides() == ("time.t_end_s=3600.0",
                                                  "time.output_times_s=[1800.0, 3600.0]")
    assert list(obs.blocks[0].condition) == [0, 1, 1]
    np.testing.assert_array_equal(obs.sigma, [0.002, 0.01, 0.01])


@pytest.mark.parametrize("changes, message", [
    ({"parameters": {"sources.alpha_br": {"initial": 1e-5, "min": 1e-7, "max": 1e-3,
                                          "step": 1}}},
     "fit.parameters.sources.alpha_br.step: unknown key (allowed: initial, min, max, scale)"),
    # unknown keys get the case files' "did you mean" (solver.config.unknown_key_message)
    ({"parameters": {"sources.alpha_br": {"initial": 1e-5, "min": 1e-7, "max": 1e-3,
                                          "scal": "log"}}},
     "fit.parameters.sources.alpha_br.scal: unknown key (did you mean 'scale'? allowed: "),
    ({"paramaters": {}}, "fit.paramaters: unknown key (did you mean 'parameters'? allowed: name,"),
    ({"optimizer": {"max_nfe": 3}}, "fit.optimizer.max_nfe: unknown key (did you mean "
                                    "'max_nfev'?"),
    ({"data": {"migration_length": [{"fille": "lm.csv"}]}},
     "fit.data.migration_length[0].fille: unknown key (did you mean 'file'?"),
    ({"data": {"profile": [{"file": "lm.csv"}]}},
     "fit.data.profile: unknown key (did you mean 'profiles'?"),
    ({"parameters": {"sources.alpha_br": {"initial": 1e-2, "min": 1e-7, "max": 1e-3}}},
     "fit.parameters.sources.alpha_br: initial (0.01) must lie strictly between"),
    ({"parameters": {"sources.alpha_br": {"initial": 1e-5, "min": 0, "max": 1e-3}}},
     "fit.parameters.sources.alpha_br: scale log needs min > 0"),
    ({"parameters": {}}, "fit: parameters: name at least one case key"),
    ({"set": {"sources.alpha_br": 1e-5}}, "fit: parameters.sources.alpha_br: also given"),
    ({"set": {"time.t_end_s": 10}}, "fit: time.t_end_s: set by the fit"),
    ({"data": {}}, "fit.data: needs at least one of"),
    ({"data": None}, "fit.data: Field required"),
    ({"optimizer": {"loss": "l1"}}, "fit.optimizer.loss: Input should be"),
    ({"base": "nope.yaml"}, "fit.base: nope.yaml not found"),
])
def test_bad_fit_file_one_line_naming_the_key(tmp_path, changes, message):
    with pytest.raises(CaseError) as err:
        load_fit(write_fit(tmp_path, **changes))
    assert str(err.value).startswith(message), str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("csv, message", [
    ("field_V_per_um,t_s,L_m_um\n4,3600,0.3\n", "missing column 'sigma_um'"),
    ("field_V_per_um,t_s,L_m_um,sigma_um\n4,3600,0.3,0\n",
     "lm.csv line 2, column 'sigma_um': 0 must be > 0"),
    ("field_V_per_um,t_s,L_m_um,sigma_um\n4,3600,x,0.1\n",
     "lm.csv line 2, column 'L_m_um': 'x' is not a number"),
    ("field_V_per_um,t_s,L_m_um,sigma_um\n", "needs a header line and at least one data row"),
])
def test_bad_data_file(tmp_path, csv, message):
    spec, _, folder = load_fit(write_fit(tmp_path))
    (tmp_path / "lm.csv").write_text(csv)
    with pytest.raises(CaseError) as err:
        read_observations(spec, folder)
    assert str(err.value).startswith("fit.data.migration_length[0]: ")
    assert message in str(err.value)


def test_cli_bad_input_exit_2_one_line(tmp_path, capsys):
    path = write_fit(tmp_path, parameters={"sources.alpha_nope": {"initial": 1, "min": 0.1,
                                                                  "max": 10}})
    assert fit_cli.main([str(path), "--check"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: fit.parameters.sources.alpha_nope.initial: ")
    assert len(err.splitlines()) == 1
    assert fit_cli.main([str(write_fit(tmp_path)), "--check"]) == 0
    assert "3 data point(s) in 2 condition(s)" in capsys.readouterr().out


def test_cli_bounds_checked_against_case(tmp_path, capsys):
    """alpha_br must be > 0 in the case: a linear-scale lower bound of 0 is refused."""
    path = write_fit(tmp_path, parameters={"sources.alpha_br": {
        "initial": 1e-5, "min": 0.0, "max": 1e-3, "scale": "linear"}})
    assert fit_cli.main([str(path), "--check"]) == 2
    assert capsys.readouterr().err.startswith("error: fit.parameters.sources.alpha_br.min: ")


# ---- model outputs -----------------------------------------------------------------------

def fake_run(path: Path, ts: dict, profiles: dict) -> Path:
    files.write_timeseries_csv(path / "timeseries.csv",
                                 [{"t_s": t, "migration_length_um": v} for t, v in ts.items()])
    for t, (z, y) in profiles.items():
        zero = np.zeros_like(z)
        files.write_profile_csv(path / "profiles" / f"t_{t:012.3f}s.csv", z, y, y, zero,
                                  zero, zero, t)
    return path


def test_predict_reads_time_and_interpolates(tmp_path):
    z = np.linspace(0, 7, 8)
    run0 = fake_run(tmp_path / "a", {0.0: 0.0, 1800.0: 0.2, 3600.0: 0.3},
                    {3600.0: (z, z / 7)})
    run1 = fake_run(tmp_path / "b", {0.0: 0.0, 3600.0: -0.01}, {})
    lm = Block("migration_length", "x", np.array([0, 1, 0]), np.array([3600.0, 3600, 1800]),
               np.array([4.0, -4, 4]), np.zeros(3), np.ones(3))
    np.testing.assert_allclose(predict_block(lm, [run0, run1]), [0.3, -0.01, 0.2])
    prof = Block("profiles", "y", np.array([0, 0]), np.array([3600.0, 3600]),
                 np.array([0.35, 3.5]), np.zeros(2), np.ones(2))
    np.testing.assert_allclose(predict_block(prof, [run0]), [0.05, 0.5])
    late = Block("migration_length", "x", np.array([1]), np.array([1800.0]), np.array([-4.0]),
                 np.zeros(1), np.ones(1))
    with pytest.raises(ModelOutputError, match="no record at t = 1800"):
        predict_block(late, [run0, run1])


def test_case_key_independent_of_key_order():
    a = {"x": 1.0, "y": {"b": 2, "a": [1, 2]}}
    b = {"y": {"a": [1, 2], "b": 2}, "x": 1.0}
    assert case_key(a) == case_key(b)
    assert case_key(a) != case_key({**a, "x": 1.0000000000000002})


# ---- maths -------------------------------------------------------------------------------

def test_weighted_residuals():
    np.testing.assert_allclose(weighted_residuals([1.0, 5.0], [0.0, 2.0], [0.5, 3.0]),
                               [2.0, 1.0])
    with pytest.raises(ValueError):
        weighted_residuals([1.0], [0.0], [0.0])


@pytest.mark.parametrize("kind, lo, hi, x", [("log", 1e-9, 1e-3, 2.57e-7),
                                             ("linear", -2.0, 6.0, 1.5)])
def test_scale_round_trip_and_derivative(kind, lo, hi, x):
    sc = Scale(kind, lo, hi)
    u = sc.to_u(x)
    assert sc.to_x(u) == pytest.approx(x, rel=1e-14)
    h = 1e-6
    assert sc.dx_du(u) == pytest.approx((sc.to_x(u + h) - sc.to_x(u - h)) / (2 * h), rel=1e-8)
    assert sc.u_bounds[0] < u < sc.u_bounds[1]


def test_covariance_equals_weighted_linear_regression():
    """r = (a + b t - d)/σ: J = X/σ, so cov = (Xᵀ W X)⁻¹ with W = diag(1/σ²), and with relative
    sigma s² = χ²/(m - n)."""
    rng = np.random.default_rng(3)
    t = np.linspace(0, 1, 12)
    sigma = 0.1 + 0.2 * t
    d = 1.0 + 2.0 * t + sigma * rng.standard_normal(t.size)
    X = np.column_stack([np.ones_like(t), t])
    W = np.diag(1 / sigma**2)
    beta = np.linalg.solve(X.T @ W @ X, X.T @ W @ d)
    r = (X @ beta - d) / sigma
    unc = uncertainty(X / sigma[:, None], r, absolute_sigma=True)
    cov = np.linalg.inv(X.T @ W @ X)
    np.testing.assert_allclose(unc.cov_u, cov, rtol=1e-12)
    np.testing.assert_allclose(unc.se_u, np.sqrt(np.diag(cov)), rtol=1e-12)
    assert unc.correlation[0, 1] == pytest.approx(cov[0, 1] / math.sqrt(cov[0, 0] * cov[1, 1]))
    assert unc.dof == 10 and unc.chi2 == pytest.approx(r @ r)
    rel = uncertainty(X / sigma[:, None], r, absolute_sigma=False)
    np.testing.assert_allclose(rel.cov_u, cov * (r @ r) / 10, rtol=1e-12)


def test_rank_deficient_jacobian_is_flagged():
    J = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])
    unc = uncertainty(J, np.zeros(3))
    assert unc.rank == 1 and np.all(np.isinf(unc.se_u))
    with pytest.raises(ValueError, match="more data than parameters"):
        uncertainty(np.eye(2), np.zeros(2), absolute_sigma=False)


# ---- optimiser on an analytic model ------------------------------------------------------

T = np.linspace(0.0, 4.0, 15)


def exp_model(t, log_a, log_tau):
    return 10.0**log_a * np.exp(-t / 10.0**log_tau)


def fit_exp(d, sigma, calls=None, diff_step=1e-6):
    def evaluate(points):
        if calls is not None:
            calls.append(len(points))
        return [(exp_model(T, *u) - d) / sigma for u in points]

    return fit_least_squares(evaluate, [0.0, 0.0], [-2.0, -2.0], [2.0, 2.0],
                             diff_step=diff_step, ftol=1e-12, xtol=1e-12, gtol=1e-12,
                             max_nfev=200)


def test_fit_matches_curve_fit_and_batches_jacobian_points():
    true = np.array([0.5, 0.2])
    sigma = 0.05 + 0.02 * T
    d = exp_model(T, *true) + sigma * np.random.default_rng(7).standard_normal(T.size)
    calls = []
    lsq = fit_exp(d, sigma, calls)
    assert lsq.success
    popt, pcov = curve_fit(exp_model, T, d, p0=[0.0, 0.0], sigma=sigma, absolute_sigma=True)
    np.testing.assert_allclose(lsq.u, popt, atol=1e-6)
    unc = uncertainty(lsq.jac, lsq.residuals, absolute_sigma=True)
    np.testing.assert_allclose(unc.se_u, np.sqrt(np.diag(pcov)), rtol=1e-4)
    assert np.all(np.abs(lsq.u - true) < 2 * unc.se_u)
    assert 2 in calls  # the two shifted points of a Jacobian come in one batch (r(u) memoised)
    assert lsq.cost == pytest.approx(0.5 * lsq.residuals @ lsq.residuals, rel=1e-9)


def test_standard_errors_shrink_with_noise():
    true = np.array([0.5, 0.2])
    eps = np.random.default_rng(11).standard_normal(T.size)
    se = []
    for level in (0.1, 0.01, 0.001):
        sigma = np.full(T.size, level)
        lsq = fit_exp(exp_model(T, *true) + sigma * eps, sigma)
        unc = uncertainty(lsq.jac, lsq.residuals)
        assert np.all(np.abs(lsq.u - true) < 2 * unc.se_u)
        se.append(unc.se_u)
    se = np.array(se)
    np.testing.assert_allclose(se[1] / se[0], 0.1, rtol=0.05)
    np.testing.assert_allclose(se[2] / se[1], 0.1, rtol=0.05)


def test_standard_errors_cover_the_truth_at_the_stated_rate():
    """Over 300 noise draws about 68 % of the fits lie within 1 SE (binomial sd 2.7 %)."""
    true = np.array([0.5, 0.2])
    sigma = np.full(T.size, 0.05)
    rng = np.random.default_rng(5)
    inside = []
    for _ in range(300):
        lsq = fit_exp(exp_model(T, *true) + sigma * rng.standard_normal(T.size), sigma)
        unc = uncertainty(lsq.jac, lsq.residuals)
        inside.append(np.abs(lsq.u - true) < unc.se_u)
    frac = np.mean(inside, axis=0)
    assert np.all(np.abs(frac - 0.683) < 0.08), frac


def test_forward_jacobian_steps_back_at_the_upper_bound():
    def many(points):
        return [np.array([p[0] ** 2, 3 * p[1]]) for p in points]

    jac, r0 = forward_jacobian(many, np.array([1.0, 0.995]), np.array([2.0, 1.0]), 0.01)
    np.testing.assert_allclose(r0, [1.0, 2.985])
    np.testing.assert_allclose(jac, [[2.01, 0.0], [0.0, 3.0]], rtol=1e-12)


def test_spec_json_dump_round_trip(tmp_path):
    spec, _, _ = load_fit(write_fit(tmp_path))
    assert json.loads(json.dumps(spec.model_dump()))["optimizer"]["loss"] == "linear"


def test_main_cli_dispatches_fit_subcommand_and_option(tmp_path, capsys):
    from solver import cli

    path = str(write_fit(tmp_path))
    assert cli.main(["fit", path, "--check"]) == 0
    assert cli.main(["--fit", path, "--check"]) == 0
    assert capsys.readouterr().out.count(": valid; base ") == 2
    with pytest.raises(SystemExit) as exc:
        cli.main(["--fit", path, BASE])
    assert exc.value.code == 2
    assert "--fit takes no CASE" in capsys.readouterr().err


def test_fitted_case_is_named_apart_and_keeps_the_base_output_section(tmp_path):
    """fitted_case.yaml: the base case renamed <name>_fitted (its run does not write into the
    base case's results/<name>), with the fit's model keys and values but the base case's
    output settings (the fit's runs have figures and fields off, solver/fitting/runs.py)."""
    from solver.config import load_case
    from solver.fitting.maths import uncertainty
    from solver.fitting.optimise import LSQResult
    from solver.fitting.report import write_reports

    path = write_fit(tmp_path, set={"mesh.h_max_um": 0.05, "output.figures": False})
    spec, base, folder = load_fit(path)
    obs = read_observations(spec, folder)
    scales = [Scale("log", 1e-7, 1e-3)]
    residuals, jac = np.array([0.5, -0.2, 0.1]), np.array([[1.0], [2.0], [0.5]])
    lsq = LSQResult(np.array([math.log10(2.5e-5)]), residuals, jac, 0.15, 4, 2, 1, "ok")
    out = tmp_path / "out"
    out.mkdir()
    write_reports(out, spec=spec, fit_file=path, base=base, keys=("sources.alpha_br",),
                  scales=scales, lsq=lsq, unc=uncertainty(jac, residuals), initial=[1e-5],
                  obs=obs, model=obs.value + residuals * obs.sigma,
                  runner_stats={}, wall_time_s=1.0)
    case = load_case(out / "fitted_case.yaml")
    assert case.name == "reference_forward_fitted"
    assert case.output.figures is True and case.output.vtx is True  # as in the base case
    assert case.mesh.h_max_um == 0.05
    assert case.sources.alpha_br == pytest.approx(2.5e-5, rel=1e-12)


def test_model_runs_write_no_figures_unless_the_fit_asks(tmp_path):
    from solver.config import load_case
    from solver.fitting.runs import ModelRunner

    spec, base, folder = load_fit(write_fit(tmp_path))
    obs = read_observations(spec, folder)
    for common, figures in (((), False), (("output.figures=true",), True)):
        runner = ModelRunner(base, common, ("sources.alpha_br",), obs, tmp_path / "fit")
        case = load_case(base, runner.overrides(np.array([1e-5]), obs.conditions[0]))
        assert (case.output.figures, case.output.vtx) == (figures, False)


def test_shipped_fit_is_a_preset_with_its_data():
    """fits/ is listed by --list-presets and packaged like cases/ and campaigns/ (setup.py maps
    it, with the data CSVs); a shipped fit resolves by name and checks."""
    from solver.presets import KINDS, preset_files, resolve

    assert "fits" in KINDS
    names = [p.name for p in preset_files("fits")]
    assert "fig1e_synthetic.yaml" in names
    setup = (REPO / "setup.py").read_text()
    assert '"fits"' in setup and '"*.csv"' in setup
    assert Path(resolve("fits/fig1e_synthetic.yaml")).is_file()
    assert fit_cli.main(["fits/fig1e_synthetic.yaml", "--check"]) == 0


def test_fitting_doc_names_every_fit_key_and_data_column():
    """docs/fitting.md documents every key of the fit-file schema and every data column."""
    from solver.fitting.data import COLUMNS
    from solver.fitting.spec import FitSpec

    doc = (REPO / "docs" / "fitting.md").read_text(encoding="utf-8")
    schema = FitSpec.model_json_schema()
    names = set(schema["properties"])
    for model in schema["$defs"].values():
        names |= set(model.get("properties", {}))
    names |= {c for cols in COLUMNS.values() for c in cols} | {"t_s"} | set(COLUMNS)
    missing = sorted(n for n in names if f"`{n}`" not in doc)
    assert not missing, f"not in docs/fitting.md: {missing}"


# ---- figure ------------------------------------------------------------------------------

def test_fit_figure_draws_model_points_reverse_zoom_and_units(tmp_path):
    import matplotlib.pyplot as plt

    from solver.fitting.data import Condition, Observations
    from solver.fitting.figure import fit_figure, fit_title, plot_fit, pretty_unit

    fields = np.array([-4.0, -2.0, 2.0, 4.0])
    data = np.array([-0.04, -0.02, 0.70, 1.40])
    block = Block("migration_length", "lm.csv", np.arange(4), np.full(4, 14400.0), fields, data,
                  0.003 + 0.03 * np.abs(data))
    obs = Observations((block,), tuple(Condition((f"bias.field_V_per_um={f}",), (14400.0,))
                                       for f in fields))
    model = data * 1.02
    params = {"sources.alpha_br": {"value": 1.3e-5, "standard_error": 2e-7, "at_bound": False},
              "sources.alpha_cl": {"value": 2.6e-7, "standard_error": 3e-8, "at_bound": True}}
    title = fit_title("fig1e", params)
    assert pretty_unit("µm V^-1 s^-1") == "µm V\u207b\u00b9 s\u207b\u00b9"
    assert "sources.alpha_br = 1.3e-05 ± 2e-07 µm V\u207b\u00b9 s\u207b\u00b9" in title
    assert "alpha_cl" in title and "(at a bound)" in title
    fig = fit_figure(obs, model, title)
    try:
        main = fig.axes[0]
        (points,) = [a for a in main.get_lines() if a.get_gid() == "model_points"]
        assert points.get_linestyle() == "None"  # markers at the evaluated fields, no line
        np.testing.assert_allclose(points.get_ydata(), model)
        (zoom,) = [a for a in main.child_axes if a.get_gid() == "reverse_zoom"]
        lo, hi = zoom.get_ylim()
        assert lo <= -0.0408 and hi < 0.05  # the reverse points fill the inset's scale
        assert "σ" in fig.axes[1].get_ylabel()  # the residual panel stays
    finally:
        plt.close(fig)
    path = plot_fit(tmp_path / "fig" / "fit.png", obs, model, "fig1e", parameters=params)
    assert path.stat().st_size > 1000
