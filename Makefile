# The README's two commands, `make run` and `make test`, do all the set-up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PYTEST_ARGS ?=
# `make run PORT=8001` when 8000 is taken.
PORT ?= 8000
SQLITE_URL := sqlite:///$(CURDIR)/db.sqlite3

.PHONY: run simulate test lint format migrations-check messages screenshots bench mutation clean lock

# Exactly the locked versions, each file checked against its hash; then the
# project itself, whose dependencies the lock already holds.
$(INSTALLED): requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# Resolve pyproject.toml's dependencies (production, then with the dev
# extra) for every supported Python and platform, keeping existing pins
# unless LOCK_ARGS says --upgrade(-package); see the README.
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 \
	--generate-hashes --quiet $(LOCK_ARGS)
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet "uv>=0.5"
	$(UV_COMPILE) -o requirements.lock
	$(UV_COMPILE) --extra dev -o requirements-dev.lock

.dev-secret-key:
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	chmod 600 $@

run: $(INSTALLED) .dev-secret-key
	DEBUG=true SECRET_KEY="$$(cat .dev-secret-key)" $(BIN)/python manage.py migrate --verbosity 0
	DEBUG=true SECRET_KEY="$$(cat .dev-secret-key)" $(BIN)/python manage.py demo --port $(PORT)
	DEBUG=true SECRET_KEY="$$(cat .dev-secret-key)" $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Next to `make run`, in a second terminal: a plausible update every 5 s to
# the live demo entry until Ctrl+C (simulate_live; ARGS="--every 2" etc.).
simulate: $(INSTALLED) .dev-secret-key
	DEBUG=true SECRET_KEY="$$(cat .dev-secret-key)" $(BIN)/python manage.py simulate_live --every 5 $(ARGS)

# Tests run with DEBUG off, as in production; DATABASE_URL picks PostgreSQL.
# Without it they say SQLite explicitly (production requires DATABASE_URL).
test: $(INSTALLED) lint
	SECRET_KEY=insecure-key-for-tests-only DATABASE_URL="$${DATABASE_URL:-$(SQLITE_URL)}" \
		$(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff, then the import layers (pyproject.toml's importlinter contracts;
# docs/architecture.md says what they mean).
lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Starts PostgreSQL, gunicorn and Varnish on loopback, measures with wrk,
# writes docs/benchmarks.md (installs wrk, varnish, postgresql-15 if missing).
bench: $(INSTALLED)
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.push --write

migrations-check: $(INSTALLED)
	SECRET_KEY=unused DATABASE_URL=$(SQLITE_URL) $(BIN)/python manage.py makemigrations --check --dry-run

# The translation catalogs (docs/languages.md): every string of ours into each
# locale/<lang>/LC_MESSAGES/django.po, then the .mo files that are committed.
# Needs GNU gettext (Debian's gettext); tests/test_catalogs.py checks the result.
messages: $(INSTALLED)
	$(BIN)/python -m scripts.messages

# The README's pictures: the demo on a free port and a throwaway database.
screenshots: $(INSTALLED)
	$(BIN)/python -m scripts.screenshots

# Mutation testing of the modules that decide what readers get (docs/mutation.md);
# the survivors: `$(BIN)/mutmut results`, then `$(BIN)/mutmut show NAME`. Fails when
# any module kills under 90 % of its mutants not listed there as equivalent. LIVEBLOG_TEST_FAST_PURGES shrinks the purger's
# retry and spacing waits in the tests; MUTATION_CHILDREN tests that many mutants
# at once, at the lowest priority (the machine may be shared).
MUTATION_CHILDREN ?= 2
mutation: $(INSTALLED)
	rm -rf mutants
	SECRET_KEY=insecure-key-for-tests-only DATABASE_URL=$(SQLITE_URL) LIVEBLOG_TEST_FAST_PURGES=true \
		nice -n 19 $(BIN)/mutmut run --max-children $(MUTATION_CHILDREN)
	SECRET_KEY=insecure-key-for-tests-only DATABASE_URL=$(SQLITE_URL) $(BIN)/python scripts/mutation_score.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache mutants
