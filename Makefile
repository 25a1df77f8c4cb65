# `make run` and `make test` do all set-up themselves on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup browser proxies lint format bench reliability clean

run: setup
	$(BIN)/liveline serve --demo

test: setup browser proxies
	$(BIN)/ruff check liveline tests bench
	$(BIN)/ruff format --check liveline tests bench
	$(BIN)/mypy
	$(BIN)/pytest

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

# Browser tests drive Debian's Chromium; never a downloaded browser build.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	  else \
	    echo "chromium is not installed: run 'sudo apt-get install chromium chromium-driver' (browser tests will skip)"; \
	  fi; }

# The CDN and GRIP tests run Debian's Varnish and Pushpin in front of Liveline.
proxies:
	@{ command -v varnishd || test -x /usr/sbin/varnishd; } >/dev/null 2>&1 && command -v pushpin >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq varnish pushpin; \
	  else \
	    echo "varnish or pushpin is not installed: run 'sudo apt-get install varnish pushpin' (their tests will skip)"; \
	  fi; }

lint: setup
	$(BIN)/ruff check liveline tests bench
	$(BIN)/ruff format --check liveline tests bench
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format liveline tests bench
	$(BIN)/ruff check --fix liveline tests bench

bench: setup
	$(BIN)/python bench/fanout.py --clients 1000 --baseline

# Regenerates docs/reliability.md from a run of the fault tests (LIVELINE_LONG_TESTS=1: long).
reliability: setup
	$(BIN)/python -m tests.reliability

clean:
	rm -rf $(VENV) liveline.db liveline.db-wal liveline.db-shm
