"""Command line: ``run_case.py CASE.yaml [--set key.sub=value ...] [options]``.

Exit codes: 0 success; 2 invalid input (case file, override, arguments, mesh larger than
``mesh.max_cells``, an output directory that cannot be created or written or that another run
holds (``solver.outputs.OutputError``), unusable checkpoint for ``--restart``, or a
``CaseError`` raised by ``run_case`` while setting up), nothing written; 3 solver failure
(``solver.run.SolverFailure``: dt fell below dt_min, or an output could not be written, e.g. a
full disk; outputs up to the last good state are written;
for a campaign: at least one member failed); 4 interrupted by SIGTERM/SIGINT
(``solver.run.Interrupted``: a checkpoint and the outputs so far are written; continue with
``--restart``). Input errors are one line on stderr, ``error: <dotted.key>: <message>``, never a
traceback. Under MPI every rank validates the case (validation is deterministic, so all ranks
agree) and only rank 0 prints or logs. See docs/reliability.md.
"""

import argparse
import importlib
import json
import pathlib
import sys
from collections.abc import Sequence

import yaml
from mpi4py import MPI

from solver.campaign.executors import ENGINES
from solver.cli_common import OneLineParser, jobs_count, output_dir_arg
from solver.config import Case, CaseError, case_to_dict, load_case, schema_json
from solver.console import flush, python_sigpipe, write
from solver.exit_codes import EXIT_INPUT, EXIT_INTERRUPTED, EXIT_OK, EXIT_SOLVER
from solver.io.checkpoint import CheckpointError, check_same_case, read_meta
from solver.io.output_dir import LOCK_NAME, OutputDir, OutputError, output_dir_problem
from solver.logging_setup import LEVELS, setup_logging
from solver.presets import KINDS as PRESET_DIRS
from solver.presets import preset_dir, preset_files
from solver.presets import resolve as resolve_preset

_EPILOG = """\
exit codes: 0 success, 2 invalid input or unusable output directory (nothing written),
3 solver failure or an output that could not be written (outputs up to the last good state
written), 4 interrupted by SIGTERM/SIGINT (checkpoint and outputs written; continue with
--restart). See docs/reliability.md.

examples:
  run_case.py cases/reference_forward.yaml --set bias.field_V_per_um=2 --output results/f2
  run_case.py cases/reference_forward.yaml --check          # validate, print parameters
  run_case.py cases/reference_forward.yaml --output results/f2 --restart
  mpirun -n 4 run_case.py cases/reference_forward.yaml
  run_case.py campaigns/fig1e.yaml -j 2
  run_case.py campaigns/fig1e.yaml --check                 # every member, one line each
  run_case.py --fit fits/fig1e_synthetic.yaml -j 2    # = perovskite-ions fit FIT -j 2
  run_case.py campaigns/fig1e.yaml --executor dask -j 2   # pip install .[cluster]
  mpirun -n 3 python -m mpi4py.futures run_case.py campaigns/fig1e.yaml --executor mpi
"""


