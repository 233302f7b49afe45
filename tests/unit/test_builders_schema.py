"""Every object the builders produce is valid for Kubernetes 1.36: its
official OpenAPI schema (strict) and the API server's own rules on the fields
set, over fixed examples and generated specs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alauda_operator.builders import ServiceResource, build_objects
from alauda_operator.model import CreateServicePayload, ServiceSpec
from alauda_operator.settings import PlatformSettings
from tests.cases import valid_auto_payload, valid_payload, valid_stateful_payload
from tests.unit.kube_schema import api_server_rule_violations, validate
from tests.unit.strategies import (
    instance_ports,
    namespaces,
    platform_settings,
    service_names,
    service_specs,
)

SEED_PAYLOAD = Path(__file__).resolve().parents[1] / "data" / "seed_create_payload.json"


def _objects_of(payload: dict[str, Any]) -> list[dict[str, Any]]:
    parsed = CreateServicePayload.model_validate(payload)
    resource = ServiceResource(
        parsed.service_name, parsed.namespace or "default", "uid-1", parsed.spec()
    )
    linked = {
        name: ServiceSpec(image_name="db", instance_ports=[]) for name in parsed.linked_to_apps
    }
    return build_objects(resource, PlatformSettings(), linked)


EXAMPLES = {
    "seed": json.loads(SEED_PAYLOAD.read_text()),
    "stateless": valid_payload(),
    "stateful": valid_stateful_payload(),
    "auto": valid_auto_payload(),
}
EXAMPLE_OBJECTS = [
    pytest.param(obj, id=f"{example}-{obj['kind']}-{obj['metadata']['name']}")
    for example, payload in EXAMPLES.items()
    for obj in _objects_of(payload)
]


@pytest.mark.parametrize("obj", EXAMPLE_OBJECTS)
def test_example_object_passes_the_kubernetes_schema(obj: dict[str, Any]) -> None:
    validate(obj)


@pytest.mark.parametrize("obj", EXAMPLE_OBJECTS)
def test_example_object_follows_the_api_servers_rules(obj: dict[str, Any]) -> None:
    assert api_server_rule_violations(obj) == []


@st.composite
def services(draw: st.DrawFn) -> tuple[ServiceResource, PlatformSettings, dict[str, ServiceSpec]]:
    platform = draw(platform_settings)
    spec = draw(service_specs(platform))
    resource = ServiceResource(draw(service_names), draw(namespaces), "uid-1", spec)
    present = (
        draw(st.sets(st.sampled_from(sorted(spec.linked_to_apps))))
        if spec.linked_to_apps
        else set()
    )
    linked = {
        name: ServiceSpec(image_name="linked", instance_ports=draw(instance_ports()))
        for name in sorted(present)
    }
    return resource, platform, linked


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(services())
def test_generated_services_build_valid_objects(
    service: tuple[ServiceResource, PlatformSettings, dict[str, ServiceSpec]],
) -> None:
    resource, platform, linked = service
    objects = build_objects(resource, platform, linked)
    for obj in objects:
        validate(obj)
        assert api_server_rule_violations(obj) == [], obj["kind"]
    assert json.dumps(objects, sort_keys=True) == json.dumps(
        build_objects(resource, platform, linked), sort_keys=True
    )
