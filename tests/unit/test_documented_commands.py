"""Every command written in the repository runs from a fresh clone after ``make venv`` (issue 27).

Collected (:func:`documented_commands`):

- ``# Run: <command>`` comment lines of ``cases/``, ``campaigns/`` and ``fits/`` files (one
  command per line; a trailing ``  # note`` is a comment);
- command lines in the docstrings of ``meshes/*.py``;
- every line of the fenced ``bash`` blocks of ``README.md`` and ``docs/*.md`` (``\\``
  continuations joined, ``# comments`` dropped);
- inline code spans of those files that start with ``make``, ``.venv/bin/`` or ``python`` (except
  the entry-point name ``python -m solver``), or ``mpirun`` followed by a program.

Each command must start with a program a fresh clone has after ``make venv``
(``.venv/bin/python``, ``.venv/bin/mpirun``, ``.venv/bin/perovskite-ions``, ``make``) or with
``docker``/``srun`` (not on this machine: only the rest of the line is checked). It then runs
in a cheap form (:func:`check_command`), from the repository root:

- ``make T ...``: ``make -n T ...`` (the target exists and its recipe expands);
- a case run: the same command with ``--check`` appended and ``--output`` moved to a temporary
  directory (validation, the derived parameters, the output directory; nothing is written); under
  ``.venv/bin/mpirun -n N`` on 2 ranks;
- a fit: ``--check``; a campaign: ``--check`` if the CLI accepts it for campaigns, else the dry
  form: the arguments parse, every member's resolved case validates, and the first member's case
  runs with ``--check`` as its own process;
- any other script or module (validation reports, benchmarks, the KMC, the mesh generator):
  ``--help``, with the leading sub-command words kept; files named on the line must exist.

A synopsis (``CASE.yaml``, ``[--set ...]``, ``DIR``, ``<...>``) is checked for its program and
its files only. The example campaign file of docs/campaigns.md is validated the same way.
``test_a_broken_command_fails`` shows that each kind of breakage is caught. CPU: about 20 s (one
``--check`` process is ~0.7 s; identical cheap forms run once).
"""

from __future__ import annotations

import functools
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PYTHON = ".venv/bin/python"
MPIRUN = ".venv/bin/mpirun"
ENTRY = ".venv/bin/perovskite-ions"
#: First words a documented command may start with.
PROGRAMS = (PYTHON, MPIRUN, ENTRY, "make", "docker", "srun")
#: Seconds any one cheap form may take.
TIMEOUT_S = 120
DOC_FILES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SETTINGS_FILES = sorted([*REPO.glob("cases/*.yaml"), *REPO.glob("campaigns/*.yaml"),
                         *REPO.glob("fits/*.yaml")])
#: Options whose value names a file or directory the command writes (need not exist).
OUTPUT_OPTIONS = ("--output", "--out", "--results", "--docs", "--runs")
#: Scripts run by another test (no --help): script -> the test file that runs it.
RUN_ELSEWHERE = {"docs/api_example.py": "tests/unit/test_api.py"}


@dataclass(frozen=True)
class Command:
    """A command as written, and where (``path:line``)."""

    text: str
    where: str


# --- collection -------------------------------------------------------------------------------

def _strip_comment(line: str) -> str:
    """``line`` without a shell comment (``#`` at the start or after white space)."""
    return re.split(r"(?:^|\s)#", line, maxsplit=1)[0].strip()


def _run_comments(path: Path) -> list[Command]:
    out = []
    for i, line in enumerate(path.read_text().splitlines(), 1):
        m = re.match(r"\s*#\s*Run:\s*(.*)$", line)
        if m and _strip_comment(m.group(1)):
            out.append(Command(_strip_comment(m.group(1)), f"{path.relative_to(REPO)}:{i}"))
    return out


def _docstring_commands(path: Path) -> list[Command]:
    pattern = re.compile(r"^\s+((?:\.venv/bin/|python |mpirun )\S.*)$")
    return [Command(m.group(1).strip(), f"{path.relative_to(REPO)}:{i}")
            for i, line in enumerate(path.read_text().splitlines(), 1)
            if (m := pattern.match(line))]


