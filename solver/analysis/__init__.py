"""Post-processing of computed or measured profiles (pure numpy, no dolfinx).

Modules:
    matano: Boltzmann–Matano extraction of a concentration-dependent interdiffusion coefficient
        D(c) from one profile c(z) at time t (``python -m solver.analysis.matano --help``).
    thermal: helpers of the thermal-interdiffusion validation (seed 000): Matano D(y) of computed
        profiles, pure-phase D, Arrhenius fits.

Submodules are imported explicitly (``from solver.analysis.matano import boltzmann_matano``), so
that ``python -m solver.analysis.matano`` runs the module only once.
"""
