"""Comparing what the operator would apply with what is live."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from alauda_operator.controller.compare import (
    APPLIED_HASH_ANNOTATION,
    difference,
    is_subset,
    needs_apply,
    owns_field,
    parse_quantity,
    with_applied_hash,
)

DESIRED: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "team", "labels": {"app": "web"}},
    "spec": {
        "replicas": 2,
        "template": {
            "spec": {
                "containers": [
                    {
                        "name": "web",
                        "image": "web:1",
                        "env": [{"name": "A", "value": "1"}],
                        "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}},
                    }
                ],
                "enableServiceLinks": False,
            }
        },
    },
}


def live_copy(desired: dict[str, Any] = DESIRED) -> dict[str, Any]:
    """As the API server would return it: applied, with defaults and extras."""
    live = copy.deepcopy(with_applied_hash(desired))
    live["metadata"].update(uid="u1", resourceVersion="7", generation=1)
    container = live["spec"]["template"]["spec"]["containers"][0]
    container.update(imagePullPolicy="IfNotPresent", terminationMessagePath="/dev/termination-log")
    live["spec"]["template"]["spec"].pop("enableServiceLinks")  # false: omitted
    live["status"] = {"replicas": 2}
    return live


def test_new_object_needs_apply() -> None:
    assert difference(DESIRED, None) == "does not exist"


def test_live_object_applied_from_the_same_desired_object_needs_nothing() -> None:
    assert not needs_apply(DESIRED, live_copy())


def test_changed_desired_object_needs_apply() -> None:
    changed = copy.deepcopy(DESIRED)
    changed["spec"]["replicas"] = 3

    assert difference(changed, live_copy()) == "the desired object changed"


def test_removed_field_needs_apply_though_the_rest_is_a_subset() -> None:
    fewer = copy.deepcopy(DESIRED)
    fewer["spec"]["template"]["spec"]["containers"][0]["env"] = []

    assert needs_apply(fewer, live_copy())


def test_value_edited_by_hand_needs_apply_and_is_named() -> None:
    live = live_copy()
    live["spec"]["replicas"] = 5

    assert difference(DESIRED, live) == "spec.replicas differs"


def test_missing_hash_annotation_needs_apply() -> None:
    live = live_copy()
    del live["metadata"]["annotations"][APPLIED_HASH_ANNOTATION]

    assert needs_apply(DESIRED, live)


def test_items_added_by_other_managers_are_ignored() -> None:
    live = live_copy()
    live["spec"]["template"]["spec"]["containers"].append({"name": "sidecar", "image": "x"})
    live["spec"]["template"]["spec"]["containers"][0]["env"].insert(0, {"name": "Z"})

    assert not needs_apply(DESIRED, live)


def test_quantities_compare_by_value_under_resources() -> None:
    assert is_subset({"resources": {"cpu": "0.25"}}, {"resources": {"cpu": "250m"}})
    assert is_subset({"resources": {"memory": "1Gi"}}, {"resources": {"memory": "1024Mi"}})
    assert not is_subset({"resources": {"cpu": "0.5"}}, {"resources": {"cpu": "250m"}})


def test_quantity_like_text_outside_resources_compares_as_text() -> None:
    assert not is_subset({"image": "1.0"}, {"image": "1"})


def test_booleans_are_not_numbers() -> None:
    assert not is_subset({"a": True}, {"a": 1})


def test_positional_lists_must_have_the_same_length() -> None:
    assert not is_subset({"args": ["a"]}, {"args": ["a", "b"]})


@pytest.mark.parametrize(
    ("text", "value"),
    [("250m", "0.25"), ("1Gi", "1073741824"), ("2", "2"), ("1e3", "1000"), ("1.5k", "1500")],
)
def test_parse_quantity(text: str, value: str) -> None:
    assert parse_quantity(text) == Decimal(value)


def test_parse_quantity_refuses_text() -> None:
    assert parse_quantity("lots") is None


def test_owns_field_reads_managed_fields() -> None:
    obj = {
        "metadata": {
            "managedFields": [
                {
                    "manager": "hpa",
                    "operation": "Update",
                    "fieldsV1": {"f:spec": {"f:replicas": {}}},
                },
                {"manager": "me", "operation": "Apply", "fieldsV1": {"f:spec": {"f:template": {}}}},
            ]
        }
    }

    assert not owns_field(obj, "me", ("spec", "replicas"))
    assert owns_field(obj, "me", ("spec", "template"))
    assert not owns_field(obj, "hpa", ("spec", "replicas"))  # an Update, not an Apply
