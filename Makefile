# metahive developer commands.  Everything runs from the virtualenv in .venv.
#   make venv    create .venv and install the package with its dev extras
#   make run     upgrade the SQLite catalog and serve the metastore on $(HOST):$(PORT)
#   make test    install system deps if missing (Java, PostgreSQL), then run pytest
#   make lint    ruff check
#   make clean   remove caches and build output (distclean also removes .venv)

SHELL := /bin/bash

# Python 3.11 if it is on PATH (and actually runs), else python3.
PY ?= $(shell python3.11 -c 'import sys' >/dev/null 2>&1 && echo python3.11 || echo python3)

VENV        := .venv
VENV_PY     := $(VENV)/bin/python
PIP_FLAGS   ?=
PYTEST_ARGS ?=

HOST      ?= 127.0.0.1
PORT      ?= 9083
DB        ?= sqlite:///metahive.db
WAREHOUSE ?= ./warehouse

.PHONY: venv run test lint system-deps clean distclean

venv: $(VENV)/.installed

$(VENV_PY):
	$(PY) -m venv $(VENV)

# Dev install; redone only when pyproject.toml changes.  It satisfies the runtime stamp too.
$(VENV)/.installed: pyproject.toml | $(VENV_PY)
	$(VENV_PY) -m pip install $(PIP_FLAGS) -e '.[dev]'
	touch $@ $(VENV)/.installed-runtime

# Runtime-only install for `make run` (skipped when the dev install is already current).
$(VENV)/.installed-runtime: pyproject.toml | $(VENV_PY)
	$(VENV_PY) -m pip install $(PIP_FLAGS) -e .
	touch $@

run: $(VENV)/.installed-runtime
	$(VENV)/bin/metahive db upgrade --db '$(DB)'
	$(VENV)/bin/metahive serve --host '$(HOST)' --port '$(PORT)' --db '$(DB)' --warehouse '$(WAREHOUSE)'

system-deps:
	bash scripts/ensure-system-deps.sh

test: $(VENV)/.installed system-deps
	$(VENV_PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

clean:
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache .hypothesis
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)

# ---- benchmarks (bench/, docs/performance.md) --------------------------------------------------
#   make bench          metahive vs the Java Hive Metastore 2.3.10, both on PostgreSQL, with the targets
#   make bench-sqlite   the same with metahive on SQLite (report only)
#   make bench-scale    metahive alone, 1k .. 1M partitions in one table; SCALE=1000,10000,100000 limits it
SCALE ?= 1000,10000,100000,1000000

.PHONY: bench bench-sqlite bench-scale bench-deps bench-crawl

bench-deps: $(VENV)/.installed system-deps
	bash scripts/ensure-bench-deps.sh

bench: bench-deps
	$(VENV_PY) bench/hms_bench.py compare --backend postgres

bench-sqlite: bench-deps
	$(VENV_PY) bench/hms_bench.py compare --backend sqlite

bench-scale: bench-deps
	$(VENV_PY) bench/hms_bench.py scale --backend postgres --sizes '$(SCALE)'

# Crawler: 100k local files in 10k partition folders (first crawl, unchanged re-crawl), 10k S3 objects
# on a loopback moto server; numbers in docs/crawler.md.
bench-crawl: $(VENV)/.installed
	$(VENV_PY) bench/crawl_bench.py
