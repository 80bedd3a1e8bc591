"""Halide pairs for the model, the outputs and the figures: which two halides a case has, and
the names and labels that follow from them.

The pairs themselves (:class:`Halide`, :class:`HalidePair`, the emission laws and
:data:`HALIDE_PAIRS`, with their defaults and sources) are defined once in
:mod:`solver.config.halides`, because the case schema's key names are generated from them and
:mod:`solver.config` is the layer above this one; they are re-exported here, the home for model,
output and figure code. This module adds what those layers need of a *case*: its pair
(:func:`pair_of`) and the output names generated from it (:func:`output_names`).

Conventions (docs/model.md, "Halide pairs"): A is the first halide, y = x_A/(x_A + x_B) its
fraction among the halides; B the second. The physics keeps its Br/Cl identifiers (``w_br``,
``w_cl``, ``x_br``) in the generic meaning "first halide A" and "second halide B".

    >>> pair = HALIDE_PAIRS["Br/I"]
    >>> pair.key("y_{}_segment", "b"), pair.fraction_label("a")
    ('y_i_segment', 'x_Br')

numpy only where an emission law is inverted; no dolfinx.
"""

from __future__ import annotations

from solver.config.halides import (
    BR_CL,
    BR_I,
    HALIDE_PAIRS,
    SCHEMA_KEYS,
    EndPointEmission,
    Halide,
    HalidePair,
    PolynomialEmission,
    pair_named,
)

__all__ = ["BR_CL", "BR_I", "HALIDE_PAIRS", "SCHEMA_KEYS", "EndPointEmission", "Halide",
           "HalidePair", "PolynomialEmission", "output_names", "pair_named", "pair_of"]


def pair_of(case) -> HalidePair:
    """The halide pair of a validated :class:`solver.config.Case` (``material.halides``), or of
    a resolved case dict (``case_to_dict``; a dict without the key is Br/Cl)."""
    if isinstance(case, dict):
        return pair_named((case.get("material") or {}).get("halides"))
    return pair_named(case.material.halides)


def output_names(pair: HalidePair) -> dict[str, str]:
    """The output names that name a halide, generated from ``pair`` (Br/Cl: today's names).

    Returns:
        A mapping from the role to the name:

        - ``fraction_a``: profile CSV column of the first halide's site fraction (``x_Br``);
        - ``uptake``: summary.json block of the B taken up by the A-rich segment
          (``cl_uptake_br_segment``; Br/I ``i_uptake_br_segment``), with its entries
          ``uptake_max`` (``max_cl_fraction``) and ``uptake_mean`` (``mean_cl_increase``);
        - ``ahead``: pl_fronts.csv column of the B ahead of the front (``max_cl_ahead``),
          ``pl_margin``: its margin in summary.json's ``pl`` block (``cl_margin_um``);
        - ``total_a``: time-series column of the total of A (``total_br_um``), and the summary
          keys ``total_a_initial``, ``total_a_final``, ``total_a_drift``.
    """
    return {
        "fraction_a": pair.fraction_label("a"),
        "uptake": pair.key("{}_uptake_{}_segment", "b", "a"),
        "uptake_max": pair.key("max_{}_fraction", "b"),
        "uptake_mean": pair.key("mean_{}_increase", "b"),
        "ahead": pair.key("max_{}_ahead", "b"),
        "pl_margin": pair.key("{}_margin_um", "b"),
        "total_a": pair.key("total_{}_um", "a"),
        "total_a_initial": pair.key("total_{}_initial_um", "a"),
        "total_a_final": pair.key("total_{}_final_um", "a"),
        "total_a_drift": pair.key("total_{}_relative_drift", "a"),
    }
