"""PL outputs of a run: the synthetic PL (solver/pl/model.py) of the profiles at the output times.

Given the recorded composition profiles (1D nodal profiles, or in 3D the composition on the
sample lines across the section, integrated over it), this module computes at every output
time the PL peak along the wire, the composition read from it, and the front observables of
docs/model.md ("Observables") on both the true and the PL-apparent composition, and writes:

    pl/pl_wavelength.csv  t_s, z_um, wavelength_nm, peak_energy_eV, y_pl (one row per probe
                          position and output time)
    pl/pl_fronts.csv      per output time: front position, migration length, front width
                          (y = 0.2 ... 0.9) and Cl ahead of the front, true and PL-apparent,
                          and whether each width is resolved (below); the columns naming
                          Cl name the case's second halide (Br/I: max_i_ahead, ...)
    figures/pl_wavelength_map.png   PL peak wavelength along the wire vs time (seed 001 Fig. 1d),
                          with the electrodes and the PL settings

and returns the ``pl`` block of summary.json (the values at the last output time, and the
probe spacing ``settings.step_um``). Pure numpy plus matplotlib for the figure; no dolfinx.

Resolved widths. A width is measured between the y = 0.2 and y = 0.9 crossings, interpolated
linearly between samples, so a front that jumps between two neighbouring samples (the usual
PL-apparent front with ``peak: spectrum``, which switches from one phase's line to the
other's) still gets a number, about 0.7 of the sample spacing (e.g. ``width_um_pl`` = 0.0078 µm
with probes every 0.01 µm). Such a value says "sharper than the sampling", not a width. The
columns ``width_resolved`` (true profile, against the mesh-node spacing at the front) and
``width_resolved_pl`` (PL-apparent, against the probe spacing) are 1 when the width is at
least the spacing of the sample interval containing the front, 0 when it is below it
(unresolved: read ``width_um*`` as an upper bound of order the spacing), and empty when there is
no width. ``width_um`` and ``width_um_pl`` keep their meaning and values; summary.json's ``pl``
block has the same flags as booleans (null without a width). Note that the optical resolution
is the PSF (``psf_fwhm_um``), far coarser than the probe spacing: a resolved PL width is still
a PL-apparent one.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from solver.analysis import observables
from solver.io import files
from solver.model.species import BR_CL, HalidePair, output_names, pair_of
from solver.pl.model import EmissionModel, PLMap, PLSettings, emission_model, pl_map

__all__ = ["CL_UPTAKE_MARGIN_UM", "emission_of", "front_metrics", "settings_of",
           "width_resolved", "write_pl_outputs"]

#: Distance beyond the front excluded from the Cl ahead of it [µm]; the same value as the run
#: summary's ``cl_uptake_br_segment`` (solver/run.py), so true and PL-apparent values compare.
CL_UPTAKE_MARGIN_UM = 0.5


def emission_of(pl_cfg, pair: HalidePair = BR_CL) -> EmissionModel:
    """The E(y) relation of a case's ``pl`` section and halide pair (Br/Cl: the end points and
    bowing of ``pl``; Br/I: seed 004's law, solver.pl.model.emission_model)."""
    return emission_model(pair, pl_cfg.wavelength_br_nm, pl_cfg.wavelength_cl_nm,
                          pl_cfg.bowing_eV)


def _pair_names(pair: HalidePair) -> dict[str, str]:
    """The pl_fronts.csv / summary names that name the second halide -> ``pair``'s names
    (identity for Br/Cl)."""
    names = output_names(pair)
    out = {"cl_margin_um": names["pl_margin"]}
    for suffix in ("", "_pl"):
        out[f"max_cl_ahead{suffix}"] = names["ahead"] + suffix
        out[f"mean_cl_increase{suffix}"] = names["uptake_mean"] + suffix
    return out


