"""Helpers for the builder tests: specs from a few fields, objects by kind."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alauda_operator.builders import ServiceResource, build_objects
from alauda_operator.model import ServiceSpec
from alauda_operator.settings import PlatformSettings

NAME = "web"
NAMESPACE = "shop"
UID = "0b6e4f2a-7d1c-4c55-9f3e-1a2b3c4d5e6f"
SETTINGS = PlatformSettings()


def spec(**fields: Any) -> ServiceSpec:
    return ServiceSpec.model_validate({"image_name": "nginx", **fields})


def resource(name: str = NAME, **fields: Any) -> ServiceResource:
    return ServiceResource(name=name, namespace=NAMESPACE, uid=UID, spec=spec(**fields))


def build(
    service: ServiceResource,
    settings: PlatformSettings = SETTINGS,
    linked: Mapping[str, ServiceSpec] | None = None,
) -> list[dict[str, Any]]:
    return build_objects(service, settings, linked or {})


def of_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [obj for obj in objects if obj["kind"] == kind]


def one(objects: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    found = [
        obj for obj in of_kind(objects, kind) if name is None or obj["metadata"]["name"] == name
    ]
    assert len(found) == 1, f"expected one {kind} {name or ''}, got {len(found)}"
    return found[0]


def workload(objects: list[dict[str, Any]]) -> dict[str, Any]:
    (found,) = [obj for obj in objects if obj["kind"] in ("Deployment", "StatefulSet")]
    return found


def container(objects: list[dict[str, Any]]) -> dict[str, Any]:
    (found,) = workload(objects)["spec"]["template"]["spec"]["containers"]
    return dict(found)


def env(objects: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(item["name"], item["value"]) for item in container(objects)["env"]]
