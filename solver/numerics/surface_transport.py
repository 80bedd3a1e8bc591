"""The surface path of a wire as a fourth field: halide diffusion along the free surface and
exchange with the bulk (issue 28 item 8; the terms: :mod:`solver.physics.surface_transport`).

1D, section-averaged: the layer is a field y_s(z) on the same mesh as the bulk, added to the
default layout by :meth:`solver.numerics.layout.FieldLayout.extended`, its residual terms given
to :class:`solver.numerics.problem.TransportProblem` through its ``forcing`` hook. No case key:
the validation study (validation/thermal/surface_scan.py) builds the problem itself::

    path = SurfacePath(D_s_ref_um2_per_s=1e-2, E_s_eV=0.28, k_sb_um_per_s=1e-4, delta_nm=1.0,
                       width_um=0.2, height_um=0.2)
    fields, forcing = path.layout_and_forcing()
    problem = TransportProblem(mesh, params, 1, options, fields=fields, forcing=forcing)
    problem.initialise(); initialise_layer(problem)       # y_s(z, 0) = y(z, 0)

Rectangular cross-section (P = 2 (w + h), A = w h); constant temperature (D_s is evaluated at
``params.T_K``; a temperature protocol is refused).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from solver.constants import BOLTZMANN_EV_PER_K
from solver.numerics.layout import Field, FieldLayout, ScaledYTolerance
from solver.physics.surface_transport import SurfaceCoefficients, surface_transport_terms

#: Name of the layer's field in the layout.
LAYER = "y_s"


def _layer_check(y: np.ndarray, z: np.ndarray, tol: float) -> str | None:
    """y_s in [-tol, 1 + tol]."""
    for k, bad, text in ((int(np.argmin(y)) if y.size else 0, y.size and y.min() < -tol,
                          f"< {-tol:g}"),
                         (int(np.argmax(y)) if y.size else 0, y.size and y.max() > 1.0 + tol,
                          f"> {1 + tol:g}")):
        if bad:
            return (f"y_s = {y[k]:.6g} {text} (surface transport (y_s)) at z = {z[k]:.6g} µm")
    return None


def layer_field(tolerance_scale: float = 1.0) -> Field:
    """The layer composition as a layout field; its step tolerance is ``tolerance_scale`` times
    the run's tol_y (a large scale lets y, u, phi alone choose the steps)."""
    return Field(LAYER, "surface-layer composition y_s = Br/(Br + Cl) [-]",
                 "surface transport (y_s)", ScaledYTolerance(tolerance_scale),
                 check=_layer_check)