def settings_of(pl_cfg) -> PLSettings:
    """The optics and carrier settings of a case's ``pl`` section."""
    return PLSettings(
        psf_fwhm_um=pl_cfg.psf_fwhm_um, linewidth_eV=pl_cfg.linewidth_eV, peak=pl_cfg.peak,
        funnelling_length_um=pl_cfg.diffusion_length_um if pl_cfg.funnelling else 0.0,
        step_um=pl_cfg.step_um,
    )


def front_metrics(z_um, y, y0, geometry, margin_um: float = CL_UPTAKE_MARGIN_UM) -> dict:
    """Front position, width and Cl ahead of the front of one profile (docs/model.md).

    Args:
        z_um: positions [µm], increasing.
        y: composition (true or PL-apparent) [-].
        y0: the initial composition on the same positions (same kind as ``y``) [-].
        geometry: the case's ``geometry`` section (interface, length, Br-rich side).
        margin_um: distance beyond the front excluded from ``max_cl_ahead`` [µm].

    Returns:
        ``front_um``, ``width_um`` (distance between the y = 0.2 and 0.9 crossings nearest the
        front), ``max_cl_ahead`` (largest 1 - y farther than ``margin_um`` beyond the front in
        the initial Br-rich segment), ``mean_cl_increase`` (mean of y0 - y over it) and
        ``width_resolved`` (:func:`width_resolved`: the width is at least the sample spacing at
        the front; None without a width).
    """
    zi = geometry.interface_um
    front = observables.front_position(z_um, y, zi)
    lo, hi = (0.0, zi) if geometry.br_rich_side == "left" else (zi, geometry.length_um)
    up = observables.cl_uptake(z_um, y, y0, lo, hi, margin_um=margin_um,
                               br_rich_side=geometry.br_rich_side)
    width = observables.sharpness(z_um, y, front)
    return {"front_um": front, "width_um": width,
            "max_cl_ahead": up["max_cl_fraction"], "mean_cl_increase": up["mean_cl_increase"],
            "width_resolved": width_resolved(z_um, width, front)}


def width_resolved(z_um, width_um: float, front_um: float) -> bool | None:
    """True if a front width is at least the spacing of the sample interval containing the
    front (the transition spans more than one interval), False if below it (unresolved: a
    jump between neighbouring samples measures about 0.7 of the spacing), None without a width
    or front."""
    z = np.asarray(z_um, dtype=float)
    if z.size < 2 or not (math.isfinite(width_um) and math.isfinite(front_um)):
        return None
    i = int(np.clip(np.searchsorted(z, front_um), 1, z.size - 1))
    return bool(width_um >= z[i] - z[i - 1])


def _pl_of(profile, emission: EmissionModel, settings: PLSettings) -> PLMap:
    """PL of one recorded profile. 3D runs record y on the sample lines across the section
    (``y_lines``, an equal-weight grid): emission is integrated over those, so a front tilted
    across the section emits from both phases in one spot, as in the measurement; 1D profiles
    (and profiles without lines) are used as they are."""
    y_lines = getattr(profile, "y_lines", None)
    return pl_map(profile.z_um, profile.y if y_lines is None else y_lines, emission, settings)


