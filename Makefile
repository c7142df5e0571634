# The portal's entry points. `make run` and `make test` are the README's first two
# commands: each sets up everything it needs on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test test-sqlite test-postgres e2e lint format migrations-check ci bench rush production clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	mkdir -p var
	$(BIN)/python manage.py migrate --no-input -v0
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  The portal is starting at http://127.0.0.1:8000/  (stop it with Ctrl-C)"
	@echo ""
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# The whole suite: system packages when missing, SQLite pass (with browser tests),
# then the PostgreSQL pass. CI=true turns every "skipped for lack of a server" into a failure.
test: install
	bash scripts/install-system-deps.sh
	bash scripts/test.sh

test-sqlite: install
	bash scripts/test.sh sqlite

test-postgres: install
	bash scripts/test.sh postgres

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/pytest -q -p no:randomly -n 0 tests/test_docs_references.py
	DEBUG=0 SECRET_KEY=$$(printf 'x%.0s' $$(seq 1 60))-check-deploy ALLOWED_HOSTS=portal.example \
		FIELD_ENCRYPTION_KEYS=$$($(BIN)/python manage.py generate_field_key) \
		FIELD_HASH_KEY=$$($(BIN)/python manage.py generate_field_key) \
		$(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

ci: lint test

# Page timings and query counts at county scale (bench/README.md);
# e.g. make bench BENCH_ARGS="--orgs 200 --members 2000".
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# The deadline rush against gunicorn on PostgreSQL at 8, 16 and 32 clients, with its
# integrity checks (bench/README.md); e.g. make rush RUSH_ARGS="--clients 16 --seconds 60".
rush: install
	$(BIN)/python bench/rush.py $(RUSH_ARGS)

# The production topology (gunicorn, Celery worker and beat) run natively.
production: install
	bash scripts/run-production.sh

clean:
	rm -rf var $(VENV)
