# Serverwise: `make run` serves the guide, `make test` runs every test. Both set everything up.
SHELL := /bin/bash
HOST ?= 127.0.0.1
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
# Debian packages the tests drive: Chromium for the browser tests; for the real validators of generated
# configs nginx -t, systemd-analyze verify, openssl for throwaway TLS pairs, gcc to build uWSGI from PyPI, and
# OpenSSL's headers for that build (without them uWSGI has no https-socket, which the TLS-in-app uwsgi.ini sets).
# PostgreSQL, Redis, nginx and wrk for the slow tests, which start their own servers (tests/support/services.py); wrk is
# also the load generator of `make benchmark`. Java runs the Nu HTML Checker (vnu.jar, from npm) on every page.
APT_PACKAGES := chromium nginx systemd openssl gcc libssl-dev postgresql redis-server wrk default-jre-headless
# What `make measure` needs of them: wrk, and what the uWSGI build needs.
MEASURE_APT_PACKAGES := gcc libssl-dev wrk

.PHONY: run test test-quick lint format venv install install-dev system-deps measure-deps apt-packages node-deps migrate collectstatic benchmark measure measure-compare superuser clean

$(BIN)/python:
	@python="$$(PYTHON='$(PYTHON)' scripts/find-python)" && echo "Using $$python" && "$$python" -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

venv: $(BIN)/python

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

system-deps:
	@$(MAKE) --no-print-directory apt-packages PACKAGES="$(APT_PACKAGES)"

measure-deps:
	@$(MAKE) --no-print-directory apt-packages PACKAGES="$(MEASURE_APT_PACKAGES)"

apt-packages:
	@missing=""; for pkg in $(PACKAGES); do dpkg -s "$$pkg" >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# npm packages the tests use (axe-core, vnu-jar), exactly as package-lock.json pins them.
node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js and npm to run the browser tests and the HTML checker"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

node-deps: node_modules/.package-lock.json

migrate: install
	$(BIN)/python manage.py migrate --noinput

collectstatic: install
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0

run: migrate collectstatic
	HOST=$(HOST) PORT=$(PORT) $(BIN)/gunicorn -c deploy/gunicorn.conf.py

test: system-deps install-dev node-deps
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/pytest $(PYTEST_ARGS)

# The quick loop: no browsers, real servers or services (tests marked slow).
test-quick: install-dev
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/pytest -m "not slow" $(PYTEST_ARGS)

# ruff checks and formats the Python (ruff.toml), djhtml indents the templates of both engines (templates/admin/:
# Django's; templates/jinja2/: the public pages'); `make format` rewrites both.
lint: install-dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/djhtml --check templates

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/djhtml templates

superuser: migrate
	$(BIN)/python manage.py createsuperuser

# The site under wrk, the admin's impact preview, then compare.py's built-in client beside wrk; all three run, and
# it fails when any misses a target.
benchmark: migrate collectstatic
	$(BIN)/python scripts/benchmark.py; site=$$?; \
	$(BIN)/python scripts/preview_benchmark.py; preview=$$?; \
	$(BIN)/python scripts/kit_client_benchmark.py && exit $$(( site || preview ))

# Every server setup a bundle can produce, on each framework's real app (docs/measuring.md); QUICK=1 a subset. The
# last line printed is the run file's path. `make measure-compare FIRST=... SECOND=...` checks a second run's ratios.
measure: measure-deps install-dev
	$(BIN)/python scripts/measure.py $(if $(QUICK),--quick)

measure-compare: install-dev
	$(BIN)/python scripts/compare_measurements.py $(FIRST) $(SECOND)

clean:
	rm -rf $(VENV) staticfiles node_modules
