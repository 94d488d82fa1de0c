# Two commands on a fresh machine: `make run` and `make test`. Everything else is installed from pyproject.toml.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ARGS   ?=

.PHONY: run test lint bench clean venv tools cluster cluster-down soak

venv: $(STAMP)

# pip's output goes to .venv/pip.log, shown only when the install fails: a first run would otherwise print
# setuptools' notices about editable installs and whatever the machine's pip configuration warns about.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing aiokube and its test dependencies into $(VENV) (a minute or two the first time; log: $(VENV)/pip.log)"
	@{ $(BIN)/python -m pip install --upgrade pip && $(BIN)/python -m pip install -e '.[test]'; } \
	  > $(VENV)/pip.log 2>&1 || { tail -n 40 $(VENV)/pip.log; echo "pip failed: see $(VENV)/pip.log"; exit 1; }
	@touch $(STAMP)

# promtool and prometheus (Debian's prometheus package) for the metrics tests; skipped there if this fails
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
tools:
	@command -v promtool >/dev/null 2>&1 || { \
	  echo "installing Debian's prometheus package (promtool, prometheus) for the metrics tests"; \
	  ($(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	    --no-install-recommends prometheus) >/dev/null 2>&1 || echo "could not install prometheus"; }

run: $(STAMP)
	$(BIN)/aiokube serve $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

test: $(STAMP) tools
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(ARGS)

# a local 3-member etcd cluster, 2 replicas and a front in ./.aiokube-cluster (aiokube cluster --help)
cluster: $(STAMP)
	$(BIN)/aiokube cluster up $(ARGS)

cluster-down: $(STAMP)
	$(BIN)/aiokube cluster down $(ARGS)

# the long variants: every fault of tests/test_cluster.py and test_faults.py repeated under 200 watchers, the
# fuzzer with 40x the examples (AIOKUBE_FUZZ_FACTOR), the container image build (needs docker)
soak: $(STAMP) tools
	$(BIN)/python -m pytest -m soak -o timeout=3600 -s $(ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
