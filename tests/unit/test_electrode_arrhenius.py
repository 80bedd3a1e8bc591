"""Arrhenius temperature dependence of the electrode rates (``sources.activation_eV``,
``sources.T_ref_K``; docs/model.md, "Electrode sources", issue 27).

Default E_a = 0: the rates r = α |Δψ| / 2 do not depend on T and every result is that of the
model without the option (the pinned values of tests/regression/test_reference_values.py). With
E_a > 0 every α the rate laws use is α(T_ref) exp(-(E_a/k_B)(1/T - 1/T_ref)), at constant T and
following T(t) under a temperature protocol.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from solver.config import CaseError, load_case
from solver.model.parameters import electrode_rate_factor, from_case

REPO_ROOT = Path(__file__).resolve().parents[2]
FORWARD = str(REPO_ROOT / "cases" / "reference_forward.yaml")
K_B_EV_PER_K = 8.617333262e-5  # CODATA 2018, written out so the test does not share the code's
E_A_EV = 0.3
ALPHA_KEYS = ("alpha_br", "alpha_cl", "left.alpha_c", "left.alpha_d", "right.alpha_c",
              "right.alpha_d")


def arrhenius(E_a_eV: float, T_K: float, T_ref_K: float) -> float:
    return math.exp(-E_a_eV / K_B_EV_PER_K * (1.0 / T_K - 1.0 / T_ref_K))


def params(*overrides):
    return from_case(load_case(FORWARD, list(overrides)))


# ------------------------------------------------------------------ parameters (no FEniCSx)
def test_default_rates_do_not_depend_on_T():
    cold, hot = params(), params("temperature.T_K=360")
    assert cold.source_activation_eV == 0.0 and hot.source_rate_factor == 1.0
    assert hot.thermal_law.state(400.0).source_rate_factor == 1.0
    assert cold.source_alphas() == hot.source_alphas() == {
        "alpha_br": 1.3e-5, "alpha_cl": 2.57e-7, "left.alpha_c": 1.3e-5,
        "left.alpha_d": 1.3e-5, "right.alpha_c": 1.3e-5, "right.alpha_d": 1.3e-5}


@pytest.mark.parametrize("T_K, T_ref_K, overrides", [
    (360.0, 300.0, []),
    (330.0, 350.0, ["sources.T_ref_K=350", "sources.rate_law=fixed",
                    "sources.left.alpha_c=2e-6", "sources.right.alpha_d=5e-7"]),
])
def test_effective_alpha_is_the_arrhenius_law(T_K, T_ref_K, overrides):
    base = params(*overrides)
    p = params(f"sources.activation_eV={E_A_EV}", f"temperature.T_K={T_K}", *overrides)
    f = arrhenius(E_A_EV, T_K, T_ref_K)
    assert p.source_rate_factor == pytest.approx(f, rel=1e-13)
    assert f > 1.5 if T_K > T_ref_K else f < 0.7  # the test can fail: the factor is far from 1
    got, ref = p.source_alphas(), base.source_alphas()
    for key in ALPHA_KEYS:
        assert got[key] == pytest.approx(ref[key] * f, rel=1e-13), key


def test_rate_law_in_the_forms_carries_the_factor():
    """vacancy_source_rate (the UFL term the residual uses) scales with α(T)/α(T_ref), for both
    rate laws and both equilibria."""
    import ufl

    from solver.physics.sources import vacancy_source_rate

    y, u = ufl.as_ufl(0.6), ufl.as_ufl(math.log(1e-8))
    for law in ("composition", "fixed"):
        ref = params(f"sources.rate_law={law}", f"sources.activation_eV={E_A_EV}")
        hot = params(f"sources.rate_law={law}", f"sources.activation_eV={E_A_EV}",
                     "temperature.T_K=345")
        for electrode in ("source_left", "source_right"):  # half (+) and local (-) at 4 V/µm
            s_ref = float(vacancy_source_rate(y, u, 16.0, getattr(ref, electrode), ref))
            s_hot = float(vacancy_source_rate(y, u, 16.0, getattr(hot, electrode), hot))
            # the local law's x_V,eq is frozen (vacancy_model frozen): only α changes with T
            assert s_hot / s_ref == pytest.approx(arrhenius(E_A_EV, 345.0, 300.0), rel=1e-12)


def test_thermal_state_follows_T():
    """Under a temperature protocol the problem sets its constants from ThermalLaw.state(T)."""
    law = params(f"sources.activation_eV={E_A_EV}").thermal_law
    for T in (280.0, 300.0, 375.0):
        assert law.state(T).source_rate_factor == pytest.approx(arrhenius(E_A_EV, T, 300.0),
                                                                rel=1e-13)
    assert law.state(300.0).source_rate_factor == 1.0  # exactly at T_ref


def test_overflow_names_the_keys():
    with pytest.raises(OverflowError, match=r"sources\.activation_eV = 5 eV and "
                                            r"sources\.T_ref_K = 0\.01 K"):
        electrode_rate_factor(5.0, 0.01, 300.0)


@pytest.mark.parametrize("override, key", [
    ("sources.activation_eV=-0.1", "sources.activation_eV"),
    ("sources.activation_eV=6", "sources.activation_eV"),
    ("sources.T_ref_K=0", "sources.T_ref_K"),
    ("sources.T_ref_K=1000", "sources.T_ref_K"),
])
def test_bad_values_name_the_key(override, key):
    with pytest.raises(CaseError, match=rf"^{re.escape(key)}: "):
        load_case(FORWARD, [override])


def test_check_refuses_an_overflowing_factor_with_exit_2(tmp_path, capsys):
    from solver.cli import main

    rc = main([FORWARD, "--check", "--set", "sources.activation_eV=5", "--set",
               "sources.T_ref_K=0.01", "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == 2 and "sources.T_ref_K = 0.01 K" in err and "Traceback" not in err


# ------------------------------------------------------------------ short 1D runs
FAST = ["--quiet", "--set", "mesh.h_max_um=0.05", "--set", "output.figures=false",
        "--set", "output.vtx=false", "--set", "time.t_end_s=300",
        "--set", "time.output_times_s=[0, 300]"]
HOLD_THEN_STEP = ("temperature.protocol=[{kind: hold, duration_s: 150.0}, "
                  "{kind: step, duration_s: 150.0, T_K: 330.0}]")


def run(tmp_path_factory, name: str, *overrides) -> Path:
    from solver.cli import main

    out = tmp_path_factory.mktemp("arrhenius") / name
    args = [a for o in overrides for a in ("--set", o)]
    assert main([FORWARD, *FAST, *args, "--output", str(out)]) == 0
    return out


def summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text())


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    ea = f"sources.activation_eV={E_A_EV}"
    return {
        "default_300": run(tmp_path_factory, "d300"),
        "default_330": run(tmp_path_factory, "d330", "temperature.T_K=330"),
        "arrhenius_300": run(tmp_path_factory, "a300", ea),
        "arrhenius_330": run(tmp_path_factory, "a330", ea, "temperature.T_K=330"),
        "default_step": run(tmp_path_factory, "dstep", HOLD_THEN_STEP),
        "arrhenius_step": run(tmp_path_factory, "astep", ea, HOLD_THEN_STEP),
    }


def test_run_at_T_ref_is_the_run_without_the_option(runs):
    """At T = T_ref the factor is exactly 1: every result to the last bit."""
    a, d = runs["arrhenius_300"], runs["default_300"]
    assert (a / "timeseries.csv").read_bytes() == (d / "timeseries.csv").read_bytes()
    sa, sd = summary(a), summary(d)
    for key in ("migration_length_um", "total_br_final_um", "total_vacancy_final_um",
                "steps", "newton_iterations"):
        assert sa[key] == sd[key], key


def test_L_m_rises_with_T_only_with_an_activation_energy(runs):
    L = {k: summary(v)["migration_length_um"] for k, v in runs.items()}
    # today's model: the rates, hence L_m, hardly change from 300 to 330 K (issue 27)
    assert L["default_330"] == pytest.approx(L["default_300"], rel=0.02)
    # E_a = 0.3 eV: α(330 K) = 2.87 α(300 K); the injection-limited L_m follows (sublinear)
    f = arrhenius(E_A_EV, 330.0, 300.0)
    assert 1.5 < L["arrhenius_330"] / L["arrhenius_300"] <= f


def test_under_a_protocol_the_rates_follow_T_of_t(runs):
    """Hold 300 K (= T_ref: both runs alike), then step to 330 K: the L_m gained in the hot
    segment grows by about α(330)/α(300) with E_a > 0 and stays put without."""
    from solver.io.files import read_timeseries_csv

    series = {k: read_timeseries_csv(runs[k] / "timeseries.csv")
              for k in ("default_step", "arrhenius_step")}

    def at(s, t):
        return s["migration_length_um"][list(s["t_s"]).index(t)]

    d, a = series["default_step"], series["arrhenius_step"]
    assert list(a["T_K"])[-1] == 330.0
    assert at(a, 150.0) == pytest.approx(at(d, 150.0), rel=1e-9)  # first segment at T_ref
    gain_d, gain_a = at(d, 300.0) - at(d, 150.0), at(a, 300.0) - at(a, 150.0)
    assert 1.5 < gain_a / gain_d <= arrhenius(E_A_EV, 330.0, 300.0)


def test_problem_constant_follows_the_protocol():
    """The T-dependent factor is a UFL constant of the forms under a protocol, set by
    set_time from T(t)."""
    from mpi4py import MPI

    from solver.mesh.build import build_mesh
    from solver.numerics.newton import SolverOptions
    from solver.numerics.problem import TransportProblem

    case = load_case(FORWARD, ["mesh.h_max_um=0.1", f"sources.activation_eV={E_A_EV}",
                               "time.t_end_s=300", HOLD_THEN_STEP])
    p = from_case(case)
    pb = TransportProblem(build_mesh(MPI.COMM_WORLD, case, p), p, 1, SolverOptions())
    c = pb.thermal["source_rate_factor"]
    assert pb.ufl_params.source_rate_factor is c
    for t, T in ((0.0, 300.0), (150.0, 300.0), (150.5, 330.0), (300.0, 330.0)):
        pb.set_time(t)
        assert float(c.value) == pytest.approx(arrhenius(E_A_EV, T, 300.0), rel=1e-13), t
