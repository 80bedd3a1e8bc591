"""The shipped presets: case files (``cases/``), campaigns (``campaigns/``), fits (``fits/``) and
ensembles (``ensembles/``, seed 002's single-particle exchange).

In a source checkout they are the top-level ``cases/``, ``campaigns/`` and ``fits/`` folders. A
built package (wheel, ``pip install .``) carries the same files as package data in
``solver/_presets/<kind>/`` (``setup.py`` maps the three folders into the package at build time,
so git holds one copy; a fit's data files, ``*.csv``, go with it). Campaigns and fits name their
base case relative to themselves (``../cases/...``) and fits their data next to themselves, which
holds in both layouts.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

KINDS = ("cases", "campaigns", "fits", "ensembles")


def preset_dir(kind: str) -> Path | None:
    """The folder holding the presets of ``kind`` (one of :data:`KINDS`), or None.

    The package data of an installed copy comes first; otherwise the folder next to the
    ``solver`` package of a source checkout.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown preset kind {kind!r} (one of {', '.join(KINDS)})")
    package = resources.files("solver")
    candidates = [package / "_presets" / kind]
    if isinstance(package, Path):
        candidates.append(package.parent / kind)
    for folder in candidates:
        if isinstance(folder, Path) and folder.is_dir():
            return folder
    return None


def preset_files(kind: str) -> list[Path]:
    """The ``*.yaml`` presets of ``kind``, sorted by name (empty if none are shipped)."""
    folder = preset_dir(kind)
    return sorted(folder.glob("*.yaml")) if folder is not None else []


def resolve(name: str) -> str:
    """``name`` itself if it is an existing path, else the shipped preset it names, else ``name``.

    A preset is named as ``--list-presets`` shows it (``cases/reference_forward.yaml``), or by
    its file name with or without ``.yaml``, so presets run from any directory.
    """
    try:
        if not name or Path(name).exists():
            return name
        parts = Path(name).parts
        if not 1 <= len(parts) <= 2 or (len(parts) == 2 and parts[0] not in KINDS):
            return name
        kinds = [parts[0]] if len(parts) == 2 else list(KINDS)
        filename = parts[-1] if parts[-1].endswith((".yaml", ".yml")) else f"{parts[-1]}.yaml"
        for kind in kinds:
            folder = preset_dir(kind)
            if folder is not None and (folder / filename).is_file():
                return str(folder / filename)
    except (OSError, ValueError):  # an unusable name: left to the case loader's one-line error
        pass
    return name
