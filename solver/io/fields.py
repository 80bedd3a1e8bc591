"""Reading the field snapshots of a run, ``fields/state.bp`` (VTX, ADIOS2 BP4).

A run with ``output.vtx: true`` writes y, x_V and psi [V] at every output time
(``solver.recording.open_vtx``). :func:`read_fields` returns them as numpy arrays; it needs the
ADIOS2 Python bindings, the optional extra ``fields`` (``.venv/bin/pip install -e '.[fields]'``,
also part of ``.[test]``). ParaView reads the same directory with its ADIOS2 VTX reader.

Axes. The arrays keep the mesh coordinates of the file. In 1D the mesh is the wire axis alone
(coordinate x, y = z = 0); in 3D the wire axis is x (from 0 to ``geometry.length_um``), y runs
across the width (centred on 0) and z is the height (0 at the bottom, on the electrodes). The
profile CSVs, the time series, the figures and the case keys call the wire axis z
(``z_um``): a profile's ``z_um`` is the mesh's x. ``axial_um`` in the result is that
coordinate, to compare with the profiles directly.

Why a child process. The PyPI ``adios2`` wheel ships its own ``libadios2_core.so.2.12``, the
soname of the ADIOS2 that dolfinx is linked against. A process that imports ``adios2`` before
dolfinx cannot import dolfinx afterwards (an undefined symbol), so :func:`read_fields` never
imports ``adios2`` itself: it reads the file in a child Python (``python -m solver.io.fields
STATE.bp OUT.npz``) and loads the arrays it saved. Any process, with or without dolfinx
loaded, may call it.

numpy and the standard library only (``adios2`` in the child).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["FIELD_NAMES", "FieldsUnavailable", "read_fields"]

#: Point data written by ``solver.recording.open_vtx``: composition y [-], vacancy fraction
#: x_V [-], electrostatic potential psi [V].
FIELD_NAMES = ("y", "x_V", "psi_V")
#: Exit code of the child when ``adios2`` cannot be imported.
_NO_ADIOS2 = 3
#: Files of every BP4 directory (metadata index, metadata).
_BP4_FILES = ("md.idx", "md.0")
#: Decimals [µm] of the coordinates by which the nodes are sorted (1e-9 µm).
_SORT_DECIMALS = 9
#: vtkGhostType bit of a point owned by another rank (VTK's DUPLICATEPOINT).
_DUPLICATE_POINT = 1


class FieldsUnavailable(ImportError):
    """The ADIOS2 Python bindings are not installed (the ``fields`` extra)."""


def read_fields(path) -> dict:
    """The fields of a VTX file written by a run, at every stored time.

    Args:
        path: the ``fields/state.bp`` directory of a run (or a run directory containing it).

    Returns:
        A dict with, for ``n_t`` stored times and ``n`` mesh nodes (each node once, also
        after a run on several MPI ranks; sorted by x, then y, then z, compared to 1e-9 µm,
        so that the nodes of a structured mesh come in grid order):

        - ``t_s``: (n_t,) the times [s], increasing as written;
        - ``coordinates_um``: (n, 3) mesh node coordinates (x, y, z) [µm], see the module
          docstring for the axes (1D: y = z = 0);
        - ``axial_um``: (n,) the position along the wire [µm] = ``coordinates_um[:, 0]``, the
          ``z_um`` of the profile CSVs;
        - ``y``: (n_t, n) halide composition y = x_Br / (x_Br + x_Cl) [-];
        - ``x_V``: (n_t, n) vacancy site fraction [-];
        - ``psi_V``: (n_t, n) electrostatic potential [V].

    Raises:
        FileNotFoundError: no ``state.bp`` at ``path``.
        FieldsUnavailable: the ``adios2`` package is not installed (message says how).
        ValueError: the file cannot be read as the fields of a run (one line naming it).
    """
    path = Path(path)
    if (path / "fields" / "state.bp").is_dir():
        path = path / "fields" / "state.bp"
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no VTX output (a run with output.vtx: true writes "
                                "fields/state.bp)")
    missing = [name for name in _BP4_FILES if not (path / name).is_file()]
    if missing:  # checked here: ADIOS2 waits seconds for a missing metadata file
        raise ValueError(f"{path}: not an ADIOS2 BP4 directory (no {', '.join(missing)})")
    with tempfile.TemporaryDirectory(prefix="read_fields_") as tmp:
        npz = Path(tmp) / "fields.npz"
        proc = subprocess.run([sys.executable, "-m", "solver.io.fields", str(path), str(npz)],
                              capture_output=True, text=True, env=_child_env(), check=False)
        message = " ".join(proc.stderr.split()[-60:]) or f"exit {proc.returncode}"
        if proc.returncode == _NO_ADIOS2:
            raise FieldsUnavailable(message)
        if proc.returncode != 0 or not npz.is_file():
            raise ValueError(f"{path}: {message}")
        with np.load(npz) as data:
            return {name: data[name] for name in data.files}


def _child_env() -> dict:
    """The environment of the reading child: this ``solver`` package first on its path."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def _read_step(reader, step: int, n_blocks: int) -> dict:
    """The owned nodes' coordinates and fields of one step, every writer block concatenated."""
    parts: dict[str, list] = {name: [] for name in ("geometry", *FIELD_NAMES)}
    for block in range(n_blocks):
        ghost = np.asarray(reader.read("vtkGhostType", block_id=block,
                                       step_selection=[step, 1])).reshape(-1)
        owned = (ghost & _DUPLICATE_POINT) == 0
        for name in parts:
            values = np.asarray(reader.read(name, block_id=block, step_selection=[step, 1]))
            values = values.reshape(ghost.size, -1)
            parts[name].append(values[owned])
    out = {name: np.concatenate(chunks) for name, chunks in parts.items()}
    out["geometry"] = out["geometry"].reshape(-1, 3)
    for name in FIELD_NAMES:
        out[name] = out[name].reshape(-1)
    return out


