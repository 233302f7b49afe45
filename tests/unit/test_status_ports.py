"""Where each public port of a service can be reached, once allocated."""

from __future__ import annotations

from typing import Any

from alauda_operator.controller.status import Observation, derive_status
from alauda_operator.model import PortStatus
from tests.unit.status_support import spec, status_input, workload

DOMAIN = "web-team.alauda.local"


def public_service(node_port: int | None, balancer: dict[str, str] | None = None) -> dict[str, Any]:
    port: dict[str, Any] = {"name": "tcp-22", "port": 22, "targetPort": 22}
    if node_port:
        port["nodePort"] = node_port
    status = {"loadBalancer": {"ingress": [balancer]}} if balancer else {}
    return {"spec": {"type": "LoadBalancer", "ports": [port]}, "status": status}


def ports(endpoint_type: str, observed: Observation, port: int = 22) -> PortStatus:
    service = spec(instance_ports=[{"container_port": port, "endpoint_type": endpoint_type}])
    return derive_status(status_input(service, observed)).instance_ports[0]


def test_tcp_endpoint_reports_the_node_port() -> None:
    observed = Observation(services={"web-public": public_service(31000)})

    port = ports("tcp-endpoint", observed)

    assert (port.service_port, port.default_domain) == (31000, DOMAIN)


def test_tcp_endpoint_behind_a_load_balancer_reports_its_address_and_port() -> None:
    observed = Observation(services={"web-public": public_service(31000, {"ip": "203.0.113.7"})})

    port = ports("tcp-endpoint", observed)

    assert (port.service_port, port.default_domain) == (22, "203.0.113.7")


def test_tcp_endpoint_not_allocated_yet_has_no_port() -> None:
    port = ports("tcp-endpoint", Observation(services={"web-public": public_service(None)}))

    assert (port.service_port, port.default_domain) == (None, None)


def test_direct_endpoint_reports_the_host_port() -> None:
    container = {"name": "web", "ports": [{"containerPort": 22, "hostPort": 22}]}
    observed = Observation(workload=workload(1, containers=[container]))

    port = ports("direct-endpoint", observed)

    assert (port.service_port, port.default_domain) == (22, DOMAIN)


def test_http_endpoint_is_port_80_of_the_default_domain_once_routed() -> None:
    port = ports("http-endpoint", Observation(ingress={"spec": {}}), port=8080)

    assert (port.service_port, port.default_domain) == (80, DOMAIN)


def test_http_endpoint_without_its_ingress_has_no_port() -> None:
    port = ports("http-endpoint", Observation(), port=8080)

    assert port.service_port is None


def test_internal_endpoint_reports_the_cluster_service() -> None:
    cluster = {"spec": {"ports": [{"port": 6379, "targetPort": 6379}]}}

    port = ports("internal-endpoint", Observation(services={"web": cluster}), port=6379)

    assert (port.service_port, port.default_domain) == (6379, "web.team.svc")
