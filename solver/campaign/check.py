"""``run_case.py CAMPAIGN.yaml --check``: validate every member as ``--check`` does a case.

Nothing is written and no member is started. Each member's case (the base case with the
campaign's and the member's overrides, and any ``--set`` of the command line) is loaded and
passes :func:`solver.preflight.check` (count bounds, mesh size, derived parameters, protocol
temperatures, PETSc options). Output: a header line and one line per member on stdout
(``  <member>: valid, <n> cells``), the member's plausibility warnings on stderr
(``warning: <member>: <key>: <message>``, as the campaign run shows them), and for an invalid
member one line on stderr (``error: campaign member <member>: <key>: <message>``); exit 0 if
every member is valid, 2 if any is not (every member is checked, so one pass lists them all).
"""

from __future__ import annotations

import sys
from pathlib import Path

from solver.campaign.spec import _member_dirs_inside, expand_members, load_campaign
from solver.config import CaseError, load_case
from solver.console import write
from solver.exit_codes import EXIT_INPUT, EXIT_OK

__all__ = ["check_campaign"]


def _check_member(base: Path, overrides) -> tuple[int, list[str]]:
    """``(cell count, warnings)`` of one member's case; CaseError if it is invalid (anything
    else that goes wrong is one line too, never a traceback)."""
    from solver.preflight import check

    try:
        checked = check(load_case(base, overrides))
    except CaseError:
        raise
    except Exception as exc:  # noqa: BLE001  (CLI boundary: bad input never gives a traceback)
        text = " ".join(str(exc).split())[:200]
        raise CaseError(str(base), f"cannot be checked ({type(exc).__name__}: {text})") from None
    return checked.n_cells, list(checked.warnings)


def check_campaign(path, *, output: str | None = None, extra_overrides=()) -> int:
    """Validate the campaign file ``path`` and every member (see the module docstring).

    Args:
        path: campaign file.
        output: the campaign directory the run would use (default ``results/<name>``), only
            shown and checked to hold every member directory.
        extra_overrides: ``--set`` strings of the command line, applied to every member last.

    Returns:
        ``EXIT_OK`` (0) if every member is valid, else ``EXIT_INPUT`` (2).

    Raises:
        CaseError: the campaign file itself is invalid (its keys, base case file, member
            names); the CLI prints it as one line, exit 2.
    """
    spec, base = load_campaign(path)
    members = expand_members(spec, extra_overrides)
    root = Path(output) if output else Path("results") / spec.name
    _member_dirs_inside(root, members)
    write(f"# {path}: campaign {spec.name}, {len(members)} member(s) of base {base} "
          f"(campaign directory {root}):")
    invalid = 0
    for m in members:
        try:
            n_cells, warnings = _check_member(base, m.overrides)
        except CaseError as exc:
            invalid += 1
            write(f"error: campaign member {m.name}: {exc}", sys.stderr)
            continue
        note = f", {len(warnings)} warning(s)" if warnings else ""
        write(f"  {m.name}: valid, {n_cells} cells{note}")
        for text in warnings:
            write(f"warning: {m.name}: {text}", sys.stderr)
    if invalid:
        write(f"error: campaign {spec.name}: {invalid} of {len(members)} member(s) invalid "
              "(lines above)", sys.stderr)
        return EXIT_INPUT
    return EXIT_OK
