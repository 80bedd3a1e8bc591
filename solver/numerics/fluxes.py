r"""Flux discretisations of the halide/vacancy transport, and the policy that picks one per mesh.

:func:`solver.physics.transport.transport_terms` states the continuum Onsager fluxes and takes
their discretisation as a callable; this module holds the discretisations and
:class:`FluxScheme`, chosen once per problem from ``transport.flux_scheme``, the cell type and the
degree (the physics used to infer it from the quadrature metadata of its measure).

Flux discretisations (``transport.flux_scheme``):

- ``galerkin``: the expressions above at the quadrature points (any degree, any dimension).
- ``exponential_fitting`` (degree 1: intervals, quadrilaterals/hexahedra, triangles/tetrahedra):
  the vacancy-carried part :math:`x_V\nabla\eta` is replaced on
  each cell by its Scharfetter–Gummel value, exact for a constant flux through a cell with
  linear phi:

  .. math::
      (x_V\nabla\eta)_{SG} = \frac{B(-\Delta\phi)\,x_R - B(\Delta\phi)\,x_L}{h},
      \qquad B(s) = \frac{s}{e^s - 1},

  with x_L, x_R the nodal vacancy fractions and Δphi = phi_R - phi_L; the composition-gradient
  part uses the cell mean (x_L + x_R)/2. The flux is then constant per cell and integrated with
  the midpoint rule (where a P1 function equals its cell mean), i.e. the classical
  Scharfetter–Gummel finite-volume flux in finite-element form. It is monotone for any
  |Δphi| per cell, which Galerkin with log variables is not when x_V varies by many decades
  across a cell (depleted gaps, docs/model.md, "Electrostatics").

  On hexahedra (Q1) the same difference is taken along each cell edge and mapped back with
  J^{-T} (:func:`halide_fluxes_exponential_fitting`); with vertex quadrature for the fluxes and
  for the storage (:class:`FluxScheme`) this is the box
  (edge-based) Scharfetter–Gummel finite-volume scheme with lumped storage.

  On triangles and tetrahedra (P1) every cell edge carries the same edge difference, weighted
  by the edge's share of the P1 stiffness matrix (:func:`halide_fluxes_edge_averaged`): the
  edge-averaged finite elements of Xu & Zikatanov (1999), which with lumped storage are the
  Voronoi-box Scharfetter–Gummel scheme; edges of negative assembled weight (obtuse cells) are
  limited next to a vanishing site fraction. One idea on every degree-1 mesh: the exchange
  difference of :func:`halide_fluxes_exponential_fitting` along cell edges, lumped storage.
"""

from __future__ import annotations

from dataclasses import dataclass

import basix
import ufl
from ufl.domain import extract_unique_domain
from ufl.geometry import CellVertices

from solver.physics.onsager import reduced_onsager
from solver.physics.transport import clamp01, flux_integrands, halide_fluxes, site_fractions


def bernoulli(s):
    """B(s) = s / (e^s - 1), evaluated without overflow (series near 0, e^{-s} form for s > 0)."""
    small = s * s < 1e-8
    pos = s * ufl.exp(-s) / (1.0 - ufl.exp(-s))
    neg = s / (ufl.exp(s) - 1.0)
    series = 1.0 - s / 2.0 + s * s / 12.0
    return ufl.conditional(small, series, ufl.conditional(ufl.gt(s, 0.0), pos, neg))


