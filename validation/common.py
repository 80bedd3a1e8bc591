"""Shared command line of the campaign-driven validation reports (validation/*.py)."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from solver.campaign import run_campaign

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"


def report_arguments(doc: str, report: str, argv=None) -> argparse.Namespace:
    """Parse --results, --jobs, --no-run and --docs for a report written to docs/<report>."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--results", default=str(REPO / "results"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-run", action="store_true", help="use existing campaign outputs only")
    ap.add_argument("--docs", default=str(DOCS), help=f"where {report} and figures/ go")
    return ap.parse_args(argv)


def md_cell(text: str) -> str:
    """``text`` for a Markdown table cell: every unescaped ``|`` (e.g. in ``|dy/dz|``) escaped,
    so that it does not split the cell (tests/unit/test_docs_tables.py)."""
    return re.sub(r"(?<!\\)\|", r"\\|", text)


def run_campaigns(names, results: Path, jobs: int) -> None:
    """Run or resume ``campaigns/<name>.yaml`` into ``results/<name>`` for each name; failed
    members are reported on stderr (the report then says what is missing)."""
    for name in names:
        rc = run_campaign(REPO / "campaigns" / f"{name}.yaml", jobs=jobs,
                          output=str(Path(results) / name))
        if rc != 0:
            print(f"warning: campaign {name} had failed members", file=sys.stderr)
