"""Generate docs/validation_front_shape.md: does what the microscope sees explain the front shape?

Seed 001 reports two features the 1D model does not reproduce (docs/validation.md): about 12 %
Cl in the Br-rich segment after 4 h forward bias (Fig. 2a), and a front that smooths as the
bias rises (the seed's model, Fig. 2b; its experiment says the moving front "remained sharp",
Fig. S4). This study tests three explanations and states which holds:

1. PL resolution alone: the experiment measures composition by confocal PL, so the front width
   and the Cl ahead of the front are evaluated on the true and on the PL-apparent composition
   (solver/pl/model.py) of the 1D device (campaigns/front_shape.yaml);
2. the 3D bottom-contact geometry: cross-section-averaged and PL-apparent (section-integrated)
   numbers for 200/300/400 nm wires (campaigns/front_shape_3d.yaml, with a resolution check in
   front_shape_3d_resolution.yaml);
3. more vacancies where the front moves (free surface, contact edges): 1D variants of the
   vacancy fraction, contact creation rate and surface exchange, with a no-bias control
   (campaigns/front_shape_candidates.yaml, front_shape_candidates_nobias.yaml).

One command (runs or resumes the campaigns first; 1D parts about 2 min):

    python -m validation.front_shape [--results results] [--jobs 2] [--no-run] [--3d]

``--3d`` also runs the 3D campaigns (measured: 3.4 h of CPU, 1.7 h with ``--jobs 2``: 9 members
of 6-22 min and 2 of about 45 min); without it the report states that the 3D part is pending.
Every number in the report is computed here from the campaign outputs.

Layout: :mod:`.study` (reading the campaign outputs, front metrics), :mod:`.verdicts` (criteria,
verdicts and findings), :mod:`.text` (number formats), :mod:`.figures`, :mod:`.report`
(Markdown and :func:`main`); ``python -m validation.front_shape`` runs :func:`main`.
"""

from validation.front_shape.report import main, write_report
from validation.front_shape.study import (
    CANDIDATES,
    FIELDS,
    T_END,
    candidates_study,
    measure,
    one_d_study,
    three_d_member,
    three_d_study,
)
from validation.front_shape.verdicts import (
    CL_TARGET,
    SMOOTHING_FACTOR,
    overall_verdict,
    three_d_verdicts,
    verdicts,
)

__all__ = [
    "CANDIDATES",
    "CL_TARGET",
    "FIELDS",
    "SMOOTHING_FACTOR",
    "T_END",
    "candidates_study",
    "main",
    "measure",
    "one_d_study",
    "overall_verdict",
    "three_d_member",
    "three_d_study",
    "three_d_verdicts",
    "verdicts",
    "write_report",
]