def quadrature_point_coordinate(jacobian, points: str):
    """Reference coordinate xi of the flux quadrature points, exactly.

    ``points`` is "midpoint" (xi = 1/2) or "vertex" (xi_k in {0, 1}). For vertices it is
    recovered from J^{-1}(x - v_0) (ffcx does not tabulate ``ufl.CellCoordinate``), which is
    exact on parallelepipeds, and snapped to 0 or 1: computed directly it carries the rounding
    of x - v_0 (|x| / h ~ 1e4 ulps), enough to show in the vacancy balance.
    """
    tdim = jacobian.ufl_shape[1]
    if points == "midpoint":
        return ufl.as_vector([0.5] * tdim)
    if points != "vertex":
        raise ValueError(f"unknown flux quadrature points {points!r}")
    domain = extract_unique_domain(jacobian)
    v0 = CellVertices(domain)[0, :]
    xi = ufl.inv(jacobian) * (ufl.SpatialCoordinate(domain) - v0)
    return ufl.as_vector([ufl.conditional(ufl.gt(xi[k], 0.5), 1.0, 0.0) for k in range(tdim)])


def vanishing_mean(a, b):
    """Mean of two site fractions that is 0 when either is 0: 2ab/(a + b), clamped at 0.

    Used for the site fraction that multiplies a cross coefficient g_ab (a != b), so that a
    halide absent from one end of an edge is not pushed out of that end by the other halide's
    gradient (the discrete maximum principle of :func:`halide_fluxes_exponential_fitting`).
    Smooth where a + b > 1e-100 and second-order accurate there. The floor on the denominator
    keeps the value and its derivatives finite where both fractions vanish (a pure phase):
    with a + b + 1e-300 the derivative's (a + b + 1e-300)² underflows to 0 and gives 0/0.
    """
    a, b = ufl.max_value(a, 0.0), ufl.max_value(b, 0.0)
    return 2.0 * a * b / ufl.max_value(a + b, 1e-100)


def _exchange_edge_flux(y_l, y_r, xv_l, xv_r, dphi, params):
    """Exchange-type Scharfetter–Gummel edge fluxes (e·J_Br, e·J_Cl) from node L to node R.

    The edge kernel shared by :func:`halide_fluxes_exponential_fitting` (its docstring) and
    :func:`halide_fluxes_edge_averaged`: y and x_V at the two ends, Δφ = φ_R - φ_L; returns
    -λ² Σ_b g_ab D_b with D_b = B(Δφ) x_V,L x_b,R - B(-Δφ) x_V,R x_b,L, for a = Br, Cl.
    """
    xbr_l, xbr_r = y_l * (1.0 - xv_l), y_r * (1.0 - xv_r)
    xcl_l, xcl_r = (1.0 - y_l) * (1.0 - xv_l), (1.0 - y_r) * (1.0 - xv_r)
    b_plus, b_minus = bernoulli(dphi), bernoulli(-dphi)
    p_br = b_plus * xv_l * xbr_r - b_minus * xv_r * xbr_l
    p_cl = b_plus * xv_l * xcl_r - b_minus * xv_r * xcl_l
    y_bar = clamp01(0.5 * (y_l + y_r))
    xv_bar = 0.5 * (xv_l + xv_r)
    m = reduced_onsager(y_bar * (1.0 - xv_bar), (1.0 - y_bar) * (1.0 - xv_bar),
                        params.w_br, params.w_cl, params.onsager_model, params.f0)
    g_brcl = vanishing_mean(xbr_l, xbr_r) * m.cross
    g_clbr = vanishing_mean(xcl_l, xcl_r) * m.cross
    lam2 = params.lambda2_um2
    return (-lam2 * (m.g_brbr * p_br + g_brcl * p_cl),
            -lam2 * (g_clbr * p_br + m.g_clcl * p_cl))


