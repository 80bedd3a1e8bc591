"""The package's architecture, checked statically (``ast`` only, no imports) and in one
subprocess: no import cycles, no import against the layer order, no FEniCSx where it does not
belong, and ``import solver`` / ``import solver.config`` stay free of dolfinx.

The layers of ``solver/`` (docs/architecture.md), each importing only from rows above it or
from its own row:

    0  base       constants, exit_codes, console, logging_setup, presets, cli_common
    1  config     config/                   the case schema (pydantic)
    2  io         io/                       files, output directories, provenance, checkpoints
    3  model      model/                    parameters, protocols, species (numpy)
    4  mesh       mesh/
    5  physics    physics/                  UFL terms
    6  analysis   analysis/, pl/            observables, Matano, PL (numpy)
    7  numerics   numerics/                 the discrete problem, Newton, time stepping
    8  outputs    figures/, recording
    9  runs       preflight/, run, campaign/, ensemble/
    10 fitting    fitting/
    11 cli        cli

Every import counts, also those inside functions (a deferred import is still a dependency);
imports under ``if TYPE_CHECKING:`` do not. Deprecated shim modules (docstring starting
"Deprecated:") re-export a moved module and are left out. ``validation/`` is a package of
reports on top of all of this: it may import anything from ``solver``, nothing imports it,
and its own modules must not form cycles.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

#: (row, module prefixes), top row first.
LAYERS = (
    (0, ("solver.constants", "solver.exit_codes", "solver.console", "solver.logging_setup",
         "solver.presets", "solver.cli_common")),
    (1, ("solver.config",)),
    (2, ("solver.io",)),
    (3, ("solver.model",)),
    (4, ("solver.mesh",)),
    (5, ("solver.physics",)),
    (6, ("solver.analysis", "solver.pl")),
    (7, ("solver.numerics",)),
    (8, ("solver.figures", "solver.recording")),
    (9, ("solver.preflight", "solver.run", "solver.campaign", "solver.ensemble")),
    (10, ("solver.fitting",)),
    (11, ("solver.cli", "solver.__main__")),
)
#: Prefixes whose modules import neither dolfinx, ufl, basix nor petsc4py at module level.
NO_FENICS_AT_IMPORT = ("solver.config", "solver.model", "solver.analysis", "solver.pl",
                       "solver.figures", "solver.fitting", "solver.io", "solver.mesh.tags",
                       "solver.mesh.estimate", "solver.mesh.files", "solver.preflight",
                       "solver.campaign", "solver.ensemble", "solver.constants", "solver.console",
                       "solver.presets", "solver.cli_common")
FENICS = ("dolfinx", "ufl", "basix", "petsc4py", "ffcx")
#: physics/ is UFL only: no dolfinx or petsc4py at module level.
NO_DOLFINX_AT_IMPORT = ("solver.physics",)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_shim(tree: ast.Module) -> bool:
    doc = ast.get_docstring(tree) or ""
    return doc.startswith("Deprecated:")


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the nodes inside ``if TYPE_CHECKING:`` blocks."""
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            skip |= {id(n) for child in node.body for n in ast.walk(child)}
    return skip


