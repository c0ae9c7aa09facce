# Kontingent: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAO := node_modules/tryton-sao
WEB := var/www
CONFIG := var/trytond.conf
DEMO_DB ?= demo
HOST ?= 127.0.0.1
PORT ?= 8000
# Tryton names cached test databases after the modules only: key the cache
# on the module's content so that a changed module never meets a stale one.
MODULE_FIND = find kontingent -path kontingent/tests -prune -o -type f \
	\( -name '*.py' -o -name '*.xml' -o -name '*.cfg' -o -name '*.po' \
	-o -name '*.html' \)
MODULE_FILES = $(shell $(MODULE_FIND) -print)
MODULE_HASH = $(shell $(MODULE_FIND) -print | sort | xargs cat | sha1sum \
	| cut -c1-12)
TEST_CACHE = var/db-cache/$(MODULE_HASH)

.PHONY: run install sao demo test test-sqlite test-postgresql screenshots clean

# -d loads the database at start: trytond 8.0 fails the first login to a
# database it has not loaded yet ('res.user' error in sao).
run: install sao demo
	@echo "Serving sao on http://$(HOST):$(PORT)/#$(DEMO_DB) (login: admin / admin)"
	$(BIN)/trytond -c $(CONFIG) -d $(DEMO_DB)

install: $(VENV)/.installed $(CONFIG)

# Debian's own Python needs its python3-venv package for `-m venv`.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV) || { \
		echo "installing python3-venv (Debian's Python lacks ensurepip)"; \
		apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

$(CONFIG):
	mkdir -p var
	printf '%s\n' \
		'[database]' 'uri = sqlite://' 'path = $(CURDIR)/var' 'list = True' \
		'[web]' 'listen = $(HOST):$(PORT)' 'root = $(CURDIR)/$(WEB)' \
		'[session]' 'authentications = password' \
		> $@

sao: $(WEB)/.linked

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

# sao's page loads its libraries from node_modules/ beside index.html, but
# npm puts them beside the package: serve a folder of links that has both.
$(WEB)/.linked: node_modules/.installed
	mkdir -p $(WEB)
	for name in index.html dist images locale sounds; do \
		ln -sfn $(CURDIR)/$(SAO)/$$name $(WEB)/$$name; done
	ln -sfn $(CURDIR)/node_modules $(WEB)/node_modules
	touch $@

demo: var/$(DEMO_DB).updated

var/$(DEMO_DB).sqlite: | install
	$(BIN)/kontingent -c $(CONFIG) demo --database $(DEMO_DB)
	touch var/$(DEMO_DB).updated

# A demo database built by an older version of the module is updated as
# trytond-admin updates a production database, new dependencies activated.
# Make cannot see that the build above has just written the stamp: the
# recipe looks again.
var/$(DEMO_DB).updated: $(MODULE_FILES) $(VENV)/.installed \
		| var/$(DEMO_DB).sqlite
	if [ ! -e $@ ] || [ -n "$$($(MODULE_FIND) -newer $@ -print)" ] \
			|| [ $(VENV)/.installed -nt $@ ]; then \
		$(BIN)/trytond-admin -c $(CONFIG) -d $(DEMO_DB) -u kontingent \
			--activate-dependencies; \
	fi
	touch $@

test: test-sqlite

test-sqlite: install
	mkdir -p $(TEST_CACHE)
	DB_CACHE=$(CURDIR)/$(TEST_CACHE) TRYTOND_DATABASE__URI=sqlite:// \
		DB_NAME=:memory: $(BIN)/python -m trytond.modules.kontingent.tests

# Needs a PostgreSQL server; .ci/run starts a throw-away one and sets
# TRYTOND_DATABASE__URI, e.g. postgresql://user@127.0.0.1:5433/.  Cached
# test databases are kept on that server as templates: use a fresh server.
test-postgresql: install
	test -n "$$TRYTOND_DATABASE__URI" || \
		{ echo "set TRYTOND_DATABASE__URI=postgresql://…" >&2; exit 2; }
	DB_CACHE=postgresql:// DB_NAME=test_kontingent \
		$(BIN)/python -m trytond.modules.kontingent.tests

# Pictures for the documentation, taken from a running `make run` with
# Debian's Chromium (installed when missing; needs root, as on CI).
screenshots: sao
	command -v chromium >/dev/null || \
		{ apt-get update -qq && apt-get install -y -qq chromium; }
	node doc/screenshots.js

clean:
	rm -rf var/$(DEMO_DB).sqlite* var/$(DEMO_DB).updated var/db-cache
