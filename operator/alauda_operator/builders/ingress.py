"""The Ingress of the http-endpoint: the default domain and the custom domain,
path / to the ClusterIP Service's port of the http container port."""

from __future__ import annotations

from alauda_operator import names
from alauda_operator.builders.meta import JsonObject, ServiceResource, new_object, object_metadata
from alauda_operator.model import EndpointType
from alauda_operator.settings import PlatformSettings


def ingress_hosts(resource: ServiceResource, settings: PlatformSettings) -> list[str]:
    hosts = [names.default_domain_name(resource.name, resource.namespace, settings)]
    custom = resource.spec.custom_domain_name
    if custom and custom not in hosts:
        hosts.append(custom)
    return hosts


def build_ingress(resource: ServiceResource, settings: PlatformSettings) -> list[JsonObject]:
    """Empty without an http-endpoint: a custom domain alone is not routed."""
    http_ports = resource.spec.ports_of_type(EndpointType.HTTP)
    if not http_ports:
        return []
    service_name = names.cluster_service_name(resource.name)
    port = http_ports[0].container_port
    spec: JsonObject = {}
    if settings.ingress_class:
        spec["ingressClassName"] = settings.ingress_class
    spec["rules"] = [
        {"host": host, "http": {"paths": [_root_path(service_name, port)]}}
        for host in ingress_hosts(resource, settings)
    ]
    metadata = object_metadata(resource, names.ingress_name(resource.name))
    return [new_object("networking.k8s.io/v1", "Ingress", metadata, spec)]


def _root_path(service_name: str, port: int) -> JsonObject:
    return {
        "path": "/",
        "pathType": "Prefix",
        "backend": {"service": {"name": service_name, "port": {"number": port}}},
    }
