# Parley: `make serve` runs the hub with a demo account; `make test` runs every test.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: serve test install lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

serve: $(STAMP)
	$(BIN)/parley serve --demo

test: $(STAMP)
	$(BIN)/ruff check hub connectors webchat_widget tests bench examples
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

# `make bench BEFORE=/path/to/main-checkout` measures that checkout first, with the same
# scripts, so every figure has a before and an after; FULL=1 adds the 100k list sizes.
bench: $(STAMP)
	for root in $(BEFORE) $(CURDIR); do \
	  export BENCH_ROOT=$$root; \
	  $(BIN)/python bench/ingest.py && $(BIN)/python bench/live.py && \
	  $(BIN)/python bench/sends.py && \
	  $(BIN)/python bench/queries.py $(if $(FULL),,--quick) || exit 1; \
	done

clean:
	rm -rf $(VENV) build *.egg-info
