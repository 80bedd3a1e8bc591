"""Every shipped case reproduces its pinned results (reference_values.json): quantities to 1e-10
relative, step and Newton counts exactly."""

from __future__ import annotations

import json

import pytest
from reference_values import (
    ATOL_UM,
    COUNTS,
    RTOL,
    VALUES,
    cases,
    overrides_for,
    quantities,
    run,
)

PINNED = json.loads(VALUES.read_text(encoding="utf-8"))["cases"]


def test_every_shipped_case_is_pinned():
    assert sorted(PINNED) == sorted(c.stem for c in cases())


@pytest.mark.parametrize("case", cases(), ids=[c.stem for c in cases()])
def test_pinned_results(case):
    pinned = PINNED[case.stem]
    assert pinned["overrides"] == overrides_for(case), "regenerate reference_values.json"
    got = run(case)
    for q in quantities(pinned):
        assert got[q] == pytest.approx(pinned[q], rel=RTOL, abs=ATOL_UM), q
    for q in COUNTS:
        assert got[q] == pinned[q], q
