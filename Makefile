# `make run` and `make test` do all set-up themselves on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Compiled bytecode kept (in __pycache__, which git ignores) even where the environment
# says not to write it: without it every test server, CLI run and pytest worker compiles
# Liveline and re-rewrites the tests' asserts, some 3.5 s of CPU per pytest process. (Not
# PYTHONPYCACHEPREFIX: Python then reads no __pycache__ at all, so the bytecode pip made
# for the installed packages would be compiled again.)
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test setup system browser proxies axe lint format messages bench bench-pages reliability clean

run: setup
	$(BIN)/liveline serve --demo

test: setup system axe
	$(BIN)/ruff check liveline tests bench
	$(BIN)/ruff format --check liveline tests bench
	# mypy (some 20 s of CPU from a fresh clone) checks while the tests run; both must pass.
	# Two workers, a test file each at a time (three finished sooner but left the timing tests
	# of servers, browsers and proxies short of CPU); a file's shared servers stay in one worker. The files go
	# out longest first (tests/conftest.py, LONGEST_FIRST), not by their number of tests.
	@said=$$(mktemp); $(BIN)/mypy > $$said 2>&1 & typing=$$!; \
	$(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder; tests=$$?; \
	wait $$typing; typed=$$?; echo "mypy:"; cat $$said; rm -f $$said; \
	[ $$tests = 0 ] && [ $$typed = 0 ]

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

# System packages, from Debian, never downloaded builds: Chromium for the browser tests,
# nginx for tests/test_behind_nginx.py and bench/pages.py, wrk for bench/pages.py, Varnish
# and Pushpin for the CDN and GRIP tests (tests/test_varnish.py, tests/test_pushpin.py).
system:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium chromium-driver"; \
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$$missing nginx-light"; \
	command -v wrk >/dev/null 2>&1 || missing="$$missing wrk"; \
	command -v varnishd >/dev/null 2>&1 || [ -x /usr/sbin/varnishd ] || missing="$$missing varnish"; \
	command -v pushpin >/dev/null 2>&1 || missing="$$missing pushpin"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "missing:$$missing: run 'sudo apt-get install$$missing' (their tests will skip)"; \
	  fi; \
	fi

browser: system  # the old name of this step

proxies: system  # Varnish and Pushpin are installed with the rest

# The accessibility tests inject axe-core (the npm package) into the page under test.
axe:
	@test -f .axe/node_modules/axe-core/axe.min.js || { \
	  if command -v npm >/dev/null 2>&1; then \
	    npm install --prefix .axe --no-audit --no-fund --silent axe-core@4; \
	  else \
	    echo "npm is not installed: the accessibility tests will skip (apt-get install npm)"; \
	  fi; }

lint: setup
	$(BIN)/ruff check liveline tests bench
	$(BIN)/ruff format --check liveline tests bench
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format liveline tests bench
	$(BIN)/ruff check --fix liveline tests bench

# The `liveline` gettext catalogue: extract every message (Python, templates, the page
# scripts' words in web/words.py) into liveline/translations/liveline.pot, then merge it into
# each language's .po (new messages arrive empty, changed ones fuzzy: translate them, and
# tests/test_translations.py passes again). Nothing to compile: the .po is read at start-up.
messages: setup
	$(BIN)/pybabel extract -F babel.cfg -k plural_forms:2,3 --no-location --sort-output --project Liveline \
	  --copyright-holder "The Liveline authors" -o liveline/translations/liveline.pot liveline
	$(BIN)/pybabel update -D liveline -i liveline/translations/liveline.pot \
	  -d liveline/translations --ignore-obsolete --previous

bench: setup
	$(BIN)/python bench/fanout.py --clients 1000 --baseline

bench-pages: setup system
	$(BIN)/python bench/pages.py

# Regenerates docs/reliability.md from a run of the fault tests (LIVELINE_LONG_TESTS=1: long).
reliability: setup system
	$(BIN)/python -m tests.reliability

clean:
	rm -rf $(VENV) liveline.db liveline.db-wal liveline.db-shm
