"""Fixtures of the operator's cluster tests: the running operator (from the
``tests.operator_fixture`` plugin) and a namespace to work in."""

from __future__ import annotations

import pytest

from alauda_operator.localcluster import ClusterInfo
from tests.operator.kube import Cluster
from tests.operator_fixture import OperatorProcess


@pytest.fixture
def kube(cluster: ClusterInfo, namespace: str, operator: OperatorProcess) -> Cluster:
    """A fresh namespace with the operator running."""
    return Cluster(cluster.client(), namespace)