def halide_fluxes_exponential_fitting(y, u, phi, params, jacobian, points: str = "midpoint"):
    r"""(J_Br, J_Cl) [µm/s] as exchange-type Scharfetter–Gummel fluxes along the cell edges.

    Continuum flux (module docstring) regrouped by the halide that moves with the vacancy:

    .. math::
        J_a = -\lambda^2 \sum_b g_{ab} P_b,\qquad
        P_b = x_V x_b \nabla\mu_b = x_V\nabla x_b - x_b\nabla x_V - x_b x_V\nabla\phi,

    with :math:`\mu_b = \ln(x_b/x_V) - \phi` and :math:`g_{ab} = m_{ab}/x_b`. Along an edge
    from node L to node R with :math:`\Delta\phi = \phi_R - \phi_L`, each exchange of halide
    b with the vacancy is discretised as

    .. math::
        h\,P_b \approx B(\Delta\phi)\,x_{V,L}\,x_{b,R} - B(-\Delta\phi)\,x_{V,R}\,x_{b,L},
        \qquad B(s) = \frac{s}{e^s - 1},

    a hop-balance (mass-action) form: consistent to second order, and for a uniform halide
    lattice exactly the Scharfetter–Gummel vacancy flux (so the depleted gap, where x_V changes
    by decades per cell, is handled as before). The coefficients are taken at the edge:
    g_aa at the mean composition, the cross terms as :math:`g_{ab} = \hat x_a c_x` with
    :math:`c_x` at the mean composition and :math:`\hat x_a` the :func:`vanishing_mean`.

    Discrete maximum principle: at a node where x_a = 0 every edge flux of halide a points into
    the node (the g_aa P_a term is :math:`-\lambda^2 g_{aa} B x_{V,node} x_{a,other} \le 0`
    outward and the cross term vanishes), so with lumped storage and backward Euler
    :math:`x_{Br}, x_{Cl} \ge 0`, i.e. :math:`0 \le y \le 1`, for any step and any bias
    (x_V > 0 holds by construction). With BDF2 the history term can still overshoot by
    O(dt²); the stepper's state check then retries with BDF1.

    Valid for P1 on intervals and Q1 on quadrilaterals/hexahedra. Along each reference
    direction k, e_k = J[:, k] is the physical cell edge and Δ(·)_k = e_k·∇(·) the difference
    along the line through the quadrature point parallel to e_k (y, u, phi are linear along it),
    from face xi_k = 0 (L) to face xi_k = 1 (R). The reference-direction fluxes g_k are mapped
    back to a vector with the inverse transpose Jacobian, G = J^{-T} g, so that G·e_k = g_k.
    Quadrature (chosen by the caller): the midpoint on intervals (the flux is constant per
    cell: the classical finite-volume edge flux), the cell vertices on hexahedra (the lines are
    the cell edges: the box finite-volume scheme, without the hourglass modes of one-point
    quadrature).

    Args:
        y, u, phi: unknowns (UFL). params: ModelParameters.
        jacobian: the cell Jacobian (``ufl.Jacobian(domain)``), square (tdim == gdim).
        points: "midpoint" or "vertex", the flux quadrature used by the caller.

    Returns:
        (J_Br, J_Cl): UFL vectors [µm/s].
    """
    jac_t = ufl.transpose(jacobian)
    tdim = jacobian.ufl_shape[1]
    xi = quadrature_point_coordinate(jacobian, points)
    dy, du, dphi = jac_t * ufl.grad(y), jac_t * ufl.grad(u), jac_t * ufl.grad(phi)
    ref_br, ref_cl = [], []
    for k in range(tdim):
        # End values on the line through the quadrature point along e_k.
        y_l, y_r = y - xi[k] * dy[k], y + (1.0 - xi[k]) * dy[k]
        xv_l, xv_r = ufl.exp(u - xi[k] * du[k]), ufl.exp(u + (1.0 - xi[k]) * du[k])
        f_br, f_cl = _exchange_edge_flux(y_l, y_r, xv_l, xv_r, dphi[k], params)
        ref_br.append(f_br)
        ref_cl.append(f_cl)
    inv_jac_t = ufl.transpose(ufl.inv(jacobian))
    return inv_jac_t * ufl.as_vector(ref_br), inv_jac_t * ufl.as_vector(ref_cl)


