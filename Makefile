# Colloquy: `make run` to try it, `make test` to test it. `make help` lists the rest.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.ONESHELL:
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The database for every target below: see scripts/database-url.
USE_DB = export DATABASE_URL="$$(scripts/database-url)"

.PHONY: help run test e2e lint format check-migrations check-deploy ci-checks serve migrate loaddemo superuser browser db-stop clean screenshots bench

help:
	@echo "make run               install, migrate, load the demo and serve on http://127.0.0.1:$(PORT) (PORT=…)"
	@echo "make test              the whole test suite on PostgreSQL, browser tests included"
	@echo "make e2e               the browser tests alone"
	@echo "make screenshots       the journeys' screenshots in test-artifacts/, and the README's in docs/"
	@echo "make lint / format     ruff check and format check / reformat the code"
	@echo "make serve             gunicorn with production settings (see README: Deployment)"
	@echo "make bench             load test the production stack against the ceiling (BENCH_SCALE=1: 1M comments too)"
	@echo "make superuser         create an admin login"
	@echo "make migrate / loaddemo   just those steps"
	@echo "make db-stop           stop the project-local PostgreSQL in .pgdata/, if one was started"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime
	$(USE_DB)
	export DEBUG=$${DEBUG:-1}
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py loaddemo --if-empty
	# The mail queue's worker, beside the server and stopped with it: emails print on this console.
	$(BIN)/python manage.py deliver_mail --loop 5 &
	mailer=$$!
	trap 'kill $$mailer 2>/dev/null || true; wait $$mailer 2>/dev/null || true' EXIT
	echo
	echo "  Colloquy is at http://127.0.0.1:$(PORT)/ (admin: /admin/)."
	echo "  To create an admin login, run in another terminal:  make superuser"
	echo "  Emails (replies, moderation…) are sent every 5 seconds by manage.py deliver_mail and print here."
	echo
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

browser:
	@scripts/ensure-chromium

test: $(VENV)/.dev browser
	$(USE_DB)
	$(BIN)/pytest $(PYTEST_ARGS)

e2e: $(VENV)/.dev browser
	$(USE_DB)
	$(BIN)/pytest -m e2e $(PYTEST_ARGS)

# The journeys save their steps in test-artifacts/; the README's pictures go to docs/.
screenshots: $(VENV)/.dev browser
	$(USE_DB)
	$(BIN)/pytest -m e2e -k journeys $(PYTEST_ARGS)
	mkdir -p docs
	cp test-artifacts/readme/{home,discussion,moderation,phone}.png docs/

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-migrations: $(VENV)/.dev
	$(USE_DB)
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

# The deploy check with production-like settings: must print no warnings.
check-deploy: $(VENV)/.dev
	DEBUG=0 SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	ALLOWED_HOSTS=colloquy.example SITE_URL=https://colloquy.example \
	SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

ci-checks: lint check-migrations check-deploy

# Production settings under gunicorn. On plain http (loopback) HTTPS redirects and
# secure cookies are off unless set; behind a TLS proxy set them as the README says.
serve: $(VENV)/.runtime
	$(USE_DB)
	export DEBUG=0 SECURE_SSL_REDIRECT=$${SECURE_SSL_REDIRECT:-0} SERVE_MEDIA=$${SERVE_MEDIA:-1}
	export CONN_MAX_AGE=$${CONN_MAX_AGE:-60}
	if [ -z "$${SECRET_KEY:-}" ]; then
	  [ -s .secret_key ] || $(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))' > .secret_key
	  export SECRET_KEY="$$(cat .secret_key)"
	fi
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	# The mail worker beside gunicorn (MAIL_WORKER=0 when a process manager or cron runs it).
	if [ "$${MAIL_WORKER:-1}" = 1 ]; then
	  $(BIN)/python manage.py deliver_mail --loop 10 &
	  mailer=$$!
	  trap 'kill $$mailer 2>/dev/null || true; wait $$mailer 2>/dev/null || true' EXIT
	fi
	PORT=$(PORT) $(BIN)/gunicorn --config config/gunicorn.conf.py config.wsgi

# gunicorn on loopback driven by wrk (installed from apt when missing); the table goes to
# bench/results/<date>.md. Its own databases: colloquy_bench (and colloquy_bench_scale).
bench: $(VENV)/.runtime
	if ! command -v wrk >/dev/null; then
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo)
	  $$sudo apt-get update -qq && $$sudo apt-get install -y -qq wrk
	fi
	# The server scripts/database-url finds (or starts), with the benchmark's own databases.
	base="$$(scripts/database-url)"
	export BENCH_DATABASE_URL="$${BENCH_DATABASE_URL:-$${base%/*}/colloquy_bench}"
	export BENCH_SCALE_DATABASE_URL="$${BENCH_SCALE_DATABASE_URL:-$${base%/*}/colloquy_bench_scale}"
	$(BIN)/python bench/run.py

migrate: $(VENV)/.runtime
	$(USE_DB)
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate

loaddemo: $(VENV)/.runtime
	$(USE_DB)
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py loaddemo

superuser: $(VENV)/.runtime
	$(USE_DB)
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py createsuperuser

db-stop:
	@if [ -s .pgdata/PG_VERSION ]; then
	  bindir=$$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
	  if [ "$$(id -u)" = 0 ]; then runuser -u postgres -- "$$bindir/pg_ctl" -D .pgdata stop -m fast; else "$$bindir/pg_ctl" -D .pgdata stop -m fast; fi
	fi

clean:
	rm -rf $(VENV) staticfiles .test-media