def _build_parser() -> argparse.ArgumentParser:
    """Argument parser of ``run_case.py``."""
    parser = OneLineParser(
        prog="run_case.py",
        usage="%(prog)s CASE [--set KEY=VALUE ...] [options]\n"
        "       %(prog)s CAMPAIGN [-j N] [--output DIR] [--force] [--check]\n"
        "       %(prog)s fit FIT [-j N] [--output DIR] [--force] [--check]  (= --fit FIT; "
        "see: %(prog)s fit --help)\n"
        "       %(prog)s --list-presets | --print-schema",
        description="Halide/vacancy migration in a perovskite nanowire: run one case "
        "(format: docs/case_format.md),\na campaign (solver/campaign/), or a fit of case keys "
        "to data (docs/fitting.md).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "case", nargs="?", metavar="CASE",
        help="case YAML file, or a campaign file (top-level key 'campaign', see "
        "solver/campaign/): its members run in parallel and resume where they stopped",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one case key, value parsed as YAML, e.g. --set bias.field_V_per_um=2.5 "
        "(repeatable, applied in order)",
    )
    parser.add_argument(
        "--output", metavar="DIR", type=output_dir_arg,
        help="output directory (default: results/<case name>; not empty)"
    )
    parser.add_argument(
        "--check", action="store_true",
        help="validate, print the resolved case and the derived parameters with units, and exit "
        "(nothing is written); for a campaign: check every member, one line each",
    )
    parser.add_argument(
        "--list-presets", action="store_true",
        help="list the shipped case files (cases/), campaigns (campaigns/) and fits (fits/) and "
        "exit",
    )
    parser.add_argument(
        "--print-schema", action="store_true", help="print the JSON schema of case files and exit"
    )
    parser.add_argument(
        "--quiet", action="store_true",
        help="no progress bar, no summary line, log level warning (errors are still printed)",
    )
    parser.add_argument(
        "--log-level", type=str.lower, choices=LEVELS, default=None, metavar="LEVEL",
        help=f"logging level on stderr, one of {', '.join(LEVELS)} (default: info, or warning "
        "with --quiet); debug also reports rejected steps and checkpoints",
    )
    parser.add_argument(
        "--fit", metavar="FIT", default=None,
        help="fit case keys to data instead (fit file format: docs/fitting.md; same as "
        "'run_case.py fit FIT'); uses -j, --output, --force, --check, --quiet",
    )
    parser.add_argument(
        "-j", "--jobs", type=jobs_count, default=1, metavar="N",
        help="campaigns: members run at the same time (one process each; default 1); "
        "--executor dask: workers of the LocalCluster",
    )
    parser.add_argument(
        "--executor", choices=ENGINES, default="local",
        help="campaigns and fits: where members run: local (default, a pool on this machine), "
        "dask (a LocalCluster of -j workers, or --scheduler), mpi (under 'mpirun -n N python "
        "-m mpi4py.futures run_case.py ...'); dask needs pip install .[cluster]; "
        "docs/cluster.md",
    )
    parser.add_argument(
        "--scheduler", metavar="ADDRESS", default=None,
        help="--executor dask: a running scheduler (tcp://host:8786, or its scheduler file), "
        "or slurm / pbs for a dask-jobqueue cluster of -j workers",
    )
    again = parser.add_mutually_exclusive_group()
    again.add_argument(
        "--force", action="store_true",
        help="write into an existing non-empty output directory (starts from t = 0; an old "
        "checkpoint there is deleted)",
    )
    again.add_argument(
        "--restart", action="store_true",
        help="continue from the last checkpoint in the output directory (same case, same "
        "--set overrides, same number of MPI ranks); the result equals an uninterrupted run",
    )
    return parser


class _Console:
    """Prints on MPI rank 0 only."""

    def __init__(self, comm: MPI.Comm) -> None:
        self.comm = comm
        self.root = comm.rank == 0

    def out(self, text: str) -> None:
        """Print ``text`` to stdout (rank 0)."""
        if self.root:
            write(text)

    def error(self, message: str, prefix: str = "error") -> None:
        """Print ``<prefix>: <message>`` to stderr (rank 0)."""
        if self.root:
            write(f"{prefix}: {message}", sys.stderr)


def _output_dir_problem(output_dir: pathlib.Path, force: bool, restart: bool = False,
                        case: Case | None = None) -> str | None:
    """Why ``output_dir`` cannot be used, or None if it can (rank 0 only: reads files).

    With ``restart`` the directory must hold a checkpoint of ``case`` written by as many MPI
    ranks as this run has.
    """
    if restart:
        try:
            meta = read_meta(output_dir)
            if int(meta.get("n_ranks", -1)) != MPI.COMM_WORLD.size:
                return (f"--restart: the checkpoint in {output_dir} was written by "
                        f"{meta.get('n_ranks')} MPI rank(s), this run has {MPI.COMM_WORLD.size}; "
                        f"restart with mpirun -n {meta.get('n_ranks')}")
            if case is not None:
                check_same_case(meta, case_to_dict(case))
        except CheckpointError as exc:
            return str(exc)
        return None
    try:
        if not output_dir.exists():
            return None
        if not output_dir.is_dir():
            return f"output directory {output_dir} exists and is not a directory"
        if not force and any(p.name != LOCK_NAME for p in output_dir.iterdir()):
            return (f"output directory {output_dir} exists and is not empty; use --force to "
                    "overwrite or --restart to continue from its checkpoint")
    except OSError as exc:
        return f"output directory {output_dir}: {exc.strerror or exc}"
    return None


