"""When a finished (or interrupted) member run may be reused: keyed by its resolved inputs.

A campaign member, and a model run of a fit, is reused only if it was made from the same
*resolved* inputs: the fully resolved case (:func:`solver.config.case_to_dict` of the base case
with the member's overrides applied, as canonical JSON: sorted keys, no spaces; its SHA-256 is
:func:`case_sha`) and the same code (:func:`code_version`). Comparing the base case's path and
the overrides is not enough: an edited base case file must give new results.

What counts as a code change (:func:`code_version`): ``solver.__version__``, the SHA-256 of the
``solver`` package's source files that the member process runs (every file under ``solver/``
except ``__pycache__``, compiled files, and the modules that cannot change a member's numbers:
the figure modules ``plotting.py``, ``pl_figures.py`` and ``figures/``, and the campaign and
fit drivers ``campaign/`` and ``fitting/``, which only start member processes and read their
outputs, and the shipped presets ``_presets/`` of an installed copy), and the versions of
Python, NumPy and the dolfinx wheel. The git commit that ``summary.json`` records
(:func:`solver.outputs.provenance`) is not used: a commit that changes only documentation,
tests or figures would rerun everything, and an uncommitted edit of the solver would not; the
source hash catches exactly the edits that matter. (In a working tree that is being edited, any
edit of a solver module between two invocations reruns the members: wanted, since their numbers
may change.) The source hash is of the package this process imports, which is the one its
members import (:func:`solver.campaign.members._member_environment`).

The record of a member is ``<campaign dir>/logs/<member>.reuse.json`` (``runs/logs/<key>...``
for a fit): ``{"case_sha256", "code", "summary_sha256"}``, written when the member is launched
(``summary_sha256`` null) and again when it completed (the SHA-256 of its ``summary.json``
bytes). A completed member is reused if its record matches the resolved case, the code and the
bytes of its ``summary.json``, and ``summary.json`` itself records the same resolved case. A
member that left a checkpoint continues from it (``--restart``) unless its record names another
case or code (then it starts over, ``--force``); without a record (a member dir made by hand)
the run itself checks that the checkpoint is of the same case.
"""

from __future__ import annotations

import hashlib
import json
import platform
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from solver.io import files, output_dir

__all__ = ["canonical_json", "case_sha", "code_version", "launch_record", "reuse_decision",
           "source_sha256", "write_completed_record"]

#: Paths (relative to the ``solver`` package, POSIX) whose files do not enter the code hash.
EXCLUDED_SOURCES = ("plotting.py", "pl_figures.py", "figures/", "campaign/", "fitting/",
                    "_presets/")
_DISTRIBUTIONS = ("dolfinx-solver-real", "fenics-dolfinx", "numpy")


def canonical_json(data) -> str:
    """``data`` as JSON with sorted keys and no spaces (tuples and lists alike)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def case_sha(case_dict: dict) -> str:
    """SHA-256 (64 hex digits) of a resolved case dict (:func:`solver.config.case_to_dict`)."""
    return hashlib.sha256(canonical_json(case_dict).encode()).hexdigest()


def source_sha256(package_dir: Path, excluded=EXCLUDED_SOURCES) -> str:
    """SHA-256 over the relative paths and bytes of the files under ``package_dir``, sorted by
    path, skipping ``__pycache__``, ``*.pyc`` and the ``excluded`` relative paths (a name ending
    in ``/`` excludes a directory)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(package_dir).rglob("*") if p.is_file()):
        rel = path.relative_to(package_dir).as_posix()
        if "__pycache__" in rel.split("/") or rel.endswith(".pyc"):
            continue
        if any(rel == e or (e.endswith("/") and rel.startswith(e)) for e in excluded):
            continue
        digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _distribution_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


@lru_cache(maxsize=1)
def code_version() -> dict:
    """The code that makes a member's numbers (see the module docstring; computed once)::

        {"version": solver.__version__, "source_sha256": str, "python": str,
         "dolfinx-solver-real" | "fenics-dolfinx" | "numpy": str | None}
    """
    import solver

    code = {"version": solver.__version__,
            "source_sha256": source_sha256(Path(solver.__file__).resolve().parent),
            "python": platform.python_version()}
    for name in _DISTRIBUTIONS:
        code[name] = _distribution_version(name)
    return code


def _record_path(root: Path, name: str) -> Path:
    return Path(root) / "logs" / f"{name}.reuse.json"


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_record(root: Path, name: str, case: str, summary_sha: str | None) -> None:
    """Write the record; a failure (e.g. a full disk) only means the member is not reused."""
    try:
        files.write_json(_record_path(root, name), {
            "case_sha256": case, "code": code_version(), "summary_sha256": summary_sha})
    except OSError:
        pass


def launch_record(root: Path, name: str, case: str) -> None:
    """Record, before member ``name`` starts, the inputs its checkpoints will be made from."""
    if case:
        _write_record(root, name, case, None)


def write_completed_record(root: Path, name: str, case: str) -> None:
    """Record that member ``name`` (directory ``root/name``) completed from inputs ``case``."""
    if not case:
        return
    try:
        summary_sha = hashlib.sha256((Path(root) / name / output_dir.SUMMARY).read_bytes())
    except OSError:
        return
    _write_record(root, name, case, summary_sha.hexdigest())


def _changed(record: dict, case: str) -> str | None:
    """What differs between ``record`` and the inputs now: "case", "solver code" or None."""
    if record.get("case_sha256") != case:
        return "case"
    if record.get("code") != code_version():
        return "solver code"
    return None


def reuse_decision(root: Path, name: str, case: str) -> tuple[dict | None, str]:
    """Whether member ``name`` of resolved case ``case`` (:func:`case_sha`) is done.

    Returns:
        ``(summary, "")`` if the member completed from these inputs (reuse it);
        ``(None, "")`` if it has not completed (a new or unfinished member: run or resume it,
        unless its launch record names other inputs: then ``(None, reason)``);
        ``(None, "rerun: inputs changed (<what>)")`` if it completed, or left a checkpoint,
        from other inputs (start it over), where what is "case", "solver code" or "no record of
        its inputs".
    """
    summary_bytes = None
    try:
        summary_bytes = (Path(root) / name / output_dir.SUMMARY).read_bytes()
        summary = json.loads(summary_bytes)
    except (OSError, ValueError):
        summary = None
    record = _read_json(_record_path(root, name))
    completed = isinstance(summary, dict) and summary.get("status") == "completed"
    if not completed:
        what = _changed(record, case) if record is not None else None
        return None, (f"rerun: inputs changed ({what})" if what else "")
    if record is None or record.get("summary_sha256") is None:
        return None, "rerun: inputs changed (no record of its inputs)"
    what = _changed(record, case)
    if what is None and case_sha(summary.get("case", {})) != case:
        what = "case"
    if what is None and record["summary_sha256"] != hashlib.sha256(summary_bytes).hexdigest():
        what = "summary.json is not the one recorded"
    if what is not None:
        return None, f"rerun: inputs changed ({what})"
    return summary, ""
