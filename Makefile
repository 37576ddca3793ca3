# Vanishing & exploding gradients: build, test and grade the assignment.
# Overridable: make PYTHON=python3.11 ASSIGNMENT=... DIST=... SUBMISSIONS=... OUT=... JOBS=... ISOLATION=...

PYTHON      ?= python3
VENV        ?= .venv
ASSIGNMENT  ?= vanishing_gradients
DIST        ?= dist
SUBMISSIONS ?=
OUT         ?= $(DIST)/grades
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)
# make grade: the strongest isolation level to use (namespace, user, or process, which must be asked for:
# it runs notebooks as you). Empty: the strongest this machine allows.
ISOLATION   ?=
PYTEST_ARGS ?=
# The browser tests (tests/test_browser.py) need Chromium and MathJax 2 for offline maths.
BROWSER_PACKAGES ?= chromium libjs-mathjax fonts-noto-color-emoji

BIN        := $(VENV)/bin
export PYTHONPATH := $(CURDIR)/autograder:$(CURDIR)/solutions:$(CURDIR)/solutions/gated_cells
STAMP      := $(VENV)/.installed
BUNDLE     := $(DIST)/autograder/$(ASSIGNMENT)-autograder.zip
SOURCES    := $(shell find assignments student_templates solutions autograder requirements -type f -not -path '*/__pycache__/*')

.DEFAULT_GOAL := all
.PHONY: all help venv build browser test grade bench goldens lint clean

all: build ## Set up .venv (pinned) and build dist/: student release, executed solutions, Gradescope bundle

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

venv: $(STAMP) ## Create .venv with the pinned dependencies of requirements/dev.txt

$(STAMP): requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	touch $@

build: $(STAMP) $(BUNDLE) ## Build dist/ (also: make DIST=elsewhere)

$(BUNDLE): $(STAMP) $(SOURCES)
	$(BIN)/python -m vg_build --assignment $(ASSIGNMENT) --dist $(DIST)

browser: ## Install Chromium and MathJax for the browser tests where missing (apt, as root)
	@if command -v chromium >/dev/null 2>&1 && test -f /usr/share/javascript/mathjax/MathJax.js; then \
	    :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing $(BROWSER_PACKAGES) for the browser tests"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null; } \
	    || { echo "Could not install $(BROWSER_PACKAGES): the browser tests will be skipped"; test -z "$$VG_REQUIRE_BROWSER"; }; \
	else \
	    echo "Chromium or MathJax missing: the browser tests will be skipped (install: sudo apt-get install -y $(BROWSER_PACKAGES))"; \
	    test -z "$$VG_REQUIRE_BROWSER"; \
	fi

test: $(STAMP) browser ## Run the whole test suite (installs Chromium for the browser tests if it can)
	$(BIN)/python -m pytest -n $(JOBS) $(PYTEST_ARGS)

grade: $(STAMP) $(BUNDLE) ## Grade SUBMISSIONS=folder or zip (notebooks, export zips, Gradescope export) into OUT=dir (ISOLATION=process to allow the weakest level)
	@test -n "$(SUBMISSIONS)" || { echo "Usage: make grade SUBMISSIONS=folder-or-zip [OUT=folder]"; exit 2; }
	@test -e "$(SUBMISSIONS)" || { echo "SUBMISSIONS=$(SUBMISSIONS) does not exist: give a folder or a zip of submissions"; exit 2; }
	$(BIN)/python -m vg_build.grade_local --bundle $(BUNDLE) --submissions $(SUBMISSIONS) --out $(OUT) --jobs $(JOBS) \
	    $(if $(ISOLATION),--isolation $(ISOLATION))

bench: $(STAMP) $(BUNDLE) ## Time our grader against stock `otter run`; print the table (lean venvs cached in dist/bench/)
	$(BIN)/python bench/run.py --bundle $(BUNDLE) --work $(DIST)/bench --jobs $(JOBS)

goldens: $(STAMP) ## Regenerate the golden files in tests/files/goldens/ after an intended change
	$(BIN)/python -m tests.goldens

lint: $(STAMP) ## Check the code with ruff (the bundle's code as Python 3.10)
	$(BIN)/ruff check .

clean: ## Remove what make made (dist/ and .venv/)
	rm -rf $(DIST) $(VENV)
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
