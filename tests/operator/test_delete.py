"""Deleting an AlaudaService, and what it leaves behind on purpose."""

from __future__ import annotations

import pytest

from alauda_operator import names
from tests.operator.kube import Cluster, seed_spec, stateless_spec, wait_for

pytestmark = pytest.mark.cluster


def claims(kube: Cluster, service: str) -> dict[str, str]:
    """claim name -> uid"""
    return {
        c["metadata"]["name"]: c["metadata"]["uid"]
        for c in kube.list("PersistentVolumeClaim", f"{names.SERVICE_LABEL}={service}")
    }


def test_deleting_the_service_deletes_every_child_and_pod(kube: Cluster) -> None:
    spec = stateless_spec(target_num_instances=2, instance_ports=[{"container_port": 80}])
    kube.create_service("web", spec)
    kube.wait_ready("web")
    assert len(kube.children("web")) == 3  # Deployment, Service, Ingress

    kube.delete_service("web")

    wait_for(lambda: not kube.children("web"), "no children left")
    wait_for(lambda: not kube.pods("web"), "no pods left")


def test_deleting_a_stateful_service_keeps_its_volume_claims(kube: Cluster) -> None:
    kube.create_service("test", seed_spec())
    kube.wait_ready("test")
    kept = claims(kube, "test")
    assert len(kept) == 4

    kube.delete_service("test")
    wait_for(lambda: not kube.children("test") and not kube.pods("test"), "children gone")

    assert claims(kube, "test") == kept


def test_a_service_created_again_with_the_same_name_reuses_its_claims(kube: Cluster) -> None:
    kube.create_service("test", seed_spec())
    kube.wait_ready("test")
    kept = claims(kube, "test")
    kube.delete_service("test")
    wait_for(lambda: kube.service("test") is None, "the AlaudaService gone")
    wait_for(lambda: not kube.children("test") and not kube.pods("test"), "children gone")

    kube.create_service("test", seed_spec())
    kube.wait_ready("test")

    assert claims(kube, "test") == kept

    def mounted() -> set[str]:
        return {
            volume["persistentVolumeClaim"]["claimName"]
            for pod in kube.pods("test")
            for volume in pod["spec"].get("volumes", [])
            if "persistentVolumeClaim" in volume
        }

    assert wait_for(lambda: mounted() == set(kept) and mounted(), "the kept claims mounted")
