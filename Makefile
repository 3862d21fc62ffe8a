# Two commands matter: `make run` (Neo4j + API + seed data) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENV_STAMP := $(VENV)/.installed
JARS_STAMP := tools/neo4j/target/lib/.pom-sha256
VENDOR := kb/explorer/static/vendor
VENDOR_STAMP := $(VENDOR)/cytoscape.esm.min.js

.PHONY: setup prereqs browser run stop test fuzz lint curation fmt clean load image-test bench

setup: prereqs $(VENV_STAMP) $(JARS_STAMP) $(VENDOR_STAMP)

prereqs:
	@bash tools/check-prereqs.sh

$(VENV_STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

$(JARS_STAMP): tools/neo4j/pom.xml $(VENV_STAMP)
	$(BIN)/kb neo4j fetch

# the explorer's browser library, pinned in package.json/package-lock.json, served by the app
$(VENDOR_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/cytoscape/dist/cytoscape.esm.min.mjs $(VENDOR)/cytoscape.esm.min.js
	cp node_modules/cytoscape/LICENSE $(VENDOR)/cytoscape.LICENSE.txt
	touch $@

# Debian's Chromium, for the explorer's browser test (installed with apt-get when root)
browser:
	@bash tools/ensure-chromium.sh

run: setup
	$(BIN)/kb up

stop:
	$(BIN)/kb down

lint: $(VENV_STAMP)
	$(BIN)/ruff check kb tests tools wsgi.py setup.py
	$(BIN)/mypy
	$(BIN)/hadolint Dockerfile

# data quality of seed_data/ (offline): fails when a count exceeds its maximum in curation.toml
curation: $(VENV_STAMP)
	$(BIN)/kb validate seed_data --thresholds curation.toml

test: setup lint curation browser
	$(BIN)/pytest $(PYTEST_ARGS)

# Schemathesis alone (make test runs it too): its own Neo4j, seed data, gunicorn
fuzz: setup
	$(BIN)/pytest tests/test_fuzz.py -s $(PYTEST_ARGS)

# against a running `make run`: 60 s steady, then 60 s with Neo4j stopped for 10 s
load: $(VENV_STAMP)
	$(BIN)/pip install -q --disable-pip-version-check -c constraints.txt -e '.[bench]'
	$(BIN)/python tools/load/run.py
	$(BIN)/python tools/load/run.py --outage

# the API image against a local Neo4j (root: installs docker.io, starts dockerd if needed);
# not part of `make test`
image-test: setup
	bash tools/image/test.sh

fmt: $(VENV_STAMP)
	$(BIN)/ruff check --fix kb tests wsgi.py

clean:
	rm -rf $(VENV) tools/neo4j/target .pytest_cache .mypy_cache .ruff_cache node_modules $(VENDOR) \
		test-artifacts

# benchmarks (not part of `make test`): per scale a fresh local Neo4j, synth data, import
# rates, query latency API vs driver, throughput, memory; prints tables, writes
# docs/performance.md. Scale 100 (about 1.2M records) takes long: SCALES="1 10" for a quick run.
SCALES ?= 1 10 100
BENCH_ARGS ?= --pagecache-ab 2048
bench: setup
	$(BIN)/python tools/bench/run.py --scales $(SCALES) $(BENCH_ARGS)
