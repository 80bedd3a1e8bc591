# Developer tasks for perovskite-ions.  `make help` lists them.
#
# The virtual environment lives in .venv and is reused if it exists; `pip install -e .[test]`
# runs again only when pyproject.toml is newer than the stamp file .venv/.installed.
# Override the interpreter used to create the venv with `make venv PYTHON=/path/to/python3.12`.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CASES := cases/reference_forward.yaml cases/reference_reverse.yaml
JOBS  ?= 2

# Print the first interpreter that runs and is Python >= 3.12: $(PYTHON) if given, python3.12
# on PATH (a pyenv shim that is not activated fails the check and is skipped), the newest
# ~/.pyenv/versions/3.12*/bin/python3.12, then python3.
define find_python
for c in $(PYTHON) python3.12 \
    $$(ls -d $(HOME)/.pyenv/versions/3.12*/bin/python3.12 2>/dev/null | sort -rV) python3; do \
  if "$$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
    echo "$$c"; break; \
  fi; \
done
endef

.PHONY: help venv lint test test-slow run validate validate-thermal validate-thermal-surface validate-nanocrystals validate-3d validate-3d-convergence front-shape bench clean clean-results \
	onsager-kmc onsager-report

help:
	@echo "make venv          create/update $(VENV) (pip install -e .[test])"
	@echo "make lint          ruff check (rules in pyproject.toml [tool.ruff.lint])"
	@echo "make test          fast test suite (-m 'not slow')"
	@echo "make test-slow     slow validation tests (-m slow)"
	@echo "make run           reference +-4 V/um pair, Fig. 1e campaign, figures -> results/"
	@echo "make validate      run/resume the campaigns and regenerate docs/validation.md"
	@echo "make validate-thermal  seed 000 targets, the equilibration and surface-path rate scans -> docs/validation_thermal.md (~10 min)"
	@echo "make validate-thermal-surface  the surface-path scan alone, printed (~5 min; runs reused)"
	@echo "make validate-nanocrystals  seeds 002-004: ensemble, expulsion, reconstruction studies -> docs/validation_nanocrystals.md (~10 min)"
	@echo "make validate-3d   1D/3D consistency and thick wire -> docs/validation_3d.md (~1 h)"
	@echo "make validate-3d-convergence  3D mesh convergence -> docs/validation_3d_convergence.md (~1.5 h)"
	@echo "make front-shape   PL, vacancy-supply candidates -> docs/validation_front_shape.md (~2 min);"
	@echo "                   ARGS=--3d adds the 3D wires (3.4 h of CPU, 1.7 h with JOBS=2)"
	@echo "make bench         1D benchmark"
	@echo "make onsager-kmc   KMC Onsager table -> solver/physics/data/onsager_kmc.json (~25 min)"
	@echo "make onsager-report KMC vs Manning/ideal, solver impact -> docs/onsager_kmc.md (~1 min)"
	@echo "make clean         remove caches and build artefacts (keeps .venv and results/)"
	@echo "make clean-results remove results/"

$(PY):
	@py="$$($(find_python))"; \
	if [ -z "$$py" ]; then \
	  echo "error: no Python >= 3.12 found (tried PYTHON='$(PYTHON)', python3.12," \
	       "$(HOME)/.pyenv/versions/3.12*/bin/python3.12, python3)." \
	       "Install Python 3.12 or run 'make venv PYTHON=/path/to/python3.12'." >&2; \
	  exit 1; \
	fi; \
	echo "creating $(VENV) with $$py ($$("$$py" --version 2>&1))"; \
	"$$py" -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -e '.[test]'
	@touch $@

venv: $(STAMP)

lint: venv
	$(PY) -m ruff check .

test: venv
	$(PY) -m pytest -m "not slow" -q

# pytest exits with 5 when no test is selected; that is not a failure here.
test-slow: venv
	$(PY) -m pytest -m slow -q || [ $$? -eq 5 ]

# Default job: the reference pair at +-4 V/µm (4 h) and the seed 001 Fig. 1e campaign (17 biases,
# resumable: a finished campaign is not rerun), then the comparison figures in results/figures/:
# L_m after 4 h vs field (forward and reverse, seed 001 Fig. 1e) and the 4-h profiles of the
# forward and reverse runs overlaid (seed 001 Fig. 2). Per-run figures: results/<case>/figures/.
run: venv
	@set -e; for case in $(CASES); do \
	  echo "== $$case"; \
	  $(PY) run_case.py "$$case" --force; \
	done
	$(PY) run_case.py campaigns/fig1e.yaml -j $(JOBS) --output results/fig1e
	$(PY) -m solver.figures.compare compare --forward results/reference_forward \
	  --reverse results/reference_reverse --campaign results/fig1e --output results/figures

# Regenerate docs/validation.md (and docs/validation_thermal.md) from campaign outputs,
# running or resuming the campaigns first.
validate: venv
	$(PY) -m validation.rectification --results results --jobs $(JOBS)
	$(PY) -m validation.thermal --results results/thermal

validate-thermal: venv
	$(PY) -m validation.thermal --results results/thermal

validate-thermal-surface: venv
	$(PY) -m validation.thermal.surface_scan --results results/thermal

validate-nanocrystals: venv
	$(PY) -m validation.nanocrystals.exchange
	$(PY) -m validation.nanocrystals.expulsion
	$(PY) -m validation.nanocrystals.reconstruction
	$(PY) -m validation.nanocrystals.report

validate-3d: venv
	$(PY) -m validation.wire3d --results results --jobs $(JOBS)

# Three meshes of the 200 nm wire, one at a time (the finest needs most of the memory).
validate-3d-convergence: venv
	$(PY) -m validation.wire3d_convergence --results results --jobs 1

# The front-shape study (issue 11): 1D PL and vacancy-supply candidates; add ARGS=--3d for
# the 3D wires (campaigns/front_shape_3d*.yaml, 3.4 h of CPU, 1.7 h with JOBS=2).
front-shape: venv
	$(PY) -m validation.front_shape --results results --jobs $(JOBS) $(ARGS)

bench: venv
	$(PY) benchmarks/bench_1d.py

# KMC Onsager coefficients (issue 12): the table shipped as package data, then its fit.
onsager-kmc: venv
	$(PY) -m solver.analysis.kmc run
	$(PY) -m solver.analysis.kmc fit

# Report from the shipped table (does not rerun the KMC); runs six 1D reference cases and
# three thermal anneals (a few seconds each) into results/onsager_kmc.
onsager-report: venv
	$(PY) tools/onsager_kmc_report.py

clean:
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

clean-results:
	rm -rf results
