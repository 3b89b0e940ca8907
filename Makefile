# coach: the two commands of the quick start, and a few more.
#   make run   set up a local virtual environment (once) and open the app
#   make test  set up the same environment (once) and run the whole test suite
# Both need only python3 (>= 3.11) and make, and are safe to run again.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint check bench floors clean

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
	$(BIN)/ruff format --check coach tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

check: lint test

bench: $(STAMP)
	$(BIN)/python bench/startup.py

# The oldest versions pyproject.toml allows, installed exactly, and the suite on
# them (the snapshots are left out: their pictures follow Textual's look).
# docs/development.md says what set each floor.
FLOORS := .venv-floors
floors:
	$(PYTHON) -m venv $(FLOORS)
	$(FLOORS)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(FLOORS)/bin/python -c 'import re, tomllib; deps = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]; print("\n".join(re.sub(r">=([^,]+).*", r"==\1", d) for d in deps))' > $(FLOORS)/floors.txt
	$(FLOORS)/bin/python -m pip install --quiet --disable-pip-version-check -c $(FLOORS)/floors.txt -r $(FLOORS)/floors.txt -e '.[test]'
	$(FLOORS)/bin/python -m pip list --disable-pip-version-check 2>/dev/null | grep -iE '^(textual|pydantic|pydantic.settings|tomli.w|platformdirs|tomlkit) '
	$(FLOORS)/bin/python -m pytest -p no:cacheprovider --ignore tests/tui/test_snapshots.py --ignore tests/tui/test_session_snapshots.py $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) $(FLOORS) .pytest_cache .mypy_cache .ruff_cache .hypothesis
