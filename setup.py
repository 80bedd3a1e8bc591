"""Package layout (metadata: pyproject.toml).

The wheel holds the ``solver`` package and, as its package data, the presets: the top-level
``cases/``, ``campaigns/``, ``fits/`` and ``ensembles/`` folders are mapped to
``solver/_presets/<folder>`` (read by :mod:`solver.presets`; a
fit's data ``*.csv`` with it), so an installed copy lists and runs them from any directory while
git keeps one copy where users expect it. The KMC Onsager
table ``solver/physics/data/onsager_kmc.json`` is package data of ``solver.physics``.
"""

from setuptools import find_packages, setup

PRESETS = {f"solver._presets.{kind}": kind
           for kind in ("cases", "campaigns", "fits", "ensembles")}
DATA = {"fits": ["*.yaml", "*.csv"]}  # a fit's data files go with it

setup(
    packages=find_packages(include=["solver", "solver.*"]) + list(PRESETS),
    package_dir=PRESETS,
    package_data={**{name: DATA.get(kind, ["*.yaml"]) for name, kind in PRESETS.items()},
                  "solver.physics": ["data/*.json"]},
)
