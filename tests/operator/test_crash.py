"""The operator dies in the middle of work and starts again."""

from __future__ import annotations

import pytest

from tests.operator.kube import Cluster, stateless_spec, wait_for
from tests.operator_fixture import OperatorProcess

pytestmark = pytest.mark.cluster

SERVICES = 12


def test_a_killed_operator_converges_after_a_restart_without_duplicates(
    kube: Cluster, operator: OperatorProcess
) -> None:
    names = [f"svc-{i}" for i in range(SERVICES)]
    for name in names[: SERVICES // 2]:
        kube.create_service(name, stateless_spec(instance_ports=[{"container_port": 80}]))
    for name in names[: SERVICES // 4]:
        kube.patch_spec(name, {"target_num_instances": 2, "image_tag": "2.0"})

    operator.kill()
    # Everything below happens while no operator runs.
    for name in names[SERVICES // 2 :]:
        kube.create_service(name, stateless_spec(instance_ports=[{"container_port": 80}]))
    for name in names[SERVICES // 4 : SERVICES // 2]:
        kube.patch_spec(name, {"target_num_instances": 3})
    operator.start()

    expected_instances = {n: 2 for n in names[: SERVICES // 4]}
    expected_instances.update({n: 3 for n in names[SERVICES // 4 : SERVICES // 2]})
    for name in names:
        status = kube.wait_ready(name, timeout=120)
        assert status["current_num_instances"] == expected_instances.get(name, 1), name
    for name in names:
        assert sorted(kind for kind, _ in kube.children(name)) == [
            "Deployment",
            "Ingress",
            "Service",
        ], name
        count = expected_instances.get(name, 1)
        wait_for(lambda n=name, c=count: len(kube.pods(n)) == c, f"{count} pods of {name}")
    for name in names[: SERVICES // 4]:
        assert {p["spec"]["containers"][0]["image"] for p in kube.pods(name)} == {
            "registry.example/web:2.0"
        }
