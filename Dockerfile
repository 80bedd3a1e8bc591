# perovskite-ions: the same install as README's `make venv` (pip wheels: dolfinx-solver-real
# brings dolfinx 0.11, PETSc/petsc4py, MPICH with mpirun), as a non-root user, with the package
# installed non-editable (`pip install .`) in /home/pvk/venv (on PATH, as is its mpirun).
#
#   docker build --build-arg GIT_COMMIT="$(git rev-parse HEAD)" -t perovskite-ions .
#   docker run --rm -v "$PWD/results:/home/pvk/app/results" perovskite-ions cases/reference_forward.yaml
#   docker run --rm --entrypoint mpirun perovskite-ions -n 2 python run_case.py cases/wire3d.yaml
FROM python:3.12-slim-bookworm

# gcc + libc6-dev: dolfinx compiles every form with the C compiler at run time (cffi; the Python
# headers come with the base image). make: developer targets. X/GL libraries: what the gmsh
# wheel links (libGL.so.1 from libgl1: without it every 3D case stopped at `import gmsh`).
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev make libgl1 libglu1-mesa \
      libxcursor1 libxft2 libxinerama1 libxrender1 libxext6 \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 pvk
USER pvk
WORKDIR /home/pvk/app
ENV VIRTUAL_ENV=/home/pvk/venv PATH=/home/pvk/venv/bin:$PATH PYTHONUNBUFFERED=1

# The dependencies first (a cached layer that only pyproject.toml invalidates), then the project.
COPY --chown=pvk:pvk pyproject.toml ./
RUN python -m venv "$VIRTUAL_ENV" \
 && pip install --no-cache-dir --upgrade pip \
 && python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
print('\n'.join(p['dependencies'] + p['optional-dependencies']['test']))" > /tmp/requirements.txt \
 && pip install --no-cache-dir -r /tmp/requirements.txt && rm /tmp/requirements.txt
COPY --chown=pvk:pvk . .
# Install, then prove from outside the checkout that the installed copy works: presets are
# shipped, a form JIT-compiles (this fails if the C compiler is missing), and gmsh, which meshes
# every 3D wire, loads (this fails if a library it links is missing).
RUN pip install --no-cache-dir --no-deps . && rm -rf build *.egg-info \
 && cd /tmp && perovskite-ions --list-presets | grep -q cases/reference_forward.yaml \
 && python -c "import solver, ufl; from mpi4py import MPI; from dolfinx import fem, mesh; \
m = mesh.create_unit_interval(MPI.COMM_WORLD, 4); \
print('installed', solver.__file__, 'form JIT ok:', \
fem.assemble_scalar(fem.form(fem.Constant(m, 2.0) * ufl.dx(domain=m))))" \
 && python -c "import gmsh; gmsh.initialize(); print('gmsh', gmsh.__version__, 'ok'); gmsh.finalize()"

# The commit the image was built from (.git is not copied): read by solver/io/provenance.py into every
# summary's provenance. Last, so that a new commit does not invalidate the layers above. The RUN
# uses the argument, so a new value is a cache miss here (buildah would reuse a cached ENV layer).
ARG GIT_COMMIT=""
RUN echo "provenance commit: ${GIT_COMMIT:-none (build with --build-arg GIT_COMMIT=...)}"
ENV PEROVSKITE_IONS_GIT_COMMIT=$GIT_COMMIT

ENTRYPOINT ["python", "run_case.py"]
CMD ["--help"]
