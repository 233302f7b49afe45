"""The service's one container: image, command, resources and ports."""

from __future__ import annotations

import shlex
from collections.abc import Mapping

from alauda_operator import names
from alauda_operator.builders.environment import build_env, escape_references
from alauda_operator.builders.meta import BuildError, JsonObject, ServiceResource
from alauda_operator.model import EndpointType, InstanceSize, ServiceSpec
from alauda_operator.settings import PlatformSettings


def instance_size_resources(size: InstanceSize, settings: PlatformSettings) -> JsonObject:
    """Requests equal to limits: an instance size is a guarantee and a cap, and
    it gives the Pod the Guaranteed QoS class."""
    resources = settings.instance_sizes.get(size.value)
    if resources is None:
        known = ", ".join(sorted(settings.instance_sizes))
        raise BuildError("instance_size", f"{size.value!r} is not configured; known: {known}")
    quantities = {"cpu": resources.cpu, "memory": resources.memory}
    return {"requests": dict(quantities), "limits": dict(quantities)}


def split_command(command_line: str) -> list[str]:
    """Words by POSIX shell rules (quotes group, backslashes escape), each made
    literal for Kubernetes, which would otherwise expand ``$(NAME)``."""
    return [escape_references(word) for word in shlex.split(command_line)]


def port_name(container_port: int) -> str:
    return f"tcp-{container_port}"


def distinct_ports(spec: ServiceSpec) -> list[int]:
    return sorted({p.container_port for p in spec.instance_ports})


def container_ports(spec: ServiceSpec) -> list[JsonObject]:
    """One entry per distinct port; a port with a direct-endpoint also takes
    that port on the node, so each instance is reachable at <node IP>:<port>."""
    direct = {p.container_port for p in spec.ports_of_type(EndpointType.DIRECT)}
    ports: list[JsonObject] = []
    for number in distinct_ports(spec):
        port: JsonObject = {"name": port_name(number), "containerPort": number, "protocol": "TCP"}
        if number in direct:
            port["hostPort"] = number
        ports.append(port)
    return ports


def build_container(
    resource: ServiceResource, settings: PlatformSettings, linked: Mapping[str, ServiceSpec]
) -> JsonObject:
    spec = resource.spec
    container: JsonObject = {
        "name": resource.name,
        "image": f"{spec.image_name}:{spec.image_tag}",
    }
    # An empty list would also mean "the image's own", but omitting says it plainly.
    if command := split_command(spec.entrypoint):
        container["command"] = command
    if args := split_command(spec.run_command):
        container["args"] = args
    container["env"] = build_env(resource, settings, linked)
    if ports := container_ports(spec):
        container["ports"] = ports
    container["resources"] = instance_size_resources(spec.instance_size, settings)
    if mounts := volume_mounts(spec):
        container["volumeMounts"] = mounts
    return container


def volume_mounts(spec: ServiceSpec) -> list[JsonObject]:
    """Each volume's claim, mounted at its directory (claims are named after
    the directory, so the order of ``volumes`` does not matter)."""
    return [
        {"name": names.volume_claim_template_name(directory), "mountPath": directory}
        for directory in sorted(v.app_volume_dir for v in spec.volumes)
    ]
