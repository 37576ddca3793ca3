# Build, test and grade the course's assignments (every folder assignments/<name>/).
# Overridable: make PYTHON=python3.11 ASSIGNMENT=... DIST=... SUBMISSIONS=... OUT=... JOBS=... ISOLATION=...

PYTHON      ?= python3
VENV        ?= .venv
# One assignment (its name), or empty: every assignment for make and make bench; for make grade,
# the one the submissions' names name.
ASSIGNMENT  ?=
DIST        ?= dist
SUBMISSIONS ?=
OUT         ?= $(DIST)/grades
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)
# make grade: the strongest isolation level to use (namespace, user, or process, which must be asked for:
# it runs notebooks as you). Empty: the strongest this machine allows.
ISOLATION   ?=
PYTEST_ARGS ?=
# The browser tests (tests/*/test_browser.py) need Chromium and MathJax 2 for offline maths.
BROWSER_PACKAGES ?= chromium libjs-mathjax fonts-noto-color-emoji

BIN         := $(VENV)/bin
STAMP       := $(VENV)/.installed
ASSIGNMENTS := $(if $(ASSIGNMENT),$(ASSIGNMENT),$(patsubst assignments/%/assignment.yml,%,$(wildcard assignments/*/assignment.yml)))
BUNDLES     := $(foreach name,$(ASSIGNMENTS),$(DIST)/autograder/$(name)-autograder.zip)
SOURCES     := $(shell find assignments student_templates solutions autograder requirements -type f -not -path '*/__pycache__/*' -not -path '*.egg-info/*') pyproject.toml

# The lab's training runs are chaotic: a kernel that rounds one operation differently changes their
# trajectory, so every build and test run pins the kernels that every x86-64 CPU runs: OpenBLAS's
# Prescott (SSE3) kernels on one thread, numpy without any of its run-time dispatched SIMD loops
# (features a CPU lacks are ignored), and glibc's libm without its FMA variants. Numbers then
# depend on the pinned packages, not on the CPU. The grader and `make bench` keep the machine's kernels.
# Other CPUs compute other runs: the claims and the lab's tests hold on most seeds, so they allow that.
PINNED_KERNELS := $(BUNDLES) test test-fast goldens
ifeq ($(shell uname -m),x86_64)
$(PINNED_KERNELS): export OPENBLAS_CORETYPE := Prescott
$(PINNED_KERNELS): export OPENBLAS_NUM_THREADS := 1
$(PINNED_KERNELS): export NPY_DISABLE_CPU_FEATURES := SSSE3 SSE41 POPCNT SSE42 AVX F16C FMA3 AVX2 AVX512F AVX512CD \
    AVX512_KNL AVX512_KNM AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL
$(PINNED_KERNELS): export GLIBC_TUNABLES := glibc.cpu.hwcaps=-AVX2,-FMA,-FMA4
endif

.DEFAULT_GOAL := all
.PHONY: all help venv build browser test test-fast grade bench goldens lint clean

all: build ## Set up .venv (pinned) and build dist/: student release, executed solutions, Gradescope bundle

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

venv: $(STAMP) ## Create .venv with the pinned dependencies of requirements/dev.txt and the toolkit (editable)

$(STAMP): requirements/dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

build: $(STAMP) $(BUNDLES) ## Build dist/ for every assignment, or ASSIGNMENT=name (also: make DIST=elsewhere)

$(DIST)/autograder/%-autograder.zip: $(STAMP) $(SOURCES)
	$(BIN)/python -m builder --assignment $* --dist $(DIST)

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

test-fast: $(STAMP) ## Run the tests not marked slow (under 2 minutes)
	$(BIN)/python -m pytest -n $(JOBS) -m "not slow" $(PYTEST_ARGS)

grade: $(STAMP) $(BUNDLES) ## Grade SUBMISSIONS=folder or zip (notebooks, export zips, Gradescope export) into OUT=dir [ASSIGNMENT=name] (ISOLATION=process to allow the weakest level)
	@test -n "$(SUBMISSIONS)" || { echo "Usage: make grade SUBMISSIONS=folder-or-zip [OUT=folder] [ASSIGNMENT=name]"; exit 2; }
	@test -e "$(SUBMISSIONS)" || { echo "SUBMISSIONS=$(SUBMISSIONS) does not exist: give a folder or a zip of submissions"; exit 2; }
	$(BIN)/python -m classroom --dist $(DIST) --submissions $(SUBMISSIONS) --out $(OUT) --jobs $(JOBS) \
	    $(if $(ASSIGNMENT),--assignment $(ASSIGNMENT)) $(if $(ISOLATION),--isolation $(ISOLATION))

bench: $(STAMP) $(BUNDLES) ## Time our grader against stock `otter run` per assignment; print the tables (lean venvs cached in dist/bench/)
	$(foreach bundle,$(BUNDLES),$(BIN)/python -m bench.run --bundle $(bundle) --work $(DIST)/bench --jobs $(JOBS) &&) true

goldens: $(STAMP) ## Regenerate the golden files in tests/files/goldens/ after an intended change
	$(BIN)/python -m tests.builder.goldens

lint: $(STAMP) ## Check the code with ruff (the bundle's code as Python 3.10)
	$(BIN)/ruff check .

clean: ## Remove what make made (dist/ and .venv/)
	rm -rf $(DIST) $(VENV)
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
