"""Service rules: the ClusterIP Service, the public Service, the headless Service."""

from __future__ import annotations

from alauda_operator import names
from alauda_operator.settings import PlatformSettings
from tests.unit.builders_support import NAME, build, of_kind, one, resource

MIXED_PORTS = [
    {"container_port": 80},
    {"container_port": 22, "endpoint_type": "tcp-endpoint"},
    {"container_port": 22, "endpoint_type": "direct-endpoint"},
    {"container_port": 9000, "endpoint_type": "internal-endpoint"},
    {"container_port": 2222, "endpoint_type": "tcp-endpoint"},
]


def _port_numbers(service: dict[str, object]) -> list[tuple[str, int, int, str]]:
    spec = service["spec"]
    assert isinstance(spec, dict)
    return [(p["name"], p["port"], p["targetPort"], p["protocol"]) for p in spec["ports"]]


def test_cluster_service_has_every_distinct_port() -> None:
    cluster = one(
        build(resource(instance_ports=MIXED_PORTS)), "Service", names.cluster_service_name(NAME)
    )
    assert cluster["spec"]["type"] == "ClusterIP"
    assert _port_numbers(cluster) == [
        ("tcp-22", 22, 22, "TCP"),
        ("tcp-80", 80, 80, "TCP"),
        ("tcp-2222", 2222, 2222, "TCP"),
        ("tcp-9000", 9000, 9000, "TCP"),
    ]


def test_a_service_without_ports_has_no_services() -> None:
    assert of_kind(build(resource()), "Service") == []


def test_public_service_has_only_the_tcp_endpoint_ports() -> None:
    public = one(
        build(resource(instance_ports=MIXED_PORTS)), "Service", names.public_service_name(NAME)
    )
    assert _port_numbers(public) == [("tcp-22", 22, 22, "TCP"), ("tcp-2222", 2222, 2222, "TCP")]


def test_public_service_is_a_load_balancer_by_default() -> None:
    public = one(
        build(resource(instance_ports=MIXED_PORTS)), "Service", names.public_service_name(NAME)
    )
    assert public["spec"]["type"] == "LoadBalancer"


def test_public_service_type_follows_the_setting() -> None:
    settings = PlatformSettings(public_tcp_service_type="NodePort")
    objects = build(resource(instance_ports=MIXED_PORTS), settings)
    assert one(objects, "Service", names.public_service_name(NAME))["spec"]["type"] == "NodePort"


def test_direct_and_internal_endpoints_get_only_the_cluster_service() -> None:
    ports = [
        {"container_port": 22, "endpoint_type": "direct-endpoint"},
        {"container_port": 9000, "endpoint_type": "internal-endpoint"},
    ]
    services = of_kind(build(resource(instance_ports=ports)), "Service")
    assert [s["metadata"]["name"] for s in services] == [names.cluster_service_name(NAME)]


def test_http_endpoint_alone_gets_no_public_service() -> None:
    services = of_kind(build(resource(instance_ports=[{"container_port": 80}])), "Service")
    assert [s["metadata"]["name"] for s in services] == [names.cluster_service_name(NAME)]


def test_stateful_service_gets_a_headless_governing_service() -> None:
    objects = build(resource(volumes=[{"app_volume_dir": "/data"}], instance_ports=MIXED_PORTS))
    headless = one(objects, "Service", names.headless_service_name(NAME))
    assert headless["spec"]["clusterIP"] == "None"
    assert headless["spec"]["publishNotReadyAddresses"] is True
    assert [p["port"] for p in headless["spec"]["ports"]] == [22, 80, 2222, 9000]


def test_headless_service_of_a_service_without_ports_has_no_ports() -> None:
    objects = build(resource(volumes=[{"app_volume_dir": "/data"}]))
    headless = one(objects, "Service", names.headless_service_name(NAME))
    assert "ports" not in headless["spec"]
    assert len(of_kind(objects, "Service")) == 1


def test_stateless_service_gets_no_headless_service() -> None:
    objects = build(resource(instance_ports=MIXED_PORTS))
    assert names.headless_service_name(NAME) not in [
        s["metadata"]["name"] for s in of_kind(objects, "Service")
    ]


def test_every_service_selects_by_the_selector_labels_only() -> None:
    objects = build(resource(volumes=[{"app_volume_dir": "/data"}], instance_ports=MIXED_PORTS))
    services = of_kind(objects, "Service")
    assert len(services) == 3
    assert all(s["spec"]["selector"] == names.selector_labels(NAME) for s in services)