def _presets() -> str:
    """The shipped cases, campaigns and fits with their description lines (``--list-presets``).

    Read from the package data of an installed copy, or from the checkout (solver/presets.py).
    """
    lines = []
    for sub in PRESET_DIRS:
        directory, files = preset_dir(sub), preset_files(sub)
        lines.append(f"{sub}/ ({len(files)}, in {directory}):" if files
                     else f"{sub}/: none found (not shipped with this install)")
        entries = []
        for path in files:
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
                if sub in ("campaigns", "fits", "ensembles") and isinstance(data, dict):
                    data = data.get(sub.removesuffix("s"))  # top-level campaign / fit / ensemble
                text = str(data.get("description", "")) if isinstance(data, dict) else ""
            except (OSError, ValueError, yaml.YAMLError):
                text = "(unreadable)"
            entries.append((f"{sub}/{path.name}", " ".join(text.split()) or "-"))
        width = max((len(name) for name, _ in entries), default=0)
        lines += [f"  {name:<{width}}  {text}" for name, text in entries]
    lines.append("run one with: run_case.py cases/<file> [--set key=value ...] | "
                 "run_case.py campaigns/<file> [-j N] |\n"
                 "              run_case.py fit fits/<file> [-j N] "
                 "(a preset name as listed works from any directory)")
    return "\n".join(lines)


def _resolved_yaml(case: Case, case_path: str, overrides: Sequence[str], output_dir: str,
                   checked=None) -> str:
    """Header line, the fully resolved case as YAML and the derived parameters with units as
    YAML comments (for ``--check``; the output is itself a valid case file). ``checked``: the
    result of :func:`solver.preflight.check` for the case."""
    from solver.preflight import derived_parameters, format_derived, protocol_tables

    extra = f" with --set {' '.join(overrides)}" if overrides else ""
    header = f"# {case_path}{extra}: valid; resolved case (output directory {output_dir}):"
    body = yaml.safe_dump(case_to_dict(case), sort_keys=False, allow_unicode=True)
    derived = format_derived(derived_parameters(case, checked))
    tables = protocol_tables(case)
    return f"{header}\n{body.rstrip()}\n{derived}" + (f"\n{tables}" if tables else "")


def _run(case: Case, args: argparse.Namespace, output_dir: pathlib.Path, con: _Console) -> int:
    """Run the solver (imported lazily: it pulls in dolfinx)."""
    run_module = importlib.import_module("solver.run")  # lazily: it pulls in dolfinx

    extra = {"restart": True} if args.restart else {}
    try:
        summary = run_module.run_case(
            case,
            output_dir,
            case_path=args.case,
            overrides=list(args.overrides),
            quiet=args.quiet,
            **extra,
        )
    except (CaseError, CheckpointError, OutputError) as exc:  # while setting up: nothing written
        con.error(str(exc))
        return EXIT_INPUT
    except run_module.SolverFailure as exc:
        con.error(str(exc))
        return EXIT_SOLVER
    except getattr(run_module, "Interrupted", ()) as exc:
        con.error(str(exc), prefix="interrupted")
        return EXIT_INTERRUPTED
    if not args.quiet:
        con.out(_summary_line(case.name, summary or {}, output_dir))
    return EXIT_OK


