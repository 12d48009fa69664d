# Two commands on a fresh machine: `make demo` and `make test`.
# Everything is installed from PyPI into .venv by this file; nothing by hand.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RESULTS := results

.PHONY: venv lint unit conformance acceptance test demo docs bench bench-memory chaos clean test-matrix dist

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[sandbox,dev]'
	touch $(STAMP)

venv: $(STAMP) redis-server

# The Redis work-queue tests run against a real redis-server (started by the tests on
# 127.0.0.1 with a free port). Installed from Debian's package when missing; needs root
# (or sudo) and apt-get. Quiet, and nothing to do when redis-server is already there.
.PHONY: redis-server scale-demo
redis-server:
	@command -v redis-server >/dev/null 2>&1 || { \
	  echo "Installing redis-server (Debian package) for the work-queue tests..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null && \
	  command -v redis-server >/dev/null; }

lint: $(STAMP)
	$(BIN)/ruff check ReinferLibrary tests robots tools benchmarks
	$(BIN)/ruff format --check ReinferLibrary tests robots tools benchmarks
	$(BIN)/mypy
	$(BIN)/robocop check tests/acceptance tests/packaging tests/bots robots
	$(BIN)/robocop format --check tests robots benchmarks

# In parallel, one worker per CPU (each test file on one worker, in order: files share a server).
unit: $(STAMP) redis-server
	$(BIN)/pytest tests/unit -n auto --dist loadfile -p no:cacheprovider

# Public examples and the official OpenAPI specification against the sandbox and the client.
conformance: $(STAMP)
	$(BIN)/pytest tests/conformance -q -p no:cacheprovider

acceptance: $(STAMP) redis-server
	$(BIN)/python tests/acceptance/run.py --outputdir $(RESULTS)/acceptance

docs: $(STAMP)
	mkdir -p docs
	$(BIN)/python -m robot.libdoc --format HTML ReinferLibrary docs/ReinferLibrary.html
	$(BIN)/python -m robot.libdoc --format LIBSPEC ReinferLibrary docs/ReinferLibrary.libspec
	$(BIN)/python -m robot.libdoc --format HTML ReinferLibrary.WorkQueues docs/WorkQueues.html
	$(BIN)/python -m robot.libdoc --format LIBSPEC ReinferLibrary.WorkQueues docs/WorkQueues.libspec

test: lint unit conformance docs acceptance

# Not part of `make test` (a few minutes): robots and the sandbox killed under injected faults.
chaos: $(STAMP)
	$(BIN)/python tests/chaos/run.py --outputdir $(RESULTS)/chaos

# The triage robot's run-report.html in headless Chromium (Debian's package, installed when
# missing; needs root as on CI). Kept out of `make test`: a browser and a robot run.
.PHONY: report-check
report-check: $(STAMP)
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends chromium)
	$(BIN)/pytest tests/browser -q -p no:cacheprovider

demo: $(STAMP)
	$(BIN)/python robots/run_demo.py --outputdir $(RESULTS)/demo

# Slow, so not part of `make test`: unit + acceptance on every supported Python installed here
# (own venvs in .venv-matrix/), one line per version.
test-matrix:
	$(PYTHON) tools/test_matrix.py

# Slow, so not part of `make test`: sdist + wheel, twine check, wheel contents, clean installs
# with and without [sandbox], smoke robots against the installed wheel.
dist: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[sandbox,dev,dist]'
	$(BIN)/python tools/dist.py --python $(BIN)/python

# Peak RSS of a long run, both ways of writing a bot (docs/adr/0011-bounded-memory.md).
# Default 10k, 100k and 1M comments (hours on a small machine); e.g.
# make bench-memory BENCH_MEMORY_ARGS="--counts 10000 100000 --baseline"
BENCH_MEMORY_ARGS ?=
bench-memory: $(STAMP)
	$(BIN)/python benchmarks/memory_rss.py $(BENCH_MEMORY_ARGS)

# Slow, so not part of `make test`: the library against its baselines, in one run.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[sandbox,dev,bench]'
	$(BIN)/python benchmarks/run.py

# Dispatcher -> embedded work queue -> N performers under pabot, on the sandbox.
PERFORMERS ?= 4
scale-demo: $(STAMP)
	$(BIN)/python robots/scale_demo.py --performers $(PERFORMERS) --outputdir $(RESULTS)/scale-demo

clean:
	rm -rf $(VENV) .venv-matrix $(RESULTS) .mypy_cache .pytest_cache .ruff_cache
