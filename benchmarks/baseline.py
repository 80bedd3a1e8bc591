"""Run a benchmark against an earlier commit of this repository in the same session.

``checkout(ref)`` makes a detached ``git worktree`` of ``ref`` in a temporary folder (removed on
exit); a benchmark then runs its own measuring code in a subprocess with ``PYTHONPATH`` set to
that folder, so ``import solver`` loads the old package while the measurement is identical.
Only public tools (git, the Python interpreter of this venv) are used.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def checkout(ref: str) -> Iterator[Path]:
    """A temporary worktree of ``ref`` (a commit, tag or branch of this repository)."""
    with tempfile.TemporaryDirectory(prefix="pvk-baseline-") as tmp:
        path = Path(tmp) / "tree"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "--quiet",
                        str(path), ref], check=True)
        try:
            yield path
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(path)],
                           check=False)


def env_for(tree: Path | None) -> dict:
    """Environment that makes ``import solver`` load ``tree`` (None: this checkout)."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    if tree is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(tree), env.get("PYTHONPATH", "")]).rstrip(
            os.pathsep)
    return env


def describe(ref: str) -> str:
    """``<short hash> <subject>`` of ``ref``."""
    out = subprocess.run(["git", "-C", str(REPO), "log", "-1", "--format=%h %s", ref],
                         capture_output=True, text=True, check=False)
    return out.stdout.strip()[:80] or ref
