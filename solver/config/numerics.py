"""Section models of the numerical method.

``mesh``, ``time``, ``solver``, ``checkpoint`` (docs/case_format.md).
"""

from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from solver.config.base import _MODEL_CONFIG, _check_output_times
from solver.config.errors import _rule

__all__ = ["Checkpoint", "Mesh", "Solver", "Time"]

_DEFAULT_T_END_S = 14400.0
_N_DEFAULT_OUTPUTS = 5


class Mesh(BaseModel):
    """Graded 1D mesh."""

    model_config = _MODEL_CONFIG

    h_min_nm: float = Field(
        0.5, gt=0, description="[nm] cell size at the contact lines and the interface (>= 0.01 "
        "material.lattice_constant_nm)"
    )
    h_max_um: float = Field(0.01, gt=0, description="[µm] largest cell size (>= h_min_nm, "
                             "<= geometry.length_um)")
    growth: float = Field(
        1.08, gt=1, le=2.0, description="[-] geometric growth factor away from refinement points"
    )
    degree: Literal[1, 2] = Field(1, description="[-] Lagrange element degree")
    max_cells: int = Field(200000, gt=0, description="[-] refuse meshes with more cells")
    h3d_max_um: float = Field(0.05, gt=0, description="[µm] 3D: largest cell size")
    h3d_min_um: float = Field(0.01, gt=0, description="[µm] 3D: cell size at the contact lines")
    grading_distance_um: float = Field(
        0.3, gt=0, description="[µm] 3D: distance over which cells grow from h3d_min to h3d_max"
    )
    h3d_axial_um: float | None = Field(
        None, gt=0, description="[µm] 3D: if set, a structured mesh: the section meshed at "
        "h3d_max_um, extruded along the wire in layers of this thickness (thin wires: the "
        "sharp front needs ~10 nm along the wire, which unstructured tets cannot afford)",
    )
    file: str | None = Field(
        None, description="[-] 3D: user mesh (.msh with named physical groups, or .xdmf/.vtu "
        "with cell_tags/facet_tags; see solver/mesh/wire3d.py); null = generate with gmsh",
    )

    @field_validator("degree", mode="before")
    @classmethod
    def _degree_not_bool(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("Input should be 1 or 2")
        return value

    @model_validator(mode="after")
    def _h_ordered(self) -> "Mesh":
        if self.h_min_nm * 1e-3 > self.h_max_um:
            raise _rule("h_max_um", f"must be >= mesh.h_min_nm * 1e-3 = {self.h_min_nm * 1e-3:g}")
        return self


class Time(BaseModel):
    """Time span, outputs and adaptive time stepping."""

    model_config = _MODEL_CONFIG

    t_end_s: float = Field(_DEFAULT_T_END_S, ge=1.0e-15, le=1.0e10, description="[s] end time")
    output_times_s: tuple[float, ...] = Field(
        tuple(_DEFAULT_T_END_S * i / (_N_DEFAULT_OUTPUTS - 1) for i in range(_N_DEFAULT_OUTPUTS)),
        strict=False,
        description="[s] times of profile outputs, increasing, each in [0, t_end_s]; if "
        "omitted: 5 evenly spaced times from 0 to t_end_s ([0, 3600, 7200, 10800, 14400] "
        "for the default t_end_s)",
    )
    scheme: Literal["bdf1", "bdf2"] = Field("bdf2", description="[-] time-stepping scheme")
    dt_initial_s: float = Field(
        1.0e-9, ge=1.0e-15, le=1.0e10,
        description="[s] first time step (dt_min_s <= . <= dt_max_s)"
    )
    dt_min_s: float = Field(1.0e-12, ge=1.0e-15, le=1.0e10, description="[s] smallest time step")
    dt_max_s: float = Field(1000.0, ge=1.0e-15, le=1.0e10, description="[s] largest time step")
    tol_y: float = Field(2.0e-3, ge=1.0e-12, le=1.0,
                         description="[-] local error tolerance on y")
    tol_psi_VT: float = Field(0.05, ge=1.0e-12, le=100.0,
                              description="[k_BT/e] local error tolerance on psi")
    rtol_x_v: float = Field(0.05, ge=1.0e-12, le=1.0,
                            description="[-] relative local error tolerance on x_V")
    atol_x_v: float = Field(1.0e-10, gt=0, le=1.0,
                            description="[-] absolute floor of the x_V tolerance")
    dt_after_jump_s: float | None = Field(
        None, ge=1.0e-15, le=1.0e10,
        description="[s] first step after a jump of the bias or temperature protocol (the "
        "stepper restarts there with BDF1); null = dt_initial_s")

    @model_validator(mode="before")
    @classmethod
    def _default_outputs(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "output_times_s" in data:
            return data
        t_end = data.get("t_end_s", _DEFAULT_T_END_S)
        if isinstance(t_end, bool) or not isinstance(t_end, (int, float)) or not t_end > 0:
            return data  # left to field validation
        n = _N_DEFAULT_OUTPUTS - 1
        return {**data, "output_times_s": [float(t_end) * i / n for i in range(n + 1)]}

    @model_validator(mode="after")
    def _check(self) -> "Time":
        _check_output_times(self.output_times_s, self.t_end_s, "time.t_end_s")
        if self.dt_min_s > self.dt_initial_s:
            raise _rule("dt_initial_s", f"must be >= time.dt_min_s = {self.dt_min_s:g}")
        if self.dt_initial_s > self.dt_max_s:
            raise _rule("dt_initial_s", f"must be <= time.dt_max_s = {self.dt_max_s:g}")
        return self


class Solver(BaseModel):
    """Nonlinear and linear solver settings."""

    model_config = _MODEL_CONFIG

    newton_max_it: int = Field(30, ge=1, le=1000,
                               description="[-] maximum Newton iterations per step")
    newton_stol: float | Literal["auto"] = Field(
        "auto", description="[-] Newton converges when the estimated max-norm error left in "
        "the iterate (y, ln x_V, psi/(k_BT/e); from the last update and its contraction) is "
        "below this. auto = 1e-6 (against 1e-9: wire3d 4 h 2546 -> 1977 Newton iterations, "
        "L_m changed by 1e-8 and the lateral front spread by 1.4e-7 relative; 1D "
        "reference_forward 1675 -> 1584, L_m changed by 1.4e-12; a local time error of 2e-3 "
        "in y is allowed per step, time.tol_y)",
    )
    max_update_VT: float = Field(
        10.0, gt=0, description="[k_BT/e] damping: cap on |d psi| and |d ln x_V| per iteration"
    )
    linear_solver: Literal["auto", "lu", "lu_redundant", "mumps", "mumps_blr",
                           "gmres_twolevel", "gmres_asm"] = Field(
        "auto", description="[-] linear solver of the Newton steps "
        "(solver/numerics/linear_solvers.py): "
        "auto = lu (serial) or lu_redundant (parallel) up to 25 000 dofs, gmres_twolevel for 3D "
        "meshes from 300 000 dofs, else mumps; lu = "
        "PETSc's sparse LU with RCM ordering (serial only); lu_redundant = the same LU of the "
        "whole matrix on every rank; mumps = MUMPS LU; mumps_blr = MUMPS with block low-rank "
        "compression as a GMRES preconditioner; gmres_twolevel = GMRES with a two-level "
        "preconditioner (additive Schwarz ILU(0) smoothing, exact solve on cross-section "
        "aggregates); gmres_asm = GMRES with additive Schwarz/ILU(1)",
    )
    petsc_options: dict[str, str | bool | int | float] = Field(
        default_factory=dict,
        description="[-] extra PETSc options for the Newton solver (prefix-free, e.g. "
        "mat_mumps_icntl_14: 80, or ksp_type: gmres with ksp_rtol: 1e-10); applied after the "
        "linear_solver preset; each must be an option PETSc reads with the resulting solver "
        "(checked before the run)",
    )

    @field_validator("petsc_options", mode="after")
    @classmethod
    def _petsc_booleans(cls, v: dict) -> dict:
        """YAML booleans (``true``/``false``) in PETSc's spelling, e.g. for
        ``snes_lag_preconditioner_persists: true``."""
        return {k: (("true" if x else "false") if isinstance(x, bool) else x)
                for k, x in v.items()}

    jacobian_reuse_steps: int | Literal["auto"] = Field(
        "auto", description="[-] how many time steps' Newton solves may start with the "
        "Jacobian and LU factors of an earlier one (the modified Newton method of BDF codes, "
        "as in CVODE). A reused Jacobian is replaced when a0/dt changed by 30 %, when a Newton "
        "update exceeds 1 or shrinks by less than 10x, and after this many solves, so the "
        "answer changes only within newton_stol. 0 = a fresh Jacobian every time step; auto = "
        "0 in 1D (residuals dominate there) and 20 in 3D (Jacobian assembly dominates: wire3d "
        "4 h with the fluxes in the cell kernels 148 -> 84 s, L_m changed by 1e-11 relative)",
    )

    edge_assembly: bool = Field(
        True, description="[-] box-hexahedron meshes (the structured wires): assemble the "
        "exponentially fitted fluxes once per mesh edge instead of per cell "
        "(solver/numerics/edge_assembly.py; the same scheme to round-off, wire3d 4 h 84 -> 48 s); "
        "false = in the cell kernels. Other meshes and temperature protocols always use the "
        "cell kernels",
    )

    @field_validator("newton_stol", mode="after")
    @classmethod
    def _newton_stol_range(cls, v):
        if v != "auto" and not 1.0e-14 <= v <= 1.0:
            raise ValueError("must be 'auto' or a number from 1e-14 to 1 (below 1e-14 Newton "
                             "cannot converge in double precision)")
        return v

    @field_validator("jacobian_reuse_steps", mode="after")
    @classmethod
    def _nonnegative_reuse(cls, v):
        if v != "auto" and v < 0:
            raise ValueError("must be 'auto' or an integer >= 0")
        return v

    native_kernels: bool = Field(
        False, description="[-] compile the form kernels for this CPU (C compiler flag "
        "-march=native; about 15 % faster Jacobian assembly on hexahedra). Results can differ "
        "in the last digits (fused multiply-add). Off by default: a kernel compiled on one CPU "
        "can fail with 'illegal instruction' on an older one sharing the JIT cache (a cluster "
        "with mixed nodes, a container image moved between machines)",
    )



class Checkpoint(BaseModel):
    """Periodic checkpoints of the full solver state (docs/reliability.md).

    A checkpoint is written after an accepted step once ``every_steps`` steps or
    ``every_minutes`` minutes of wall time have passed since the previous one (whichever comes
    first; 0 disables that trigger), and always on SIGTERM/SIGINT.
    """

    model_config = _MODEL_CONFIG

    every_steps: int = Field(
        100, ge=0, description="[-] checkpoint every this many accepted steps (0 = not by count)"
    )
    every_minutes: float = Field(
        10.0, ge=0, le=1.0e6,
        description="[min] checkpoint after this much wall time since the last one "
        "(0 = not by time)",
    )

