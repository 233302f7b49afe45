"""Creating AlaudaServices: what the operator makes of them."""

from __future__ import annotations

import pytest

from alauda_operator import names
from tests.operator.kube import Cluster, seed_spec, stateless_spec, wait_for

pytestmark = pytest.mark.cluster


def test_seed_example_runs_as_a_statefulset_with_two_claims_per_instance(kube: Cluster) -> None:
    kube.create_service("test", seed_spec())

    status = kube.wait_ready("test")

    assert status["current_num_instances"] == 2
    assert status["current_status"] == "Running"
    children = kube.children("test")
    assert ("StatefulSet", "test") in children
    assert ("Deployment", "test") not in children
    claims = kube.list("PersistentVolumeClaim", f"{names.SERVICE_LABEL}=test")
    assert len(claims) == 4
    assert all(c["status"]["phase"] == "Bound" for c in claims)


def test_seed_example_gets_services_for_its_tcp_and_direct_endpoints_and_no_autoscaler(
    kube: Cluster,
) -> None:
    kube.create_service("test", seed_spec())
    status = kube.wait_ready("test")

    kinds = sorted(kube.children("test"))
    assert kinds == [
        ("Service", "test"),
        ("Service", "test-headless"),
        ("Service", "test-public"),
        ("StatefulSet", "test"),
    ]
    public = kube.get("Service", "test-public")
    assert public is not None
    node_port = public["spec"]["ports"][0]["nodePort"]
    ports = {p["endpoint_type"]: p for p in status["instance_ports"]}
    assert ports["tcp-endpoint"]["service_port"] == node_port
    assert ports["direct-endpoint"]["service_port"] == 22


def test_pods_run_with_the_services_selector_label(kube: Cluster) -> None:
    kube.create_service("web", stateless_spec(target_num_instances=3))

    status = kube.wait_ready("web")

    assert len(kube.running_pods("web")) == 3
    assert status["selector"] == f"{names.SERVICE_LABEL}=web"
    assert status["started_num_instances"] == 3
    assert status["staged_num_instances"] == 0


def test_http_endpoint_gets_an_ingress_for_the_default_and_the_custom_domain(
    kube: Cluster,
) -> None:
    spec = stateless_spec(
        instance_ports=[{"container_port": 80}],
        custom_domain_name="www.example.com",
    )
    kube.create_service("site", spec)

    status = kube.wait_ready("site")

    ingress = kube.get("Ingress", "site")
    assert ingress is not None
    hosts = [rule["host"] for rule in ingress["spec"]["rules"]]
    assert hosts == [status["default_domain_name"], "www.example.com"]
    http = status["instance_ports"][0]
    assert (http["service_port"], http["default_domain"]) == (80, status["default_domain_name"])


def test_creation_is_reported_in_events(kube: Cluster) -> None:
    kube.create_service("web", stateless_spec())
    kube.wait_ready("web")

    reasons = wait_for(
        lambda: (r := kube.event_reasons("web")) and "Running" in r and r,
        "a Running event",
    )

    assert reasons.count("Created") == 1  # the Deployment; no port, no Service
    assert reasons.count("Running") == 1


def test_a_service_created_stopped_runs_nothing(kube: Cluster) -> None:
    kube.create_service("idle", stateless_spec(target_state="STOPPED", target_num_instances=2))

    status = kube.wait_ready("idle")

    assert status["current_status"] == "Stopped"
    assert status["stopped_at"]
    assert "started_at" not in status
    deployment = kube.get("Deployment", "idle")
    assert deployment is not None and deployment["spec"]["replicas"] == 0


def test_text_beyond_the_basic_plane_reaches_the_workload_unchanged(kube: Cluster) -> None:
    spec = stateless_spec(instance_envvars={"GREETING": "hi 👋 𝄞"}, run_command="echo 🚀")
    kube.create_service("emoji", spec)

    kube.wait_ready("emoji")

    deployment = kube.get("Deployment", "emoji")
    assert deployment is not None
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert {"name": "GREETING", "value": "hi 👋 𝄞"} in container["env"]
    assert container["args"] == ["echo", "🚀"]
