"""The OpenAPI document is generated from the models that do the work (no I/O)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from alauda_operator.facade.openapi import REF, build_document
from alauda_operator.facade.serialize import service_body, service_page
from alauda_operator.model import CreateServicePayload
from alauda_operator.settings import PlatformSettings
from tests.unit.facade_support import pod, stored_service

DOCUMENT = build_document()


def validator(schema_name: str) -> jsonschema.Draft202012Validator:
    root = {"$ref": REF.format(model=schema_name), "components": DOCUMENT["components"]}
    return jsonschema.Draft202012Validator(root)


def test_document_is_openapi_3_1_and_serializable() -> None:
    assert DOCUMENT["openapi"].startswith("3.1")
    json.dumps(DOCUMENT)


def test_create_request_schema_is_the_create_payload_model() -> None:
    create = DOCUMENT["paths"]["/v1/services/{namespace}/"]["post"]["requestBody"]
    schema = create["content"]["application/json"]["schema"]
    assert schema == {"$ref": REF.format(model="CreateServicePayload")}
    generated = CreateServicePayload.model_json_schema(ref_template=REF)
    assert (
        DOCUMENT["components"]["schemas"]["CreateServicePayload"]["properties"]
        == (generated["properties"])
    )


def test_serialized_service_validates_against_the_service_schema() -> None:
    status = {
        "current_status": "Running",
        "started_at": "2015-04-14T09:47:26Z",
        "instance_ports": [
            {"container_port": 22, "endpoint_type": "tcp-endpoint", "service_port": 31000}
        ],
    }
    body = service_body(
        stored_service(status=status), [pod("test-a", "u-a")], {"web": "db"}, PlatformSettings()
    )
    validator("Service").validate(body)


def test_service_schema_requires_every_key_the_serializer_writes() -> None:
    body = service_body(stored_service(), [], {}, PlatformSettings())
    assert set(DOCUMENT["components"]["schemas"]["Service"]["required"]) == set(body)


def test_list_validates_against_the_list_schema() -> None:
    from yarl import URL

    body = service_body(stored_service(), [], {}, PlatformSettings())
    page = service_page([body], 1, 1, 20, URL("http://h/v1/services/madams/"))
    validator("ServiceList").validate(page.model_dump())


def test_error_schema_describes_the_error_body() -> None:
    validator("Error").validate({"error": "x", "field": None, "status": 404})
    with pytest.raises(jsonschema.ValidationError):
        validator("Error").validate({"message": "x"})


def test_every_v1_path_is_documented() -> None:
    paths = set(DOCUMENT["paths"])
    assert {
        "/v1/services/{namespace}/",
        "/v1/services/{namespace}/{service_name}/",
        "/v1/services/{namespace}/{service_name}/start/",
        "/v1/services/{namespace}/{service_name}/stop/",
        "/v1/services/{namespace}/{service_name}/logs/",
        "/v1/services/{namespace}/{service_name}/instances/",
        "/v1/services/{namespace}/{service_name}/instances/{uuid}/",
        "/v1/services/{namespace}/{service_name}/instances/{uuid}/logs/",
    } <= paths


def test_every_reference_resolves() -> None:
    schemas = DOCUMENT["components"]["schemas"]

    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            found = [node["$ref"]] if "$ref" in node else []
            return found + [r for value in node.values() for r in refs(value)]
        if isinstance(node, list):
            return [r for value in node for r in refs(value)]
        return []

    for ref in refs(DOCUMENT):
        assert ref.rsplit("/", 1)[-1] in schemas, ref


def test_update_schema_offers_only_updatable_and_identity_fields() -> None:
    properties = DOCUMENT["components"]["schemas"]["UpdateServicePayload"]["properties"]
    assert "service_name" in properties
    assert "target_num_instances" in properties
    assert "required" not in DOCUMENT["components"]["schemas"]["UpdateServicePayload"]