def _read_file(path: str) -> dict:
    """:func:`read_fields` in the child: the arrays, nodes sorted by (x, y, z).

    Raises:
        ValueError: a field is missing or the mesh differs between steps.
    """
    import adios2

    with adios2.FileReader(path) as reader:
        names = set(reader.available_variables())
        missing = [n for n in ("step", "geometry", "vtkGhostType", *FIELD_NAMES)
                   if n not in names]
        if missing:
            raise ValueError(f"not the fields of a run: no {', '.join(missing)}")
        n_steps = int(reader.num_steps())
        n_blocks = len(reader.all_blocks_info("y")[0]) if n_steps else 0
        times, steps = [], []
        for step in range(n_steps):
            times.append(float(np.asarray(reader.read("step", step_selection=[step, 1]))
                               .reshape(-1)[0]))
            steps.append(_read_step(reader, step, n_blocks))
    if not steps:
        raise ValueError("no time stored")
    xyz = steps[0]["geometry"]
    if any(s["geometry"].shape != xyz.shape or not np.array_equal(s["geometry"], xyz)
           for s in steps):
        raise ValueError("the mesh changes between stored times")
    key = np.round(xyz, _SORT_DECIMALS)  # rounding noise (1e-17 µm) must not decide the order
    order = np.lexsort((key[:, 2], key[:, 1], key[:, 0]))
    result = {"t_s": np.array(times), "coordinates_um": xyz[order],
              "axial_um": xyz[order, 0].copy()}
    for name in FIELD_NAMES:
        result[name] = np.stack([s[name][order] for s in steps])
    return result


def _one_line(exc: BaseException) -> str:
    """An exception's text on one line, without ADIOS2's colour codes and time stamps."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    text = re.sub(r"\[\w{3} \w{3} [ \d]\d [\d:]{8} \d{4}\]", "", text)
    return " ".join(text.split())[:300] or type(exc).__name__


def _main(argv: list[str]) -> int:
    """Child entry point: ``python -m solver.io.fields STATE.bp OUT.npz``; exit 0 (written),
    2 (unreadable, one line on stderr) or 3 (no ``adios2``)."""
    if len(argv) != 2:
        print("usage: python -m solver.io.fields STATE.bp OUT.npz", file=sys.stderr)
        return 2
    try:
        import adios2  # noqa: F401
    except ImportError as exc:
        print(f"cannot read VTX output: the adios2 package is missing ({exc}); install it with "
              ".venv/bin/pip install -e '.[fields]' (or open the file in ParaView)",
              file=sys.stderr)
        return _NO_ADIOS2
    try:
        arrays = _read_file(argv[0])
    except (ValueError, RuntimeError, OSError, IndexError) as exc:
        print(_one_line(exc), file=sys.stderr)
        return 2
    np.savez(argv[1], **arrays)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
