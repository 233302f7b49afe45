"""The container's environment: link variables, the user's variables and the
platform's ``__DEFAULT_DOMAIN_NAME__``, in a fixed order."""

from __future__ import annotations

from collections.abc import Mapping

from alauda_operator import names
from alauda_operator.builders.meta import JsonObject, ServiceResource
from alauda_operator.model import ServiceSpec
from alauda_operator.settings import PlatformSettings

DEFAULT_DOMAIN_VARIABLE = "__DEFAULT_DOMAIN_NAME__"
CLUSTER_DOMAIN = "cluster.local"


def escape_references(text: str) -> str:
    """Kubernetes expands ``$(NAME)`` in env values, command and args, and reads
    ``$$`` as ``$``; doubling every ``$`` keeps the text exactly as written, as
    Docker ran it."""
    return text.replace("$", "$$")


def link_host(linked_name: str, namespace: str) -> str:
    return f"{names.cluster_service_name(linked_name)}.{namespace}.svc.{CLUSTER_DOMAIN}"


def link_prefix(alias: str) -> str:
    return alias.upper().replace("-", "_")


def link_variables(
    service_name: str, namespace: str, linked_name: str, alias: str, linked_spec: ServiceSpec
) -> dict[str, str]:
    """Docker-link variables for one linked service, pointing at its ClusterIP
    Service (whose port numbers equal the container ports)."""
    prefix = link_prefix(alias)
    host = link_host(linked_name, namespace)
    variables = {f"{prefix}_NAME": f"/{service_name}/{alias}"}
    ports = sorted({p.container_port for p in linked_spec.instance_ports})
    if ports:
        variables[f"{prefix}_PORT"] = f"tcp://{host}:{ports[0]}"
    for port in ports:
        port_prefix = f"{prefix}_PORT_{port}_TCP"
        variables[port_prefix] = f"tcp://{host}:{port}"
        variables[f"{port_prefix}_ADDR"] = host
        variables[f"{port_prefix}_PORT"] = str(port)
        variables[f"{port_prefix}_PROTO"] = "tcp"
    return variables


def environment(
    resource: ServiceResource, settings: PlatformSettings, linked: Mapping[str, ServiceSpec]
) -> dict[str, str]:
    """Name -> value, in container order: links (by linked service name), then
    the user's variables (by name), then ``__DEFAULT_DOMAIN_NAME__``. A user
    variable replaces a link variable of the same name; the platform's domain
    variable replaces a user one. Links to services not in ``linked`` are skipped."""
    spec = resource.spec
    from_links: dict[str, str] = {}
    for linked_name, alias in sorted(spec.link_aliases.items()):
        linked_spec = linked.get(linked_name)
        if linked_spec is not None:
            from_links.update(
                link_variables(resource.name, resource.namespace, linked_name, alias, linked_spec)
            )
    from_user = dict(sorted(spec.instance_envvars.items()))
    merged = {k: v for k, v in from_links.items() if k not in from_user}
    merged.update(from_user)
    merged.pop(DEFAULT_DOMAIN_VARIABLE, None)
    merged[DEFAULT_DOMAIN_VARIABLE] = names.default_domain_name(
        resource.name, resource.namespace, settings
    )
    return merged


def build_env(
    resource: ServiceResource, settings: PlatformSettings, linked: Mapping[str, ServiceSpec]
) -> list[JsonObject]:
    return [
        {"name": name, "value": escape_references(value)}
        for name, value in environment(resource, settings, linked).items()
    ]
