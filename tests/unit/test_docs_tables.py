"""Markdown tables in the README and docs/ render: every table's header, separator and rows have
the same number of cells.

A ``|`` inside a cell (e.g. ``R = L_m(+4)/|L_m(-4)|``) must be escaped as ``\\|``; unescaped, it
splits the cell, the header no longer matches the separator, and GitHub drops the whole table
(this happened in a generated report). Generated reports are checked as committed.
"""

import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
FILES = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
SEPARATOR = re.compile(r"^\|(\s*:?-+:?\s*\|)+\s*$")


def cells(line: str) -> int:
    """Number of cells of a table row: unescaped pipes, without the outer ones."""
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return len(re.split(r"(?<!\\)\|", inner))


def tables(text: str):
    """(line number, header, separator, body rows) of every pipe table outside code blocks."""
    lines = text.splitlines()
    in_code = False
    for i, line in enumerate(lines[:-1]):
        if line.lstrip().startswith("```"):
            in_code = not in_code
        if in_code or not line.lstrip().startswith("|") or not SEPARATOR.match(lines[i + 1]):
            continue
        body = []
        for row in lines[i + 2:]:
            if not row.lstrip().startswith("|"):
                break
            body.append(row)
        yield i + 1, line, lines[i + 1], body


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_tables_have_consistent_cell_counts(path):
    for lineno, header, sep, body in tables(path.read_text(encoding="utf-8")):
        n = cells(sep)
        assert cells(header) == n, f"{path.name}:{lineno}: header has {cells(header)} cells, " \
            f"separator {n}"
        for k, row in enumerate(body):
            assert cells(row) == n, f"{path.name}:{lineno + 2 + k}: row has {cells(row)} " \
                f"cells, header {n}: {row[:80]}"


def test_the_check_can_fail():
    bad = "| a | R = x/|y| |\n|---|---|\n| 1 | 2 |\n"
    (_, header, sep, _), = tables(bad)
    assert cells(header) != cells(sep)
    good = bad.replace("/|y|", "/\\|y\\|")
    (_, header, sep, _), = tables(good)
    assert cells(header) == cells(sep)
