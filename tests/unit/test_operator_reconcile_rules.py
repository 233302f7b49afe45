"""The reconciler's pure rules: errors named by field, the AUTO hand-off count,
ownership, and the Events of a change."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from alauda_operator.builders import MANAGED_KINDS
from alauda_operator.controller.events import Event
from alauda_operator.controller.reconciler import (
    change_events,
    describe_validation_error,
    hand_off_replicas,
    is_owned_by,
    owned_by_namesake,
)
from alauda_operator.model import ServiceSpec
from alauda_operator.settings import PlatformSettings

DEPLOYMENT = next(k for k in MANAGED_KINDS if k.kind == "Deployment")


def auto_spec(minimum: int, maximum: int) -> ServiceSpec:
    return ServiceSpec.model_validate(
        {
            "image_name": "web",
            "scaling_mode": "AUTO",
            "autoscaling_config": {
                "minimum_num_instances": minimum,
                "maximum_num_instances": maximum,
            },
        }
    )


def deployment(replicas: int | None) -> dict[str, Any]:
    spec = {} if replicas is None else {"replicas": replicas}
    return {"metadata": {"name": "web"}, "spec": spec}


def test_validation_error_names_the_field_by_its_spec_path() -> None:
    spec = {"image_name": "web", "volumes": [{"app_volume_dir": "/data", "size_gb": 5}]}
    with pytest.raises(ValidationError) as caught:
        ServiceSpec.model_validate(spec, context={"settings": PlatformSettings()})

    message = describe_validation_error(caught.value)

    assert message.startswith("spec.volumes[0].size_gb: ")
    assert "Value error" not in message


@pytest.mark.parametrize(
    ("live", "expected"), [(3, 3), (0, 2), (None, 2), (9, 6)], ids=["kept", "zero", "unset", "max"]
)
def test_hand_off_keeps_the_live_count_within_the_autoscaler_bounds(
    live: int | None, expected: int
) -> None:
    assert hand_off_replicas(deployment(live), auto_spec(2, 6)) == expected


def test_ownership_is_by_uid() -> None:
    child = {"metadata": {"ownerReferences": [{"uid": "u1", "kind": "AlaudaService"}]}}

    assert is_owned_by(child, "u1")
    assert not is_owned_by(child, "u2")


def test_namesake_owner_is_an_earlier_service_of_the_same_name() -> None:
    ref = {"apiVersion": "alauda.io/v1", "kind": "AlaudaService", "name": "web", "uid": "old"}
    child = {"metadata": {"ownerReferences": [ref]}}

    assert owned_by_namesake(child, "web")
    assert not owned_by_namesake(child, "api")


def test_created_object_is_a_created_event() -> None:
    assert change_events(DEPLOYMENT, {**deployment(2), "kind": "Deployment"}, None) == [
        Event("Normal", "Created", "created Deployment web")
    ]


def test_new_replica_count_alone_is_a_scaled_event() -> None:
    events = change_events(DEPLOYMENT, deployment(4), deployment(2))

    assert events == [Event("Normal", "Scaled", "scaled Deployment web from 2 to 4")]


def test_other_changes_are_an_updated_event() -> None:
    desired = {"metadata": {"name": "web"}, "spec": {"replicas": 2, "paused": False, "x": 1}}

    assert change_events(DEPLOYMENT, desired, deployment(2)) == [
        Event("Normal", "Updated", "updated Deployment web")
    ]
