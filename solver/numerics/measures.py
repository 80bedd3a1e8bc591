r"""Integration measures with a coordinate weight: 1D reductions of spheres and discs.

A 1D mesh on [0, R] stands for a 3D body with a symmetry when every integrand is multiplied
by the metric factor of the reduction (docs/model.md, "Geometries"):

    cartesian    w(r) = 1      a slab (the wire axis; today's model)
    cylindrical  w(r) = r      a disc or a cylinder (per radian and unit height)
    spherical    w(r) = r^2    a sphere (per steradian)

so that ∫_Ω f dV = 2π ∫ f r dr (cylindrical) or 4π ∫ f r² dr (spherical): the constant
factor 2π or 4π cancels in every balance and is left out. The divergence theorem holds term by
term: the weak form ∫ J·∇v w dr of ∇·J is the weighted one, and a boundary flux at r = R enters
with its weight R^k (the facet measure is weighted too), so a flux per unit area stays a flux
per unit area. At r = 0 the weight vanishes: the symmetry point needs no condition.

:class:`WeightedMeasure` is a :class:`ufl.Measure` whose integrands are multiplied by w(x[0])
when a form is built (``f * dx``); the physics modules build their terms with it unchanged.
"""

from __future__ import annotations

import ufl
from ufl.constantvalue import as_ufl
from ufl.core.expr import Expr

__all__ = ["COORDINATE_POWERS", "WeightedMeasure", "coordinate_weight", "lumped_weight",
           "weighted"]

#: The power k of the metric factor r^k of each 1D reduction.
COORDINATE_POWERS = {"cartesian": 0, "cylindrical": 1, "spherical": 2}


def coordinate_weight(msh, coordinate: str):
    """The metric factor r^k of ``coordinate`` as a UFL expression on ``msh`` (r = x[0]), or
    None for ``cartesian``.

    Raises:
        ValueError: an unknown coordinate name, or a curvilinear one on a mesh that is not 1D.
    """
    if coordinate not in COORDINATE_POWERS:
        raise ValueError(f"coordinate {coordinate!r} is not one of "
                         f"{', '.join(COORDINATE_POWERS)}")
    k = COORDINATE_POWERS[coordinate]
    if k == 0:
        return None
    if msh.topology.dim != 1:
        raise ValueError(f"the {coordinate} reduction is 1D only (mesh dimension "
                         f"{msh.topology.dim})")
    r = ufl.SpatialCoordinate(msh)[0]
    return r if k == 1 else r * r


def lumped_weight(msh, coordinate: str):
    """The metric factor for vertex-lumped storage: a P1 function whose nodal values are
    w_i = ∫ r^k φ_i dr / ∫ φ_i dr, so that the vertex rule gives node i the weight
    ∫ r^k φ_i dr, the row sum of the weighted mass matrix (None for ``cartesian``).

    Unlike r^k at the node, this weight is positive at the centre (h/3 on a disc, h²/6 on a
    sphere, for the first cell h): a field with no flux there (an inventory without
    diffusion) keeps a non-zero storage row; and the discrete volume Σ_i w_i ∫ φ_i is exact.
    """
    weight = coordinate_weight(msh, coordinate)
    if weight is None:
        return None
    from dolfinx import fem

    V = fem.functionspace(msh, ("Lagrange", 1))
    v = ufl.TestFunction(V)
    k = COORDINATE_POWERS[coordinate]
    dx = ufl.Measure("dx", domain=msh, metadata={"quadrature_degree": k + 1})
    num = fem.assemble_vector(fem.form(weight * v * dx))
    den = fem.assemble_vector(fem.form(v * dx))
    for vec in (num, den):
        vec.scatter_reverse(__import__("dolfinx").la.InsertMode.add)
        vec.scatter_forward()
    w = fem.Function(V, name="lumped_weight")
    w.x.array[:] = num.array / den.array
    return w


class WeightedMeasure(ufl.Measure):
    """A :class:`ufl.Measure` that multiplies every integrand by ``weight`` (a UFL scalar).

    ``dx(tag)``, ``dx(metadata=...)`` and the other ways of deriving a measure keep the weight.
    """

    def __init__(self, *args, weight, **kwargs):
        super().__init__(*args, **kwargs)
        self._weight = weight

    @property
    def weight(self):
        """The UFL weight this measure multiplies integrands by."""
        return self._weight

    def _plain(self, **changes) -> ufl.Measure:
        kw = {"domain": self.ufl_domain(), "subdomain_id": self.subdomain_id(),
              "metadata": self.metadata(), "subdomain_data": self.subdomain_data(),
              "intersect_measures": self.intersect_measures()}
        kw.update({k: v for k, v in changes.items() if v is not None})
        return ufl.Measure(self.integral_type(), **kw)

    def reconstruct(self, integral_type=None, subdomain_id=None, domain=None, metadata=None,
                    subdomain_data=None, intersect_measures=None):
        plain = self._plain(subdomain_id=subdomain_id, domain=domain, metadata=metadata,
                            subdomain_data=subdomain_data, intersect_measures=intersect_measures)
        return WeightedMeasure(integral_type or self.integral_type(),
                               domain=plain.ufl_domain(), subdomain_id=plain.subdomain_id(),
                               metadata=plain.metadata(), subdomain_data=plain.subdomain_data(),
                               intersect_measures=plain.intersect_measures(),
                               weight=self._weight)

    def __rmul__(self, integrand):
        if isinstance(integrand, int | float):
            integrand = as_ufl(integrand)
        if not isinstance(integrand, Expr):
            return NotImplemented
        return (integrand * self._weight) * self._plain()

    def __eq__(self, other):
        return (isinstance(other, WeightedMeasure) and super().__eq__(other)
                and self._weight == other._weight)

    def __hash__(self):
        return hash((super().__hash__(), repr(self._weight)))


def weighted(measure: ufl.Measure, weight) -> ufl.Measure:
    """``measure`` with its integrands multiplied by ``weight``; ``measure`` itself if weight is
    None (the cartesian case: the forms, hence the kernels, are those of today's model)."""
    if weight is None:
        return measure
    return WeightedMeasure(measure.integral_type(), domain=measure.ufl_domain(),
                           subdomain_id=measure.subdomain_id(), metadata=measure.metadata(),
                           subdomain_data=measure.subdomain_data(),
                           intersect_measures=measure.intersect_measures(), weight=weight)
