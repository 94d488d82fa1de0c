# Two commands on a fresh machine: `make run` and `make test`. Everything else is installed from pyproject.toml.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ARGS   ?=

.PHONY: run test lint bench clean venv tools cluster cluster-down soak

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

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

# the long variants: repeated etcd kills under more watchers, the container image build (needs docker)
soak: $(STAMP) tools
	$(BIN)/python -m pytest -m soak -o timeout=3600 -s $(ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