def halide_fluxes_edge_averaged(y, u, phi, params, jacobian, edge_mask=None):
    r"""(J_Br, J_Cl) [µm/s] on P1 simplices: edge-averaged finite elements (EAFE).

    Xu & Zikatanov, "A monotone finite element scheme for convection-diffusion equations",
    Math. Comp. 68 (1999) 1429–1446. For P1 on a simplex T with barycentric functions
    :math:`\lambda_i` (gradients constant on T) and any linear f, v,

    .. math::
        \int_T \nabla f\cdot\nabla v = \sum_{E=(i,j)} \omega_E\,(f_j - f_i)(v_j - v_i),
        \qquad \omega_E = -|T|\,\nabla\lambda_i\cdot\nabla\lambda_j,

    the sum over the d(d+1)/2 edges of T. EAFE replaces the edge difference of f by an
    exponentially fitted one. Here, with the exchange-type fluxes of
    :func:`halide_fluxes_exponential_fitting` (:math:`J_a = -\lambda^2\sum_b g_{ab} P_b`),
    the edge E from node i (L) to node j (R), :math:`e_E = x_j - x_i` and
    :math:`\Delta\phi_E = \phi_j - \phi_i`:

    .. math::
        D_{b,E} = B(\Delta\phi_E)\,x_{V,i}\,x_{b,j} - B(-\Delta\phi_E)\,x_{V,j}\,x_{b,i}
        \ \approx\ e_E\cdot P_b,
        \qquad F_{a,E} = -\lambda^2 \sum_b g_{ab,E}\, D_{b,E},

    with the same edge coefficients as on intervals and hexahedra (g_aa at the edge-mean
    composition, cross terms through :func:`vanishing_mean`), and the flux term of the weak form

    .. math::
        -\int_T J_a\cdot\nabla v = -\sum_E \omega_E\,F_{a,E}\,(v_j - v_i),
        \qquad\text{i.e.}\quad
        J_a|_T = \sum_E c_E\,F_{a,E}\,e_E,\quad c_E = -\nabla\lambda_i\cdot\nabla\lambda_j,

    a vector constant on T, returned here and integrated exactly by one-point quadrature. Since
    :math:`\sum_E c_E\, e_E e_E^T = I`, J equals the Galerkin flux when every
    :math:`D_{b,E} = e_E\cdot P_b` (consistency); on an interval (one edge, c = 1/h²) it is
    the 1D scheme exactly. Orientation does not matter (swapping i, j flips D and e_E).

    Nodal values are recovered exactly from the value and gradient at the quadrature point,
    which must be the cell centroid (the one-point rule, ``quadrature_degree`` 1):
    :math:`f(x_k) = f(x_q) + (\xi_k - \xi_q)\cdot J^T\nabla f` with :math:`\xi_q =
    (1/(d+1), \dots)` and :math:`\xi_k` the reference vertices, and x_V = e^u is taken once
    per node. The edge vectors are Jacobian columns and their differences, and
    :math:`\nabla\lambda_k` (k >= 1) the rows of :math:`J^{-1}`,
    :math:`\nabla\lambda_0 = -\sum_k \nabla\lambda_k`.

    Monotonicity: :math:`F_{a,E}` depends only on the two nodes of E, so the assembled residual
    is the edge-based (Voronoi-box) finite-volume scheme
    :math:`\sum_E \omega_E F_{a,E}(v_j - v_i)` with the assembled edge weight
    :math:`\omega_E = \sum_{T \ni E}\omega_E^T` (the negated off-diagonal of the P1 stiffness
    matrix). At a node where x_a = 0 every edge term of halide a points into the node when every
    :math:`\omega_E \ge 0`, so with lumped storage and backward Euler 0 <= y <= 1, as on
    intervals and hexahedra. But :math:`\omega_E^T = |e'_E|\cot\theta_E/(d(d-1))` (θ_E the
    dihedral angle at the opposite edge e'_E; in 2D :math:`\cot\theta_E/2`) is negative for
    obtuse cells, and the assembled weight is >= 0 only on meshes whose stiffness matrix is an
    M-matrix (e.g. Delaunay meshes in 2D, Kuhn-split boxes). gmsh's tetrahedral wires are not:
    16% of the edges of an unstructured wire (down to -0.41 times the largest weight) and 25% of
    the hexagonal-section extruded one (down to -0.007) have negative weight. On such an edge
    the term at a node where x_a = 0 points *out* of it (∝ the neighbour's x_a), and likewise
    the vacancy outflow from a depleted node is ∝ the neighbour's x_V: with every edge kept,
    Newton failed at t = 3e-5 s next to a contact of the unstructured wire (no positive x_V
    balances it). Dropping those edges (assembled weight max(ω_E, 0), as box-method device
    simulators do) is monotone but not consistent: on randomly perturbed triangles the MMS
    error then does not decrease at all.

    Hence a limiter on the negative-weight edges only (``edge_mask`` = 0 there, from
    :func:`nonnegative_edge_mask`; 1 elsewhere): their weight in the flux of halide a is
    multiplied by :math:`\theta_{a,E} = \theta(q_V)\,\theta(q_a)`, with
    :math:`q_s = |x_{s,i} - x_{s,j}| / (x_{s,i} + x_{s,j} + \epsilon_s)` the relative jump of
    the site fraction across the edge (ε_s a floor above round-off, :func:`_jump_limiter`) and
    θ a C² step from 1 (q <= :data:`LIMITER_Q_FULL`, a ratio of 9) to 0 (q >=
    :data:`LIMITER_Q_NONE`, a ratio of 99). Where the solution is resolved q = O(h) and θ = 1:
    the scheme is full EAFE, consistent and second order; an under-resolved front (ratios of a
    few per edge) is not limited either. At a node where x_a = 0 next to x_a > 0, q_a = 1 and
    θ = 0, so only positive-weight edges act there and the maximum principle holds on any
    simplicial mesh; a depleted node next to a populated one (q_V -> 1) likewise.
    (Each halide is limited by its own jump: limiting the Br flux by the Cl jump where x_Cl ~
    1e-8 in the Br-rich segment made Newton stall at updates of 1e-7. A narrower band, full
    weight up to a ratio of 5/3 and none from 3, limited the Br flux inside a 40 nm-cell front
    and made Newton cycle there.)

    Args:
        y, u, phi: unknowns (UFL). params: ModelParameters.
        jacobian: the cell Jacobian (``ufl.Jacobian(domain)``) of a triangle or tetrahedron,
            square (tdim == gdim).
        edge_mask: optional DG0 vector (one component per cell edge, basix edge order): 1 on
            edges of positive assembled weight, 0 on the others, which get the limiter θ_E;
            None: every edge unlimited (monotone only on M-matrix-type meshes).

    Returns:
        (J_Br, J_Cl): UFL vectors [µm/s], constant per cell.
    """
    gdim, tdim = jacobian.ufl_shape
    if gdim != tdim:
        raise ValueError("edge-averaged fluxes need tdim == gdim")
    jac_t = ufl.transpose(jacobian)
    inv_jac = ufl.inv(jacobian)
    xi_q = 1.0 / (tdim + 1)  # the centroid's reference coordinates

    def nodal(f):
        """Values of the P1 function f at the d + 1 vertices, from f and grad f at the centroid."""
        df = jac_t * ufl.grad(f)  # derivatives along e_k = x_k - x_0, k = 1..d
        base = f - xi_q * sum(df[k] for k in range(tdim))
        return [base] + [base + df[k] for k in range(tdim)]

    y_n, u_n, phi_n = nodal(y), nodal(u), nodal(phi)
    xv_n = [ufl.exp(uk) for uk in u_n]
    grad_lam = [inv_jac[k, :] for k in range(tdim)]
    grad_lam = [-sum(grad_lam[1:], grad_lam[0]), *grad_lam]
    edge_to = [ufl.as_vector([0.0] * tdim)] + [jacobian[:, k] for k in range(tdim)]
    j_br = j_cl = ufl.as_vector([0.0] * tdim)
    edge_number = _simplex_edge_numbers(tdim)
    for i in range(tdim + 1):
        for j in range(i + 1, tdim + 1):
            c = -ufl.dot(grad_lam[i], grad_lam[j])
            c_br = c_cl = c
            if edge_mask is not None:
                keep = edge_mask[edge_number[i, j]]
                xs_i, xs_j = site_fractions(y_n[i], u_n[i]), site_fractions(y_n[j], u_n[j])
                theta_v = _jump_limiter(xv_n[i], xv_n[j], LIMITER_FLOOR_VACANCY * params.x_ref)
                c_br = (keep + (1.0 - keep) * theta_v * _jump_limiter(
                    xs_i.x_br, xs_j.x_br, LIMITER_FLOOR_HALIDE)) * c
                c_cl = (keep + (1.0 - keep) * theta_v * _jump_limiter(
                    xs_i.x_cl, xs_j.x_cl, LIMITER_FLOOR_HALIDE)) * c
            e = edge_to[j] - edge_to[i]
            f_br, f_cl = _exchange_edge_flux(y_n[i], y_n[j], xv_n[i], xv_n[j],
                                             phi_n[j] - phi_n[i], params)
            j_br = j_br + (c_br * f_br) * e
            j_cl = j_cl + (c_cl * f_cl) * e
    return j_br, j_cl


