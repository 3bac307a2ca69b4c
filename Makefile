# metahive developer commands.  Everything runs from the virtualenv in .venv.
#   make venv    create .venv and install the package with its dev extras
#   make run     upgrade the SQLite catalog, crawl samples/lake once, serve the metastore on $(HOST):$(PORT)
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

.PHONY: venv run samples test lint system-deps clean distclean

venv: $(VENV)/.installed

$(VENV_PY):
	$(PY) -m venv $(VENV)

# Dev install; redone only when pyproject.toml changes.  It satisfies the runtime stamp too.
# hive-metastore-client (Hive 3 bindings for the contract suite) pins thrift==0.13, which conflicts
# with the thrift the other bindings need; its generated code runs on any thrift, so no deps.
$(VENV)/.installed: pyproject.toml | $(VENV_PY)
	$(VENV_PY) -m pip install $(PIP_FLAGS) -e '.[dev]'
	$(VENV_PY) -m pip install $(PIP_FLAGS) --no-deps 'hive-metastore-client==1.0.9'
	touch $@ $(VENV)/.installed-runtime

# Runtime-only install for `make run` (skipped when the dev install is already current).
$(VENV)/.installed-runtime: pyproject.toml | $(VENV_PY)
	$(VENV_PY) -m pip install $(PIP_FLAGS) -e .
	touch $@

run: $(VENV)/.installed-runtime
	$(VENV)/bin/metahive db upgrade --db '$(DB)'
	@$(MAKE) --no-print-directory samples
	$(VENV)/bin/metahive serve --host '$(HOST)' --port '$(PORT)' --db '$(DB)' --warehouse '$(WAREHOUSE)'

# The first `make run` on a catalog crawls the bundled sample lake (samples/lake, written by
# scripts/make_sample_lake.py) into the `samples` database; a stamp per catalog URL keeps it to once.
SAMPLES_STAMP = .samples-crawled-$(shell printf '%s' '$(DB)' | cksum | cut -d' ' -f1)

samples: $(VENV)/.installed-runtime
	@if [ -f '$(SAMPLES_STAMP)' ]; then \
	  echo "samples: already crawled into this catalog ($(SAMPLES_STAMP))"; \
	elif $(VENV)/bin/metahive crawl --help >/dev/null 2>&1; then \
	  $(VENV)/bin/metahive crawl samples/lake --database samples --db '$(DB)' && touch '$(SAMPLES_STAMP)'; \
	else \
	  echo "note: this metahive has no 'crawl' command yet; samples/lake was not crawled"; \
	fi

system-deps:
	bash scripts/ensure-system-deps.sh

test: $(VENV)/.installed system-deps
	$(VENV_PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

clean:
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache .hypothesis .samples-crawled-*
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)

# ---- benchmarks (bench/, docs/performance.md) --------------------------------------------------
#   make bench          metahive vs the Java Hive Metastore 2.3.10, both on PostgreSQL, with the targets
#   make bench-sqlite   the same with metahive on SQLite (report only)
#   make bench-scale    metahive alone, 1k .. 1M partitions in one table; SCALE=1000,10000,100000 limits it
#   make bench-classify classifier micro-benchmark: files/s and bytes read per file, per format
#   make bench-audit    what the schema-change audit costs: alter_table with/without recording, history, changes
#   make bench-stats    column-statistics RPC latency (BACKEND=sqlite|postgres)
#   make bench-crawl    crawler: 100k local files in 10k partition folders, unchanged re-crawl, 10k S3 objects
SCALE ?= 1000,10000,100000,1000000

.PHONY: bench bench-sqlite bench-scale bench-deps bench-classify bench-audit bench-crawl

bench-deps: $(VENV)/.installed system-deps
	bash scripts/ensure-bench-deps.sh

bench: bench-deps
	$(VENV_PY) bench/hms_bench.py compare --backend postgres

bench-sqlite: bench-deps
	$(VENV_PY) bench/hms_bench.py compare --backend sqlite

bench-scale: bench-deps
	$(VENV_PY) bench/hms_bench.py scale --backend postgres --sizes '$(SCALE)'

# Column-statistics RPCs (bench/statistics_bench.py): BACKEND=sqlite|postgres
BACKEND ?= sqlite
.PHONY: bench-stats
bench-stats: $(VENV)/.installed system-deps
	$(VENV_PY) bench/statistics_bench.py --backend '$(BACKEND)'

bench-classify: $(VENV)/.installed
	$(VENV_PY) bench/classifier_bench.py

bench-audit: $(VENV)/.installed system-deps
	$(VENV_PY) bench/audit_bench.py

# ---- operations (docs/operations.md) ----------------------------------------------------------
#   make bench-ops   get_table latency with metrics off / on (instrumentation overhead)
#   make docs        regenerate docs/cli.md from the CLI
.PHONY: bench-ops docs

bench-ops: $(VENV)/.installed
	$(VENV_PY) bench/instrumentation.py

docs: $(VENV)/.installed
	$(VENV_PY) scripts/gen_cli_docs.py

# ---- reliability (docs/reliability.md) -----------------------------------------------------------
#   make bench-load   16 clients of mixed reads/writes against one server for LOAD_SECONDS (default 300)
#   make fuzz         the fuzz properties of tests/reliability/test_fuzz.py with FUZZ_EXAMPLES each
LOAD_SECONDS  ?= 300
LOAD_BACKEND  ?= postgres
FUZZ_EXAMPLES ?= 20000

.PHONY: bench-load fuzz

bench-load: $(VENV)/.installed system-deps
	$(VENV_PY) bench/load_bench.py --clients 16 --seconds $(LOAD_SECONDS) --backend $(LOAD_BACKEND)

fuzz: $(VENV)/.installed
	METAHIVE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(VENV_PY) -m pytest tests/reliability/test_fuzz.py -q

# Crawler: 100k local files in 10k partition folders (first crawl, unchanged re-crawl), 10k S3 objects
# on a loopback moto server; numbers in docs/crawler.md.
bench-crawl: $(VENV)/.installed
	$(VENV_PY) bench/crawl_bench.py
