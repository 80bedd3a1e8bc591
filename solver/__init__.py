"""perovskite-ions: finite-element solver for halide/vacancy migration in perovskite nanowires.

The public API (everything else is internal and may move; the subpackages are the second
level, as in dolfinx):

==========================  =============================================================
input                       :func:`load_case` (YAML file + ``--set``-style overrides ->
                            :class:`Case`), :class:`CaseError` (one line naming the key),
                            :func:`case_to_dict`
model                       :class:`ModelParameters`, :func:`from_case`,
                            :class:`BiasProtocol`, :class:`TemperatureProtocol`,
                            :data:`HALIDE_PAIRS`
a run                       :func:`run_case` (case, output directory -> summary dict),
                            :func:`build_problem` (case, communicator -> problem, parameters);
                            :class:`SolverFailure`, :class:`Interrupted`,
                            :class:`OutputFailure`
studies                     :func:`run_campaign`, :func:`run_fit` (file -> exit code)
results                     :func:`read_profile_csv`, :func:`read_timeseries_csv`
==========================  =============================================================

Example (``docs/api_example.py``, run by the test suite)::

    import solver
    case = solver.load_case("cases/reference_forward.yaml", ["time.t_end_s=600"])
    summary = solver.run_case(case, "results/api_demo", quiet=True)
    print(summary["migration_length_um"])

The names are resolved lazily (PEP 562): ``import solver`` loads neither dolfinx nor the
schema. It does import ``dolfinx_solver`` first, which sets up the PETSc/dolfinx runtime shipped
by the ``dolfinx-solver-real`` wheel; that must precede any ``dolfinx`` or ``petsc4py`` import.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

# isort: off
import solver.console  # noqa: F401  (first: opens closed std descriptors before MPI starts)
import dolfinx_solver  # noqa: F401  (must come before dolfinx / petsc4py)
# isort: on

try:
    __version__ = version("perovskite-ions")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

#: Public name -> the module that defines it.
_API = {
    "Case": "solver.config",
    "CaseError": "solver.config",
    "load_case": "solver.config",
    "case_to_dict": "solver.config",
    "ModelParameters": "solver.model.parameters",
    "from_case": "solver.model.parameters",
    "BiasProtocol": "solver.model.protocols",
    "TemperatureProtocol": "solver.model.protocols",
    "HALIDE_PAIRS": "solver.model.species",
    "run_case": "solver.run",
    "build_problem": "solver.run",
    "SolverFailure": "solver.run",
    "Interrupted": "solver.run",
    "OutputFailure": "solver.run",
    "run_campaign": "solver.campaign",
    "run_fit": "solver.fitting.driver",
    "read_profile_csv": "solver.io.files",
    "read_timeseries_csv": "solver.io.files",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str):
    """Resolve a public name on first use (PEP 562); submodules are imported as usual
    (``import solver.config``)."""
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'solver' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
