"""Section models of what a run writes besides the profiles.

``output`` and ``pl`` (synthetic photoluminescence).
"""

from typing import Literal

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from solver.config.base import _MODEL_CONFIG
from solver.config.errors import _rule
from solver.config.halides import EndPointEmission, pair_named
from solver.constants import HC_EV_NM

__all__ = ["PL", "Output"]

class Output(BaseModel):
    """What to write besides summary.json and the profiles."""

    model_config = _MODEL_CONFIG

    vtx: bool = Field(
        True, description="write y, x_V, psi_V at the output times to fields/state.bp (VTX/ADIOS2)"
    )
    figures: bool = Field(True, description="write PNG figures")


class PL(BaseModel):
    """Synthetic confocal photoluminescence (docs/model.md, "Synthetic photoluminescence";
    solver/pl/model.py): the PL peak along the wire and the composition read from it."""

    model_config = _MODEL_CONFIG

    enabled: bool = Field(
        True, description="compute the PL outputs (pl/*.csv, figures/pl_wavelength_map.png, "
        "summary.json 'pl') from the profiles at the output times")
    wavelength_br_nm: float = Field(
        526.0, ge=300.0, le=1000.0, description="[nm] PL peak of CsPbBr3 (seed 001 Fig. 1b); "
        "Br/I: 513 (seed 004), not used by its emission law")
    wavelength_cl_nm: float = Field(
        420.0, ge=300.0, le=1000.0, description="[nm] PL peak of CsPbCl3 (seed 001 Fig. 1b); "
        "Br/I: wavelength_i_nm, 690 (CsPbI3, seed 004), not used by its emission law")
    bowing_eV: float = Field(
        0.0, ge=-1.0, le=1.0, description="[eV] bowing b of E(y) = y E_Br + (1-y) E_Cl - "
        "b y (1-y); |b| < E_Cl - E_Br (0 = linear, Yin et al. 2014). Br/I: not used (seed "
        "004's law E(x) = 2.42 - 0.2x^2 + 0.04x^3 eV, x = 3(1-y))")
    psf_fwhm_um: float = Field(
        0.35, gt=0.0, le=10.0, description="[µm] FWHM of the Gaussian confocal point-spread "
        "function along the wire")
    linewidth_eV: float = Field(
        0.085, gt=0.0, le=1.0, description="[eV] FWHM of the emission line of one point")
    peak: Literal["spectrum", "mean_energy"] = Field(
        "spectrum", description="[-] PL peak: maximum of the summed spectrum, or the "
        "intensity-weighted mean energy")
    funnelling: bool = Field(
        False, description="carriers recombine preferentially at the lowest gap within "
        "diffusion_length_um")
    diffusion_length_um: float = Field(
        1.0, gt=0.0, le=100.0, description="[µm] carrier diffusion length (funnelling only)")
    step_um: float = Field(
        0.01, gt=0.0, le=10.0, description="[µm] spacing of the PL probe positions")

    @model_validator(mode="after")
    def _check_emission(self, info: ValidationInfo) -> "PL":
        """The end-point law (Br/Cl) must be monotonic: B's peak at the shorter wavelength and
        |b| below the end-point spread. A pair with another law (Br/I: seed 004's polynomial,
        solver.config.halides) does not use these keys. The pair comes from the validation
        context (``{"halides": "Br/I"}``, set by solver.config.loading.case_from_dict); without
        one it is Br/Cl."""
        pair = pair_named((info.context or {}).get("halides"))
        if not isinstance(pair.emission, EndPointEmission):
            return self
        b = pair.compounds[1]
        if not self.wavelength_cl_nm < self.wavelength_br_nm:
            raise _rule("wavelength_cl_nm", f"{self.wavelength_cl_nm:g} nm must be below "
                        f"pl.wavelength_br_nm = {self.wavelength_br_nm:g} nm ({b} has the "
                        "larger gap)")
        spread = HC_EV_NM / self.wavelength_cl_nm - HC_EV_NM / self.wavelength_br_nm
        if not abs(self.bowing_eV) < spread:
            ea, eb = (pair.symbols("E_{}", w) for w in ("a", "b"))
            raise _rule("bowing_eV", f"|{self.bowing_eV:g}| eV must be below {eb} - {ea} = "
                        f"{spread:.4g} eV, else E(y) is not monotonic and a wavelength does not "
                        "define a composition")
        return self