def write_pl_outputs(out: Path, profiles, case, *, figures: bool = True) -> dict:
    """Compute and write the PL outputs of a run; return the summary.json ``pl`` block.

    Args:
        out: the run's output directory.
        profiles: the recorded profiles (objects with ``t_s``, ``z_um``, ``y``), first = t = 0.
        case: the validated case (its ``pl`` and ``geometry`` sections are used).
        figures: also draw figures/pl_wavelength_map.png.

    Returns:
        ``{}`` if ``pl.enabled`` is false or there is no profile, else the settings and the
        true and PL-apparent front observables at the last output time.

    Raises:
        OSError: a file could not be written (the caller reports it).
    """
    if not case.pl.enabled or not profiles:
        return {}
    pair = pair_of(case)
    emission, settings = emission_of(case.pl, pair), settings_of(case.pl)
    geo = case.geometry
    maps = [_pl_of(p, emission, settings) for p in profiles]
    wave_rows, front_rows = [], []
    for prof, m in zip(profiles, maps, strict=True):
        for k in range(m.z_um.size):
            wave_rows.append({"t_s": prof.t_s, "z_um": m.z_um[k],
                              "wavelength_nm": m.wavelength_nm[k],
                              "peak_energy_eV": m.peak_energy_eV[k], "y_pl": m.y_apparent[k]})
        front_rows.append(_front_row(prof, m, profiles[0], maps[0],
                                     front_rows[0] if front_rows else None, geo))
    rename = _pair_names(pair)
    front_rows = [{rename.get(k, k): v for k, v in row.items()} for row in front_rows]
    files.write_timeseries_csv(out / "pl" / "pl_wavelength.csv", wave_rows)
    files.write_timeseries_csv(out / "pl" / "pl_fronts.csv", front_rows)
    if figures and len(maps) > 0:
        from solver.pl.figures import plot_wavelength_map

        el = case.electrodes
        name = f"{case.name} (3D)" if case.geometry.dimension == 3 else case.name
        plot_wavelength_map([(name, [p.t_s for p in profiles], maps)],
                            out / "figures" / "pl_wavelength_map.png", emission=emission,
                            settings=settings,
                            electrodes=((el.left.start_um, el.left.end_um),
                                        (el.right.start_um, el.right.end_um)))
    return _summary_block(front_rows[-1], emission, settings, rename["cl_margin_um"])


def _summary_block(last: dict, emission, settings: PLSettings, margin_key: str) -> dict:
    """summary.json's ``pl`` block: the settings and the last ``pl_fronts.csv`` row (``last``;
    the margin under ``margin_key``, named after the pair; bowing null for a law without)."""
    return {
        "settings": {"psf_fwhm_um": settings.psf_fwhm_um, "linewidth_eV": settings.linewidth_eV,
                     "peak": settings.peak, "funnelling_length_um": settings.funnelling_length_um,
                     "bowing_eV": getattr(emission, "bowing_eV", None),
                     "step_um": settings.step_um},
        "t_s": last["t_s"],
        margin_key: CL_UPTAKE_MARGIN_UM,
        **{k: _json_value(v) for k, v in last.items() if k != "t_s"},
    }


def _front_row(prof, m: PLMap, prof0, m0: PLMap, first: dict | None, geo) -> dict:
    """The ``pl_fronts.csv`` row of one output time: true (profile ``prof``) and PL-apparent
    (map ``m``) front observables, each against its own initial state (``prof0``, ``m0``), the
    migration lengths from the first row's fronts (``first``; None for the first row itself)
    and the two ``width_resolved`` flags last (the earlier columns keep their order)."""
    true = front_metrics(prof.z_um, prof.y, np.interp(prof.z_um, prof0.z_um, prof0.y), geo)
    seen = front_metrics(m.z_um, m.y_apparent, np.interp(m.z_um, m0.z_um, m0.y_apparent), geo)
    row = {"t_s": prof.t_s}
    for key in true:
        if key != "width_resolved":
            row[key] = true[key]
            row[f"{key}_pl"] = seen[key]
    for suffix in ("", "_pl"):
        row[f"migration_length_um{suffix}"] = observables.migration_length(
            first[f"front_um{suffix}"] if first is not None else row[f"front_um{suffix}"],
            row[f"front_um{suffix}"], geo.br_rich_side)
    row["width_resolved"], row["width_resolved_pl"] = (true["width_resolved"],
                                                       seen["width_resolved"])
    return row


def _json_value(v):
    """A summary value: flags (bool or None) as they are, non-finite numbers as None."""
    if v is None or isinstance(v, bool):
        return v
    return v if math.isfinite(v) else None