_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.M | re.S)


def _bash_blocks(path: Path) -> list[Command]:
    text, out = path.read_text(), []
    for block in _FENCE.finditer(text):
        if block.group(1) not in ("bash", "sh", "shell"):
            continue
        line = text[:block.start(2)].count("\n") + 1
        pending, start = "", line
        for raw in block.group(2).splitlines():
            start = start if pending else line
            line += 1
            if raw.rstrip().endswith("\\"):  # continued on the next line
                pending += raw.rstrip()[:-1] + " "
                continue
            cmd, pending = _strip_comment(pending + raw), ""
            if cmd:
                out.append(Command(" ".join(cmd.split()), f"{path.relative_to(REPO)}:{start}"))
    return out


def _is_inline_command(span: str) -> bool:
    if span.startswith(("make ", ".venv/bin/")):
        return " " in span  # a lone program name (`.venv/bin/mpirun`) is a name
    if span.startswith("python "):
        return span != "python -m solver"
    return bool(re.match(r"mpirun -n \S+ \S", span))


def _inline_commands(path: Path) -> list[Command]:
    text = _FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), path.read_text())
    out = []
    for m in re.finditer(r"(?<!`)`([^`]+)`(?!`)", text):
        span = " ".join(m.group(1).split())
        if _is_inline_command(span):
            line = text[:m.start()].count("\n") + 1
            out.append(Command(span, f"{path.relative_to(REPO)}:{line}"))
    return out


def documented_commands() -> list[Command]:
    """Every command written in the repository (see the module docstring), in file order."""
    found = []
    for path in SETTINGS_FILES:
        found += _run_comments(path)
    for path in sorted(REPO.glob("meshes/*.py")):
        found += _docstring_commands(path)
    for path in DOC_FILES:
        found += _bash_blocks(path) + _inline_commands(path)
    return found


def _unique(commands: list[Command]) -> list[Command]:
    seen, out = set(), []
    for c in commands:
        if c.text not in seen:
            seen.add(c.text)
            out.append(c)
    return out


COMMANDS = _unique(documented_commands())


# --- checking ---------------------------------------------------------------------------------

