r"""Halide pairs as data: the two halides of a wire, their compounds, emission law and defaults.

The equations of docs/model.md are symmetric in the two halides: a pair only relabels them and
brings its own parameters and emission law. A :class:`HalidePair` names the first halide A (the
composition y is its fraction among the halides, x_A/(x_A + x_B)) and the second B, and from
them generates the per-halide names of the schema keys (:data:`SCHEMA_KEYS`), of the output
columns and of the figure labels (:meth:`HalidePair.key`, :meth:`HalidePair.fraction_label`).
The schema itself is written once, with the Br/Cl names (the *canonical* names, also those of
the physics code: ``w_br``, ``x_v_cl``); a case of another pair writes its own names, and
:func:`to_canonical` / :func:`from_canonical` translate (solver/config/loading.py).

Shipped pairs (:data:`HALIDE_PAIRS`):

- ``Br/Cl``: CsPbBr3-CsPbCl3, the reference wire of seeds 000/001; every default of the schema
  is a Br/Cl value, so the pair adds none (every name and number as before pairs existed).
  Emission: end points 526/420 nm and bowing (seed 001 Fig. 1b; ``pl.wavelength_br_nm``,
  ``pl.wavelength_cl_nm``, ``pl.bowing_eV``).
- ``Br/I``: CsPbBr3-CsPbI3 (seed 004). Emission: seed 004's law (its line 78, a fit to Nedelcu
  et al. 2015)

  .. math:: E_{PL}(x) = 2.42 - 0.2\,x^2 + 0.04\,x^3\ \mathrm{eV}

  for CsPbBr(3-x)I(x), x = iodide per formula unit in [0, 3], so y = 1 - x/3. Defaults that
  differ from Br/Cl are in :attr:`HalidePair.defaults` with their sources; every other key keeps
  its Br/Cl default as a placeholder (docs/model.md, "Halide pairs", says which and why).

This module is the one definition of the pairs. It sits in :mod:`solver.config` because the
schema's key names depend on it (config is the layer above :mod:`solver.model`); the public home
for model code is :mod:`solver.model.species`, which re-exports it. Standard library only:
the emission laws work on floats and on numpy arrays (numpy imported only when an inverse is
evaluated).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["HALIDE_PAIRS", "SCHEMA_KEYS", "EndPointEmission", "Halide", "HalidePair",
           "PolynomialEmission", "from_canonical", "pair_named", "to_canonical"]

HC_EV_NM = 1239.841984  # [eV nm] h c (CODATA 2018); the value of solver.pl.model


@dataclass(frozen=True)
class Halide:
    """One halide.

    Attributes:
        symbol: chemical symbol, e.g. ``"Br"``.
        name: the anion's name, e.g. ``"bromide"``.
    """

    symbol: str
    name: str

    @property
    def key(self) -> str:
        """The symbol in key names, lower case (``"br"``)."""
        return self.symbol.lower()


@dataclass(frozen=True)
class EndPointEmission:
    """E(y) = y E_A + (1 - y) E_B - b y (1 - y), E_X = hc/λ_X: the PL peak of the alloy from
    the peaks of the two pure compounds and a bowing b (solver.pl.model.EmissionModel).

    Attributes:
        wavelength_a_nm, wavelength_b_nm: PL peaks of the pure compounds of A and B [nm]
            (the defaults of ``pl.wavelength_<a>_nm``, ``pl.wavelength_<b>_nm``).
        bowing_eV: default bowing [eV].
        source: where the numbers come from.
    """

    wavelength_a_nm: float
    wavelength_b_nm: float
    bowing_eV: float = 0.0
    source: str = ""


@dataclass(frozen=True)
class PolynomialEmission:
    """E(x) = sum_k c_k x^k [eV], x = amount of the second halide B per formula unit
    (0 <= x <= x_max, x_max = 3 for ABX3); the composition y = 1 - x/x_max.

    Must be strictly monotonic on [0, x_max] (checked on construction, on a grid of 3001 points),
    so that a PL peak defines one composition.

    Attributes:
        coefficients_eV: (c_0, c_1, ...) [eV, eV per unit x^k].
        x_max: halide sites per formula unit [-].
        source: where the law comes from.

    Raises:
        ValueError: no coefficients, x_max not positive, or E not strictly monotonic.
    """

    coefficients_eV: tuple[float, ...]
    x_max: float = 3.0
    source: str = ""

    def __post_init__(self) -> None:
        if not self.coefficients_eV or not self.x_max > 0:
            raise ValueError("a polynomial emission law needs coefficients and x_max > 0")
        n = 3000
        values = [self.energy_eV(self.x_max * k / n) for k in range(n + 1)]
        steps = [b - a for a, b in itertools.pairwise(values)]
        if not (all(s < 0 for s in steps) or all(s > 0 for s in steps)):
            raise ValueError(f"emission law {self.formula()} is not strictly monotonic on "
                             f"[0, {self.x_max:g}]: a PL peak would not define a composition")

    def energy_eV(self, x):
        """E(x) [eV] by Horner's rule (floats or numpy arrays; x is not clipped)."""
        result = 0.0 * x + self.coefficients_eV[-1]
        for c in reversed(self.coefficients_eV[:-1]):
            result = result * x + c
        return result

    @property
    def decreasing(self) -> bool:
        """True if E falls with x (the second halide has the smaller gap)."""
        return self.energy_eV(self.x_max) < self.energy_eV(0.0)

    def x_from_energy(self, E_eV):
        """The x in [0, x_max] with E(x) = E_eV, by bisection to round-off (64 halvings of
        [0, x_max]); energies beyond the end points give the end point (a composition outside
        the pure compounds does not exist), nan gives nan. Returns a numpy array."""
        import numpy as np

        E = np.asarray(E_eV, dtype=float)
        lo, hi = np.zeros_like(E), np.full_like(E, self.x_max)
        sign = -1.0 if self.decreasing else 1.0
        for _ in range(64):
            mid = 0.5 * (lo + hi)
            below = sign * (self.energy_eV(mid) - E) < 0.0  # the root lies above mid
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        return np.where(np.isnan(E), np.nan, 0.5 * (lo + hi))

    def formula(self) -> str:
        """The law as text, e.g. ``E(x) = 2.42 - 0.2 x^2 + 0.04 x^3 eV``."""
        terms = []
        for k, c in enumerate(self.coefficients_eV):
            if c == 0.0:
                continue
            mag = f"{abs(c):g}" + ("" if k == 0 else " x" if k == 1 else f" x^{k}")
            terms.append(("- " if c < 0 else "+ ") + mag if terms else ("-" if c < 0 else "")
                         + mag)
        return "E(x) = " + " ".join(terms) + " eV"


