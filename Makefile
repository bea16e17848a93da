# Entry point for people and CI. Every target bootstraps .venv from the pinned requirements.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test browser-test soak lint format bench schema openapi sam-check clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/csinsights demo $(DEMO_ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q $(PYTEST_ARGS)

# The insights page in headless Chromium (Debian's `chromium`): what it shows, no id run as
# code, no sideways scrolling and no serious axe-core finding at 390 and 1280 px;
# regenerates docs/screenshots/.
browser-test: $(STAMP)
	$(BIN)/python -m pytest -p no:xdist -q tests/browser $(PYTEST_ARGS)

# The same suite with the soak profile: at unit speed 1,200 shuffled marketplaces, 2,000
# streams with failed commits, 600 with overtaking writers, 600 stateful pipelines, 30
# replayed marketplaces; on the emulated AWS 100 shuffled streams, 15 stateful pipelines in
# batches of up to 400, every fault kind at every AWS call; longer API fuzzing.
soak: $(STAMP)
	CSI_PROFILE=soak $(BIN)/python -m pytest -n 2 -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/cfn-lint --append-rules cfn_lint_serverless.rules -- infra/template.yaml

# What a deployment builds, with the SAM CLI on PATH (no Docker): SAM's own validation and
# linter, then `sam build` with the runtime this machine has (python3.12 if it runs, else
# the python3.11 override), and the layer holds the package and pydantic-core for both
# runtimes.
SAM ?= sam
SAM_BUILD_DIR ?= .aws-sam/build
SAM_RUNTIME ?= $(shell python3.12 -c "" 2>/dev/null && echo python3.12 || echo python3.11)
LAYER := $(SAM_BUILD_DIR)/SharedLayer/python

sam-check:
	SAM_CLI_TELEMETRY=0 $(SAM) validate --lint --template-file infra/template.yaml
	SAM_CLI_TELEMETRY=0 $(SAM) build --template-file infra/template.yaml \
		--build-dir $(SAM_BUILD_DIR) --parameter-overrides PythonRuntime=$(SAM_RUNTIME)
	test -f $(LAYER)/csinsights/__init__.py
	test -f $(LAYER)/pydantic_core/_pydantic_core.cpython-311-aarch64-linux-gnu.so
	test -f $(LAYER)/pydantic_core/_pydantic_core.cpython-312-aarch64-linux-gnu.so
	test -f $(SAM_BUILD_DIR)/ApiFunction/app.py

schema: $(STAMP)
	$(BIN)/python -m csinsights_local.schema > docs/event-schema.json

openapi: $(STAMP)
	$(BIN)/python -m csinsights_local.openapi > docs/openapi.json

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
