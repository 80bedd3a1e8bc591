"""Stochastic single-particle ensembles: anion exchange of CsPbCl3 nanoplatelets with Br⁻ in
solution (seed 002; MODEL-NANOCRYSTALS.md §3 "Single particles", step E4; docs/nanocrystals.md).

An ensemble file is YAML with one top-level ``ensemble`` mapping (:mod:`~solver.ensemble.spec`);
``run_case.py ENSEMBLE.yaml [--check] [--output DIR] [-j N]`` runs it.

Modules: :mod:`~solver.ensemble.model` (barriers, rates, particles, the birth process and its
deterministic limits), :mod:`~solver.ensemble.observables` (emission, detected intensity, the
seed's turn-on / sigmoid / ``a/(x+b)+c`` analysis), :mod:`~solver.ensemble.spec` (the file),
:mod:`~solver.ensemble.runner` (concentrations, process pool, outputs),
:mod:`~solver.ensemble.figure`, :mod:`~solver.ensemble.cli`. Pure numpy/scipy; no dolfinx.
"""

from solver.ensemble.model import Barrier, Particles, RateLaw
from solver.ensemble.spec import EnsembleSpec, is_ensemble_file, load_ensemble

__all__ = ["Barrier", "EnsembleSpec", "Particles", "RateLaw", "is_ensemble_file",
           "load_ensemble"]