#: Limiter of the negative-weight simplex edges (:func:`halide_fluxes_edge_averaged`): full
#: weight up to this relative jump |a - b| / (a + b) of a site fraction across the edge
#: (a/b = 9) ...
LIMITER_Q_FULL = 0.8
#: ... and none from this one on (a/b = 99).
LIMITER_Q_NONE = 0.98


#: Floors of the limiter's relative jump (see _jump_limiter): halide fractions, and vacancy
#: fractions relative to x_ref.
LIMITER_FLOOR_HALIDE = 1e-10
LIMITER_FLOOR_VACANCY = 1e-20


def _jump_limiter(a, b, floor):
    """θ(q), q = |a - b| / (a + b + floor): 1 for q <= LIMITER_Q_FULL, 0 for q >= LIMITER_Q_NONE,
    a C² quintic between. ``floor`` keeps θ = 1 where both fractions are round-off (a pure phase:
    |a - b| / (a + b) of two ~1e-17 values would flicker between 0 and 1 and stall Newton);
    then θ = 0 at a node with a = 0 only once b >= floor, i.e. the maximum principle holds up
    to excursions of order floor."""
    a, b = ufl.max_value(a, 0.0), ufl.max_value(b, 0.0)
    q = abs(a - b) / (a + b + floor)
    s = ufl.min_value(ufl.max_value((q - LIMITER_Q_FULL) / (LIMITER_Q_NONE - LIMITER_Q_FULL),
                                    0.0), 1.0)
    return 1.0 - s * s * s * (10.0 + s * (6.0 * s - 15.0))


