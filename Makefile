# PrestaPicqer — two commands matter: `make run` and `make test`.
# Everything bootstraps itself: a .venv with the pinned requirements, the database schema.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test venv migrate lint demo bench-orders bench-stock bench-webhooks bench-webhooks-cpu clean

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

migrate: venv
	$(PY) manage.py migrate --noinput

## Start web (http://$(HOST):$(PORT)/admin/), Celery worker and Celery beat in the foreground.
run: migrate
	$(PY) manage.py ensure_admin
	HOST=$(HOST) WEB_PORT=$(PORT) $(VENV)/bin/honcho -f Procfile start

## Run the whole test suite (SQLite + file broker by default; DATABASE_URL / REDIS_URL switch).
test: venv
	$(PY) -m pytest -q

lint: venv
	$(VENV)/bin/ruff check .

## Middleware + sandbox emulators + a shop that keeps ordering (no account anywhere).
demo: migrate
	$(PY) manage.py ensure_admin
	HOST=$(HOST) WEB_PORT=$(PORT) PUBLIC_BASE_URL=http://$(HOST):$(PORT) \
		$(VENV)/bin/honcho -f Procfile.demo start

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
