"""The discrete problem and its solution: spaces, field layout, forms assembled into PETSc
objects, Newton's method, linear solvers and time stepping.

Modules:

- :mod:`~solver.numerics.layout`: the fields of the problem as data (names, units, error
  tolerances, validity, Newton damping) and their dof maps;
- :mod:`~solver.numerics.problem`: :class:`~solver.numerics.problem.TransportProblem`, the
  coupled problem on one mesh (spaces, forms from :mod:`solver.physics`, boundary data);
- :mod:`~solver.numerics.newton`: Newton control (damping, convergence, row scaling, Jacobian
  reuse, linear-solver fallback);
- :mod:`~solver.numerics.linear_solvers`, :mod:`~solver.numerics.coarse_space`: the linear
  solver presets and the two-level preconditioner's coarse space;
- :mod:`~solver.numerics.edge_assembly`, :mod:`~solver.numerics.jacobian_matrix`: edge-wise
  flux assembly on box hexahedra and the Jacobian's storage;
- :mod:`~solver.numerics.bdf`, :mod:`~solver.numerics.time_stepping`: BDF coefficients and the
  adaptive stepper (which sees the problem through
  :class:`~solver.numerics.time_stepping.SteppableProblem`);
- :mod:`~solver.numerics.compat`: the dolfinx calls that depend on its version.
"""
