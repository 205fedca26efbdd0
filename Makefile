# Shared Future. `make run` serves the app on http://127.0.0.1:5000 with demo
# data; `make test` runs every test. Both only redo what has changed.
# `make lock` regenerates requirements.lock from pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
LOCK := requirements.lock
UV_VERSION := 0.13.9
NODE_INSTALLED := node_modules/.installed
ASSETS := static/dist/main.css
# Translations (docs/translating.md): one catalogue per language, compiled by make.
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))
LOCAL := SESSION_COOKIE_SECURE=0 SERVER_NAME=127.0.0.1:5000 PREFERRED_URL_SCHEME=http LOG_FORMAT=text

.PHONY: run test bench install assets translations messages lock clean

run: install assets translations
	$(LOCAL) $(BIN)/flask --app app run-local --host 127.0.0.1 --port 5000

test: install assets translations
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Benchmarks at county scale (docs/performance.md): `make bench`, or
# `make bench BENCH_ARGS=--quick` for a small data set.
bench: install assets translations
	$(BIN)/python bench/run.py $(BENCH_ARGS)

install: $(INSTALLED)

assets: $(ASSETS)

translations: $(CATALOGUES)

%.mo: %.po $(INSTALLED)
	$(BIN)/pybabel compile --statistics --input-file $< --output-file $@

# After marking new text: gather every message into translations/messages.pot and
# bring each language's catalogue up to date with it (new messages empty, changed ones fuzzy).
messages: install
	$(BIN)/pybabel extract --mapping-file babel.cfg --keywords _l --keywords ngettext:1,2 --add-comments=Translators: \
		--sort-by-file --width 120 --project "Shared Future" --ignore-dirs "node_modules tests bench seed static migrations" --output-file translations/messages.pot .
	$(BIN)/pybabel update --input-file translations/messages.pot --output-dir translations --width 120 \
		--no-fuzzy-matching --ignore-obsolete

# Every dependency, the test extra's too, comes from the lock, each file checked
# against its hash; then the project itself, editable, built with the locked
# setuptools. `pip check` fails when pyproject.toml asks for something the lock
# lacks: run `make lock`.
$(INSTALLED): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check || { echo "$(LOCK) does not match pyproject.toml: run make lock"; exit 1; }
	touch $@

# The lock: every dependency of pyproject.toml and its test extra, pinned with
# hashes, for any platform and Python 3.11 or newer. Versions already in the
# lock are kept while they still fit; `make lock LOCK_ARGS=--upgrade` moves
# everything to the newest release that fits.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip compile pyproject.toml --extra test --universal --python-version 3.11 --generate-hashes \
		--no-config --custom-compile-command 'make lock' --quiet --output-file $(LOCK) $(LOCK_ARGS)

$(NODE_INSTALLED): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(ASSETS): $(NODE_INSTALLED) static/build.mjs $(wildcard static/src/*)
	npm run --silent build

clean:
	rm -rf $(VENV) node_modules static/dist
	rm -f translations/*/LC_MESSAGES/*.mo
