"""Shared pieces of the campaign-driven validation reports (``python -m validation.<report>``).

The repository paths, the common command line (``--results``, ``--jobs``, ``--no-run``,
``--docs``), running or resuming campaigns, Markdown escaping and the provenance text (commit
and dirty flag of the work tree) that every report prints in its header.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from solver.campaign import run_campaign

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"


def report_arguments(doc: str, report: str, argv=None, prog: str | None = None
                     ) -> argparse.Namespace:
    """Parse --results, --jobs, --no-run and --docs for a report written to docs/<report>.

    Args:
        doc: the report module's docstring (its first line is the description).
        report: file name of the report, for the help text.
        argv: arguments (default: ``sys.argv[1:]``).
        prog: program name in the usage line (default: argparse's, the script's name).
    """
    ap = argparse.ArgumentParser(prog=prog, description=doc.splitlines()[0])
    ap.add_argument("--results", default=str(REPO / "results"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-run", action="store_true", help="use existing campaign outputs only")
    ap.add_argument("--docs", default=str(DOCS), help=f"where {report} and figures/ go")
    return ap.parse_args(argv)


def print_section(section, doc: str, argv=None) -> int:
    """The command line of a scan whose report section is printed (Markdown) to stdout:
    ``--results`` (default results/thermal) and ``--force`` (recompute cached runs), then
    ``section(results, force) -> (lines, entries)``. ``doc``: the module's docstring (its first
    line is the description). Returns 0."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--results", default="results/thermal")
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    lines, _ = section(Path(args.results), args.force)
    print("\n".join(lines))
    return 0


def md_cell(text: str) -> str:
    """``text`` for a Markdown table cell: every unescaped ``|`` (e.g. in ``|dy/dz|``) escaped,
    so that it does not split the cell (tests/unit/test_docs_tables.py)."""
    return re.sub(r"(?<!\\)\|", r"\\|", text)


def commit_text(git: dict | None) -> str:
    """``"commit <sha>"``, followed by ``" (dirty tree)"`` when the work tree had uncommitted
    changes: the provenance the reports print (``git`` as in
    :func:`report_provenance`'s ``"git"``: ``{"commit", "dirty"}``; None: unknown)."""
    git = git or {}
    return f"commit {git.get('commit')}{' (dirty tree)' if git.get('dirty') else ''}"


def report_provenance() -> dict:
    """:func:`solver.io.provenance.provenance` with the dirty flag of the *code*: uncommitted
    changes outside ``docs/`` (the reports and figures a validation run writes there itself
    would otherwise mark every regenerated report dirty, even from a clean commit)."""
    import subprocess

    from solver.io.provenance import provenance

    prov = provenance()
    git = dict(prov.get("git") or {})
    if git.get("commit"):
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
             ":(exclude)docs"], cwd=REPO, capture_output=True, text=True, check=False)
        git["dirty"] = None if status.returncode != 0 else bool(status.stdout.strip())
        prov = {**prov, "git": git}
    return prov


def run_campaigns(names, results: Path, jobs: int) -> None:
    """Run or resume ``campaigns/<name>.yaml`` into ``results/<name>`` for each name; failed
    members are reported on stderr (the report then says what is missing)."""
    for name in names:
        rc = run_campaign(REPO / "campaigns" / f"{name}.yaml", jobs=jobs,
                          output=str(Path(results) / name))
        if rc != 0:
            print(f"warning: campaign {name} had failed members", file=sys.stderr)