@dataclass(frozen=True)
class HalidePair:
    """Two halides, A (first; y = its fraction among the halides) and B (second).

    Attributes:
        a, b: the halides.
        compounds: the pure compounds of A and of B, e.g. ``("CsPbBr3", "CsPbCl3")``.
        emission: the pair's emission law (:class:`EndPointEmission` or
            :class:`PolynomialEmission`).
        defaults: ``(canonical dotted key, value, source)``: the pair's defaults where they
            differ from the schema's (Br/Cl) defaults, applied to keys a case does not set.
        placeholders: canonical dotted keys whose Br/Cl default stands in for a value not
            known for this pair (documented, not applied: they are the schema's defaults).
    """

    a: Halide
    b: Halide
    compounds: tuple[str, str]
    emission: EndPointEmission | PolynomialEmission
    defaults: tuple[tuple[str, float, str], ...] = ()
    placeholders: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """``"Br/Cl"``: the value of ``material.halides``."""
        return f"{self.a.symbol}/{self.b.symbol}"

    def halide(self, which: str) -> Halide:
        """Halide ``"a"`` (first) or ``"b"`` (second).

        Raises:
            ValueError: ``which`` is neither.
        """
        if which not in ("a", "b"):
            raise ValueError(f"which halide: 'a' or 'b', got {which!r}")
        return self.a if which == "a" else self.b

    def key(self, template: str, *which: str) -> str:
        """A name with the halides' key symbols filled in, one ``{}`` per ``which``:
        ``key("y_{}_segment", "b")`` is ``"y_cl_segment"`` for Br/Cl, ``"y_i_segment"`` for
        Br/I; ``key("hop_ratio_{}_{}", "a", "b")`` is ``"hop_ratio_br_i"`` for Br/I."""
        return template.format(*(self.halide(w).key for w in which))

    def symbols(self, template: str, *which: str) -> str:
        """As :meth:`key` with the chemical symbols (``"{}-rich"`` -> ``"Cl-rich"``)."""
        return template.format(*(self.halide(w).symbol for w in which))

    def fraction_label(self, which: str) -> str:
        """Name of a site-fraction column: ``"x_Br"`` for ``"a"`` (profile CSV column)."""
        return f"x_{self.halide(which).symbol}"

    def composition_tex(self) -> str:
        """Figure label of y: ``$y = x_{Br}/(x_{Br}+x_{Cl})$``."""
        a, b = self.a.symbol, self.b.symbol
        return rf"$y = x_{{{a}}}/(x_{{{a}}}+x_{{{b}}})$"

    def written(self, dotted: str) -> str:
        """The name a case of this pair writes for a schema dotted key
        (``"material.hop_ratio_br_cl"`` -> ``"material.hop_ratio_br_i"`` for Br/I; any other
        key unchanged): for messages about a validated case (preflight)."""
        return self.schema_keys().get(dotted, dotted)

    def schema_keys(self) -> dict[str, str]:
        """Canonical (Br/Cl) dotted key -> this pair's dotted key, for every per-halide key
        whose name differs (empty for Br/Cl)."""
        out = {}
        for section, template, which in SCHEMA_KEYS:
            ours = f"{section}.{self.key(template, *which)}"
            canonical = f"{section}.{BR_CL.key(template, *which)}"
            if ours != canonical:
                out[canonical] = ours
        return out


