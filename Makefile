# ClinicFerry: `make demo` runs a whole local migration, `make test` runs lint + types + tests.
# Both install what they need: a .venv from requirements-dev.txt and Azurite from package-lock.json.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_PY   := $(VENV)/.installed
STAMP_NODE := node_modules/.installed

.PHONY: deps test lint typecheck infra-scan pytest demo bench clean

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

bench: deps
	$(BIN)/python bench/read_profile.py

clean:
	rm -rf $(VENV) .venv-checkov node_modules .pytest_cache .mypy_cache .ruff_cache .local
