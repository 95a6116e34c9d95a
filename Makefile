# The README's two commands, `make run` and `make test`, do all the set-up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: run simulate test lint format migrations-check bench clean

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
	DEBUG=true SECRET_KEY="$$(cat .dev-secret-key)" $(BIN)/python manage.py demo
	DEBUG=true SECRET_KEY="$$(cat .dev-secret-key)" $(BIN)/python manage.py runserver 127.0.0.1:8000

# Next to `make run`, in a second terminal: a plausible update every 5 s to
# the live demo entry until Ctrl+C (simulate_live; ARGS="--every 2" etc.).
simulate: $(INSTALLED) .dev-secret-key
	DEBUG=true SECRET_KEY="$$(cat .dev-secret-key)" $(BIN)/python manage.py simulate_live --every 5 $(ARGS)

# Tests run with DEBUG off, as in production; DATABASE_URL picks PostgreSQL.
test: $(INSTALLED) lint
	SECRET_KEY=insecure-key-for-tests-only $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Starts PostgreSQL, gunicorn and Varnish on loopback, measures with wrk,
# writes docs/benchmarks.md (installs wrk, varnish, postgresql-15 if missing).
bench: $(INSTALLED)
	$(BIN)/python -m bench.run

migrations-check: $(INSTALLED)
	SECRET_KEY=unused $(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
