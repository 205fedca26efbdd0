# Shared Future. `make run` serves the app on http://127.0.0.1:5000 with demo
# data; `make test` runs every test. Both only redo what has changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
NODE_INSTALLED := node_modules/.installed
ASSETS := static/dist/main.css
LOCAL := SESSION_COOKIE_SECURE=0 SERVER_NAME=127.0.0.1:5000 PREFERRED_URL_SCHEME=http LOG_FORMAT=text

.PHONY: run test bench install assets clean

run: install assets
	$(LOCAL) $(BIN)/flask --app app run-local --host 127.0.0.1 --port 5000

test: install assets
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Benchmarks at county scale (docs/performance.md): `make bench`, or
# `make bench BENCH_ARGS=--quick` for a small data set.
bench: install assets
	$(BIN)/python bench/run.py $(BENCH_ARGS)

install: $(INSTALLED)

assets: $(ASSETS)

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(NODE_INSTALLED): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(ASSETS): $(NODE_INSTALLED) static/build.mjs $(wildcard static/src/*)
	npm run --silent build

clean:
	rm -rf $(VENV) node_modules static/dist
