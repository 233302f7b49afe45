"""Pure builders: an AlaudaService's spec -> the Kubernetes objects it needs.

No I/O and no clock: the same input gives the same objects, byte for byte, so
that the reconciler can apply them unconditionally and compare them cheaply.
docs/mapping.md lists which payload field sets which Kubernetes field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from alauda_operator.builders.autoscaler import build_autoscaler
from alauda_operator.builders.container import instance_size_resources
from alauda_operator.builders.ingress import build_ingress
from alauda_operator.builders.meta import BuildError, JsonObject, ServiceResource
from alauda_operator.builders.services import build_services
from alauda_operator.builders.workload import build_workload
from alauda_operator.model import ServiceSpec
from alauda_operator.settings import PlatformSettings

__all__ = [
    "MANAGED_KINDS",
    "BuildError",
    "ManagedKind",
    "ServiceResource",
    "build_objects",
    "instance_size_resources",
]


class ManagedKind(NamedTuple):
    api_version: str
    kind: str
    plural: str
    namespaced: bool


# Every kind build_objects can produce, so that the operator can find and
# delete the objects a service no longer needs.
MANAGED_KINDS: tuple[ManagedKind, ...] = (
    ManagedKind("apps/v1", "Deployment", "deployments", True),
    ManagedKind("apps/v1", "StatefulSet", "statefulsets", True),
    ManagedKind("v1", "Service", "services", True),
    ManagedKind("networking.k8s.io/v1", "Ingress", "ingresses", True),
    ManagedKind("autoscaling/v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", True),
)


def build_objects(
    resource: ServiceResource, settings: PlatformSettings, linked: Mapping[str, ServiceSpec]
) -> list[JsonObject]:
    """Every object the service needs, in apply order: Services, the workload,
    the Ingress (it points at a Service), the autoscaler (it points at the
    workload). ``linked`` holds the specs of the linked services that exist,
    by service name; links to other names are skipped (the operator reports
    them). Raises BuildError when the settings cannot serve the spec."""
    return [
        *build_services(resource, settings),
        build_workload(resource, settings, linked),
        *build_ingress(resource, settings),
        *build_autoscaler(resource),
    ]
