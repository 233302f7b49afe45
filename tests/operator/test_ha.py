"""Two replicas with leader election: one reconciles, the other takes over."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.operator.kube import Cluster, stateless_spec, wait_for
from tests.operator_fixture import OperatorProcess

pytestmark = pytest.mark.cluster

# The default Lease: 15 s, renewed every 2 s.
TAKEOVER_AFTER_CRASH = 30.0


@pytest.fixture
def replicas(kube: Cluster, operator: OperatorProcess) -> Iterator[list[OperatorProcess]]:
    """Two electing replicas in place of the session's operator."""
    operator.stop()
    lease = ("--leader-elect", "--lease-namespace", kube.namespace, "--lease-name", "operator")
    started = []
    try:
        for number in range(2):
            replica = OperatorProcess(
                operator.kubeconfig,
                operator.log_file.with_name(f"operator-replica-{number}.log"),
                extra_args=lease,
            )
            replica.start()
            started.append(replica)
        yield started
    finally:
        for replica in started:
            replica.stop()


def leaders(replicas: list[OperatorProcess]) -> list[OperatorProcess]:
    return [r for r in replicas if r.running and r.metric("alauda_operator_leader") == 1]


def lease_holder(kube: Cluster) -> str | None:
    path = f"/apis/coordination.k8s.io/v1/namespaces/{kube.namespace}/leases/operator"
    answer = kube.api.get(path, ok=(404,))
    return None if answer.status == 404 else answer.json()["spec"].get("holderIdentity")


def test_only_one_replica_is_active(kube: Cluster, replicas: list[OperatorProcess]) -> None:
    wait_for(lambda: leaders(replicas), "a leader")
    time.sleep(3)  # a second leader would have had time to appear

    assert len(leaders(replicas)) == 1
    kube.create_service("web", stateless_spec())
    kube.wait_ready("web")
    standby = next(r for r in replicas if r not in leaders(replicas))
    assert standby.metric("alauda_operator_reconciles_total") == 0


def test_standby_takes_over_when_the_leader_crashes(
    kube: Cluster, replicas: list[OperatorProcess]
) -> None:
    leader = wait_for(lambda: leaders(replicas), "a leader")[0]

    leader.kill()
    kube.create_service("web", stateless_spec())

    kube.wait_ready("web", timeout=TAKEOVER_AFTER_CRASH)
    assert leaders(replicas) != [leader]


def test_leader_stopping_cleanly_hands_over_at_once(
    kube: Cluster, replicas: list[OperatorProcess]
) -> None:
    leader = wait_for(lambda: leaders(replicas), "a leader")[0]
    holder = lease_holder(kube)

    assert leader.stop() == 0
    started = time.monotonic()
    wait_for(lambda: lease_holder(kube) not in (None, holder), "a new holder", 10)

    assert time.monotonic() - started < 5
    kube.create_service("web", stateless_spec())
    kube.wait_ready("web", timeout=10)


def test_leader_that_sees_another_holder_stops(
    kube: Cluster, replicas: list[OperatorProcess]
) -> None:
    leader = wait_for(lambda: leaders(replicas), "a leader")[0]
    path = f"/apis/coordination.k8s.io/v1/namespaces/{kube.namespace}/leases/operator"

    kube.api.merge_patch(path, {"spec": {"holderIdentity": "intruder"}})

    wait_for(lambda: not leader.running, "the old leader to exit", 15)
    assert leader.process is not None and leader.process.returncode == 3
