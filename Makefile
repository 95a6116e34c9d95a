# The README's two commands, `make run` and `make test`, do all the set-up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PYTEST_ARGS ?=
# `make run PORT=8001` when 8000 is taken.
PORT ?= 8000

.PHONY: run test lint format migrations-check screenshots bench clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

.dev-secret-key:
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	chmod 600 $@

run: $(INSTALLED) .dev-secret-key
	DEBUG=true SECRET_KEY="$$(cat .dev-secret-key)" $(BIN)/python manage.py migrate --verbosity 0
	DEBUG=true SECRET_KEY="$$(cat .dev-secret-key)" $(BIN)/python manage.py demo --port $(PORT)
	DEBUG=true SECRET_KEY="$$(cat .dev-secret-key)" $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Tests run with DEBUG off, as in production; DATABASE_URL picks PostgreSQL.
test: $(INSTALLED) lint
	SECRET_KEY=insecure-key-for-tests-only $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: $(INSTALLED)
	SECRET_KEY=unused $(BIN)/python manage.py makemigrations --check --dry-run

# The README's pictures: the demo on a free port and a throwaway database.
screenshots: $(INSTALLED)
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
