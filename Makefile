# Frontporch: the two commands a newcomer needs are `make demo` and `make test`.
# Everything else builds on `make setup`, which creates .venv from the lock file.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.frontporch-setup
# Test workers (pytest-xdist): one per core by default; TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto
# axe-core for the browser tests' accessibility pass, pinned in tests/e2e/axe's lock.
AXE := tests/e2e/axe
AXE_STAMP := $(AXE)/node_modules/.frontporch-npm-ci

.PHONY: setup axe demo test test-unit test-integration test-e2e screenshots bench lint format lock clean

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Frontporch needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

# Without npm the accessibility tests skip (and the preflight says so); CI requires them.
axe: $(AXE_STAMP)

$(AXE_STAMP): $(AXE)/package.json $(AXE)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(AXE) --no-audit --no-fund --ignore-scripts --loglevel=error \
		&& touch $@; \
	else \
		echo "npm is not installed: the accessibility tests will skip (apt-get install npm)."; \
	fi

demo: setup
	$(BIN)/frontporch demo

test: setup axe
	$(BIN)/python -m frontporch.devtools.preflight
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

test-unit: setup
	$(BIN)/python -m pytest -n $(TEST_WORKERS) tests/unit $(PYTEST_ARGS)

test-integration: setup
	$(BIN)/python -m pytest -n $(TEST_WORKERS) tests/integration $(PYTEST_ARGS)

test-e2e: setup axe
	$(BIN)/python -m pytest -n $(TEST_WORKERS) tests/e2e $(PYTEST_ARGS)

# Refresh the screenshots in docs/ from the browser tests.
screenshots: setup axe
	FRONTPORCH_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest tests/e2e $(PYTEST_ARGS)

bench: setup
	$(BIN)/python -m bench $(BENCH_ARGS)

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# Regenerate the lock file after changing dependencies in pyproject.toml.
lock:
	$(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		--generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist $(AXE)/node_modules
