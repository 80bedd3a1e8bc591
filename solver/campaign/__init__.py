"""Simulation campaigns: one base case, a sweep of overrides, members run in parallel.

A campaign file is YAML with a single top-level ``campaign`` mapping::

    campaign:
      name: fig1e                           # results go to results/<name>/<member>/
      base: ../cases/reference_forward.yaml # base case, relative to this file
      set:                                  # overrides applied to every member (optional)
        sources.rate_law: composition
      product:                              # Cartesian product over dotted keys ...
        bias.field_V_per_um: [-4, -2, 2, 4]
      members:                              # ... and/or an explicit list (name + overrides)
        - {name: seed_literal, set: {sources.left.equilibrium: half}}

With both ``product`` and ``members``, every listed member is combined with every product point.
Each member runs as its own process (``python -m solver.cli BASE --set ... --output DIR --quiet``
with the campaign's own ``solver`` package), so a failing member cannot take the others down;
``-j N`` runs N at a time; ``--executor dask|mpi`` runs them on a dask cluster or the worker
ranks of ``mpirun ... -m mpi4py.futures`` instead (:mod:`~solver.campaign.executors`).

Reuse: a member whose ``summary.json`` reports ``completed`` is reused only if it was made from
the same fully resolved case (the base case file's content with the overrides applied) and the
same solver code (:mod:`solver.campaign.reuse`), so a finished campaign reruns no work and an
edited base case file, or a changed solver, reruns the members it changes (console line
``<member>: rerun: inputs changed (...)``). Any other member that left a checkpoint
(interrupted by SIGTERM/SIGINT, killed hard, stopped by a full disk) continues from it
(``--restart``), and starts over (``--force``) if that checkpoint is unusable or belongs to
other inputs; with ``--force`` every member starts over. ``campaign.csv`` (one row per member:
swept values, status, the summary observables and the member's warnings) and ``campaign.json``
aggregate the results. The members' warnings (their ``warning: ...`` lines, e.g. "did you give
°C?") are shown on the campaign's console as ``warning: <member>: ...``, also for reused members
(read back from their logs). ``run_case.py CAMPAIGN --check`` validates every member without
running any (:mod:`solver.campaign.check`).

Signals (:mod:`solver.campaign.stop`): SIGTERM or SIGINT (Ctrl-C) to a campaign starts no
further member, forwards the signal to the running ones (they checkpoint and exit 4, as single
runs do), waits for them, writes ``campaign.csv``/``campaign.json`` with what completed, prints
one line (``interrupted: campaign <name>: 3 of 17 members completed -> ...; rerun to resume``)
and exits 4; a rerun resumes.

Campaign and member names are directory names: they start with a letter or digit, hold no
``/`` (so never ``.`` or ``..``) and are at most 255 bytes long; every member directory is
checked to resolve inside the campaign directory. The campaign directory is locked while the
campaign runs (:class:`solver.outputs.OutputDir`), and every member's directory by its run.

Modules: :mod:`~solver.campaign.spec` (the file and its members),
:mod:`~solver.campaign.check` (``--check``),
:mod:`~solver.campaign.reuse` (reuse keys), :mod:`~solver.campaign.stop` (signals),
:mod:`~solver.campaign.members` (member processes, also used by fits),
:mod:`~solver.campaign.executors` (where they run: ``--executor local|dask|mpi``,
docs/cluster.md),
:mod:`~solver.campaign.runner` (:func:`run_campaign`).
"""

from solver.campaign.members import MemberResult, _member_environment, _resumable, run_members
from solver.campaign.runner import SUMMARY_COLUMNS, run_campaign
from solver.campaign.spec import (
    NAME_MAX,
    CampaignSpec,
    Member,
    MemberSpec,
    _member_dirs_inside,
    expand_members,
    is_campaign_file,
    load_campaign,
)
from solver.campaign.stop import StopRequest

__all__ = [
    "NAME_MAX",
    "SUMMARY_COLUMNS",
    "CampaignSpec",
    "Member",
    "MemberResult",
    "MemberSpec",
    "StopRequest",
    "_member_dirs_inside",
    "_member_environment",
    "_resumable",
    "expand_members",
    "is_campaign_file",
    "load_campaign",
    "run_campaign",
    "run_members",
]
