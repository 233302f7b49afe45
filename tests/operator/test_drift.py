"""Owned objects changed by hand come back as the spec says."""

from __future__ import annotations

import pytest

from alauda_operator import names
from tests.operator.kube import Cluster, seed_spec, stateless_spec, wait_for

pytestmark = pytest.mark.cluster

RESTORE_TIMEOUT = 10.0


def test_deleted_service_is_recreated(kube: Cluster) -> None:
    kube.create_service("test", seed_spec())
    kube.wait_ready("test")
    old = kube.get("Service", "test-public")
    assert old is not None

    kube.delete("Service", "test-public")

    new = wait_for(
        lambda: (
            (s := kube.get("Service", "test-public"))
            and s["metadata"]["uid"] != old["metadata"]["uid"]
            and s
        ),
        "the public Service back",
        RESTORE_TIMEOUT,
    )
    assert new["spec"]["type"] == old["spec"]["type"]


def test_deleted_workload_is_recreated(kube: Cluster) -> None:
    kube.create_service("web", stateless_spec(target_num_instances=2))
    kube.wait_ready("web")

    kube.delete("Deployment", "web")

    wait_for(lambda: kube.get("Deployment", "web"), "the Deployment back", RESTORE_TIMEOUT)
    assert kube.wait_ready("web")["current_num_instances"] == 2


def test_image_edited_by_hand_is_restored(kube: Cluster) -> None:
    kube.create_service("web", stateless_spec())
    kube.wait_ready("web")
    container = {"name": "web", "image": "registry.example/other:9"}

    kube.api.request(
        "PATCH",
        "/apis/apps/v1/namespaces/" + kube.namespace + "/deployments/web",
        {"spec": {"template": {"spec": {"containers": [container]}}}},
        content_type="application/strategic-merge-patch+json",
    )

    def image() -> str:
        deployment = kube.get("Deployment", "web") or {}
        return str(deployment["spec"]["template"]["spec"]["containers"][0]["image"])

    wait_for(lambda: image() == "registry.example/web:1.0", "the image back", RESTORE_TIMEOUT)


def test_replicas_changed_by_hand_are_restored_in_manual_mode(kube: Cluster) -> None:
    kube.create_service("web", stateless_spec(target_num_instances=2))
    kube.wait_ready("web")

    kube.merge_patch("Deployment", "web", {"spec": {"replicas": 5}})

    wait_for(
        lambda: (kube.get("Deployment", "web") or {})["spec"]["replicas"] == 2,
        "replicas back to 2",
        RESTORE_TIMEOUT,
    )


def test_label_removed_by_hand_is_restored(kube: Cluster) -> None:
    kube.create_service("test", seed_spec())
    kube.wait_ready("test")

    kube.merge_patch(
        "Service", "test-public", {"metadata": {"labels": {names.MANAGED_BY_LABEL: None}}}
    )

    wait_for(
        lambda: (
            ((kube.get("Service", "test-public") or {})["metadata"].get("labels") or {}).get(
                names.MANAGED_BY_LABEL
            )
            == names.MANAGED_BY
        ),
        "the label back",
        RESTORE_TIMEOUT,
    )
