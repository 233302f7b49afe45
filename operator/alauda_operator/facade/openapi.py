"""The facade's OpenAPI 3.1 document, generated from the same pydantic models
that validate the requests and shape the responses."""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel, TypeAdapter

from alauda_operator.facade.errors import ErrorBody
from alauda_operator.facade.logs import (
    DEFAULT_WINDOW_SECONDS,
    MAX_LINES,
    MAX_WINDOW_SECONDS,
    InstanceLogEntry,
    LogEntry,
)
from alauda_operator.facade.payloads import (
    DEFAULT_PAGE_SIZE,
    FIXED_FIELDS,
    MAX_PAGE_SIZE,
    NAMESPACE_MAX_LENGTH,
)
from alauda_operator.facade.serialize import (
    JSON_ENCODED_SPEC_FIELDS,
    STATUS_FIELDS,
    Instance,
    ServiceFacts,
    ServicePage,
)
from alauda_operator.model import (
    DNS_LABEL_PATTERN,
    SERVICE_NAME_MAX_LENGTH,
    UPDATABLE_FIELDS,
    CreateServicePayload,
    InstancePort,
    PortStatus,
    ServiceSpec,
    ServiceStatus,
)

REF = "#/components/schemas/{model}"
Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": REF.format(model=name)}


class _Components:
    def __init__(self) -> None:
        self.schemas: dict[str, Schema] = {}

    def add(self, name: str, schema: Schema) -> Schema:
        schema = copy.deepcopy(schema)
        for def_name, definition in schema.pop("$defs", {}).items():
            self.schemas.setdefault(def_name, definition)
        schema.pop("title", None)
        self.schemas[name] = schema
        return _ref(name)

    def model(self, model: type[BaseModel], mode: str = "serialization") -> Schema:
        schema = model.model_json_schema(ref_template=REF, mode=mode)  # type: ignore[arg-type]
        return self.add(model.__name__, schema)

    def typed(self, name: str, adapter: TypeAdapter[Any]) -> Schema:
        return self.add(name, adapter.json_schema(ref_template=REF))


def _update_schema(components: _Components) -> Schema:
    """PUT bodies: any subset of the updatable fields; the fields fixed at
    creation only with their current value."""
    spec = copy.deepcopy(ServiceSpec.model_json_schema(ref_template=REF, mode="validation"))
    identity = CreateServicePayload.model_json_schema(ref_template=REF, mode="validation")
    properties = {
        name: schema
        for name, schema in spec["properties"].items()
        if name in UPDATABLE_FIELDS | FIXED_FIELDS
    }
    for name in sorted(FIXED_FIELDS):
        properties[name]["description"] = "Cannot change after creation: only the current value."
    properties["service_name"] = identity["properties"]["service_name"]
    properties["namespace"] = identity["properties"]["namespace"]
    return components.add(
        "UpdateServicePayload",
        {
            "type": "object",
            "additionalProperties": False,
            "properties": properties,
            "description": "Fields of the service to change; the rest stay as stored.",
            "$defs": spec.get("$defs", {}),
        },
    )


def _service_schema(components: _Components) -> Schema:
    spec = ServiceSpec.model_json_schema(ref_template=REF, mode="serialization")
    status = ServiceStatus.model_json_schema(ref_template=REF, mode="serialization")
    facts = ServiceFacts.model_json_schema(ref_template=REF, mode="serialization")
    port = InstancePort.model_json_schema(ref_template=REF, mode="serialization")
    allocated = PortStatus.model_json_schema(ref_template=REF, mode="serialization")

    port_properties = dict(port["properties"])
    for name in ("service_port", "default_domain"):
        port_properties[name] = {
            **allocated["properties"][name],
            "description": "Present once the cluster has allocated it.",
        }
    service_port = components.add(
        "ServicePort",
        {
            "type": "object",
            "properties": port_properties,
            "required": ["container_port", "protocol", "endpoint_type"],
            "$defs": {**port.get("$defs", {}), **allocated.get("$defs", {})},
        },
    )

    properties: dict[str, Schema] = {}
    for name, schema in spec["properties"].items():
        if name in JSON_ENCODED_SPEC_FIELDS:
            properties[name] = {
                "type": "string",
                "contentMediaType": "application/json",
                "description": f"{name}, JSON-encoded (clients json.loads it).",
            }
        else:
            properties[name] = schema
    properties["instance_ports"] = {"type": "array", "items": service_port}
    for name in STATUS_FIELDS:
        properties[name] = status["properties"][name]
    properties.update(facts["properties"])
    return components.add(
        "Service",
        {
            "type": "object",
            "properties": properties,
            "required": list(properties),
            "$defs": {**spec.get("$defs", {}), **status.get("$defs", {}), **facts["$defs"]},
        },
    )


def _json(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Schema]:
    texts = {
        400: "Invalid input; `field` names it.",
        401: "No token, or a token the cluster rejects.",
        403: "The cluster's RBAC does not allow this to the caller.",
        404: "No such service, instance or path.",
        405: "Method not allowed on this path.",
        409: "A service of that name already exists.",
        413: "Request body too large.",
        503: "The Kubernetes API is unreachable.",
    }
    return {str(code): _json(_ref("Error"), texts[code]) for code in codes}