#: The per-halide keys of the schema: (section, name template, which halides). A case of a
#: pair writes ``pair.key(template, *which)``; the schema field is the Br/Cl name.
SCHEMA_KEYS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("geometry", "{}_rich_side", ("a",)),
    ("material", "x_v_{}", ("a",)),
    ("material", "x_v_{}", ("b",)),
    ("material", "y_{}_segment", ("a",)),
    ("material", "y_{}_segment", ("b",)),
    ("material", "hop_ratio_{}_{}", ("a", "b")),
    ("material", "D_{}_ref_cm2_per_s", ("b",)),
    ("material", "formation_lattice_{}_eV", ("a",)),
    ("material", "formation_lattice_{}_eV", ("b",)),
    ("material", "chemical_potential_{}_eV", ("a",)),
    ("material", "chemical_potential_{}_eV", ("b",)),
    ("sources", "alpha_{}", ("a",)),
    ("sources", "alpha_{}", ("b",)),
    ("pl", "wavelength_{}_nm", ("a",)),
    ("pl", "wavelength_{}_nm", ("b",)),
)

BROMIDE = Halide("Br", "bromide")
CHLORIDE = Halide("Cl", "chloride")
IODIDE = Halide("I", "iodide")

#: Seed 004 (line 80): the measured PL peaks of the CsPbBr3 and CsPbI3 NC films [nm].
_BR_I_PEAKS_NM = (513.0, 690.0)
#: Seed 004 (lines 115-117; MODEL-NANOCRYSTALS.md item 9): Br-I interdiffusion in CsPbBr3-xIx
#: NC films, D = D0 exp(-Ea/k_B T), D0 = 5.3e-11 m^2/s, Ea = 0.182 eV.
_BR_I_D0_CM2_PER_S, _BR_I_EA_EV = 5.3e-7, 0.182
#: D0 exp(-Ea / (k_B T_ref)) at the schema's T_ref = 373.15 K, to two digits [cm^2/s] (derived;
#: tests/unit/test_species.py recomputes it).
_BR_I_D_REF = 1.8e-9

BR_CL = HalidePair(
    BROMIDE, CHLORIDE, ("CsPbBr3", "CsPbCl3"),
    EndPointEmission(526.0, 420.0, 0.0, "seed 001 Fig. 1b; bowing 0: Yin, Yan & Wei 2014"),
)