def _imports(path: Path, name: str, modules: set[str]) -> tuple[set[str], set[str]]:
    """(every imported project module, the top-level packages imported at module level)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_nodes(tree)
    top_level = {id(n) for n in tree.body}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found, eager = set(), set()
    for node in ast.walk(tree):
        if id(node) in skip or not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                       for a in node.names]
        for t in targets:
            if t.split(".")[0] in ("solver", "validation"):
                while t not in modules and "." in t:
                    t = t.rpartition(".")[0]
                if t in modules and t != name:
                    found.add(t)
            elif id(node) in top_level:
                eager.add(t.split(".")[0])
    return found, eager


def _graph():
    paths = {}
    for root in ("solver", "validation"):
        for p in sorted((REPO / root).rglob("*.py")):
            paths[_module_name(p)] = p
    modules = set(paths)
    graph, eager, shims = {}, {}, set()
    for name, path in paths.items():
        if _is_shim(ast.parse(path.read_text(encoding="utf-8"))):
            shims.add(name)
        graph[name], eager[name] = _imports(path, name, modules)
    return graph, eager, shims


GRAPH, EAGER, SHIMS = _graph()


def _row(module: str) -> int | None:
    best = None
    for row, prefixes in LAYERS:
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (
                    best is None or len(prefix) > best[1]):
                best = (row, len(prefix))
    return None if best is None else best[0]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _through_shims(deps: set[str]) -> set[str]:
    """``deps`` with every shim replaced by what it re-exports (transitively)."""
    out, todo, seen = set(), list(deps), set()
    while todo:
        d = todo.pop()
        if d in seen:
            continue
        seen.add(d)
        if d in SHIMS:
            todo.extend(GRAPH[d])
        else:
            out.add(d)
    return out


def _without_shims() -> dict[str, set[str]]:
    """The graph with shims resolved to the modules they re-export, and the package roots left
    out (importing ``solver`` itself is the package's own initialisation, run before any
    submodule anyway)."""
    drop = SHIMS | {"solver", "validation"}
    return {m: {t for t in _through_shims(deps) if t not in drop}
            for m, deps in GRAPH.items() if m not in drop}


def test_the_graph_is_not_empty():
    """The scan itself works: it finds the modules and the edges everyone knows of."""
    assert "solver.numerics.problem" in GRAPH
    assert "solver.physics.transport" in GRAPH["solver.numerics.problem"]
    assert "solver.mesh.tags" in GRAPH["solver.physics.sources"]


def test_no_import_cycles():
    cycles = _cycles(_without_shims())
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_every_module_has_a_layer():
    unplaced = sorted(m for m in _without_shims() if m.startswith("solver.")
                      and _row(m) is None)
    assert not unplaced, f"modules in no layer of LAYERS: {unplaced}"


def test_no_import_against_the_layer_order():
    upward = []
    for module, deps in _without_shims().items():
        if not module.startswith("solver."):
            continue
        row = _row(module)
        for dep in deps:
            if dep.startswith("validation"):
                upward.append(f"{module} imports {dep} (validation is a report layer)")
            elif _row(dep) is not None and _row(dep) > row:
                upward.append(f"{module} (row {row}) imports {dep} (row {_row(dep)})")
    assert not upward, "\n".join(sorted(upward))


@pytest.mark.parametrize(("prefixes", "banned"), [(NO_FENICS_AT_IMPORT, FENICS),
                                                  (NO_DOLFINX_AT_IMPORT, ("dolfinx", "petsc4py"))])
def test_no_fenics_at_module_level(prefixes, banned):
    bad = sorted(f"{m}: {sorted(EAGER[m] & set(banned))}" for m in EAGER
                 if m not in SHIMS and any(m == p or m.startswith(p + ".") for p in prefixes)
                 and EAGER[m] & set(banned))
    assert not bad, "module-level FEniCSx imports: " + "; ".join(bad)


def test_rules_catch_what_they_should():
    """The checks can fail: a cycle and an upward import are found in made-up graphs."""
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]
    assert _row("solver.config.device") == 1
    assert _row("solver.numerics.problem") == 7 > _row("solver.physics.transport")
    assert _row("solver.campaign.spec") == 9


def test_importing_solver_and_its_config_loads_no_fenics():
    code = ("import sys, solver, solver.config, solver.model.parameters; "
            "print(sorted(m for m in ('dolfinx', 'ufl', 'petsc4py', 'basix') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO, check=True).stdout.strip()
    assert out == "[]"


#: Deprecated module paths (shims) and this test's list of them must agree.
DEPRECATED = sorted(m for m in SHIMS if m.startswith("solver."))
#: Files that may import a deprecated path on purpose (to test that it still works).
DEPRECATION_TESTS = {"tests/unit/test_architecture.py", "tests/regression/test_install.py"}


def test_nothing_imports_a_deprecated_path():
    """Code, tests, benchmarks, tools and validation use the new homes; the shims are for
    users' scripts (docs/architecture.md, "Deprecated paths")."""
    assert "solver.problem" in DEPRECATED and "solver.outputs" in DEPRECATED
    offenders = []
    roots = ("solver", "tests", "validation", "benchmarks", "tools", "meshes", "docs")
    files = [p for r in roots for p in (REPO / r).rglob("*.py")] + [REPO / "run_case.py"]
    for path in files:
        rel = str(path.relative_to(REPO))
        if rel in DEPRECATION_TESTS or _module_name(path) in SHIMS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module == "solver":
                names = [f"solver.{a.name}" for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{rel}:{node.lineno} {n}" for n in names if n in DEPRECATED]
    assert not offenders, "imports of deprecated paths: " + "; ".join(offenders)


def test_deprecated_paths_still_import_and_warn():
    """Every shim still imports (in one fresh process) and warns with its new home."""
    code = ("import importlib, json, sys, warnings\n"
            "out = {}\n"
            "for m in sys.argv[1:]:\n"
            "    with warnings.catch_warnings(record=True) as caught:\n"
            "        warnings.simplefilter('always', DeprecationWarning)\n"
            "        importlib.import_module(m)\n"
            "    out[m] = [str(w.message) for w in caught if w.category is DeprecationWarning]\n"
            "print(json.dumps(out))\n")
    out = subprocess.run([sys.executable, "-c", code, *DEPRECATED], capture_output=True,
                         text=True, cwd=REPO, check=True).stdout
    got = json.loads(out.strip().splitlines()[-1])
    for module in DEPRECATED:
        assert any(m.startswith(f"{module} is deprecated") for m in got[module]), (module, got)
