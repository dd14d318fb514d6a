# ClinicFerry: `make demo` runs a whole local migration, `make test` runs lint + types + tests.
# Both install what they need: a .venv from requirements-dev.txt and Azurite from package-lock.json.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_PY   := $(VENV)/.installed
STAMP_NODE := node_modules/.installed

.PHONY: deps test lint typecheck infra-scan pytest demo bench bench-read bench-transform \
	bench-dataverse bench-salesforce bench-durable bench-delta dataverse-emulator salesforce-emulator \
	clean

deps: $(STAMP_PY) $(STAMP_NODE)

$(STAMP_PY): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(STAMP_NODE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: $(STAMP_PY)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP_PY)
	$(BIN)/mypy

# checkov lives in its own venv: its pins would fight the app's. --skip-download: no network in CI.
CHECKOV := .venv-checkov/bin/checkov
$(CHECKOV):
	$(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/python -m pip install -q --disable-pip-version-check "checkov>=3.2,<4"

infra-scan: $(CHECKOV)
	$(CHECKOV) -d infra --framework bicep --skip-download --quiet --compact 2>/dev/null

pytest: deps
	$(BIN)/python -m pytest

test: lint typecheck infra-scan pytest

demo: deps
	$(BIN)/python -m cli demo

# Benchmarks print one RESULT line each; figures and machines are recorded in bench/README.md.
bench: bench-read bench-transform bench-dataverse bench-salesforce bench-durable bench-delta

bench-read: deps
	$(BIN)/python bench/read_profile.py --patients 345000

bench-transform: deps
	$(BIN)/python bench/transform.py --records 200000

bench-dataverse: deps
	$(BIN)/python bench/load_dataverse.py --records 100000 --users 3 --batch 250 --time-scale 2

bench-salesforce: deps
	$(BIN)/python bench/load_salesforce.py

bench-durable: deps
	$(BIN)/python bench/durable_host.py --fan-out 10000 --chain 200

bench-delta: deps
	$(BIN)/python bench/delta.py --patients 43460

# Local emulators for rehearsing against a laptop (foreground; Ctrl-C stops them).
dataverse-emulator: deps
	$(BIN)/python -m emulators.dataverse --port 8443 --data .local/dataverse

salesforce-emulator: deps
	$(BIN)/python -m emulators.salesforce --port 8444 --data .local/salesforce

clean:
	rm -rf $(VENV) .venv-checkov node_modules .pytest_cache .mypy_cache .ruff_cache .local