def _simplex_edge_numbers(tdim: int) -> dict:
    """{(i, j): k}: basix's number k of the edge between reference vertices i < j."""
    cell = {2: basix.CellType.triangle, 3: basix.CellType.tetrahedron}[tdim]
    return {tuple(sorted(e)): k for k, e in enumerate(basix.topology(cell)[1])}


def simplex_edge_weights(msh):
    r"""Cell-wise and assembled P1 stiffness edge weights of a triangle/tetrahedron mesh.

    Returns (omega_T, omega): arrays of shape (local cells incl. ghosts, edges per cell), in
    basix edge order, with omega_T the cell's :math:`-|T|\nabla\lambda_i\cdot\nabla\lambda_j`
    and omega the sum over every cell of the mesh (all ranks) sharing the edge. The vertex
    order is the geometry dofmap's, as for ``ufl.Jacobian``; the edges are numbered and summed
    across ranks through the dofmap of lowest-order Nédélec elements (one dof per edge).
    """
    import numpy as np
    from dolfinx import fem, la

    tdim, gdim = msh.topology.dim, msh.geometry.dim
    if gdim != tdim:
        raise ValueError("edge weights need tdim == gdim")
    imap = msh.topology.index_map(tdim)
    n_owned, n_all = imap.size_local, imap.size_local + imap.num_ghosts
    nodes = msh.geometry.x[msh.geometry.dofmaps[0][:n_all], :gdim]  # (cells, d + 1, gdim)
    jac = np.swapaxes(nodes[:, 1:, :] - nodes[:, :1, :], 1, 2)  # columns e_k = x_k - x_0
    inv = np.linalg.inv(jac)  # rows: grad lambda_k, k >= 1
    grad_lam = np.concatenate([-inv.sum(axis=1, keepdims=True), inv], axis=1)
    volume = np.abs(np.linalg.det(jac)) / (2.0 if tdim == 2 else 6.0)
    edges = sorted(_simplex_edge_numbers(tdim).items(), key=lambda item: item[1])
    omega_t = np.stack([-volume * np.einsum("ck,ck->c", grad_lam[:, i], grad_lam[:, j])
                        for (i, j), _ in edges], axis=1)
    space = fem.functionspace(msh, ("N1curl", 1))
    cell_edges = space.dofmap.list[:n_all]
    total = la.vector(space.dofmap.index_map, space.dofmap.index_map_bs)
    total.array[:] = 0.0
    np.add.at(total.array, cell_edges[:n_owned].ravel(), omega_t[:n_owned].ravel())
    total.scatter_reverse(la.InsertMode.add)
    total.scatter_forward()
    return omega_t, total.array[cell_edges]