def _summary_line(name: str, summary: dict, output_dir: pathlib.Path) -> str:
    """One line with the main result and the run statistics."""
    nan = float("nan")
    body, first = summary.get("body"), summary.get("body_initial")
    if body and first:  # a nanocrystal or film: composition and PL, no front
        main = (f"{name}: mean y {first.get('y_mean', nan):.4f} -> "
                f"{body.get('y_mean', nan):.4f}, x_V {body.get('x_v_mean', nan):.3g}, PL peak "
                f"{first.get('pl_peak_nm', nan):.1f} -> {body.get('pl_peak_nm', nan):.1f} nm at ")
    else:
        main = f"{name}: L_m = {summary.get('migration_length_um', nan):.4f} µm at "
    return (
        main
        + f"t = {summary.get('t_final_s', nan):g} s; {summary.get('steps', '?')} steps "
        f"({summary.get('rejected_steps', '?')} rejected), "
        f"{summary.get('newton_iterations', '?')} Newton iterations, "
        f"{summary.get('wall_time_s', nan):.1f} s -> {output_dir}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``run_case.py`` and the ``perovskite-ions`` script.

    Args:
        argv: Arguments without the program name (default: ``sys.argv[1:]``).

    Returns:
        Exit code: 0 success, 2 invalid input, 3 solver failure, 4 interrupted (see the module
        docstring). Argument errors raise ``SystemExit(2)`` through argparse. A closed stdout
        (``--check | head -1``) does not change it: the rest of the output is dropped quietly
        (solver/console.py).
    """
    try:
        return _main(argv)
    finally:
        flush()  # what argparse printed (--help), quietly if stdout is closed


def _main(argv: Sequence[str] | None = None) -> int:
    """:func:`main` without the guard against a closed stdout."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["fit"]:  # perovskite-ions fit FIT.yaml ...
        from solver.fitting.cli import main as fit_main

        return fit_main(argv[1:])
    parser = _build_parser()
    args = parser.parse_args(argv)
    comm = MPI.COMM_WORLD
    con = _Console(comm)
    setup_logging(args.log_level, args.quiet, comm.rank)
    if args.print_schema:
        con.out(json.dumps(schema_json(), indent=2))
        return EXIT_OK
    if args.list_presets:
        con.out(_presets())
        return EXIT_OK
    if args.fit is not None:
        if args.case is not None or args.restart or args.overrides:
            parser.error("--fit takes no CASE, --set or --restart (the fit file names them)")
        from solver.fitting.cli import run as run_fit

        return run_fit(args.fit, jobs=args.jobs, output=args.output, force=args.force,
                       quiet=args.quiet, check=args.check, executor=args.executor,
                       scheduler=args.scheduler)
    if args.case is None:
        parser.error("the following arguments are required: CASE")
    args.case = resolve_preset(args.case)  # a shipped preset by name, from any directory
    from solver.campaign import is_campaign_file
    from solver.ensemble.spec import is_ensemble_file

    is_campaign = _is_campaign(is_campaign_file, args.case)
    if not is_campaign and (args.executor != "local" or args.scheduler is not None):
        parser.error("--executor/--scheduler apply to campaigns and fits (one run on many "
                     "ranks: mpirun -n N run_case.py CASE; docs/cluster.md)")
    if is_ensemble_file(args.case):  # top-level 'ensemble': single particles (seed 002)
        from solver.ensemble.cli import run_ensemble_cli

        return run_ensemble_cli(args.case, output=args.output, jobs=args.jobs, force=args.force,
                                check=args.check, quiet=args.quiet,
                                overrides=[*args.overrides, *(["--restart"] * args.restart)])
    if is_campaign:
        return _campaign(args, con)
    try:
        case, checked = _load_and_check(args.case, args.overrides, comm)
    except CaseError as exc:
        con.error(str(exc))
        return EXIT_INPUT
    output_dir = pathlib.Path(args.output) if args.output else pathlib.Path("results") / case.name
    if args.check:
        return _check_only(case, checked, args, output_dir, con)
    return _run_locked(case, checked, args, output_dir, con)


def _campaign(args: argparse.Namespace, con: _Console) -> int:
    """Run (or resume) the campaign file ``args.case``, or with ``--check`` validate every
    member (:func:`solver.campaign.check.check_campaign`); exit code as :func:`main`."""
    from solver.campaign import run_campaign
    from solver.campaign.check import check_campaign

    if args.restart:
        con.error(f"{args.case}: --restart applies to single cases, not campaigns "
                  "(rerunning a campaign resumes it)")
        return EXIT_INPUT
    try:
        if args.check:
            return check_campaign(args.case, output=args.output,
                                  extra_overrides=args.overrides)
        return run_campaign(args.case, jobs=args.jobs, output=args.output, force=args.force,
                            extra_overrides=args.overrides, quiet=args.quiet,
                            executor=args.executor, scheduler=args.scheduler)
    except (CaseError, OutputError) as exc:
        con.error(str(exc))
        return EXIT_INPUT


def _check_only(case: Case, checked, args: argparse.Namespace, output_dir: pathlib.Path,
                con: _Console) -> int:
    """``--check``: refuse an output directory the run would refuse (nothing is created), else
    print the warnings and the resolved case with its derived parameters."""
    problem = output_dir_problem(output_dir) if con.root else None
    problem = con.comm.bcast(problem, root=0)
    if problem:  # as the run would refuse it (nothing is created here)
        con.error(problem)
        return EXIT_INPUT
    _warn(con, checked)
    con.out(_resolved_yaml(case, args.case, args.overrides, str(output_dir), checked))
    return EXIT_OK


def _run_locked(case: Case, checked, args: argparse.Namespace, output_dir: pathlib.Path,
                con: _Console) -> int:
    """Run one case holding its output directory's lock.

    Rank 0 creates and locks the output directory first (exit 2 if it cannot, or if another run
    holds it), then checks its contents; the lock is held for the whole run.
    """
    handle, problem = (OutputDir(output_dir), None) if con.root else (None, None)
    if handle is not None:
        try:
            handle.acquire()
        except OutputError as exc:
            handle, problem = None, str(exc)
        else:
            problem = _output_dir_problem(output_dir, args.force, args.restart, case)
    problem = con.comm.bcast(problem, root=0)
    try:
        if problem:
            con.error(problem)
            return EXIT_INPUT
        _warn(con, checked)
        return _run(case, args, output_dir, con)
    finally:
        if handle is not None:
            handle.release()  # also removes the directories it created if still empty


def _is_campaign(is_campaign_file, path: str) -> bool:
    """``is_campaign_file`` that never raises (unreadable files are left to the case loader)."""
    try:
        return bool(is_campaign_file(path))
    except Exception:  # noqa: BLE001  (fallback: any failure means not a readable campaign)
        return False


def _load_and_check(path: str, overrides: Sequence[str], comm=None):
    """Load, validate and pre-check a case (:func:`solver.preflight.check`: mesh, user mesh file,
    derived parameters, PETSc options); return ``(case, checked)``.

    Anything that goes wrong becomes a one-line :class:`CaseError`, also failures the loader does
    not anticipate (e.g. a YAML nesting deeper than the parser's recursion limit).
    """
    from solver.preflight import check

    try:
        case = load_case(path, overrides)
        checked = check(case, comm)
        python_sigpipe()  # check() initialised PETSc, which took SIGPIPE (solver/console.py)
    except CaseError:
        raise
    except RecursionError:
        raise CaseError(path, "invalid YAML: nested too deeply") from None
    except MemoryError:
        raise CaseError(path, "too large to load") from None
    except Exception as exc:  # noqa: BLE001  (CLI boundary: bad input never gives a traceback)
        text = " ".join(str(exc).split())[:200]
        raise CaseError(path, f"cannot be loaded ({type(exc).__name__}: {text})") from None
    return case, checked


def _warn(con: _Console, checked) -> None:
    """Print the plausibility warnings of a case that passed every check (legal but unusual
    values: the run goes ahead), so that a refused case still prints exactly one line."""
    for warning in checked.warnings:
        con.error(warning, prefix="warning")


if __name__ == "__main__":  # python -m solver.cli (how campaigns start their members)
    sys.exit(main())
