"""Shared fixtures: the Kubernetes cluster the tests run against.

`cluster` is $KUBECONFIG's cluster if that answers, otherwise the local
control plane `pytest` (see hack/localcluster/README.md), started on demand
and stopped at the end, unless ALAUDA_KEEP_CLUSTER=1 or another session still
uses it. It never skips: a cluster that cannot start is an error.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from alauda_operator.localcluster import (
    BuildError,
    ClusterError,
    ClusterInfo,
    LocalCluster,
    cluster_from_kubeconfig,
)

PYTEST_CLUSTER = "pytest"

# The operator as a subprocess, for the tests that need it (running_operator).
pytest_plugins = ["tests.operator_fixture"]


def _start_local() -> tuple[LocalCluster, ClusterInfo]:
    local = LocalCluster(PYTEST_CLUSTER)
    try:
        # A cluster kept from an earlier session is reused; a stopped one
        # starts from empty so that runs do not see each other's leftovers.
        return local, local.up(fresh=True, holder=os.getpid())
    except (ClusterError, BuildError, OSError) as err:
        if os.environ.get("CI") == "true":
            raise
        pytest.fail(
            f"the local Kubernetes control plane did not start: {err}\n"
            f"logs: {local.logs_dir}\n"
            "retry by hand: python -m alauda_operator.localcluster up --name pytest\n"
            "or point KUBECONFIG at a running cluster",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def cluster() -> Iterator[ClusterInfo]:
    env = os.environ.get("KUBECONFIG")
    if env:
        existing = cluster_from_kubeconfig(Path(env.split(os.pathsep)[0]))
        if existing is not None:
            yield existing
            return
    local, info = _start_local()
    yield info
    # Stops it only if no other session or xdist worker still holds it.
    local.release(os.getpid(), stop=os.environ.get("ALAUDA_KEEP_CLUSTER") != "1")


@pytest.fixture
def namespace(cluster: ClusterInfo) -> Iterator[str]:
    """A fresh namespace, deleted (without waiting) after the test."""
    name = f"test-{secrets.token_hex(4)}"
    api = cluster.client()
    api.create("/api/v1/namespaces", {"metadata": {"name": name}})
    # Pods are refused until the service account controller has made `default`.
    deadline = time.monotonic() + 30
    sa = f"/api/v1/namespaces/{name}/serviceaccounts/default"
    while api.get(sa, ok=(404,)).status == 404:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no default ServiceAccount in namespace {name}")
        time.sleep(0.05)
    yield name
    api.delete(f"/api/v1/namespaces/{name}")
