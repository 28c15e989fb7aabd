# make site: set up .venv and build the site from the shipped events.db.
# make test: set up .venv (with test extras and system packages) and run every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

# Let `git diff` show events.db as text (see .gitattributes and the README).
GIT_DIFF_DRIVER = git rev-parse --git-dir >/dev/null 2>&1 && git config diff.timeline.textconv scripts/db-textconv.sh || true

# An editable install has no bytecode for timeline's modules, and Python does not write it
# where PYTHONDONTWRITEBYTECODE is set: compile it, as installing a wheel does, so that
# every command does not compile its modules again (0.1 to 0.2 s). Only changed files.
BYTECODE = $(BIN)/python -m compileall -q timeline

.PHONY: site test setup setup-test system-packages data bench clean

site: $(STAMP)
	@$(BYTECODE)
	$(BIN)/timeline --db events.db init
	$(BIN)/timeline --db events.db build -o site

test: $(TEST_STAMP) system-packages
	@$(BYTECODE)
	[ -d tests/browser/node_modules ] || npm ci --prefix tests/browser --no-audit --no-fund
	$(BIN)/python -m pytest $(PYTEST_ARGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	@$(GIT_DIFF_DRIVER)
	touch $@

$(TEST_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@$(GIT_DIFF_DRIVER)
	touch $@ $(STAMP)

# Debian packages the tests drive: Chromium (browser tests) and a JRE for the HTML checker.
system-packages:
	@./scripts/system-packages.sh

# Rebuild events.db from the chronology's text in data/kling/.
data: $(STAMP)
	./scripts/rebuild-data.sh

bench: $(STAMP)
	@$(BYTECODE)
	$(BIN)/python bench/dates.py
	$(BIN)/python bench/extract.py
	$(BIN)/python bench/build.py 1000 10000

clean:
	rm -rf site .pytest_cache
