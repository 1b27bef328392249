# Rota — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-postgres test-browser test-contract lint types migrations-check check clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Set up (venv, migrations, demo ISP, admin account), start the background worker and serve Rota at http://127.0.0.1:8000
run: $(STAMP)
	$(BIN)/rota migrate --no-input
	$(BIN)/rota demo
	$(BIN)/rota ensure_admin
	$(BIN)/rota db_worker --queue-name '*' & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/rota runserver 127.0.0.1:8000

## Run the test suite (SQLite unless DATABASE_URL says otherwise)
test: $(STAMP)
	$(BIN)/pytest -m "not browser and not contract"

test-postgres: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/rota} $(BIN)/pytest -m "not browser and not contract"

test-browser: $(STAMP)
	$(BIN)/pytest -m browser

## Call every /api/v1 operation with generated requests and check them against the OpenAPI document
test-contract: $(STAMP)
	$(BIN)/pytest -m contract

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy rota

migrations-check: $(STAMP)
	$(BIN)/rota makemigrations --check --dry-run

check: test test-postgres test-browser test-contract lint types migrations-check

clean:
	rm -rf $(VENV) var/*.sqlite3*
