# Parley: `make serve` runs the hub with a demo account; `make test` runs every test.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
# `make serve` installs the hub alone; `make test` adds the test tools (the `test` extra).
STAMP      := $(VENV)/.installed-test
RUN_STAMP  := $(VENV)/.installed-runtime

.PHONY: serve test install lint check bench clean messages

$(RUN_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(RUN_STAMP)

$(STAMP): $(RUN_STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

serve: $(RUN_STAMP)
	$(BIN)/parley serve --demo --port $(PORT)

# Before any test runs: lint and format (ruff), the import directions of DESIGN.md
# (import-linter, contracts in pyproject.toml), the types (mypy --strict on hub, connectors
# and webchat_widget), and the store as the only door to the database (an AST check).
check: $(STAMP)
	$(BIN)/ruff check hub connectors webchat_widget tests bench examples
	$(BIN)/ruff format --check hub connectors webchat_widget tests bench examples
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/store/test_one_door.py

test: check
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

# `make bench BEFORE=/path/to/main-checkout` measures that checkout first, with the same
# scripts, so every figure has a before and an after; FULL=1 adds the 100k list sizes.
bench: $(STAMP)
	for root in $(BEFORE) $(CURDIR); do \
	  export BENCH_ROOT=$$root; \
	  $(BIN)/python bench/ingest.py && $(BIN)/python bench/live.py && \
	  $(BIN)/python bench/sends.py && $(BIN)/python bench/positions.py && \
	  $(BIN)/python bench/burst.py && $(BIN)/python bench/statuses.py && \
	  $(BIN)/python bench/queries.py $(if $(FULL),,--quick) || exit 1; \
	done

# Extract the pages' strings and merge them into every language's catalog (hub/locale).
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k N_ -k ngettext:1,2 -o hub/locale/messages.pot --no-location --project=Parley --copyright-holder="the Parley authors" --msgid-bugs-address=https://github.com/parley-hub/parley/issues .
	for lang in da sv nb nl fr; do \
	  if [ -f hub/locale/$$lang/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel update -i hub/locale/messages.pot -d hub/locale -l $$lang --no-fuzzy-matching; \
	  else $(BIN)/pybabel init -i hub/locale/messages.pot -d hub/locale -l $$lang; fi; \
	done

clean:
	rm -rf $(VENV) build *.egg-info
