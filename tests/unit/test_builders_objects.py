"""What every built object shares: metadata, owner, labels, selectors, order,
determinism, and MANAGED_KINDS."""

from __future__ import annotations

import json
from typing import Any

import pytest

from alauda_operator import names
from alauda_operator.builders import MANAGED_KINDS
from tests.unit.builders_support import NAME, NAMESPACE, UID, build, resource, spec

EVERYTHING_STATELESS: dict[str, Any] = {
    "scaling_mode": "AUTO",
    "autoscaling_config": {"maximum_num_instances": 4},
    "custom_domain_name": "www.example.com",
    "linked_to_apps": {"db": "database", "cache": ""},
    "instance_envvars": {"B": "2", "A": "1"},
    "instance_ports": [
        {"container_port": 80},
        {"container_port": 22, "endpoint_type": "tcp-endpoint"},
        {"container_port": 22, "endpoint_type": "direct-endpoint"},
        {"container_port": 9000, "endpoint_type": "internal-endpoint"},
    ],
}
EVERYTHING_STATEFUL: dict[str, Any] = {
    **EVERYTHING_STATELESS,
    "scaling_mode": "MANUAL",
    "volumes": [{"app_volume_dir": "/data"}, {"app_volume_dir": "/logs", "size_gb": 20}],
}
LINKED = {"db": spec(instance_ports=[{"container_port": 5432}]), "cache": spec()}


def _all_objects() -> list[dict[str, Any]]:
    return [
        *build(resource(**EVERYTHING_STATELESS), linked=LINKED),
        *build(resource(**EVERYTHING_STATEFUL), linked=LINKED),
    ]


OBJECTS = _all_objects()
OBJECT_IDS = [f"{o['kind']}/{o['metadata']['name']}" for o in OBJECTS]


@pytest.mark.parametrize("obj", OBJECTS, ids=OBJECT_IDS)
def test_object_is_in_the_services_namespace_with_standard_labels(obj: dict[str, Any]) -> None:
    assert obj["metadata"]["namespace"] == NAMESPACE
    assert obj["metadata"]["labels"] == names.standard_labels(NAME)


@pytest.mark.parametrize("obj", OBJECTS, ids=OBJECT_IDS)
def test_object_is_controlled_by_its_alauda_service(obj: dict[str, Any]) -> None:
    assert obj["metadata"]["ownerReferences"] == [
        {
            "apiVersion": "alauda.io/v1",
            "kind": "AlaudaService",
            "name": NAME,
            "uid": UID,
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]


@pytest.mark.parametrize("obj", OBJECTS, ids=OBJECT_IDS)
def test_object_kind_is_a_managed_kind(obj: dict[str, Any]) -> None:
    assert (obj["apiVersion"], obj["kind"]) in {(k.api_version, k.kind) for k in MANAGED_KINDS}


def test_every_managed_kind_is_built_for_some_service() -> None:
    assert {(k.api_version, k.kind) for k in MANAGED_KINDS} == {
        (o["apiVersion"], o["kind"]) for o in OBJECTS
    }


def test_managed_kinds_have_their_resource_plurals() -> None:
    assert {k.kind: (k.plural, k.namespaced) for k in MANAGED_KINDS} == {
        "Deployment": ("deployments", True),
        "StatefulSet": ("statefulsets", True),
        "Service": ("services", True),
        "Ingress": ("ingresses", True),
        "HorizontalPodAutoscaler": ("horizontalpodautoscalers", True),
    }


@pytest.mark.parametrize(
    "everything", [EVERYTHING_STATELESS, EVERYTHING_STATEFUL], ids=["stateless", "stateful"]
)
def test_pod_template_has_the_standard_labels_and_the_selector_only_selector_labels(
    everything: dict[str, Any],
) -> None:
    (workload,) = [
        o for o in build(resource(**everything)) if o["kind"] in ("Deployment", "StatefulSet")
    ]
    assert workload["spec"]["template"]["metadata"]["labels"] == names.standard_labels(NAME)
    assert workload["spec"]["selector"] == {"matchLabels": names.selector_labels(NAME)}


def test_objects_come_in_apply_order() -> None:
    kinds = [o["kind"] for o in build(resource(**EVERYTHING_STATELESS), linked=LINKED)]
    assert kinds == ["Service", "Service", "Deployment", "Ingress", "HorizontalPodAutoscaler"]


def test_stateful_objects_come_in_apply_order() -> None:
    kinds = [o["kind"] for o in build(resource(**EVERYTHING_STATEFUL), linked=LINKED)]
    assert kinds == ["Service", "Service", "Service", "StatefulSet", "Ingress"]


def test_building_twice_gives_the_same_bytes() -> None:
    first = build(resource(**EVERYTHING_STATELESS), linked=LINKED)
    second = build(resource(**EVERYTHING_STATELESS), linked=LINKED)
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def test_the_order_of_maps_in_the_spec_does_not_matter() -> None:
    reordered = {
        **EVERYTHING_STATEFUL,
        "linked_to_apps": dict(reversed(EVERYTHING_STATEFUL["linked_to_apps"].items())),
        "instance_envvars": dict(reversed(EVERYTHING_STATEFUL["instance_envvars"].items())),
        "instance_ports": list(reversed(EVERYTHING_STATEFUL["instance_ports"])),
        "volumes": list(reversed(EVERYTHING_STATEFUL["volumes"])),
    }
    linked_reordered = dict(reversed(LINKED.items()))
    assert json.dumps(build(resource(**reordered), linked=linked_reordered)) == json.dumps(
        build(resource(**EVERYTHING_STATEFUL), linked=LINKED)
    )


def test_building_does_not_change_the_spec() -> None:
    service = resource(**EVERYTHING_STATEFUL)
    before = service.spec.model_dump()
    build(service, linked=LINKED)
    assert service.spec.model_dump() == before
