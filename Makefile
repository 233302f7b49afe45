# Everything a fresh machine needs is installed by these targets: a virtual
# environment from pyproject.toml, and the control-plane binaries built from
# the Go module proxy into ~/.cache/alauda-operator (see hack/localcluster).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CLUSTER_NAME ?= dev

.PHONY: run test lint unit binaries cluster-up cluster-down crd deploy image kind-up kind-e2e bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## run: the operator, the facade and (without a reachable cluster) the local control plane
run: $(STAMP) binaries
	$(BIN)/alauda-operator dev --cluster-name $(CLUSTER_NAME)

## test: lint, type-check and the whole suite against a real control plane
test: $(STAMP) binaries lint
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check operator tests bench
	$(BIN)/ruff format --check operator tests bench
	$(BIN)/mypy

## unit: the fast tests only (no cluster)
unit: $(STAMP)
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

binaries:
	@hack/localcluster/build.sh >/dev/null

cluster-up: $(STAMP) binaries
	$(BIN)/python -m alauda_operator.localcluster up --name $(CLUSTER_NAME)

cluster-down: $(STAMP)
	$(BIN)/python -m alauda_operator.localcluster down --name $(CLUSTER_NAME)

## crd: regenerate crds/ from the model
crd: $(STAMP)
	$(BIN)/python -m alauda_operator.crd > crds/alaudaservices.alauda.io.yaml

## deploy: install into the cluster kubectl points at
deploy:
	kubectl apply -k manifests/base

IMAGE ?= alauda-operator:dev
image:
	@command -v docker >/dev/null && docker info >/dev/null 2>&1 || { echo "image: needs a Docker engine"; exit 1; }
	docker build -t $(IMAGE) .

KIND_KUBECONFIG ?= $(HOME)/.kube/kind-alauda

kind-up:
	@command -v kind >/dev/null || { echo "kind-up: needs kind and Docker"; exit 1; }
	kind get clusters | grep -qx alauda || kind create cluster --name alauda --wait 120s
	kind export kubeconfig --name alauda --kubeconfig $(KIND_KUBECONFIG)
	@echo "export KUBECONFIG=$(KIND_KUBECONFIG)"

## kind-e2e: the same suite against kind (tests that need kwok's fake logs or the
## local users alice and bob say so and skip there)
kind-e2e: kind-up $(STAMP)
	KUBECONFIG=$(KIND_KUBECONFIG) $(BIN)/pytest $(PYTEST_ARGS)

bench: $(STAMP) binaries
	$(BIN)/python bench/operator_bench.py
	$(BIN)/python bench/facade_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
