"""The one error body, and what each Kubernetes answer becomes (no I/O)."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from alauda_operator.facade.errors import (
    ApiError,
    from_kubernetes,
    from_validation_error,
    json_error,
)
from alauda_operator.model import CreateServicePayload


def status_body(code: int, reason: str, message: str, **details: object) -> bytes:
    return json.dumps(
        {
            "kind": "Status",
            "status": "Failure",
            "code": code,
            "reason": reason,
            "message": message,
            "details": details,
        }
    ).encode()


def test_error_body_has_error_field_and_status() -> None:
    response = json_error(400, "bad thing", "instance_ports.0.container_port")
    assert response.status == 400
    assert response.text is not None
    assert json.loads(response.text) == {
        "error": "bad thing",
        "field": "instance_ports.0.container_port",
        "status": 400,
    }


def test_validation_error_names_the_first_field_and_lists_every_problem() -> None:
    with pytest.raises(ValidationError) as caught:
        CreateServicePayload.model_validate(
            {
                "service_name": "x",
                "image_name": "nginx",
                "instance_ports": [{"container_port": 0}],
                "target_num_instances": -1,
            }
        )
    error = from_validation_error(caught.value)
    # The model's field order: target_num_instances comes first.
    assert error.field == "target_num_instances"
    assert "instance_ports.0.container_port: " in error.message


def test_validation_error_calls_an_unknown_field_unknown() -> None:
    with pytest.raises(ValidationError) as caught:
        CreateServicePayload.model_validate({"service_name": "x", "image_name": "n", "colour": 1})
    assert from_validation_error(caught.value).message == "colour: unknown field"


def test_already_exists_becomes_409_saying_already_exists() -> None:
    error = from_kubernetes(
        409, status_body(409, "AlreadyExists", 'alaudaservices "web" exists', name="web")
    )
    assert error.status == 409
    assert "already exists" in error.message
    assert "web" in error.message


@pytest.mark.parametrize(("code", "expected"), [(401, 401), (403, 403), (404, 404), (429, 429)])
def test_client_errors_keep_their_status(code: int, expected: int) -> None:
    assert from_kubernetes(code, status_body(code, "X", "message")).status == expected


def test_forbidden_keeps_the_api_servers_message() -> None:
    message = 'alaudaservices.alauda.io "web" is forbidden: User "alice" cannot get resource'
    assert from_kubernetes(403, status_body(403, "Forbidden", message)).message == message


def test_unauthorized_hides_the_api_servers_message() -> None:
    assert from_kubernetes(401, status_body(401, "Unauthorized", "x")).message == (
        "invalid or expired token"
    )


def test_invalid_resource_becomes_400_naming_the_spec_field() -> None:
    body = status_body(
        422,
        "Invalid",
        'AlaudaService.alauda.io "web" is invalid',
        causes=[{"field": "spec.instance_ports[1].container_port", "message": "too big"}],
    )
    error = from_kubernetes(422, body)
    assert (error.status, error.field) == (400, "instance_ports.1.container_port")


@pytest.mark.parametrize("code", [500, 503, 418])
def test_server_errors_become_502(code: int) -> None:
    assert from_kubernetes(code, b"not json").status == 502


def test_api_error_body_repeats_the_status() -> None:
    assert ApiError(404, "gone").body().model_dump() == {
        "error": "gone",
        "field": None,
        "status": 404,
    }
