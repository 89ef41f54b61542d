# KAM — the two commands of the README are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
SCREENSHOTS ?= artifacts/screenshots
export SCREENSHOT_DIR := $(abspath $(SCREENSHOTS))

.PHONY: help venv demo run test test-fast lint fmt migrate messages browser worker beat \
        bench-api bench-import bench-metrics bench-health bench-pages bench-dashboard \
        bench-digests bench-matrix check-deploy clean test-tools

help:
	@echo "make demo     set up (venv, migrate, demo data) and serve on http://$(HOST):$(PORT)"
	@echo "make test     run the whole suite (SQLite/eager by default; DATABASE_URL/REDIS_URL for real ones)"
	@echo "make lint     ruff check + format check + mypy"
	@echo "make bench-api | bench-import | bench-metrics | bench-health | bench-pages | bench-dashboard | bench-digests | bench-matrix   benchmarks (need DATABASE_URL)"

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q ".[dev]"
	touch $@

venv: $(VENV)/.installed

# Chromium for the browser tests comes from Debian; install it when we can (root + apt).
browser:
	@if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

migrate: venv
	$(MANAGE) migrate --noinput

demo: venv migrate
	$(MANAGE) seed_demo --if-empty
	$(MANAGE) recompute_metrics
	$(MANAGE) portfolio_matrix_compute
	$(MANAGE) evaluate_alerts
	@echo "Serving KAM on http://$(HOST):$(PORT)/  (API docs: /api/docs/, admin: /admin/)"
	DEBUG=1 $(MANAGE) runserver $(HOST):$(PORT)

run: venv
	DEBUG=1 $(MANAGE) runserver $(HOST):$(PORT)

# axe-core for the accessibility audit of tests/ui/test_every_page.py, pinned in
# package-lock.json; installed once (the suite then runs offline).
test-tools:
	@test -f node_modules/axe-core/axe.min.js || npm ci --no-audit --no-fund

test: venv browser test-tools
	mkdir -p $(SCREENSHOTS)
	$(PY) -m pytest $(PYTEST_ARGS)
	@echo "Screenshots of the UI tests: $(SCREENSHOT_DIR)"

test-fast: venv
	$(PY) -m pytest -m "not ui and not slow" $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy kam accounts plans reports

fmt: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: venv
	$(MANAGE) makemessages -l ru --ignore=.venv --ignore=staticfiles --ignore=static/vendor --ignore=tests --ignore=bench --ignore=docs
	$(MANAGE) compilemessages --ignore=.venv

check-deploy: venv
	DEBUG=0 SECRET_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=kam.example.com \
	SECURE_SSL_REDIRECT=1 SESSION_COOKIE_SECURE=1 CSRF_COOKIE_SECURE=1 \
	SECURE_HSTS_SECONDS=31536000 SECURE_HSTS_INCLUDE_SUBDOMAINS=1 SECURE_HSTS_PRELOAD=1 \
	$(MANAGE) check --deploy --fail-level WARNING

worker: venv
	$(VENV)/bin/celery -A kam worker -l info

beat: venv
	$(VENV)/bin/celery -A kam beat -l info

bench-api: venv
	$(PY) bench/api.py

bench-import: venv
	$(PY) bench/erp_import.py

bench-metrics: venv
	$(PY) bench/metrics.py

bench-health: venv
	$(PY) bench/health.py

clean:
	rm -rf $(VENV) staticfiles artifacts db.sqlite3 node_modules

bench-dashboard: venv
	$(PY) bench/dashboard.py

# The alert rules and the daily digest for 50 KAMs through a real SMTP server (< 30 s).
bench-digests: venv
	$(PY) bench/digests.py
bench-pages: venv
	$(PY) bench/pages.py
bench-matrix: venv
	$(PY) bench/matrix.py
