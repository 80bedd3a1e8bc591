"""Synthetic confocal photoluminescence (PL) of a CsPb(Br_y Cl_1-y)3 wire. Pure numpy on import.

- :mod:`solver.pl.model`: the emission model E(y), the PSF, carrier funnelling and the PL peak
  along the wire (:func:`~solver.pl.model.pl_map`); the physics is described there.
- :mod:`solver.pl.output`: the PL outputs of a run (``pl/*.csv``, summary.json's ``pl`` block)
  and the front observables on the PL-apparent composition.
- :mod:`solver.pl.figures`: the wavelength map (matplotlib, imported only by this module).

The names of :mod:`solver.pl.model` are re-exported here (``from solver.pl import pl_map``).
"""

from solver.pl.model import (
    HC_EV_NM,
    WAVELENGTH_BR_NM,
    WAVELENGTH_CL_NM,
    EmissionModel,
    PLMap,
    PLSettings,
    fwhm_to_sigma,
    gaussian_psf,
    pl_map,
    section_weights,
)

__all__ = [
    "HC_EV_NM",
    "WAVELENGTH_BR_NM",
    "WAVELENGTH_CL_NM",
    "EmissionModel",
    "PLMap",
    "PLSettings",
    "fwhm_to_sigma",
    "gaussian_psf",
    "pl_map",
    "section_weights",
]
