"""What a figure states about the device, and the marks it draws for it.

:class:`Device` holds the wire length, the electrode zones, the applied bias (its signed forward
field), the temperature and the case name. It is built from the model parameters
(:meth:`Device.from_parameters`: :class:`solver.model.parameters.ModelParameters` with its
:class:`solver.model.protocols.BiasProtocol`) or from a resolved case mapping
(:meth:`Device.from_case_dict`, e.g. the ``case`` entry of ``summary.json``). The bias
convention (which contact a forward field puts at the higher potential, |Δψ| = |E_fwd| · gap) is
not restated here: :meth:`Device.bias_values` asks :class:`solver.model.protocols.BiasProtocol`.

:func:`mark_device` shades the electrode zones and the gap on an axis and marks the contact
lines; :func:`front_level` draws the front composition level. No dolfinx; matplotlib is used
through the axes passed in (``matplotlib.transforms`` is imported when labels are drawn).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from solver.config.drive import polarity_sign
from solver.figures.style import ELECTRODE_COLOUR, GAP_COLOUR, MINUS
from solver.model.protocols import BiasProtocol, BiasValues, Schedule
from solver.model.species import BR_CL, HalidePair, pair_named

__all__ = ["Device", "br_left", "front_level", "labels", "mark_device", "x_v_axis_label"]


def _held_field(schedule: Schedule) -> float | None:
    """The forward field [V/µm] of a bias that holds one level (after at most one ramp from
    0), None for any other schedule (a protocol)."""
    pieces = schedule.pieces
    level = pieces[-1].end()
    first = pieces[0]
    ramp = first.kind == "ramp" and first.a == 0.0 and first.b == level and len(pieces) > 1
    rest = pieces[1:] if ramp else pieces
    if all(p.kind == "constant" and p.a == level for p in rest):
        return level
    return None


@dataclass(frozen=True)
class Device:
    """What a figure needs to know about the wire, the electrodes and the bias.

    Attributes:
        length_um: wire length [µm].
        electrode_left_um, electrode_right_um: electrode zones (start, end) [µm]; the contact
            lines are the inner edges (left end, right start).
        forward_field_V_per_um: signed forward field [V/µm] (> 0: higher potential on the
            Br-rich electrode; < 0: reverse).
        T_K: temperature [K].
        br_rich_side: "left" or "right".
        sources_on: electrode sources active (``sources.model`` not "none").
        name: case name.
        bias_protocol, temperature_protocol: True if the bias / temperature follow a protocol
            (the title then says so instead of giving one value).
        dimension: 1 or 3, the model's dimension (a 3D run says so in its titles).
        halides: the halide pair (``material.halides``), which names the labels.
    """

    length_um: float
    electrode_left_um: tuple[float, float]
    electrode_right_um: tuple[float, float]
    forward_field_V_per_um: float
    T_K: float
    br_rich_side: str = "left"
    sources_on: bool = True
    name: str = ""
    bias_protocol: bool = False
    temperature_protocol: bool = False
    dimension: int = 1
    halides: str = "Br/Cl"

    @property
    def pair(self) -> HalidePair:
        """The :class:`solver.model.species.HalidePair` of :attr:`halides`."""
        return pair_named(self.halides)

    @classmethod
    def from_case_dict(cls, case: Mapping) -> Device:
        """Build from a resolved case mapping (``solver.config.case_to_dict``, or the ``case``
        entry of ``summary.json``)."""
        el, bias = case["electrodes"], case["bias"]
        return cls(
            length_um=float(case["geometry"]["length_um"]),
            electrode_left_um=(float(el["left"]["start_um"]), float(el["left"]["end_um"])),
            electrode_right_um=(float(el["right"]["start_um"]), float(el["right"]["end_um"])),
            forward_field_V_per_um=polarity_sign(bias.get("polarity"))
            * float(bias["field_V_per_um"]),
            T_K=float(case["temperature"]["T_K"]),
            br_rich_side=str(case["geometry"].get("br_rich_side", "left")),
            sources_on=case.get("sources", {}).get("model", "contact") != "none",
            name=str(case.get("name", "")),
            bias_protocol=bias.get("protocol") is not None,
            temperature_protocol=case["temperature"].get("protocol") is not None,
            dimension=int(case["geometry"].get("dimension", 1)),
            halides=str((case.get("material") or {}).get("halides", "Br/Cl")),
        )

    @classmethod
    def from_parameters(cls, params, *, name: str = "", dimension: int = 1) -> Device:
        """Build from :class:`solver.model.parameters.ModelParameters` (``from_case``)
        and its bias and temperature protocols.

        The bias is a protocol unless it holds one forward field (after at most one ramp from
        0, ``bias.ramp_s``); the forward field is then that level, else the level at t = 0.
        T_K is T(0). ``name`` and ``dimension`` (1 or 3) are the case's (the parameters do
        not carry them).
        """
        bias = params.bias if params.bias is not None else BiasProtocol.none()
        held = _held_field(bias.schedule)
        temperature = params.temperature
        return cls(
            length_um=float(params.length_um),
            electrode_left_um=tuple(float(v) for v in params.electrode_left_um),
            electrode_right_um=tuple(float(v) for v in params.electrode_right_um),
            forward_field_V_per_um=float(held if held is not None
                                         else bias.schedule.value(0.0)),
            T_K=float(params.T_K),
            br_rich_side="left" if params.br_rich_left else "right",
            sources_on=params.source_model != "none",
            name=name,
            bias_protocol=held is None,
            temperature_protocol=temperature is not None and not temperature.is_constant,
            dimension=int(dimension),
        )

    @property
    def contact_left_um(self) -> float:
        """Left contact line [µm]."""
        return self.electrode_left_um[1]

    @property
    def contact_right_um(self) -> float:
        """Right contact line [µm]."""
        return self.electrode_right_um[0]

    @property
    def gap_um(self) -> float:
        """Distance between the contact lines [µm]."""
        return self.contact_right_um - self.contact_left_um

    def bias_values(self) -> BiasValues:
        """The forward field held over the gap, as :class:`solver.model.protocols.BiasProtocol`
        applies it: |Δψ| and the contact potentials [V]."""
        protocol = BiasProtocol(Schedule.constant(self.forward_field_V_per_um), self.gap_um,
                                self.br_rich_side == "left")
        return protocol.values(math.inf)

    @property
    def bias_V(self) -> float:
        """|Δψ| = |forward field| · gap [V]."""
        return self.bias_values().bias_V

    @property
    def polarity(self) -> str:
        """"forward", "reverse" or "no bias"."""
        if self.forward_field_V_per_um > 0:
            return "forward"
        return "reverse" if self.forward_field_V_per_um < 0 else "no bias"

    @property
    def positive_side(self) -> str | None:
        """Side ("left"/"right") of the electrode at the higher potential; None without bias."""
        if self.forward_field_V_per_um == 0:
            return None
        return "left" if self.bias_values().left_positive else "right"

    def bias_text(self) -> str:
        """E.g. "forward 4 V/µm (16 V over the 4 µm gap)"."""
        if self.bias_protocol:
            return f"bias protocol over the {self.gap_um:g} µm gap"
        if self.polarity == "no bias":
            return "no bias"
        return (f"{self.polarity} {abs(self.forward_field_V_per_um):g} V/µm "
                f"({self.bias_V:.3g} V over the {self.gap_um:g} µm gap)")

    def title(self) -> str:
        """Case name (with "(3D)" for a 3D model, and the pair's compounds for a pair other
        than Br/Cl), bias and temperature, for figure titles."""
        dim = "3D" if self.dimension == 3 else ""
        if self.halides != "Br/Cl":
            dim = ", ".join(filter(None, (dim, "-".join(self.pair.compounds))))
        name = f"{self.name} ({dim})" if self.name and dim else (self.name or dim)
        head = f"{name}: " if name else ""
        temp = "T protocol" if self.temperature_protocol else f"T = {self.T_K:g} K"
        return f"{head}{self.bias_text()}, {temp}"


def br_left(device: Device | None) -> bool:
    """True if the Br-rich segment is on the left (or there is no device)."""
    return device is None or device.br_rich_side == "left"


def mark_device(ax, device: Device, *, labels: bool = True,
                electrode_labels: Mapping[str, str] | None = None) -> dict:
    """Shade the electrode zones and the gap on ``ax`` (x in µm) and mark the contact lines.

    The patches carry ``gid`` "electrode_left", "electrode_right" and "gap" (tests find them
    there). With ``labels``, the zones are named at the top of the axes ("Au (+)", "gap 4 µm",
    "Au (−)"); ``electrode_labels`` ({"left": ..., "right": ...}) replaces the electrode names.

    Returns:
        ``{gid: patch}`` of the three shaded regions.
    """
    patches = {}
    positive = device.positive_side
    for side, (a, b) in (("left", device.electrode_left_um), ("right", device.electrode_right_um)):
        patch = ax.axvspan(a, b, color=ELECTRODE_COLOUR, alpha=0.18, lw=0, zorder=0)
        patch.set_gid(f"electrode_{side}")
        patches[f"electrode_{side}"] = patch
    gap = ax.axvspan(device.contact_left_um, device.contact_right_um, color=GAP_COLOUR,
                     alpha=0.07, lw=0, zorder=0)
    gap.set_gid("gap")
    patches["gap"] = gap
    for z in (device.contact_left_um, device.contact_right_um):
        ax.axvline(z, color=ELECTRODE_COLOUR, lw=0.9, ls="-", alpha=0.8, zorder=1)
    if labels:
        import matplotlib.transforms

        trans = matplotlib.transforms.blended_transform_factory(ax.transData, ax.transAxes)
        for side, (a, b) in (("left", device.electrode_left_um),
                             ("right", device.electrode_right_um)):
            sign = "" if positive is None else (" (+)" if side == positive else f" ({MINUS})")
            text = (electrode_labels or {}).get(side, f"Au{sign}")
            ax.text(0.5 * (a + b), 0.97, text, transform=trans, ha="center", va="top",
                    fontsize="small", color="#7a5c00", gid=f"label_electrode_{side}")
        ax.text(0.5 * (device.contact_left_um + device.contact_right_um), 0.97,
                f"gap {device.gap_um:g} µm", transform=trans, ha="center", va="top",
                fontsize="small", color="#2c4f7c", gid="label_gap")
    return patches


def labels(device: Device | None) -> dict[str, str]:
    """Figure labels that name the halides, from the device's pair (Br/Cl without a device):
    ``y`` (the composition axis), ``x_v_rescaled`` (x_V over x_V,eq(y_Cl), the equilibrium
    vacancy fraction at the B-rich segment's composition ``material.y_cl_segment``: not
    ``material.x_v_cl``, the pure-Cl end member), ``b_rich`` / ``a_rich`` (``"Cl-rich"`` /
    ``"Br-rich"``)."""
    pair = BR_CL if device is None else device.pair
    b = pair.b.symbol
    return {"y": pair.composition_tex(), "x_v_rescaled": rf"$x_V\,/\,x_{{V,eq}}(y_{{{b}}})$",
            "b_rich": pair.symbols("{}-rich", "b"), "a_rich": pair.symbols("{}-rich", "a")}


def x_v_axis_label(device: Device | None, x_v_ref: float | None) -> str:
    """Label of the vacancy panel: ``$x_V$``, or with ``x_v_ref`` (the divisor, x_V,eq at the
    B-rich segment's composition) the rescaled quantity and the divisor's value, e.g.
    ``x_V / x_V,eq(y_Cl)`` over ``(÷ 1.82e-07 = x_V,eq of the Cl-rich segment)``."""
    if x_v_ref is None:
        return r"$x_V$"
    b = (BR_CL if device is None else device.pair).b.symbol
    return (f"{labels(device)['x_v_rescaled']}\n"
            rf"(÷ {float(x_v_ref):.3g} = $x_{{V,eq}}$ of the {b}-rich segment)")


def front_level(ax, level: float, device: Device | None) -> None:
    """Dotted line at the front level, named at the B-rich (Cl-rich) end (not in the legend)."""
    ax.axhline(level, color="0.4", ls=":", lw=0.8)
    left = br_left(device)
    ax.annotate(f"front level y = {level:g}", xy=(0.995 if left else 0.005, level),
                xycoords=("axes fraction", "data"), ha="right" if left else "left",
                va="bottom", fontsize="x-small", color="0.3")
