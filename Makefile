# The two commands a newcomer needs: `make run` and `make test`.
# Both set everything up on a fresh Debian/Ubuntu machine.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app app
# Where `make test` also runs the suite against PostgreSQL (CI sets it too).
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/supervision_test
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run run-prod test setup system-deps venv db demo test-sqlite test-postgres lint clean

run: setup db demo
	FLASK_DEMO_MODE=$${FLASK_DEMO_MODE:-true} $(FLASK) run --host 127.0.0.1 --port $(PORT)

# Production: gunicorn, 4 workers with threads, on PostgreSQL and Redis (docs/deploy.md).
# DATABASE_URL=postgresql://... REDIS_URL=redis://... FLASK_SECRET_KEY=... make run-prod
run-prod: setup
	@[ -n "$$DATABASE_URL" ] && [ -n "$$REDIS_URL" ] || { \
	  echo "Set DATABASE_URL=postgresql://... and REDIS_URL=redis://... first (docs/deploy.md)."; exit 1; }
	$(FLASK) db upgrade
	FLASK_DEMO_MODE=$${FLASK_DEMO_MODE:-false} $(BIN)/gunicorn --config gunicorn.conf.py

test: setup
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

setup: system-deps $(BIN)/.installed

# Graphviz draws genograms; Chromium runs the browser tests; python3-venv makes .venv
# (Debian leaves ensurepip out of its python3).
system-deps:
	@missing=""; \
	command -v dot >/dev/null 2>&1 || missing="$$missing graphviz"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	[ -x $(BIN)/python ] || $(PYTHON) -c "import ensurepip, venv" 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian packages:$$missing"; \
	    $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing fonts-dejavu-core; \
	  else \
	    echo "Please install these system packages, then run make again:$$missing"; exit 1; \
	  fi; \
	fi

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

db: setup
	$(FLASK) db upgrade

demo: db
	$(FLASK) demo-data --if-empty

test-sqlite: setup
	$(BIN)/pytest

# Runs only where a PostgreSQL server answers (CI's machine has one).
test-postgres: setup
	@$(BIN)/python -m supervision.testdb "$(PG_TEST_URL)"; rc=$$?; \
	if [ $$rc = 0 ]; then TEST_DATABASE_URL="$(PG_TEST_URL)" $(BIN)/pytest; \
	elif [ $$rc = 1 ]; then echo "PostgreSQL is not reachable at $(PG_TEST_URL): PostgreSQL run skipped."; \
	else exit $$rc; fi

lint: setup
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
