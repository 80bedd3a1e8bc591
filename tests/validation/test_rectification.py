"""Seed 001 validation (slow: runs the three campaigns, ~3 min on 2 cores).

Requirement (issue 3 acceptance): rectification ratio at ±4 V/µm in 10–40; forward branch linear
over 1.5–4 V/µm with R² >= 0.97; every reverse |L_m| <= 0.1 µm; no-source |L_m| < 0.02 µm;
rerunning a finished campaign does no work.
"""

from __future__ import annotations

import json

import pytest


@pytest.mark.slow
def test_seed001_targets(tmp_path):
    from validation import rectification

    results, docs = tmp_path / "results", tmp_path / "docs"
    assert rectification.main(["--results", str(results), "--docs", str(docs)]) == 0
    m = json.loads((docs / "validation_metrics.json").read_text())
    assert 10.0 <= m["rectification_ratio"] <= 40.0
    assert m["forward_fit"][2] >= 0.97
    assert m["reverse_max_abs_um"] <= 0.1
    assert m["no_source_max_abs_um"] < 0.02
    assert (docs / "validation.md").read_text().count("| pass |") >= 5
    # A finished campaign reruns nothing.
    assert rectification.main(["--results", str(results), "--docs", str(docs)]) == 0
    for name in rectification.CAMPAIGNS:
        report = json.loads((results / name / "campaign.json").read_text())
        assert report["ran"] == 0, name
