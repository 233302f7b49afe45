"""The Services of a service's ports: one ClusterIP Service with every port
(links and the Ingress use it), a public one for tcp-endpoint ports, and a
StatefulSet's headless governing Service."""

from __future__ import annotations

from collections.abc import Iterable

from alauda_operator import names
from alauda_operator.builders.container import distinct_ports, port_name
from alauda_operator.builders.meta import JsonObject, ServiceResource, new_object, object_metadata
from alauda_operator.model import EndpointType
from alauda_operator.settings import PlatformSettings


def service_ports(container_ports: Iterable[int]) -> list[JsonObject]:
    """Service port = target port = container port, so that the numbers users
    know keep working through the Service."""
    return [
        {"name": port_name(p), "port": p, "targetPort": p, "protocol": "TCP"}
        for p in sorted(set(container_ports))
    ]


def _service(resource: ServiceResource, name: str, spec: JsonObject) -> JsonObject:
    return new_object("v1", "Service", object_metadata(resource, name), spec)


def build_services(resource: ServiceResource, settings: PlatformSettings) -> list[JsonObject]:
    spec = resource.spec
    selector = names.selector_labels(resource.name)
    all_ports = distinct_ports(spec)
    services: list[JsonObject] = []

    if spec.is_stateful:
        # A headless Service may have no ports; it gives each instance a DNS name.
        headless: JsonObject = {
            "clusterIP": "None",
            "publishNotReadyAddresses": True,
            "selector": selector,
        }
        if all_ports:
            headless["ports"] = service_ports(all_ports)
        services.append(_service(resource, names.headless_service_name(resource.name), headless))

    if all_ports:
        cluster = {"type": "ClusterIP", "selector": selector, "ports": service_ports(all_ports)}
        services.append(_service(resource, names.cluster_service_name(resource.name), cluster))

    tcp_ports = [p.container_port for p in spec.ports_of_type(EndpointType.TCP)]
    if tcp_ports:
        public = {
            "type": settings.public_tcp_service_type,
            "selector": selector,
            "ports": service_ports(tcp_ports),
        }
        services.append(_service(resource, names.public_service_name(resource.name), public))
    return services