def build_document(version: str = "0.1.0") -> dict[str, Any]:
    components = _Components()
    create = components.model(CreateServicePayload, mode="validation")
    update = _update_schema(components)
    service = _service_schema(components)
    components.add("Error", ErrorBody.model_json_schema(ref_template=REF))
    page = components.add(
        "ServiceList",
        {
            **ServicePage.model_json_schema(ref_template=REF),
            "description": "One page of services, by name.",
        },
    )
    components.schemas["ServiceList"]["properties"]["results"] = {
        "type": "array",
        "items": service,
    }
    instance = components.model(Instance)
    log_entry = components.typed("LogEntry", TypeAdapter(LogEntry))
    instance_log_entry = components.typed("InstanceLogEntry", TypeAdapter(InstanceLogEntry))

    namespace = {
        "name": "namespace",
        "in": "path",
        "required": True,
        "schema": _name_schema(NAMESPACE_MAX_LENGTH),
    }
    service_name = {
        "name": "service_name",
        "in": "path",
        "required": True,
        "schema": _name_schema(SERVICE_NAME_MAX_LENGTH),
    }
    uuid = {"name": "uuid", "in": "path", "required": True, "schema": {"format": "uuid"}}
    window = [
        {
            "name": "start_time",
            "in": "query",
            "schema": {"type": "integer"},
            "description": f"Unix seconds; default end_time - {DEFAULT_WINDOW_SECONDS}.",
        },
        {
            "name": "end_time",
            "in": "query",
            "schema": {"type": "integer"},
            "description": f"Unix seconds, included; default now. At most "
            f"{MAX_WINDOW_SECONDS // 86400} days after start_time.",
        },
    ]
    paging = [
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
        {
            "name": "page_size",
            "in": "query",
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_PAGE_SIZE,
                "default": DEFAULT_PAGE_SIZE,
            },
        },
    ]
    no_content = {"204": {"description": "Done."}}
    one = [namespace, service_name]
    paths: dict[str, Any] = {
        "/v1/services/{namespace}/": {
            "parameters": [namespace],
            "post": {
                "summary": "Create a service",
                "requestBody": {"required": True, **_json(create, "The v1 create payload.")},
                "responses": {
                    "201": _json(service, "The created service."),
                    **_errors(400, 401, 403, 404, 409, 413),
                },
            },
            "get": {
                "summary": "List the namespace's services",
                "parameters": paging,
                "responses": {
                    "200": _json(page, "A page of services."),
                    **_errors(400, 401, 403, 404),
                },
            },
        },
        "/v1/services/{namespace}/{service_name}/": {
            "parameters": one,
            "get": {
                "summary": "Read a service",
                "responses": {"200": _json(service, "The service."), **_errors(400, 401, 403, 404)},
            },
            "put": {
                "summary": "Change some of a service's fields",
                "requestBody": {"required": True, **_json(update, "Fields to change.")},
                "responses": {**no_content, **_errors(400, 401, 403, 404, 409, 413)},
            },
            "delete": {
                "summary": "Delete a service and everything it runs",
                "responses": {**no_content, **_errors(400, 401, 403, 404)},
            },
        },
        "/v1/services/{namespace}/{service_name}/start/": {
            "parameters": one,
            "put": {
                "summary": "Set target_state STARTED (400 if it already is)",
                "responses": {**no_content, **_errors(400, 401, 403, 404)},
            },
        },
        "/v1/services/{namespace}/{service_name}/stop/": {
            "parameters": one,
            "put": {
                "summary": "Set target_state STOPPED (400 if it already is)",
                "responses": {**no_content, **_errors(400, 401, 403, 404)},
            },
        },
        "/v1/services/{namespace}/{service_name}/logs/": {
            "parameters": one,
            "get": {
                "summary": f"Log lines of every instance in time order (at most {MAX_LINES})",
                "parameters": window,
                "responses": {
                    "200": _json({"type": "array", "items": log_entry}, "Log lines."),
                    **_errors(400, 401, 403, 404),
                },
            },
        },
        "/v1/services/{namespace}/{service_name}/instances/": {
            "parameters": one,
            "get": {
                "summary": "The service's instances",
                "responses": {
                    "200": _json({"type": "array", "items": instance}, "Instances."),
                    **_errors(400, 401, 403, 404),
                },
            },
        },
        "/v1/services/{namespace}/{service_name}/instances/{uuid}/": {
            "parameters": [*one, uuid],
            "get": {
                "summary": "One instance",
                "responses": {
                    "200": _json(instance, "The instance."),
                    **_errors(400, 401, 403, 404),
                },
            },
        },
        "/v1/services/{namespace}/{service_name}/instances/{uuid}/logs/": {
            "parameters": [*one, uuid],
            "get": {
                "summary": f"Log lines of one instance (at most {MAX_LINES})",
                "parameters": window,
                "responses": {
                    "200": _json({"type": "array", "items": instance_log_entry}, "Log lines."),
                    **_errors(400, 401, 403, 404),
                },
            },
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Alauda v1 services API (alauda-operator facade)",
            "version": version,
            "description": "Paths work with and without the trailing slash; `application` "
            "and `region_name` query parameters are ignored. Every error answers the "
            "Error schema. See docs/api.md.",
        },
        "components": {
            "schemas": components.schemas,
            "securitySchemes": {
                "token": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`Token <t>` or `Bearer <t>`: a token the Kubernetes "
                    "API server accepts; its RBAC decides.",
                }
            },
        },
        "security": [{"token": []}],
        "paths": paths,
    }


def _name_schema(max_length: int) -> Schema:
    return {"type": "string", "maxLength": max_length, "pattern": DNS_LABEL_PATTERN}
