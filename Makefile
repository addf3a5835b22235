# PrestaPicqer — two commands matter: `make run` and `make test`.
# Everything bootstraps itself: a .venv with the pinned requirements, the database schema.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
SITE_URL = http://$(HOST):$(PORT)
# PUBLIC_BASE_URL as the settings read it (environment, then .env; blank = unset), else the
# address served here: the webhook and full-sync URLs the admin shows point at it.
BASE_URL = $$($(PY) -m config.env PUBLIC_BASE_URL $(SITE_URL))
# honcho reads no .env (-e /dev/null): its shell-style parser cuts values at "#" and drops
# spaces, and would override the environment. The settings read .env themselves.
HONCHO = PUBLIC_BASE_URL="$(BASE_URL)" HOST=$(HOST) WEB_PORT=$(PORT) $(VENV)/bin/honcho -e /dev/null
# The container check lives beside the repository (../shared) in CI; CONTAINER_CHECK=path
# points elsewhere (a git worktree has no ../shared).
CONTAINER_CHECK ?= $(CURDIR)/../shared/tools/container-check.sh
SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test venv migrate lint demo check-container bench-orders bench-stock bench-webhooks bench-webhooks-cpu clean

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

migrate: venv
	$(PY) manage.py migrate --noinput

## Start web (gunicorn on http://$(HOST):$(PORT)/), Celery worker and Celery beat in the foreground.
run: migrate
	$(PY) manage.py ensure_admin --site-url $(SITE_URL)
	$(HONCHO) -f Procfile start

## Run the whole test suite (SQLite + file broker by default; DATABASE_URL / REDIS_URL switch).
test: venv
	$(PY) -m pytest -q

## ruff, and the one-way import contracts of pyproject.toml (import-linter).
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

## Middleware + sandbox emulators + a shop that keeps ordering (no account anywhere).
demo: migrate
	$(PY) manage.py ensure_admin --site-url $(SITE_URL)
	$(HONCHO) -f Procfile.demo start

## Build the Dockerfile and run docker-compose.yml with podman, then check the stack (as root).
# container-check.sh names crun as podman's runtime before it probes, and Debian's podman may
# come with runc alone: install crun first.
check-container:
	@command -v crun >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq crun >/dev/null; }
	$(SUDO) bash $(CONTAINER_CHECK) $(CURDIR)

bench-orders: venv
	$(PY) -m benchmarks.orders

bench-stock: venv
	$(PY) -m benchmarks.stock

bench-webhooks: venv
	$(PY) -m benchmarks.webhooks

bench-webhooks-cpu: venv
	$(PY) -m benchmarks.webhooks_cpu

clean:
	rm -rf $(VENV) var/broker var/cache

.PHONY: bench-orders-latency
bench-orders-latency: venv
	$(PY) -m benchmarks.orders_latency

.PHONY: bench-http-limits bench-catalogue
## Peak RSS of a worker fed a gzip bomb / 300 MB of XML, and how long a dripping server holds a call.
bench-http-limits: venv
	$(PY) -m benchmarks.http_limits

## The match report against the full sync on 20,000 SKUs with 5 % of each mismatch kind.
bench-catalogue: venv
	$(PY) -m benchmarks.catalogue

.PHONY: bench-stock-100k bench-poll-idle
bench-stock-100k: venv
	$(PY) -m benchmarks.stock --skus 100000 --combinations 25000 --latency-ms 50 --rate-limit 100000 --picqer-extra 1 --wall-factor 1.15 --memory-limit-mb 250 --untraced --backend postgres --index warm --parallel-writes 8 --section "Stock: 100,000 SKUs, last run"

bench-poll-idle: venv
	$(PY) -m benchmarks.poll_idle