BR_I = HalidePair(
    BROMIDE, IODIDE, ("CsPbBr3", "CsPbI3"),
    PolynomialEmission((2.42, 0.0, -0.2, 0.04), 3.0,
                       "seed 004 line 78 (a fit to Nedelcu et al. 2015): "
                       "E_PL(x) = 2.42 - 0.2x^2 + 0.04x^3 eV, x = I per formula unit"),
    defaults=(
        ("material.hop_activation_eV", _BR_I_EA_EV,
         "seed 004 lines 115-117: activation energy of the Br-I interdiffusion, 182 meV"),
        ("material.D_cl_ref_cm2_per_s", _BR_I_D_REF,
         "derived: seed 004's D0 exp(-Ea/k_B T_ref), D0 = 5.3e-11 m^2/s, Ea = 0.182 eV, "
         "at T_ref = 373.15 K (an NC-film interdiffusivity standing for lambda^2 x_V,I w_I)"),
        ("pl.wavelength_br_nm", _BR_I_PEAKS_NM[0],
         "seed 004 line 80: PL peak of the CsPbBr3 NC films (not used by the law)"),
        ("pl.wavelength_cl_nm", _BR_I_PEAKS_NM[1],
         "seed 004 line 80: PL peak of the CsPbI3 NC films (not used by the law)"),
    ),
    placeholders=(
        "material.x_v_cl", "material.y_cl_segment", "material.hop_ratio_br_cl",
        "material.formation_lattice_cl_eV", "material.chemical_potential_cl_eV",
        "material.lattice_constant_nm", "material.eps_r", "sources.alpha_cl",
        "material.equilibration_activation_eV",
    ),
)

#: The shipped pairs by ``material.halides`` value; the first is the default.
HALIDE_PAIRS: dict[str, HalidePair] = {BR_CL.name: BR_CL, BR_I.name: BR_I}


def pair_named(name: str | None) -> HalidePair:
    """The pair of a ``material.halides`` value (None: the default, Br/Cl).

    Raises:
        KeyError: not a shipped pair.
    """
    return BR_CL if name is None else HALIDE_PAIRS[name]


def _section_items(data: Mapping, section: str):
    """The mapping under ``section`` of a raw case, or None."""
    node = data.get(section)
    return node if isinstance(node, dict) else None


def _refuse_other_pairs(data: Mapping, pair: HalidePair) -> None:
    """Raise ``ValueError((dotted key, message))`` for a key of ``data`` named after a halide of
    another pair than ``pair``."""
    for section, template, which in SCHEMA_KEYS:
        node = _section_items(data, section)
        if node is None:
            continue
        mine = pair.key(template, *which)
        for other in HALIDE_PAIRS.values():
            theirs = other.key(template, *which)
            if theirs != mine and theirs in node:
                raise ValueError(f"{section}.{theirs}", f"names a key of the {other.name} pair, "
                                 f"but material.halides is {pair.name}: write {section}.{mine}")


def to_canonical(data: Mapping, pair: HalidePair) -> tuple[dict, dict[str, str]]:
    """A raw case of ``pair`` with its per-halide keys renamed to the canonical (Br/Cl) names,
    and the pair's defaults filled in where the case does not set the key.

    Args:
        data: the raw case mapping (not modified).
        pair: the case's pair.

    Returns:
        ``(new mapping, canonical dotted key -> the dotted key the user wrote)`` for the renamed
        keys (for error messages).

    Raises:
        ValueError: ``(dotted key, message)`` for a key that names a halide of another pair
            (e.g. ``material.y_cl_segment`` in a Br/I case).
    """
    result = {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()}
    _refuse_other_pairs(result, pair)
    ours = pair.schema_keys()
    for canonical, name in ours.items():
        section, _, key = name.partition(".")
        node = _section_items(result, section)
        if node is not None and key in node:
            node[canonical.partition(".")[2]] = node.pop(key)
    for dotted, value, _ in pair.defaults:
        section, _, key = dotted.partition(".")
        node = result.get(section)
        if node is None:
            node = result[section] = {}
        if isinstance(node, dict):
            node.setdefault(key, value)
    return result, ours


def from_canonical(data: dict, pair: HalidePair) -> dict:
    """A resolved case dict (canonical names) with ``pair``'s key names (modified and returned;
    each renamed key keeps its position in its section)."""
    for canonical, name in pair.schema_keys().items():
        section, _, key = canonical.partition(".")
        node = data.get(section)
        if isinstance(node, dict) and key in node:
            data[section] = {name.partition(".")[2] if k == key else k: v
                             for k, v in node.items()}
    return data
