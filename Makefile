# Two commands for newcomers: `make run` (demo portal on SQLite) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# Tests run against real services; override these to point elsewhere.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/helpline
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run test test-js lint format venv install messages bench-hashing bench-bank bench-feed bench-drafting bench-queue bench-reporting clean audit

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt clients/threatexchange/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	$(BIN)/pip install --quiet -r requirements-dev.txt -c constraints.txt
	# The partners' threatexchange extension, for its tests (its dependencies are pinned above).
	$(BIN)/pip install --quiet --no-deps -e clients/threatexchange
	touch $@

venv install: $(VENV)/.installed

# The demo: SQLite under var/, files under var/private, tasks in-process (no Redis), demo logins printed.
run: $(VENV)/.installed
	mkdir -p var
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py createcachetable
	DEBUG=true $(PY) manage.py seed_demo
	@echo "Portal: http://127.0.0.1:8000  (staff sign-in: http://127.0.0.1:8000/accounts/login/)"
	DEBUG=true $(PY) manage.py runserver 127.0.0.1:8000

test: $(VENV)/.installed
	node --test tests/js/
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Security audit: bandit (no high-severity finding) and pip-audit (no known vulnerability); see SECURITY.md.
audit: $(VENV)/.installed
	$(PY) .ci/audit.py

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: $(VENV)/.installed
	DEBUG=true $(PY) manage.py makemessages -l es --ignore=.venv --ignore=staticfiles
	DEBUG=true $(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles .pytest_cache

# Browser (headless Chromium, in the worker) against the Python reference on generated 12 MP and 1 MP JPEGs.
bench-hashing: $(VENV)/.installed
	$(PY) bench/bench_hashing.py

# The PDQ index against python-threatexchange's PDQIndex (faiss) at 1M and 10M hashes, then the feed sync below.
bench-bank: $(VENV)/.installed
	$(PY) bench/bench_bank.py $(BANK_ARGS)
	$(MAKE) bench-feed

# A full StopNCII FetchHashes sync of 1 million bank hashes through python-threatexchange's client (PostgreSQL).
bench-feed: $(VENV)/.installed
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(PY) bench/bench_feed_sync.py $(BENCH_ARGS)

# Drafting of 2,000 cases x 5 platforms through one real Celery worker (PostgreSQL and Redis, as for tests).
bench-drafting: $(VENV)/.installed
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(PY) bench/bench_drafting.py $(BENCH_ARGS)

# The caseworker queue and case page over 100,000 cases and 500,000 removal requests (PostgreSQL, its own database).
bench-queue: $(VENV)/.installed
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(PY) bench/bench_queue.py $(BENCH_ARGS)

# The supervisor reports over 1,000,000 removal requests across two years (PostgreSQL, its own database).
bench-reporting: $(VENV)/.installed
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(PY) bench/bench_reporting.py $(BENCH_ARGS)

# Unit tests of the pure JS hash code (vectors from tests/js/make_vectors.py).
test-js:
	node --test tests/js/
