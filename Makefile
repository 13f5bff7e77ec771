# 额度体检 — the commands a newcomer needs: `make run` and `make test`.
# Everything else here is what those two are built from.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
WEB_CONCURRENCY ?= 3

# The first Python that is 3.12 or newer.
PYTHON ?= $(shell for p in python3 python3.14 python3.13 python3.12; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; done)

# Tests and the production-like server run with DEBUG off and a throwaway key.
TEST_ENV := SECRET_KEY=test-only-not-secret DEBUG=0 HTTPS=0

.PHONY: run test test-browser lint format serve bench bench-interview collectstatic purge clean css

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed (python3 --version)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

## run: set up and serve the site with its default content on http://127.0.0.1:8000 (DEBUG on)
run: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py load_content
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

## test: the whole suite (browser tests skip with a message when no Chromium is installed)
test: $(VENV)/.installed collectstatic
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)

collectstatic: $(VENV)/.installed
	@$(TEST_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0

## lint: ruff, formatting and migrations up to date
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## serve: the production-like server (gunicorn + whitenoise) on 127.0.0.1:$(PORT); needs SECRET_KEY
# Plain HTTP on loopback, so HTTPS-only protections are off here (HTTPS=0); production leaves them on.
SERVE_ENV = HTTPS=$${HTTPS:-0} ALLOWED_HOSTS=$${ALLOWED_HOSTS:-127.0.0.1,localhost}
serve: $(VENV)/.installed
	@test -n "$$SECRET_KEY" || { echo "Set SECRET_KEY first (see docs/deployment.md)"; exit 1; }
	$(SERVE_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0
	$(SERVE_ENV) $(PY) manage.py migrate --noinput --verbosity 0
	$(SERVE_ENV) $(PY) manage.py load_content
	$(SERVE_ENV) $(VENV)/bin/gunicorn -c config/gunicorn.conf.py config.wsgi:application \
		--bind 127.0.0.1:$(PORT) --workers $(WEB_CONCURRENCY)

## bench: start `make serve` on a free port with a fresh database and measure it (docs/performance.md)
bench: $(VENV)/.installed
	$(PY) tests/bench.py

## bench-interview: screens asked and agreement of the adaptive checkup on the personas (docs/interview.md)
bench-interview: $(VENV)/.installed
	$(TEST_ENV) $(PY) tests/interview_bench.py

## purge: delete expired results (run daily from cron)
purge: $(VENV)/.installed
	$(PY) manage.py purge_results

## css: rebuild the trimmed Bootstrap from assets/bootstrap (needs Node.js; run after adding Bootstrap classes)
css: $(VENV)/.installed
	npx --yes purgecss@6 --config assets/bootstrap/purgecss.config.cjs --output /tmp/edu-css/
	cp /tmp/edu-css/bootstrap-5.3.8.min.css static/vendor/bootstrap/bootstrap.min.css

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .hypothesis
