"""Seed 000 validation: thermal interdiffusion without bias (slow, ~30 s on one core).

Requirements (issue 5 acceptance; docs/thermal.md, docs/validation_thermal.md):
- total Br conserved to < 1e-8 (relative) over the 10-h anneal at 100 °C;
- Boltzmann–Matano D(y) of the computed 1.5-h profile at 100 °C inside 1e-13 … 1e-12 cm²/s over
  0.1 < q < 0.9 (the seed's first profile and range);
- fitted activation energy within 0.02 eV of the input (validation.thermal: Matano D near the
  pure phases at 75/100/125 °C), and the report regenerates with one command, reusing its runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from solver.analysis.matano import boltzmann_matano
from solver.cli import main
from solver.io.files import read_profile_csv, read_timeseries_csv

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_thermal_100C_conserves_br_and_D_in_seed_range(tmp_path):
    out = tmp_path / "thermal_100C"
    assert main([str(REPO / "cases" / "thermal_100C.yaml"), "--output", str(out), "--quiet"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "completed"
    assert abs(summary["total_br_relative_drift"]) < 1e-8
    total = read_timeseries_csv(out / "timeseries.csv")["total_br_um"]
    assert np.max(np.abs(total / total[0] - 1.0)) < 1e-8
    t, prof = read_profile_csv(out / "profiles" / "t_00005400.000s.csv")
    assert t == pytest.approx(5400.0)
    res = boltzmann_matano(prof["z_um"], prof["y"], t, c_left=1.0, c_right=0.22)
    sel = (res.q > 0.1) & (res.q < 0.9)
    D = res.D_cm2_per_s[sel]
    assert D.size > 50
    assert res.z_matano_um == pytest.approx(1.25, abs=1e-6)  # Br conserved
    assert D.min() >= 1e-13 and D.max() <= 1e-12, (D.min(), D.max())


@pytest.mark.slow
def test_thermal_report_regenerates_and_recovers_the_activation_energy(tmp_path):
    from validation import thermal

    results, docs = tmp_path / "results", tmp_path / "docs"
    assert thermal.main(["--results", str(results), "--docs", str(docs)]) == 0
    metrics = json.loads((docs / "validation_thermal_metrics.json").read_text())
    for side in ("Br", "Cl"):
        for kind in ("fixed", "equal"):
            Ea = metrics["Ea_eV"][side][kind]
            assert abs(Ea - metrics["Ea_input_eV"]) <= 0.02, (side, kind, Ea)
    assert metrics["br_drift_max"] < 1e-8
    assert metrics["reverse_max_deviation"] < 1e-2
    # the FE vacancies agree with the independent numpy quasi-steady state (grounded contacts)
    assert max(metrics["qs_deviation"].values()) < 0.1
    for name in ("profiles_100C", "D", "arrhenius", "conservation"):
        assert (docs / "figures" / f"thermal_{name}.png").stat().st_size > 10000
    report = (docs / "validation_thermal.md").read_text()
    assert report.count("| pass |") + report.count("| FAIL |") == len(metrics["rows"])
    # a second call reuses every run
    mtimes = {p: p.stat().st_mtime for p in results.glob("*/summary.json")}
    assert thermal.main(["--results", str(results), "--docs", str(docs)]) == 0
    assert {p: p.stat().st_mtime for p in results.glob("*/summary.json")} == mtimes
