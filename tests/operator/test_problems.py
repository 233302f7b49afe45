"""What the operator reports when it cannot do what a spec asks."""

from __future__ import annotations

import pytest

from alauda_operator import names
from tests.operator.kube import Cluster, seed_spec, stateless_spec, wait_for
from tests.operator_fixture import OperatorProcess

pytestmark = pytest.mark.cluster


def warnings(kube: Cluster, service: str) -> dict[str, str]:
    return {e["reason"]: e["message"] for e in kube.events(service) if e["type"] == "Warning"}


def test_spec_the_platform_settings_refuse_is_reported_and_nothing_is_applied(
    kube: Cluster,
) -> None:
    spec = seed_spec()
    spec["volumes"][0]["size_gb"] = 5  # the CRD accepts it; the settings' minimum is 10

    kube.create_service("small", spec)

    condition = kube.wait_condition("small", "False", "InvalidSpec")
    assert "spec.volumes[0].size_gb" in condition["message"]
    assert kube.status("small")["current_status"] == "Error"
    message = wait_for(lambda: warnings(kube, "small").get("InvalidSpec"), "an InvalidSpec event")
    assert "spec.volumes[0].size_gb" in message
    assert kube.children("small") == {}


def test_object_someone_else_owns_is_not_overwritten(kube: Cluster) -> None:
    foreign = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "test-public", "labels": {"team": "other"}},
        "spec": {"ports": [{"port": 2222}], "selector": {"app": "other"}},
    }
    kube.create("Service", foreign)

    kube.create_service("test", seed_spec())

    condition = kube.wait_condition("test", "False", "OwnershipConflict")
    assert "Service test-public" in condition["message"]
    wait_for(lambda: "OwnershipConflict" in warnings(kube, "test"), "an OwnershipConflict event")
    service = kube.get("Service", "test-public")
    assert service is not None
    assert service["metadata"]["labels"] == {"team": "other"}
    assert "ownerReferences" not in service["metadata"]
    assert service["spec"]["ports"][0]["port"] == 2222


def test_conflict_clears_once_the_other_object_is_gone(kube: Cluster) -> None:
    kube.create(
        "Service",
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "test-public"},
            "spec": {"ports": [{"port": 2222}]},
        },
    )
    kube.create_service("test", seed_spec())
    kube.wait_condition("test", "False", "OwnershipConflict")

    kube.delete("Service", "test-public")

    kube.wait_ready("test", timeout=30)
    service = kube.get("Service", "test-public")
    assert service is not None
    assert service["metadata"]["labels"][names.MANAGED_BY_LABEL] == names.MANAGED_BY


def test_missing_linked_service_is_reported(kube: Cluster) -> None:
    kube.create_service("web", stateless_spec(linked_to_apps={"db": "database"}))

    condition = kube.wait_condition("web", "False", "LinkedServiceNotFound", kind="LinksResolved")

    assert "db" in condition["message"]
    wait_for(
        lambda: "LinkedServiceNotFound" in warnings(kube, "web"), "a LinkedServiceNotFound event"
    )
    # The service itself runs.
    kube.wait_ready("web")


def test_link_variables_follow_the_linked_service(kube: Cluster) -> None:
    kube.create_service("web", stateless_spec(linked_to_apps={"db": "database"}))
    kube.wait_condition("web", "False", "LinkedServiceNotFound", kind="LinksResolved")

    kube.create_service("db", stateless_spec(instance_ports=[{"container_port": 5432}]))

    kube.wait_condition("web", "True", "Resolved", kind="LinksResolved")

    def env_names() -> set[str]:
        deployment = kube.get("Deployment", "web") or {}
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        return {e["name"] for e in container.get("env", [])}

    wait_for(lambda: any("5432" in n for n in env_names()), "link variables of port 5432")

    kube.delete_service("db")

    wait_for(lambda: not any("5432" in n for n in env_names()), "link variables gone")
    kube.wait_condition("web", "False", "LinkedServiceNotFound", kind="LinksResolved")


def test_object_the_api_server_refuses_is_reported(
    kube: Cluster, operator: OperatorProcess, tmp_path: object
) -> None:
    # Only platform settings can make the builders produce an invalid object:
    # an ingress class name that is not a DNS name. This test runs its own
    # operator with those settings, in place of the session's.
    operator.stop()
    refusing = OperatorProcess(
        operator.kubeconfig,
        operator.log_file.with_name("operator-refusing.log"),
        env={"ALAUDA_INGRESS_CLASS": "Not_A_Class"},
    )
    refusing.start()
    try:
        kube.create_service("site", stateless_spec(instance_ports=[{"container_port": 80}]))

        condition = kube.wait_condition("site", "False", "ObjectRejected")
        # The Event is posted just after the status is written.
        wait_for(lambda: "ObjectRejected" in warnings(kube, "site"), "an ObjectRejected event")
    finally:
        refusing.stop()

    assert "Ingress site" in condition["message"]
    assert "ingressClassName" in condition["message"]
    # What could be applied was.
    assert kube.get("Deployment", "site") is not None


def test_an_instance_that_cannot_be_scheduled_is_reported_with_the_schedulers_words(
    kube: Cluster,
) -> None:
    # The local cluster has four Nodes and a direct-endpoint takes a host port
    # on one of them, so a fifth instance has nowhere to go.
    spec = stateless_spec(
        target_num_instances=5,
        instance_ports=[{"container_port": 7001, "endpoint_type": "direct-endpoint"}],
    )
    kube.create_service("crowded", spec)

    condition = kube.wait_condition("crowded", "False", "Unschedulable", timeout=120)

    assert "ports" in condition["message"]
    assert kube.status("crowded")["current_status"] == "Error"
    wait_for(lambda: "Unschedulable" in warnings(kube, "crowded"), "an Unschedulable event")


def test_an_image_that_cannot_be_pulled_is_reported(kube: Cluster) -> None:
    # The local cluster's kwok fails the Pods of this registry as a kubelet
    # would (localcluster/failure_stages.py).
    kube.create_service("nopull", stateless_spec(image_name="image-pull-fails.invalid/app"))

    condition = kube.wait_condition("nopull", "False", "ImagePullBackOff")

    assert "image-pull-fails.invalid/app" in condition["message"]
    assert kube.status("nopull")["current_status"] == "Error"
    wait_for(lambda: "ImagePullBackOff" in warnings(kube, "nopull"), "an ImagePullBackOff event")


def test_a_container_that_keeps_exiting_is_reported_with_its_exit_code(kube: Cluster) -> None:
    kube.create_service("crashy", stateless_spec(image_name="crash-loops.invalid/app"))

    condition = kube.wait_condition("crashy", "False", "CrashLoopBackOff")

    assert "exited with code 3" in condition["message"]
    assert kube.status("crashy")["current_status"] == "Error"
