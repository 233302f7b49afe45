"""The CRD: generated from the model, current, and as strict as the model
wherever a plain OpenAPI schema can be."""

from __future__ import annotations

import enum
import json
import types
import typing
from pathlib import Path
from typing import Any, Union

import annotated_types
import jsonschema
import pytest
import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from alauda_operator.builders import ServiceResource, build_objects
from alauda_operator.crd import build_crd, render_crd_yaml
from alauda_operator.model import CreateServicePayload, ServiceSpec
from alauda_operator.settings import PlatformSettings
from tests.cases import (
    BAD_INPUTS,
    BadInput,
    valid_auto_payload,
    valid_payload,
    valid_stateful_payload,
)

REPOSITORY = Path(__file__).resolve().parents[2]
CRD_FILE = REPOSITORY / "crds" / "alaudaservices.alauda.io.yaml"
SEED_PAYLOAD = Path(__file__).resolve().parents[1] / "data" / "seed_create_payload.json"


def _spec_schema() -> dict[str, Any]:
    version = build_crd()["spec"]["versions"][0]
    schema: dict[str, Any] = version["schema"]["openAPIV3Schema"]["properties"]["spec"]
    return schema


def _schema_errors(spec: dict[str, Any]) -> list[str]:
    # OpenAPI 3.0 schemas are JSON Schema draft 4 in this respect: boolean
    # exclusiveMinimum beside minimum. CEL rules are not evaluated here.
    validator = jsonschema.Draft4Validator(_spec_schema())
    return [error.message for error in validator.iter_errors(spec)]


def _model_of(annotation: Any) -> tuple[Any, bool]:
    """The annotation without Optional, and whether it is a list."""
    if typing.get_origin(annotation) in (Union, types.UnionType):
        (annotation,) = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) is list:
        return typing.get_args(annotation)[0], True
    return annotation, False


def _expected_constraints(field: FieldInfo) -> dict[str, Any]:
    """The OpenAPI keywords a field's pydantic constraints should become."""
    kind, is_list = _model_of(field.annotation)
    expected: dict[str, Any] = {}
    for constraint in field.metadata:
        if isinstance(constraint, annotated_types.Ge):
            expected["minimum"] = constraint.ge
        elif isinstance(constraint, annotated_types.Le):
            expected["maximum"] = constraint.le
        elif isinstance(constraint, annotated_types.Gt):
            expected.update(minimum=constraint.gt, exclusiveMinimum=True)
        elif isinstance(constraint, annotated_types.Lt):
            expected.update(maximum=constraint.lt, exclusiveMaximum=True)
        elif isinstance(constraint, annotated_types.MaxLen):
            key = (
                "maxItems"
                if is_list
                else "maxProperties"
                if kind is dict or typing.get_origin(kind) is dict
                else "maxLength"
            )
            expected[key] = constraint.max_length
        elif getattr(constraint, "pattern", None):
            expected["pattern"] = constraint.pattern
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        expected["enum"] = [member.value for member in kind]
    return expected


def _fields_and_schemas(
    model: type[BaseModel], schema: dict[str, Any], path: str
) -> list[tuple[str, FieldInfo, dict[str, Any]]]:
    found: list[tuple[str, FieldInfo, dict[str, Any]]] = []
    for name, field in model.model_fields.items():
        field_path = f"{path}.{name}"
        assert name in schema["properties"], f"{field_path} is missing from the CRD"
        field_schema = schema["properties"][name]
        found.append((field_path, field, field_schema))
        kind, is_list = _model_of(field.annotation)
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            nested = field_schema["items"] if is_list else field_schema
            found.extend(_fields_and_schemas(kind, nested, field_path))
    return found


SPEC_FIELDS = _fields_and_schemas(ServiceSpec, _spec_schema(), "spec")


def test_crd_file_is_generated_from_the_current_model() -> None:
    assert CRD_FILE.read_text() == render_crd_yaml(), (
        "regenerate: python -m alauda_operator.crd > crds/alaudaservices.alauda.io.yaml"
    )


def test_crd_file_is_valid_yaml_of_one_crd() -> None:
    assert yaml.safe_load(CRD_FILE.read_text())["kind"] == "CustomResourceDefinition"


@pytest.mark.parametrize(
    ("path", "field", "field_schema"), SPEC_FIELDS, ids=[path for path, _, _ in SPEC_FIELDS]
)
def test_spec_property_has_the_models_enums_patterns_and_bounds(
    path: str, field: FieldInfo, field_schema: dict[str, Any]
) -> None:
    expected = _expected_constraints(field)
    actual = {key: field_schema.get(key) for key in expected}
    assert actual == expected, path


def test_spec_schema_has_no_property_the_model_lacks() -> None:
    assert set(_spec_schema()["properties"]) == set(ServiceSpec.model_fields)


def test_required_spec_properties_are_the_models_required_fields() -> None:
    required = {name for name, field in ServiceSpec.model_fields.items() if field.is_required()}
    assert set(_spec_schema().get("required", [])) == required


@pytest.mark.parametrize(
    "payload",
    [valid_payload(), valid_stateful_payload(), valid_auto_payload()],
    ids=["stateless", "stateful", "auto"],
)
def test_valid_resource_specs_pass_the_crd_schema(payload: dict[str, Any]) -> None:
    spec = CreateServicePayload.model_validate(payload).spec()
    assert _schema_errors(spec.to_resource_spec()) == []


@pytest.mark.parametrize(
    "case", [c for c in BAD_INPUTS if c.crd_check == "schema"], ids=lambda case: case.id
)
def test_bad_spec_fails_the_crd_schema(case: BadInput) -> None:
    assert _schema_errors(case.spec) != []


def test_seed_payload_round_trips_to_objects() -> None:
    settings = PlatformSettings()
    raw = json.loads(SEED_PAYLOAD.read_text())
    payload = CreateServicePayload.model_validate(raw, context={"settings": settings})
    resource_spec = payload.spec().to_resource_spec()
    assert _schema_errors(resource_spec) == []

    stored = ServiceSpec.model_validate(json.loads(json.dumps(resource_spec)))
    assert stored == payload.spec()
    resource = ServiceResource(payload.service_name, str(payload.namespace), "uid-1", stored)
    kinds = [obj["kind"] for obj in build_objects(resource, settings, linked={})]
    # Volumes make it stateful; the tcp-endpoint makes it public; no http-endpoint, no Ingress;
    # MANUAL, so no autoscaler although autoscaling_config is given.
    assert kinds == ["Service", "Service", "Service", "StatefulSet"]
