r"""Thermal interdiffusion (seed 000; docs/thermal.md): targets, profile metrics, model D(y).

Pure numpy (plus :mod:`solver.physics.onsager`, which is numpy-compatible); no dolfinx.

Model interdiffusivity. Without bias and sources the vacancies relax within seconds to a
distribution fixed by Poisson's equation, after which the vacancy flux is negligible,
J_V = -(J_Br + J_Cl) ~ 0. Eliminating the vacancy electrochemical gradient with that constraint
from the Onsager fluxes (docs/model.md, "Transport equations") gives Fick's law
J_Br = -D grad y with

.. math::
    D(y, x_V) = \lambda^2 x_V\, k_{eff}(y),\qquad
    k_{eff} = \frac{g_{BrBr} g_{ClCl} - g_{BrCl} g_{ClBr}}{m_{BrBr} + 2 m_{BrCl} + m_{ClCl}},

(g_ab = m_ab / x_b, reduced coefficients of :func:`solver.physics.onsager.reduced_onsager`),
i.e. seed 000's Eq. 2, D = a² rho_v k_eff. Ideal coefficients give the harmonic mixing rule
k_eff = w_Br w_Cl / (y w_Br + (1 - y) w_Cl). Note x_V is whatever the simulation has at that
place: it is *not* x_V,eq(y) unless the vacancies follow the composition.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from solver.constants import BOLTZMANN_EV_PER_K
from solver.physics.onsager import reduced_onsager

__all__ = [
    "SEED_000",
    "SeedTargets",
    "arrhenius_fit",
    "br_rich_length_um",
    "cl_plateau",
    "effective_rate_per_s",
    "interdiffusivity_cm2_per_s",
    "local_equilibrium_interdiffusivity_cm2_per_s",
    "max_gradient_per_um",
    "poisson_boltzmann_vacancies",
    "vacancy_potential_shift",
]

from solver.analysis.matano import UM2_TO_CM2


@dataclass(frozen=True)
class SeedTargets:
    """Numbers of seed 000 (thermal interdiffusion, 100 °C unless stated), with where they are.

    Attributes:
        y_cl_initial: Cl-rich part before annealing, Fig. 2A ("increased ... from 0.22").
        y_cl_1p5h: Cl-rich part after 1.5 h ("... to 0.27").
        y_cl_5h: Cl-rich part after 5 h ("continued increasing to 0.38").
        br_shrink_1p5h_um: "the Br-rich region shrank by about 1 µm" after 1.5 h.
        br_length_5h_um: "After 5 h, the length of the Br-rich end was about 0.5 µm".
        D_range_cm2_per_s: "interdiffusion coefficient around 1e-13 ~ 1e-12 cm²/s at
            75-125 °C" (and Fig. 4A, larger at Cl-rich composition).
        activation_eV: "activation energies for both pure phases to be 0.28 eV" (Fig. 4B).
    """

    y_cl_initial: float = 0.22
    y_cl_1p5h: float = 0.27
    y_cl_5h: float = 0.38
    br_shrink_1p5h_um: float = 1.0
    br_length_5h_um: float = 0.5
    D_range_cm2_per_s: tuple[float, float] = (1e-13, 1e-12)
    activation_eV: float = 0.28


SEED_000 = SeedTargets()


def effective_rate_per_s(y, w_br: float, w_cl: float, onsager_model: str = "manning",
                         f0: float = 0.6889):
    """k_eff(y) [1/s] of the zero-vacancy-flux interdiffusivity (module docstring).

    Args:
        y: composition x_Br/(x_Br + x_Cl) [-], float or array (clipped to [0, 1]).
        w_br, w_cl: halide-vacancy exchange rates [1/s].
        onsager_model: "ideal", "manning" or "kmc" (solver.physics.onsager).
        f0: pure-lattice correlation factor [-] (manning).
    """
    y = np.clip(np.asarray(y, dtype=float), 0.0, 1.0)
    m = reduced_onsager(y, 1.0 - y, w_br, w_cl, onsager_model, f0)
    det = m.g_brbr * m.g_clcl - m.g_brcl * m.g_clbr
    return det / (m.m_brbr + 2.0 * m.m_brcl + m.m_clcl)


def interdiffusivity_cm2_per_s(y, x_v, params):
    """D(y, x_V) = λ² x_V k_eff(y) [cm²/s] for :class:`solver.parameters.ModelParameters`."""
    k = effective_rate_per_s(y, params.w_br, params.w_cl, params.onsager_model, params.f0)
    return params.lambda2_um2 * np.asarray(x_v, dtype=float) * k * UM2_TO_CM2


def local_equilibrium_interdiffusivity_cm2_per_s(y, params):
    """D(y) [cm²/s] if the vacancies followed the composition, x_V = x_V,eq(y) (seed 000)."""
    return interdiffusivity_cm2_per_s(y, params.x_v_eq(np.asarray(y, dtype=float)), params)


def br_rich_length_um(z_um, y, br_rich_left: bool, level: float = 0.9) -> float:
    """Length [µm] of the Br-rich end: distance from that wire end to the first y < level.

    Returns 0 if the end itself is below ``level``, the wire length if y >= level everywhere.
    """
    z = np.asarray(z_um, dtype=float)
    y = np.asarray(y, dtype=float)
    if not br_rich_left:
        z, y = (z[-1] - z)[::-1], y[::-1]
    below = np.nonzero(y < level)[0]
    if below.size == 0:
        return float(z[-1] - z[0])
    i = int(below[0])
    if i == 0:
        return 0.0
    # linear interpolation between nodes i-1 (>= level) and i (< level)
    frac = (y[i - 1] - level) / (y[i - 1] - y[i])
    return float(z[i - 1] + frac * (z[i] - z[i - 1]) - z[0])


def cl_plateau(z_um, y, interface_um: float, length_um: float, br_rich_left: bool) -> dict:
    """Composition of the outer half of the Cl-rich segment (away from the initial interface).

    Returns:
        {"mean", "min", "max", "spread" = max - min} of y over the half of the Cl-rich segment
        farthest from the initial interface (nodal values).
    """
    z = np.asarray(z_um, dtype=float)
    y = np.asarray(y, dtype=float)
    if br_rich_left:
        mask = z >= interface_um + 0.5 * (length_um - interface_um)
    else:
        mask = z <= 0.5 * interface_um
    sel = y[mask]
    return {"mean": float(sel.mean()), "min": float(sel.min()), "max": float(sel.max()),
            "spread": float(sel.max() - sel.min())}


def max_gradient_per_um(z_um, y) -> float:
    """Largest |dy/dz| [1/µm] of the piecewise-linear profile."""
    z = np.asarray(z_um, dtype=float)
    y = np.asarray(y, dtype=float)
    return float(np.max(np.abs(np.diff(y) / np.diff(z))))


def arrhenius_fit(T_K, D) -> tuple[float, float]:
    """Least-squares fit of ln D = ln D0 - E_a/(k_B T).

    Args:
        T_K: temperatures [K].
        D: values at T_K (any positive unit).

    Returns:
        (E_a [eV], D0 [unit of D]).
    """
    x = -1.0 / (BOLTZMANN_EV_PER_K * np.asarray(T_K, dtype=float))
    slope, intercept = np.polyfit(x, np.log(np.asarray(D, dtype=float)), 1)
    return float(slope), float(math.exp(intercept))


def vacancy_potential_shift(y, params) -> np.ndarray:
    r"""eta(y) - eta(y[0]): jump of the vacancy electrochemical potential at zero vacancy flux.

    With the halides frozen on the vacancy time scale, J_V = -(J_Br + J_Cl) = 0 does not make
    eta = ln x_V + phi uniform where y varies, because Br and Cl exchange with vacancies at
    different rates (docs/model.md, "Transport equations"; Kirkendall effect). Setting
    J_Br + J_Cl = 0 in the Onsager fluxes (x_V << 1, grad ln x_Br = grad y / y,
    grad ln x_Cl = -grad y / (1 - y)):

    .. math::
        \frac{d\eta}{dy} = \frac{(g_{BrBr} + g_{BrCl}) - (g_{ClBr} + g_{ClCl})}
                               {m_{BrBr} + 2 m_{BrCl} + m_{ClCl}},

    (ideal coefficients: (w_Br - w_Cl) / (y w_Br + (1 - y) w_Cl)), integrated along the profile
    (trapezoid rule in y). A function of the local composition only.

    Args:
        y: composition at consecutive nodes [-].
        params: ModelParameters (w_br, w_cl, onsager_model, f0).

    Returns:
        eta - eta(first node) at the nodes [k_BT/e].
    """
    y = np.clip(np.asarray(y, dtype=float), 0.0, 1.0)
    m = reduced_onsager(y, 1.0 - y, params.w_br, params.w_cl, params.onsager_model, params.f0)
    slope = ((m.g_brbr + m.g_brcl) - (m.g_clbr + m.g_clcl)) / (m.m_brbr + 2.0 * m.m_brcl
                                                                + m.m_clcl)
    return np.concatenate([[0.0], np.cumsum(0.5 * (slope[1:] + slope[:-1]) * np.diff(y))])


def poisson_boltzmann_vacancies(z_um, y, params, grounded: bool, contacts_um=None,
                                zero_flux_shift: bool = True, y_background=None,
                                max_it: int = 100):
    r"""Quasi-steady vacancies at zero bias with the frozen background (independent check).

    Solves, with numpy (finite differences on the given nodes, Newton),

    .. math::
        -\lambda_D^2 \phi'' = \frac{x_V - x_{bg}}{x_{ref}},\qquad
        x_V = N \frac{e^{\eta_0 - \phi}}{\int e^{\eta_0 - \phi}\,dz},\qquad
        N = \int x_{bg}\,dz,

    x_bg = x_V,eq(y(z, 0)) (``y_background``, default ``y``): the vacancies conserve their number
    and carry no current, so eta = ln x_V + phi equals eta_0(y) (:func:`vacancy_potential_shift`,
    the Kirkendall jump
    across a composition gradient) up to a constant; ``zero_flux_shift=False`` sets eta_0 = 0
    (plain Boltzmann equilibrium). ``grounded``: phi = 0 at the two ``contacts_um`` (the solver's
    contact lines); otherwise a floating wire (zero field at both ends, gauge phi(0) = 0).

    Args:
        z_um: increasing nodes [µm]; y: current composition at the nodes [-].
        params: ModelParameters (debye2_um2, x_ref, ln_x_v_br/cl, contacts, hop rates).
        grounded: impose phi = 0 at the contacts (True) or float (False).
        contacts_um: (left, right) contact positions [µm]; default the parameters' contact lines.
        zero_flux_shift: include eta_0(y) (True) or not.
        y_background: initial composition at the nodes, which sets the frozen background
            x_V,eq(y(z, 0)) and the vacancy number (default: ``y``).
        max_it: Newton iterations.

    Returns:
        (x_V at the nodes [-], psi at the nodes [V]).

    Raises:
        RuntimeError: Newton did not converge (update max-norm < 1e-10 k_BT/e).
    """
    z = np.asarray(z_um, dtype=float)
    n = z.size
    h = np.diff(z)
    w = np.zeros(n)  # lumped (trapezoid) weights
    w[:-1] += 0.5 * h
    w[1:] += 0.5 * h
    y_bg = np.asarray(y if y_background is None else y_background, dtype=float)
    x_bg = params.x_v_eq(y_bg)
    eta0 = vacancy_potential_shift(y, params) if zero_flux_shift else np.zeros(n)
    total = float(np.sum(w * x_bg))
    lam2, x_ref = params.debye2_um2, params.x_ref
    stiff = np.zeros((n, n))
    k = lam2 / h
    idx = np.arange(n - 1)
    stiff[idx, idx] += k
    stiff[idx + 1, idx + 1] += k
    stiff[idx, idx + 1] -= k
    stiff[idx + 1, idx] -= k
    if contacts_um is None:
        contacts_um = (params.contact_left_um, params.contact_right_um)
    fixed = [int(np.argmin(np.abs(z - c))) for c in contacts_um] if grounded else [0]
    phi = np.zeros(n)
    for _ in range(max_it):
        a = eta0 - phi
        e = np.exp(a - a.max())
        part = float(np.sum(w * e))
        x_v = total * e / part
        res = stiff @ phi - w * (x_v - x_bg) / x_ref
        jac = stiff + np.diag(w * x_v / x_ref) - np.outer(w * x_v / x_ref, w * e / part)
        for i in fixed:
            jac[i, :] = 0.0
            jac[i, i] = 1.0
            res[i] = phi[i]
        delta = np.linalg.solve(jac, -res)
        delta = np.clip(delta, -2.0, 2.0)
        phi += delta
        if np.max(np.abs(delta)) < 1e-10:
            break
    else:
        raise RuntimeError(f"Poisson-Boltzmann Newton did not converge in {max_it} iterations")
    a = eta0 - phi
    e = np.exp(a - a.max())
    return total * e / float(np.sum(w * e)), phi * params.thermal_voltage_V