def nonnegative_edge_mask(msh):
    """DG0 vector field on a triangle/tetrahedron mesh, one component per cell edge (basix edge
    order): 1 where the edge's assembled stiffness weight is >= 0, else 0 (limited edges, see
    :func:`halide_fluxes_edge_averaged`, "Monotonicity"). Zero-weight edges (right angles)
    carry nothing either way; round-off of ±1e-15 of the largest weight counts as zero."""
    import numpy as np
    from dolfinx import fem
    from mpi4py import MPI

    _, omega = simplex_edge_weights(msh)
    n_edges = omega.shape[1]
    scale = msh.comm.allreduce(float(np.abs(omega).max(initial=0.0)), op=MPI.MAX)
    space = fem.functionspace(msh, ("DG", 0, (n_edges,)))
    mask = fem.Function(space, name="edge_mask")
    values = mask.x.array.reshape(-1, n_edges)
    values[space.dofmap.list[: omega.shape[0], 0]] = omega >= -1e-15 * scale
    mask.x.scatter_forward()
    return mask


EXPONENTIAL_FITTING_CELLS = ("interval", "quadrilateral", "hexahedron", "triangle", "tetrahedron")
#: Cells on which exponential fitting uses :func:`halide_fluxes_edge_averaged`.
SIMPLEX_CELLS = ("triangle", "tetrahedron")


def exponential_fitting_supported(domain, degree: int) -> bool:
    """Exponential fitting needs degree 1 (intervals, quadrilaterals/hexahedra, simplices)."""
    return degree == 1 and domain.ufl_cell().cellname in EXPONENTIAL_FITTING_CELLS


def flux_measure(msh, degree: int, dx):
    """Cell measure of the flux terms on ``msh`` for Lagrange ``degree`` (``dx``: the storage
    measure).

    - Quadrilaterals/hexahedra, degree 1: the storage measure, i.e. the cell vertices. The
      flux along each cell edge is then evaluated on that edge (the box finite-volume
      stencil, an M-matrix for diffusion); one-point quadrature would leave hourglass modes
      that only the storage term controls, which made Newton stall at round-off for steps
      of ~1 s.
    - Intervals and simplices, degree 1: the midpoint/centroid (the exponentially fitted
      flux is constant per cell: per interval, and on triangles/tetrahedra the
      edge-averaged flux, which recovers its nodal values from this point; Galerkin: P1
      gradients are constant on simplices and the Onsager Jacobian kernel is large, so one
      point instead of four).
    - Otherwise the storage measure.
    """
    cell = msh.ufl_cell().cellname
    if degree == 1 and cell in ("interval", "triangle", "tetrahedron"):
        return ufl.Measure("dx", domain=msh, metadata={"quadrature_degree": 1})
    return dx


