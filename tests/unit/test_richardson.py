"""Observed order and Richardson extrapolation from three meshes (solver/analysis/richardson.py)."""

import math

import pytest

from solver.analysis.richardson import observed_order, richardson


@pytest.mark.parametrize("p", [0.7, 1.0, 2.0, 3.3])
@pytest.mark.parametrize("h", [(0.1, 0.05, 0.025), (0.1, 0.0666667, 0.05)])
def test_exact_power_law_recovered(p, h):
    """f = 2 - 3 h^p on uniform (ratio 2) and non-uniform (1.5, 1.33) refinements."""
    f = tuple(2.0 - 3.0 * hh ** p for hh in h)
    ex = richardson(h, f)
    assert ex.monotone
    assert ex.order == pytest.approx(p, rel=1e-9)
    assert ex.extrapolated == pytest.approx(2.0, rel=1e-9)
    # The GCI bounds the true relative error of the finest value (Fs = 1.25 > 1).
    assert abs(f[2] - 2.0) / abs(f[2]) < ex.gci_fine


def test_constant_ratio_matches_textbook_formula():
    h, f = (4.0, 2.0, 1.0), (1.7, 1.3, 1.2)
    assert observed_order(h, f) == pytest.approx(math.log((1.7 - 1.3) / (1.3 - 1.2)) / math.log(2))


def test_oscillatory_sequence_has_no_order():
    ex = richardson((0.1, 0.05, 0.025), (1.0, 1.2, 1.1))
    assert not ex.monotone and math.isnan(ex.order)
    assert ex.extrapolated == 1.1
    assert ex.gci_fine == pytest.approx(0.2 / 1.1)


def test_mesh_sizes_must_decrease():
    with pytest.raises(ValueError, match="strictly decreasing"):
        observed_order((0.05, 0.1, 0.025), (1.0, 1.1, 1.2))
