# perovskite-ions: the same install as README's `make venv` (pip wheels: dolfinx-solver-real
# brings dolfinx 0.11, PETSc/petsc4py, MPICH with mpirun), as a non-root user.
#
#   docker build -t perovskite-ions .
#   docker run --rm -v "$PWD/results:/home/pvk/app/results" perovskite-ions cases/reference_forward.yaml
#   docker run --rm --entrypoint mpirun perovskite-ions -n 2 python run_case.py cases/wire3d.yaml
FROM python:3.12-slim-bookworm

# make/git: developer targets and provenance; the X/GL libraries are what the gmsh wheel links.
RUN apt-get update \
 && apt-get install -y --no-install-recommends make git libglu1-mesa libxcursor1 libxft2 \
      libxinerama1 libxrender1 libxext6 \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 pvk
USER pvk
WORKDIR /home/pvk/app
ENV VIRTUAL_ENV=/home/pvk/venv PATH=/home/pvk/venv/bin:$PATH PYTHONUNBUFFERED=1

# Install the dependencies first (cached layer), then the project itself.
COPY --chown=pvk:pvk pyproject.toml README.md ./
COPY --chown=pvk:pvk solver/__init__.py solver/__init__.py
RUN python -m venv "$VIRTUAL_ENV" \
 && pip install --no-cache-dir --upgrade pip \
 && pip install --no-cache-dir '.[test]'
COPY --chown=pvk:pvk . .
RUN pip install --no-cache-dir --no-deps '.[test]' \
 && python -c "import solver, dolfinx; print('dolfinx', dolfinx.__version__)"

ENTRYPOINT ["python", "run_case.py"]
CMD ["--help"]
