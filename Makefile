# Two commands for a fresh Debian machine: `make run` and `make test` (see README.md).
PY_SYSTEM ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/pta_test

.PHONY: install install-test run serve db-upgrade seed test test-sqlite test-postgres bench lint clean

install: $(VENV)/.installed node_modules/.installed
	@sh scripts/system-packages.sh

$(VENV)/.installed: pyproject.toml
	@sh scripts/system-packages.sh
	test -x $(PY) || $(PY_SYSTEM) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install-test: install
	@sh scripts/system-packages.sh --test

db-upgrade: install
	$(FLASK) db upgrade

seed: db-upgrade
	$(FLASK) seed-demo --if-empty

run: seed
	@echo "ブラウザで http://127.0.0.1:5000 を開き、上のデモ用ログインでログインしてください（終了は Ctrl+C）。"
	FLASK_OUTBOX_SHOWS_SIGNING_LINKS=true $(FLASK) run --host 127.0.0.1 --port 5000

test: install-test
	$(PY) -m pytest -q -p no:cacheprovider
	@if $(PY) scripts/pg_ready.py "$(PG_TEST_URL)"; then \
	  echo "== the same suite on PostgreSQL"; \
	  DATABASE_URL="$(PG_TEST_URL)" $(PY) -m pytest -q -p no:cacheprovider -m "not browser"; \
	else echo "PostgreSQL not reachable at $(PG_TEST_URL): suite ran on SQLite only"; fi

bench: install
	$(PY) bench/bench_matching.py
	$(PY) bench/bench_pdf.py
	$(PY) bench/bench_inference.py
	$(PY) bench/bench_matching_page.py
	$(PY) bench/bench_import.py
	$(PY) bench/bench_signing.py

lint: install
	$(VENV)/bin/ruff check app tests bench

clean:
	rm -rf $(VENV) node_modules
