"""The model's data, without dolfinx: parameters derived from a case, drive protocols, species.

- :mod:`~solver.model.parameters`: :class:`~solver.model.parameters.ModelParameters` (every
  number the weak forms use, in the units of their names) from a validated case, and its
  temperature law (:class:`~solver.model.parameters.ThermalLaw`, ``ThermalState``);
- :mod:`~solver.model.protocols`: bias and temperature protocols (segments, milestones, jumps);
- :mod:`~solver.model.species`: halide pairs (names, compounds, emission) as data.

numpy and the standard library only; :mod:`solver.config` above it.
"""
