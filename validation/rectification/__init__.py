"""Generate docs/validation.md (seed 001: bias-driven migration and rectification).

One command, from campaign outputs (campaigns are run first, resuming finished members):

    python -m validation.rectification [--results results] [--jobs 2] [--no-run]

Every number in the report is computed here from ``results/<campaign>/`` (campaign.csv,
member summaries, profiles and time series); nothing is typed by hand. Targets come from
docs/model.md, "Observables" (seed 001's Figs. 1e, 2, 3, S10, S16) and the acceptance of
issue 3; where the seed gives only a qualitative statement, the criterion used is written
next to it.

Layout: :mod:`.study` (reading the campaigns, the numbers), :mod:`.figures`, :mod:`.report`
(Markdown, metrics file and :func:`main`).
"""

from validation.rectification.report import main
from validation.rectification.study import CAMPAIGNS

__all__ = ["CAMPAIGNS", "main"]
