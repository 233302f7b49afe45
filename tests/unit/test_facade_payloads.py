"""Request bodies -> model -> AlaudaService, and the rules of a PUT (no I/O)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from alauda_operator.facade.errors import ApiError
from alauda_operator.facade.payloads import (
    check_instance_uuid,
    check_namespace,
    check_service_name,
    check_update_body,
    merged_spec,
    parse_create,
    parse_json_object,
    parse_paging,
    service_resource,
    with_target_state,
)
from alauda_operator.model import CreateServicePayload, TargetState
from alauda_operator.settings import PlatformSettings
from tests.cases import BAD_INPUTS, BadInput
from tests.facade_examples import seed_create_payload

SETTINGS = PlatformSettings()


def error_of(call: Any, *args: Any) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call(*args)
    return caught.value


def stored_spec() -> dict[str, Any]:
    return parse_create(seed_create_payload(), "madams", SETTINGS).spec().to_resource_spec()


# --- bodies -------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [b"", b"   ", b"{", b"[1, 2]", b'"text"', b"\xff\xfe", b"[" * 100_000, b'{"a": NaN}'],
    ids=["empty", "blank", "truncated", "array", "string", "not-utf8", "deep", "nan"],
)
def test_a_body_that_is_not_a_json_object_is_a_400(raw: bytes) -> None:
    error = error_of(parse_json_object, raw)
    assert error.status == 400


def test_a_json_object_body_is_parsed() -> None:
    assert parse_json_object(b'{"a": 1}') == {"a": 1}


@pytest.mark.parametrize("name", ["Bad", "a/b", "..", "a%2Fb", "-a", "a" * 64, ""])
def test_namespace_must_be_a_dns_label(name: str) -> None:
    error = error_of(check_namespace, name)
    assert (error.status, error.field) == (400, "namespace")


@pytest.mark.parametrize("name", ["Bad", "a.b", "a b", "a" * 41])
def test_service_name_in_a_path_must_be_a_valid_service_name(name: str) -> None:
    error = error_of(check_service_name, name)
    assert (error.status, error.field) == (400, "service_name")


def test_instance_uuid_must_be_a_uuid() -> None:
    assert error_of(check_instance_uuid, "../etc").field == "uuid"


# --- create -------------------------------------------------------------------


def test_seed_payload_is_accepted() -> None:
    payload = parse_create(seed_create_payload(), "madams", SETTINGS)
    assert payload.service_name == "test"


def test_payload_namespace_must_match_the_path() -> None:
    error = error_of(parse_create, seed_create_payload(), "other", SETTINGS)
    assert (error.status, error.field) == (400, "namespace")


def test_payload_without_namespace_takes_the_paths() -> None:
    body = seed_create_payload()
    del body["namespace"]
    resource = service_resource(parse_create(body, "other", SETTINGS), "other", "alice")
    assert resource["metadata"]["namespace"] == "other"


@pytest.mark.parametrize("case", BAD_INPUTS, ids=lambda case: case.id)
def test_each_bad_payload_is_a_400_naming_its_field(case: BadInput) -> None:
    body = copy.deepcopy(case.payload)
    error = error_of(parse_create, body, str(body["namespace"]), SETTINGS)
    assert error.status == 400
    assert error.field == ".".join(str(part) for part in case.loc)
    assert error.message.startswith(f"{error.field}: ")


def test_resource_is_the_payloads_spec_under_the_service_name() -> None:
    payload = parse_create(seed_create_payload(), "madams", SETTINGS)
    resource = service_resource(payload, "madams", "alice")
    assert resource["apiVersion"] == "alauda.io/v1"
    assert resource["kind"] == "AlaudaService"
    assert resource["metadata"]["name"] == "test"
    assert resource["metadata"]["annotations"] == {"alauda.io/created-by": "alice"}
    assert resource["spec"] == payload.spec().to_resource_spec()


def test_ignored_query_fields_in_the_body_are_dropped() -> None:
    body = {**seed_create_payload(), "region_name": "cn", "application": "x"}
    spec = parse_create(body, "madams", SETTINGS).spec().to_resource_spec()
    assert "region_name" not in spec


# --- update -------------------------------------------------------------------


def test_seed_update_changes_only_what_it_names() -> None:
    put = {"service_name": "test", "target_num_instances": 3, "image_tag": "v2"}
    changes = check_update_body(put, "madams", "test")
    new = merged_spec(stored_spec(), changes, SETTINGS)
    assert new is not None
    assert new == {**stored_spec(), "target_num_instances": 3, "image_tag": "v2"}


def test_update_replaces_maps_instead_of_merging_them() -> None:
    new = merged_spec(stored_spec(), {"instance_envvars": {"ONLY": "1"}}, SETTINGS)
    assert new is not None and new["instance_envvars"] == {"ONLY": "1"}


def test_update_with_the_stored_values_changes_nothing() -> None:
    assert merged_spec(stored_spec(), {"image_tag": "latest"}, SETTINGS) is None


def test_update_can_clear_the_autoscaling_config() -> None:
    new = merged_spec(stored_spec(), {"autoscaling_config": None}, SETTINGS)
    assert new is not None and "autoscaling_config" not in new


@pytest.mark.parametrize("field", ["instance_ports", "volumes"])
def test_fields_fixed_at_creation_cannot_change(field: str) -> None:
    changes = check_update_body({field: []}, "madams", "test")
    error = error_of(merged_spec, stored_spec(), changes, SETTINGS)
    assert (error.status, error.field) == (400, field)
    assert "cannot change after creation" in error.message


def test_fields_fixed_at_creation_may_be_repeated_unchanged() -> None:
    ports = seed_create_payload()["instance_ports"]
    assert merged_spec(stored_spec(), {"instance_ports": ports}, SETTINGS) is None


def test_update_service_name_must_match_the_path() -> None:
    error = error_of(check_update_body, {"service_name": "other"}, "madams", "test")
    assert (error.status, error.field) == (400, "service_name")


def test_update_namespace_must_match_the_path() -> None:
    error = error_of(check_update_body, {"namespace": "other"}, "madams", "test")
    assert (error.status, error.field) == (400, "namespace")


def test_update_with_an_unknown_field_is_a_400_naming_it() -> None:
    error = error_of(check_update_body, {"image_nmae": "x"}, "madams", "test")
    assert (error.status, error.field) == (400, "image_nmae")


def test_update_values_are_validated_like_a_create() -> None:
    error = error_of(merged_spec, stored_spec(), {"target_num_instances": -1}, SETTINGS)
    assert (error.status, error.field) == (400, "target_num_instances")


def test_update_to_auto_needs_an_autoscaling_config() -> None:
    spec = {k: v for k, v in stored_spec().items() if k != "autoscaling_config"}
    error = error_of(merged_spec, spec, {"scaling_mode": "AUTO"}, SETTINGS)
    assert error.field == "autoscaling_config"


def test_update_checks_platform_settings() -> None:
    volumes = [{"app_volume_dir": "/data", "size_gb": 10}]
    body = {**seed_create_payload(), "volumes": volumes, "scaling_mode": "MANUAL"}
    spec = CreateServicePayload.model_validate(body).spec().to_resource_spec()
    strict = PlatformSettings(volume_size_min_gb=20)
    error = error_of(merged_spec, spec, {"volumes": volumes}, strict)
    assert error.field == "volumes.0.size_gb"


# --- start and stop -------------------------------------------------------------


def test_stop_sets_target_state_stopped() -> None:
    assert with_target_state(stored_spec(), TargetState.STOPPED, SETTINGS)["target_state"] == (
        "STOPPED"
    )


def test_start_when_already_started_is_a_400() -> None:
    error = error_of(with_target_state, stored_spec(), TargetState.STARTED, SETTINGS)
    assert (error.status, error.message) == (400, "service is already started")


def test_stop_when_already_stopped_is_a_400() -> None:
    stopped = {**stored_spec(), "target_state": "STOPPED"}
    error = error_of(with_target_state, stopped, TargetState.STOPPED, SETTINGS)
    assert (error.status, error.message) == (400, "service is already stopped")


def test_start_keeps_the_instances_scaled_while_stopped() -> None:
    stopped = {**stored_spec(), "target_state": "STOPPED", "target_num_instances": 5}
    started = with_target_state(stopped, TargetState.STARTED, SETTINGS)
    assert (started["target_state"], started["target_num_instances"]) == ("STARTED", 5)


# --- paging -------------------------------------------------------------------


def test_paging_defaults_to_the_first_page_of_twenty() -> None:
    assert parse_paging({}) == (1, 20)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"page": "0"}, "page"),
        ({"page": "x"}, "page"),
        ({"page": "²"}, "page"),
        ({"page_size": "101"}, "page_size"),
        ({"page_size": "-1"}, "page_size"),
    ],
)
def test_bad_paging_is_a_400_naming_the_parameter(query: dict[str, str], field: str) -> None:
    assert error_of(parse_paging, query).field == field