@dataclass(frozen=True)
class FluxScheme:
    """The flux discretisation of one problem, chosen once (:meth:`choose`).

    Attributes:
        name: ``galerkin`` or ``exponential_fitting``.
        points: exponential fitting on intervals and boxes: where the edge flux is evaluated,
            ``vertex`` (with vertex quadrature: the box scheme) or ``midpoint``.
        simplex: exponential fitting on triangles/tetrahedra (edge-averaged fluxes).
        edge_mask: simplices: :func:`nonnegative_edge_mask` (the limiter's edges), or None.
        domain: the mesh's UFL domain (exponential fitting maps edge differences with its
            Jacobian).
    """

    name: str
    points: str = "midpoint"
    simplex: bool = False
    edge_mask: object = None
    domain: object = None

    @classmethod
    def choose(cls, requested: str, msh, degree: int, dx_flux) -> FluxScheme:
        """The scheme for ``transport.flux_scheme`` = ``requested`` on mesh ``msh`` with
        Lagrange ``degree`` and the flux measure ``dx_flux`` (its quadrature decides where the
        box fluxes are evaluated).

        Raises:
            ValueError: exponential fitting on a degree or cell it does not support, or a
                simplex flux measure that is not the one-point (centroid) rule.
        """
        if requested != "exponential_fitting":
            return cls("galerkin")
        if not exponential_fitting_supported(msh.ufl_domain(), degree):
            raise ValueError("exponential_fitting fluxes require degree 1 (use galerkin for "
                             "degree 2)")
        md = dx_flux.metadata()
        points = "vertex" if md.get("quadrature_rule") == "vertex" else "midpoint"
        if msh.ufl_cell().cellname in SIMPLEX_CELLS:
            if points != "midpoint" or md.get("quadrature_degree") != 1:
                raise ValueError("edge-averaged fluxes need the one-point (centroid) rule")
            return cls("exponential_fitting", points, True, nonnegative_edge_mask(msh),
                       msh.ufl_domain())
        return cls("exponential_fitting", points, domain=msh.ufl_domain())

    def fluxes(self, y, u, phi, params):
        """(J_Br, J_Cl) [µm/s] as UFL vectors of the unknowns (y, u, phi)."""
        if self.name == "galerkin":
            return halide_fluxes(y, u, phi, params)
        jacobian = ufl.Jacobian(self.domain)
        if self.simplex:
            return halide_fluxes_edge_averaged(y, u, phi, params, jacobian, self.edge_mask)
        return halide_fluxes_exponential_fitting(y, u, phi, params, jacobian, self.points)


def weighted_edge_flux_form(w, tests, params, weight, dx):
    """The flux terms of :func:`transport_terms` on a mesh of unit intervals, one per edge of a
    box-hexahedron mesh, times the edge weight ``weight`` (DG0, [µm]: sum over the cells of
    the edge of |T| / (4 h_E²)), with the exponentially fitted flux of
    :func:`halide_fluxes_exponential_fitting` at the midpoint (``dx``: the one-point rule).
    Per edge this is -ω_E F_E (v_R - v_L): the box scheme's contribution of that edge
    (solver/numerics/edge_assembly.py)."""
    y, u, phi = w
    v_y, v_u, _ = tests
    j_br, j_cl = halide_fluxes_exponential_fitting(y, u, phi, params, ufl.Jacobian(dx.ufl_domain()))
    br_flux, vacancy_flux = flux_integrands(j_br, j_cl, v_y, v_u, params)
    return weight * br_flux * dx + weight * vacancy_flux * dx
