# coach: the two commands of the quick start, and a few more.
#   make run   set up a local virtual environment (once) and open the app
#   make test  set up the same environment (once) and run the whole test suite
# Both need only python3 (>= 3.11) and make, and are safe to run again.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint check bench clean

# The environment is rebuilt only when pyproject.toml changes. `make run`
# installs what the app needs; `make test` and `make lint` add the test tools.
APP_STAMP := $(VENV)/.installed-app

define make_venv
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "coach needs Python 3.11 or newer; this is " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
endef

$(APP_STAMP): pyproject.toml
	$(make_venv)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	@touch $(APP_STAMP)

$(STAMP): pyproject.toml
	$(make_venv)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP) $(APP_STAMP)

run: $(APP_STAMP)
	$(BIN)/coach $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check coach tests bench
	$(BIN)/ruff format --check coach
	$(BIN)/mypy
	$(BIN)/lint-imports

check: lint test

bench: $(STAMP)
	$(BIN)/python bench/startup.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
