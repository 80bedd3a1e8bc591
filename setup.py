"""Package layout (metadata: pyproject.toml).

The wheel holds the ``solver`` package and, as its package data, the presets: the top-level
``cases/`` and ``campaigns/`` folders are mapped to ``solver/_presets/cases`` and
``solver/_presets/campaigns`` (read by :mod:`solver.presets`), so an installed copy lists and
runs them from any directory while git keeps one copy where users expect it. The KMC Onsager
table ``solver/physics/data/onsager_kmc.json`` is package data of ``solver.physics``.
"""

from setuptools import find_packages, setup

PRESETS = {f"solver._presets.{kind}": kind for kind in ("cases", "campaigns")}

setup(
    packages=find_packages(include=["solver", "solver.*"]) + list(PRESETS),
    package_dir=PRESETS,
    package_data={**{name: ["*.yaml"] for name in PRESETS},
                  "solver.physics": ["data/*.json"]},
)
