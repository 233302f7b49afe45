"""The model: every bad input is an error located at the field it is about;
the lenient inputs existing clients send are accepted."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from alauda_operator.model import (
    CreateServicePayload,
    EndpointType,
    ServiceSpec,
)
from alauda_operator.settings import PlatformSettings
from tests.cases import (
    BAD_INPUTS,
    BadInput,
    valid_auto_payload,
    valid_payload,
    valid_stateful_payload,
)

SETTINGS_CONTEXT = {"settings": PlatformSettings()}


def _error_locations(
    payload: dict[str, Any], context: dict[str, Any] | None
) -> list[tuple[Any, ...]]:
    with pytest.raises(ValidationError) as caught:
        CreateServicePayload.model_validate(payload, context=context)
    return [tuple(error["loc"]) for error in caught.value.errors()]


@pytest.mark.parametrize(
    "payload",
    [valid_payload(), valid_stateful_payload(), valid_auto_payload()],
    ids=["stateless", "stateful", "auto"],
)
def test_the_base_payloads_are_valid_with_settings(payload: dict[str, Any]) -> None:
    CreateServicePayload.model_validate(payload, context=SETTINGS_CONTEXT)


@pytest.mark.parametrize("case", BAD_INPUTS, ids=lambda case: case.id)
def test_bad_input_is_rejected_at_its_field(case: BadInput) -> None:
    context = SETTINGS_CONTEXT if case.needs_settings else None
    locations = _error_locations(case.payload, context)
    assert case.loc in locations
    # Bad in that one field only: nothing else is reported.
    assert all(loc[: len(case.loc)] == case.loc or case.loc[: len(loc)] == loc for loc in locations)


@pytest.mark.parametrize(
    "case", [c for c in BAD_INPUTS if c.loc[0] != "service_name"], ids=lambda case: case.id
)
def test_bad_spec_is_rejected_without_the_identity_fields(case: BadInput) -> None:
    context = SETTINGS_CONTEXT if case.needs_settings else None
    with pytest.raises(ValidationError):
        ServiceSpec.model_validate(case.spec, context=context)


@pytest.mark.parametrize(
    "case", [c for c in BAD_INPUTS if c.needs_settings], ids=lambda case: case.id
)
def test_settings_dependent_rules_apply_only_with_settings(case: BadInput) -> None:
    CreateServicePayload.model_validate(case.payload)


def test_autoscaling_numbers_may_be_strings() -> None:
    payload = valid_payload()
    payload["autoscaling_config"] = {
        "upper_threshold": "0.6",
        "lower_threshold": "0.1",
        "decrease_delta": "1",
        "increase_delta": "2",
        "minimum_num_instances": "1",
        "maximum_num_instances": "6",
        "wait_period": "30",
    }
    config = CreateServicePayload.model_validate(payload).autoscaling_config
    assert config is not None
    assert (config.upper_threshold, config.increase_delta, config.maximum_num_instances) == (
        0.6,
        2,
        6,
    )
    assert config.wait_period == 30


def test_container_port_may_be_a_string() -> None:
    payload = valid_payload()
    payload["instance_ports"] = [{"container_port": "8080", "endpoint_type": "tcp-endpoint"}]
    assert CreateServicePayload.model_validate(payload).instance_ports[0].container_port == 8080


def test_size_gb_may_be_a_string() -> None:
    payload = valid_stateful_payload()
    payload["volumes"][0]["size_gb"] = "20"
    spec = CreateServicePayload.model_validate(payload, context=SETTINGS_CONTEXT)
    assert spec.volumes[0].size_gb == 20


def test_region_name_and_application_are_ignored() -> None:
    payload = {**valid_payload(), "region_name": "BEIJING1", "application": "shop"}
    parsed = CreateServicePayload.model_validate(payload)
    assert "region_name" not in parsed.model_dump()
    assert "application" not in parsed.model_dump()


def test_port_80_defaults_to_http_endpoint() -> None:
    payload = valid_payload()
    payload["instance_ports"] = [{"container_port": 80}]
    port = CreateServicePayload.model_validate(payload).instance_ports[0]
    assert port.endpoint_type is EndpointType.HTTP


def test_other_ports_default_to_tcp_endpoint() -> None:
    payload = valid_payload()
    payload["instance_ports"] = [{"container_port": 8080}]
    port = CreateServicePayload.model_validate(payload).instance_ports[0]
    assert port.endpoint_type is EndpointType.TCP


def test_protocol_is_stored_lower_case() -> None:
    payload = valid_payload()
    payload["instance_ports"] = [{"container_port": 22, "protocol": "TCP"}]
    assert CreateServicePayload.model_validate(payload).instance_ports[0].protocol == "tcp"


def test_env_values_are_coerced_to_strings() -> None:
    payload = valid_payload()
    payload["instance_envvars"] = {"PORT": 5432, "RATIO": 0.5, "DEBUG": True, "OFF": False}
    envvars = CreateServicePayload.model_validate(payload).instance_envvars
    assert envvars == {"PORT": "5432", "RATIO": "0.5", "DEBUG": "true", "OFF": "false"}


def test_one_port_may_have_two_endpoint_types() -> None:
    payload = valid_payload()
    payload["instance_ports"] = [
        {"container_port": 22, "endpoint_type": "tcp-endpoint"},
        {"container_port": 22, "endpoint_type": "direct-endpoint"},
    ]
    assert len(CreateServicePayload.model_validate(payload).instance_ports) == 2


def test_a_custom_domain_without_an_http_endpoint_is_accepted() -> None:
    payload = valid_payload()
    payload["instance_ports"] = [{"container_port": 22}]
    assert CreateServicePayload.model_validate(payload).custom_domain_name == "www.example.com"


def test_run_command_with_balanced_quotes_is_accepted() -> None:
    payload = {**valid_payload(), "run_command": """sh -c 'echo "a b"' \\'"""}
    assert CreateServicePayload.model_validate(payload).run_command.startswith("sh -c")


def test_spec_drops_the_identity_fields() -> None:
    spec = CreateServicePayload.model_validate(valid_payload()).spec()
    assert isinstance(spec, ServiceSpec)
    assert not isinstance(spec, CreateServicePayload)
    assert spec.image_name == valid_payload()["image_name"]


def test_resource_spec_round_trips_through_the_model() -> None:
    spec = CreateServicePayload.model_validate(valid_payload()).spec()
    assert ServiceSpec.model_validate(spec.to_resource_spec()) == spec