@functools.cache
def _run(argv: tuple[str, ...]) -> tuple[int, str]:
    """Exit code and output (stdout + stderr) of ``argv`` run in the repository root."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    proc = subprocess.run(list(argv), cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT_S, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def _expect_ok(argv: list[str], cmd: str) -> str:
    rc, output = _run(tuple(argv))
    assert rc == 0, (f"documented command {cmd!r}: its cheap form {shlex.join(argv)!r} exited "
                     f"{rc}:\n{output[-2000:]}")
    return output


def _is_template(tokens: list[str]) -> bool:
    """A synopsis: placeholders such as CASE.yaml, DIR, FIT, N, <case>, [--set ...], A."""
    for tok in tokens:
        if re.search(r"[<>\[\]…]|\.\.\.|/path/to/", tok):
            return True
        if re.fullmatch(r"[A-Z]+(\.yaml)?", tok.split("=", 1)[-1]):
            return True
    return False


def _check_files(tokens: list[str], cmd: str) -> None:
    """Files named on the line (``dir/name.ext``, not an output option's value) exist."""
    for prev, tok in zip(["", *tokens], tokens, strict=False):
        value = tok.split("=", 1)[-1]
        if prev in OUTPUT_OPTIONS or tok.startswith(tuple(o + "=" for o in OUTPUT_OPTIONS)):
            continue
        if "/" in value and re.fullmatch(r"[\w./-]+\.(yaml|py|csv|msh|xdmf|vtu)", value):
            if not re.fullmatch(r"[A-Z]+(\.yaml)?", Path(value).name):
                assert (REPO / value).exists(), f"documented command {cmd!r}: {value} not found"


def _program_ok(tokens: list[str], cmd: str) -> None:
    assert tokens and tokens[0] in PROGRAMS, (
        f"documented command {cmd!r} starts with {tokens[0] if tokens else ''!r}; after "
        "`make venv` a fresh clone has .venv/bin/python, .venv/bin/mpirun, "
        ".venv/bin/perovskite-ions and make (a system python or mpirun is not the venv's)")


def _launcher(tokens: list[str], cmd: str) -> tuple[list[str], list[str]]:
    """``(launch prefix, the program's tokens)``: ``mpirun -n N`` runs on 2 ranks, ``srun``
    (not installed here) is dropped."""
    if tokens[0] not in (MPIRUN, "srun"):
        return [], tokens
    rest = tokens[1:]
    while rest and rest[0].startswith("-"):
        rest = rest[2:] if rest[0] in ("-n", "-np") else rest[1:]
    if rest[:1] not in (["…"], ["..."]):  # `mpirun -n 2 … --set ...`: an elided program
        _program_ok(rest, cmd)
    prefix = [MPIRUN, "-n", "2"] if tokens[0] == MPIRUN else []
    return prefix, rest


def _with_tmp_output(args: list[str], tmp: Path) -> list[str]:
    out, skip = [], False
    for tok in args:
        if skip:
            out.append(str(tmp / "out"))
            skip = False
            continue
        skip = tok == "--output"
        out.append(tok)
    return out


def _campaign_dry_form(prefix: list[str], args: list[str], cmd: str) -> None:
    """Arguments parse, every member validates, the first member's case passes ``--check``."""
    from solver.campaign import expand_members, load_campaign
    from solver.cli import _build_parser
    from solver.config import load_case

    try:
        parsed = _build_parser().parse_args(args)
    except SystemExit as exc:
        raise AssertionError(f"documented command {cmd!r}: its arguments do not parse") from exc
    spec, base = load_campaign(REPO / parsed.case)
    members = expand_members(spec, parsed.overrides)
    for m in members:
        load_case(base, m.overrides)
    first = [f"--set={o}" for o in members[0].overrides]
    _expect_ok([*prefix, PYTHON, "run_case.py", str(base), *first, "--check"], cmd)


def _check_cli(prefix: list[str], program: list[str], args: list[str], cmd: str,
               tmp: Path) -> None:
    """``run_case.py`` / ``perovskite-ions``: a run gets ``--check``, a campaign its dry form."""
    if {"--list-presets", "--print-schema", "--help", "-h"} & set(args):
        _expect_ok([*prefix, *program, *args], cmd)
        return
    args = _with_tmp_output(args, tmp)
    check = args if "--check" in args else [*args, "--check"]
    positional = [a for a in args if not a.startswith("-")]
    if not positional or positional[0] == "fit" or "--fit" in args:
        _expect_ok([*prefix, *program, *check], cmd)
        return
    from solver.campaign import is_campaign_file

    if not is_campaign_file(REPO / positional[0]):
        _expect_ok([*prefix, *program, *check], cmd)
        return
    rc, output = _run(tuple([*prefix, *program, *check]))
    if rc == 0:
        return
    assert rc == 2 and "not campaigns" in output, (
        f"documented command {cmd!r}: {shlex.join(check)!r} exited {rc}:\n{output[-2000:]}")
    _campaign_dry_form(prefix, args, cmd)


def _check_script(prefix: list[str], rest: list[str], cmd: str) -> None:
    """Any other script or module: ``--help`` after its leading sub-command words."""
    script = rest[1] if rest[1] != "-m" else None
    target = rest[1:3] if script is None else rest[1:2]
    if script in RUN_ELSEWHERE:
        assert Path(script).name in (REPO / RUN_ELSEWHERE[script]).read_text(), cmd
        return
    words = []
    for tok in rest[len(target) + 1:]:
        if tok.startswith("-") or "/" in tok or "." in tok:
            break
        words.append(tok)
    _expect_ok([*prefix, PYTHON, *target, *words, "--help"], cmd)


def check_command(cmd: str, tmp: Path) -> None:
    """Run the cheap form of the documented command ``cmd``; AssertionError if it fails."""
    tokens = shlex.split(cmd)
    _program_ok(tokens, cmd)
    if tokens[0] == "make":
        _expect_ok(["make", "-n", *tokens[1:]], cmd)
        return
    if tokens[0] == "docker":  # no container engine here: the image's inputs exist
        assert (REPO / "Dockerfile").is_file(), cmd
        _check_files(tokens, cmd)
        return
    prefix, rest = _launcher(tokens, cmd)
    _check_files(rest, cmd)
    if _is_template(rest):
        return
    if rest[0] == ENTRY:
        _check_cli(prefix, [ENTRY], rest[1:], cmd, tmp)
    elif len(rest) > 1 and rest[1] == "run_case.py":
        _check_cli(prefix, [PYTHON, "run_case.py"], rest[2:], cmd, tmp)
    elif len(rest) > 2 and rest[1:3] in (["-m", "solver"], ["-m", "solver.cli"]):
        _check_cli(prefix, rest[:3], rest[3:], cmd, tmp)
    else:
        assert len(rest) > 1, f"documented command {cmd!r}: nothing to run"
        _check_script(prefix, rest, cmd)


# --- tests ------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", COMMANDS, ids=[c.where for c in COMMANDS])
def test_documented_command_runs(command: Command, tmp_path: Path):
    check_command(command.text, tmp_path)


def test_commands_are_found_everywhere():
    """The collector sees each kind of place (a silent regex failure would test nothing)."""
    where = {c.where.split(":")[0] for c in COMMANDS}
    for place in ("cases/", "campaigns/", "fits/", "meshes/", "README.md", "docs/"):
        assert any(w.startswith(place) for w in where), f"no command found in {place}"
    assert len(COMMANDS) >= 30


def test_run_comments_start_their_line():
    """A ``Run:`` inside a comment line would be missed by the collector: one per line."""
    for path in SETTINGS_FILES:
        for i, line in enumerate(path.read_text().splitlines(), 1):
            if line.lstrip().startswith("#") and "Run:" in line:
                assert re.match(r"\s*#\s*Run:\s*\S", line), f"{path.name}:{i}: {line}"


def test_campaign_page_example(tmp_path: Path):
    """The campaign file of docs/campaigns.md validates; its members are the ones it lists."""
    text = (REPO / "docs" / "campaigns.md").read_text()
    blocks = [m.group(2) for m in _FENCE.finditer(text)
              if m.group(1) == "yaml" and "campaign:" in m.group(2)]
    assert blocks, "docs/campaigns.md has no campaign example"
    (tmp_path / "cases").symlink_to(REPO / "cases")
    (tmp_path / "campaigns").mkdir()
    from solver.campaign import expand_members, load_campaign
    from solver.config import load_case

    for k, block in enumerate(blocks):
        path = tmp_path / "campaigns" / f"example{k}.yaml"
        path.write_text(block)
        spec, base = load_campaign(path)
        members = expand_members(spec)
        for m in members:
            load_case(base, m.overrides)
        names = re.findall(r"^#\s+members?: (.*)$", block, re.M)
        if names:
            assert [m.name for m in members] == names[0].split(), yaml.safe_dump(block)


BROKEN = [
    "python run_case.py cases/reference_forward.yaml",                      # system Python
    "mpirun -n 2 .venv/bin/python run_case.py cases/wire3d.yaml",          # system mpirun
    "make no-such-target",                                                  # no make target
    ".venv/bin/python run_case.py cases/no_such_case.yaml",                # missing file
    ".venv/bin/python run_case.py cases/reference_forward.yaml --set bias.field_V_per_um=1e9",
    ".venv/bin/python run_case.py campaigns/fig1e.yaml -j zero",           # bad option value
    ".venv/bin/python -m validation.no_such_report --results results",     # no such module
]


@pytest.mark.parametrize("cmd", BROKEN)
def test_a_broken_command_fails(cmd: str, tmp_path: Path):
    with pytest.raises(AssertionError):
        check_command(cmd, tmp_path)


if __name__ == "__main__":  # list what is collected
    for c in COMMANDS:
        print(f"{c.where:40s} {c.text}", file=sys.stdout)
