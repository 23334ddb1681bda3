# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test lint typecheck bench router clean image

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the project metadata changes.
$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres,slack,teams]'
	touch $@ $(VENV)/.run-installed

run: $(VENV)/.run-installed
	$(BIN)/protocolwijzer serve

lint: $(VENV)/.test-installed
	$(BIN)/ruff check bot adapters tests bench .ci
	$(BIN)/protocolwijzer lint playbooks

typecheck: $(VENV)/.test-installed
	$(BIN)/mypy bot adapters

# pytest exits 5 when it collected no tests; make treats any non-zero exit as failure.
test: lint typecheck
	$(BIN)/python -m pytest

bench: $(VENV)/.test-installed
	$(BIN)/python bench/routing.py

# Train the router on the playbooks' examples after changing them (lint says when): thresholds are
# tuned on held-out examples and on the project's own sample questions, never on routing_eval.yaml.
router: $(VENV)/.test-installed
	$(BIN)/protocolwijzer train-router --tune-on tests/data/dev_questions.yaml tests/data/extra_questions.yaml \
		tests/data/out_of_scope.yaml

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts

# The container image (deploy/compose.yaml runs it with PostgreSQL). Without a container daemon,
# as root: python3 .ci/standin_build.py --base /var/cache/protocolwijzer-standin --out /tmp/image
image:
	docker build -t protocolwijzer .
