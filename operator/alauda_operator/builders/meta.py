"""What every built object shares: the service it is built for, its metadata
and the owner reference that lets Kubernetes garbage-collect it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from alauda_operator import names
from alauda_operator.model import ServiceSpec

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class ServiceResource:
    """An AlaudaService as the builders need it."""

    name: str  # metadata.name == service_name
    namespace: str
    uid: str  # for ownerReferences
    spec: ServiceSpec


class BuildError(ValueError):
    """The spec cannot be built with these platform settings (for example a
    volume_type the settings no longer map); ``field`` names the spec field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def owner_reference(resource: ServiceResource) -> JsonObject:
    return {
        "apiVersion": f"{names.API_GROUP}/{names.API_VERSION}",
        "kind": names.KIND,
        "name": resource.name,
        "uid": resource.uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def object_metadata(resource: ServiceResource, name: str) -> JsonObject:
    return {
        "name": name,
        "namespace": resource.namespace,
        "labels": names.standard_labels(resource.name),
        "ownerReferences": [owner_reference(resource)],
    }


def new_object(api_version: str, kind: str, metadata: JsonObject, spec: JsonObject) -> JsonObject:
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata, "spec": spec}