@dataclass(frozen=True)
class SurfacePath:
    """Parameters of the surface path (no defaults: each is a scanned modelling assumption).

    Attributes:
        D_s_ref_um2_per_s: layer diffusivity at ``T_ref_K`` [µm²/s].
        E_s_eV: its activation energy, D_s(T) = D_s,ref exp(-E_s/k_B (1/T - 1/T_ref)) [eV].
        k_sb_um_per_s: exchange velocity between layer and bulk [µm/s] (independent of T).
        delta_nm: layer thickness [nm].
        width_um, height_um: the wire's rectangular cross-section [µm] (case keys
            geometry.width_um, geometry.height_um).
        T_ref_K: reference temperature of D_s [K] (default 373.15, seed 000's 100 °C).
        tolerance_scale: the layer's step tolerance in units of tol_y (default 1).

    Raises:
        ValueError: a negative rate or diffusivity, a non-positive thickness or section.
    """

    D_s_ref_um2_per_s: float
    E_s_eV: float
    k_sb_um_per_s: float
    delta_nm: float
    width_um: float
    height_um: float
    T_ref_K: float = 373.15
    tolerance_scale: float = 1.0

    def __post_init__(self):
        for name in ("D_s_ref_um2_per_s", "k_sb_um_per_s"):
            if not getattr(self, name) >= 0.0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)!r}")
        for name in ("delta_nm", "width_um", "height_um", "T_ref_K", "tolerance_scale"):
            if not getattr(self, name) > 0.0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")

    @property
    def perimeter_um(self) -> float:
        """P = 2 (w + h) [µm]."""
        return 2.0 * (self.width_um + self.height_um)

    @property
    def area_um2(self) -> float:
        """A = w h [µm²]."""
        return self.width_um * self.height_um

    @property
    def layer_to_bulk(self) -> float:
        """delta P / A [-]: the layer's share of the sites per unit length relative to the bulk."""
        return self.delta_nm * 1e-3 * self.perimeter_um / self.area_um2

    def D_s_um2_per_s(self, T_K: float) -> float:
        """D_s(T) [µm²/s] (Arrhenius about T_ref_K)."""
        return self.D_s_ref_um2_per_s * math.exp(
            -self.E_s_eV / BOLTZMANN_EV_PER_K * (1.0 / T_K - 1.0 / self.T_ref_K))

    def effective_diffusivity_um2_per_s(self, D_bulk_um2_per_s: float, T_K: float) -> float:
        """Fast-exchange limit: (A D_b + delta P D_s)/(A + delta P) [µm²/s]."""
        r = self.layer_to_bulk
        return (D_bulk_um2_per_s + r * self.D_s_um2_per_s(T_K)) / (1.0 + r)

    def layout_and_forcing(self):
        """``(fields, forcing)`` for :class:`solver.numerics.problem.TransportProblem`: the
        default layout extended by the layer field, and ``forcing(problem, tests) -> dict`` of
        the terms of :func:`solver.physics.surface_transport.surface_transport_terms`
        (D_s and k_sb as ``fem.Constant`` s, so that one compiled form serves every point of a
        scan). The forcing stores the constants on the problem as ``problem.surface_constants``.

        Raises (from forcing):
            ValueError: the problem has a temperature protocol that is not constant.
        """
        fields = FieldLayout.default().extended(layer_field(self.tolerance_scale))
        return fields, self._forcing

    def _forcing(self, problem, tests) -> dict:
        import ufl
        from dolfinx import fem
        from petsc4py import PETSc

        if not problem.temperature.is_constant:
            raise ValueError("the surface path needs a constant temperature (D_s at params.T_K)")
        msh = problem.mesh1d.mesh
        D_s = fem.Constant(msh, PETSc.ScalarType(self.D_s_um2_per_s(problem.params.T_K)))
        k_sb = fem.Constant(msh, PETSc.ScalarType(self.k_sb_um_per_s))
        problem.surface_constants = {"D_s_um2_per_s": D_s, "k_sb_um_per_s": k_sb}
        coeffs = SurfaceCoefficients(D_s, k_sb, self.delta_nm * 1e-3, self.perimeter_um,
                                     self.area_um2)
        i = problem.layout.fields.index(LAYER)
        y, u, _ = problem.model_fields(ufl.split(problem.w))
        layer = tuple(ufl.split(f)[i] for f in (problem.w, problem.w_n, problem.w_nm1))
        v_y = problem.model_fields(tests)[0]
        return surface_transport_terms((y, u), layer, (v_y, tests[i]), coeffs, problem.bdf,
                                       problem.dx, problem.dx_flux)


def surface_transport(D_s_ref_um2_per_s: float, E_s_eV: float, k_sb_um_per_s: float,
                      delta_nm: float, width_um: float, height_um: float,
                      T_ref_K: float = 373.15):
    """``(fields, forcing)`` of a :class:`SurfacePath` with these parameters (units in the
    names; see :class:`SurfacePath`)."""
    return SurfacePath(D_s_ref_um2_per_s, E_s_eV, k_sb_um_per_s, delta_nm, width_um, height_um,
                       T_ref_K).layout_and_forcing()


def initialise_layer(problem, values=None) -> None:
    """Set y_s in w, w_n, w_nm1 to ``values`` (nodal, the layer's dof order), by default to the
    bulk composition y (the layer starts in equilibrium with the bulk under it). Call after
    ``problem.initialise()``."""
    if values is None:
        values = problem.field("y")
    for f in (problem.w, problem.w_n, problem.w_nm1):
        problem.set_field(LAYER, values, f)
        f.x.scatter_forward()


def total_br_um(problem, path: SurfacePath) -> tuple[float, float]:
    """(bulk, layer) Br per unit cross-section [µm]: ∫ x_Br dz and (delta P / A) ∫ y_s dz, on the
    storage measure (their sum is conserved to round-off without sources). Collective."""
    import ufl
    from dolfinx import fem
    from mpi4py import MPI

    if not hasattr(problem, "_surface_totals"):
        i = problem.layout.fields.index(LAYER)
        problem._surface_totals = fem.form(ufl.split(problem.w)[i] * problem.dx)
    bulk, _ = problem.totals()
    layer = problem.comm.allreduce(fem.assemble_scalar(problem._surface_totals), op=MPI.SUM)
    return bulk, path.layer_to_bulk * layer
