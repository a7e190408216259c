# Two commands for newcomers: `make run` (the demo portal on an embedded PostgreSQL) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# Tests run against real services; override these to point elsewhere.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/helpline
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run demo demo-stop test test-fast test-js lint format venv install messages bench-hashing bench-vpdq bench-bank bench-bank-shared bench-first-match bench-feed bench-drafting bench-queue bench-reporting bench-load clean audit

# What the portal needs to run (requirements.txt); the numba kernels of the bank index are compiled once here
# and cached with the install, so no process compiles them on its first match.
$(VENV)/.installed-run: requirements.txt constraints.txt
	@echo "== Python environment in $(VENV): the portal's pinned requirements (requirements.txt)"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	@# vpdq (video fingerprints) builds from source against FFmpeg's libraries: say what is missing before pip fails.
	@$(BIN)/python -c "import vpdq" 2>/dev/null || { command -v cmake >/dev/null && pkg-config --exists libavcodec libavformat libavfilter libswscale libswresample libavutil libavdevice; } || { \
	  echo "vpdq needs FFmpeg's development libraries, cmake and pkg-config to build. On Debian or Ubuntu:"; \
	  echo "  apt-get install libavcodec-dev libavformat-dev libavdevice-dev libavfilter-dev libswscale-dev libswresample-dev libavutil-dev cmake pkg-config g++"; \
	  exit 1; }
	$(BIN)/pip install --quiet -r requirements.txt -c constraints.txt
	@echo "== Compiling the hash bank index's numba kernels (cached beside the code)"
	$(PY) -c "from hashing.engine.index import warm_up; warm_up()"
	touch $@

# Adds the test and tooling stack (requirements-dev.txt) for `make test`, lint, audit and benchmarks.
$(VENV)/.installed: $(VENV)/.installed-run requirements-dev.txt clients/threatexchange/pyproject.toml
	@echo "== Test and tooling requirements (requirements-dev.txt)"
	$(BIN)/pip install --quiet -r requirements-dev.txt -c constraints.txt
	# The partners' threatexchange extension, for its tests (its dependencies are pinned above).
	$(BIN)/pip install --quiet --no-deps -e clients/threatexchange
	touch $@

venv install: $(VENV)/.installed

# The demo: an embedded PostgreSQL under var/postgres (no system install), files under var/private, tasks
# in-process (no Redis), demo logins printed. var/demo.env makes every later `manage.py` command use it.
demo: $(VENV)/.installed-run
	@echo "== Starting the demo's PostgreSQL under var/postgres (Unix socket only) and writing var/demo.env"
	$(PY) -m helpline.demo setup
	@echo "== Applying database migrations"
	$(PY) manage.py migrate --noinput
	@echo "== Loading demo staff, cases and reports data"
	$(PY) manage.py seed_demo

PORT ?= 8000
run: demo
	@echo "== Serving the portal: http://127.0.0.1:$(PORT)  (staff sign-in: http://127.0.0.1:$(PORT)/accounts/login/)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# Stops the demo's PostgreSQL (make run starts it again).
demo-stop:
	$(PY) -m helpline.demo stop

test: $(VENV)/.installed
	node --test tests/js/
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(BIN)/pytest $(PYTEST_ARGS)

# While you work: no browser (Chromium) and no process or server a test starts of its own (Celery worker, gunicorn,
# moto's S3, a private Redis, Dovecot). It still needs PostgreSQL and Redis: most tests use the Django test
# database. tests/conftest.py marks `browser` and `services` from what each test uses; CONTRIBUTING.md has timings.
test-fast: $(VENV)/.installed
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(BIN)/pytest -m "not browser and not services" $(PYTEST_ARGS)

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
	$(PY) bench/bench_hashing.py $(BENCH_ARGS)

bench-vpdq: $(VENV)/.installed
	$(PY) bench/bench_vpdq_match.py $(BENCH_ARGS)

# The PDQ index against python-threatexchange's PDQIndex (faiss) at 1M and 10M hashes, the first match of a
# freshly started gunicorn worker over a 1M-entry bank, then the feed sync below.
bench-bank: $(VENV)/.installed
	$(PY) bench/bench_bank.py $(BANK_ARGS)
	$(MAKE) bench-bank-shared
	$(MAKE) bench-first-match
	$(MAKE) bench-feed

# The index shared by a host's gunicorn workers (memory-mapped snapshots) against a copy each: PSS for 1, 2 and 4
# workers, first match, matches/s over HTTP, threatexchange's PDQIndex in the same run. 1M entries by default;
# SHARED_ARGS="--pdq-entries 10000000" for 10M.
bench-bank-shared: $(VENV)/.installed
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(PY) bench/bench_bank_shared.py $(SHARED_ARGS)

# The whole portal under load with faults (Locust), on its own PostgreSQL, Redis and S3 (never the shared ones):
# a few minutes by default; LOAD_ARGS="--full" for 100,000 cases, a 1M bank and steps of 10-100 users.
bench-load: $(VENV)/.installed
	$(PY) bench/bench_load.py $(LOAD_ARGS)

# The first POST /api/v1/match answered by a freshly started gunicorn worker (gunicorn.conf.py), 1M PDQ entries.
bench-first-match: $(VENV)/.installed
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(PY) bench/bench_first_match.py $(BENCH_ARGS)

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
