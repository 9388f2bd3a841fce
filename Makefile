# Xinyong — run `make help` for the targets.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_TEST_URL ?= postgresql://postgres:postgres@127.0.0.1:5432/xinyong_test
DEMO_SUBJECTS ?= 2000

.PHONY: help setup run init demo serve test test-pg test-browser browser-setup lint fmt bench-smoke ci

help: ## Show this help
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP) ## Create .venv and install the project with its dev tools

init: setup ## Migrate the database and load the city profile and catalogue
	bash scripts/ensure-fonts.sh || true
	$(BIN)/xinyong init

demo: init ## Load the fictitious demo data set (DEMO_SUBJECTS, default 2000)
	$(BIN)/xinyong demo --subjects $(DEMO_SUBJECTS) --seed 1
	$(BIN)/xinyong users demo

serve: ## Start the web server at http://127.0.0.1:8000
	$(BIN)/xinyong serve

run: demo serve ## Set up, load demo data on SQLite and start at http://127.0.0.1:8000

test: setup ## Run the test suite (SQLite; XINYONG_TEST_DATABASE_URL for another database)
	$(BIN)/pytest -q -m "not browser"

test-pg: setup ## Run the test suite against PostgreSQL (starts/prepares a local server if needed)
	PG_TEST_URL=$(PG_TEST_URL) bash scripts/ensure-postgres.sh
	XINYONG_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -q -m "not browser"

browser-setup: setup ## Install Debian chromium and CJK fonts for the browser tests
	bash scripts/ensure-browser.sh
	bash scripts/ensure-fonts.sh

test-browser: browser-setup ## Run the headless-Chromium browser tests
	$(BIN)/pytest -q -m browser

lint: setup ## ruff, mypy --strict, import-linter
	$(BIN)/ruff check src tests bench migrations
	$(BIN)/ruff format --check src tests bench migrations
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: setup ## Format and auto-fix
	$(BIN)/ruff format src tests bench migrations
	$(BIN)/ruff check --fix src tests bench migrations

bench-smoke: setup ## Every benchmark at a tiny size (CI smoke test; no figures recorded)
	$(BIN)/python bench/demo.py --subjects 2000 --smoke
	$(BIN)/python bench/auth_keys.py --smoke
	$(BIN)/python bench/check.py --smoke
	$(BIN)/python bench/ingest.py --smoke
	$(BIN)/python bench/search.py --smoke

ci: lint test test-pg test-browser bench-smoke ## What .ci/run does
