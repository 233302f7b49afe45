"""Request bodies -> the model -> the AlaudaService. Pure: no I/O.

POST bodies are validated as ``CreateServicePayload``; a PUT merges the fields
it names (a subset of ``UPDATABLE_FIELDS``) into the stored spec and validates
the result as ``ServiceSpec``, with the platform settings as context both times.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from alauda_operator import names
from alauda_operator.facade.errors import ApiError, bad_request, from_validation_error
from alauda_operator.facade.serialize import CREATED_BY_ANNOTATION
from alauda_operator.model import (
    DNS_LABEL_PATTERN,
    SERVICE_NAME_MAX_LENGTH,
    UPDATABLE_FIELDS,
    CreateServicePayload,
    ServiceSpec,
    TargetState,
)
from alauda_operator.settings import PlatformSettings

NAMESPACE_MAX_LENGTH = 63
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
FIXED_FIELDS = frozenset(ServiceSpec.model_fields) - UPDATABLE_FIELDS
UUID_PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """The request body as a JSON object; anything else is a 400."""
    if not raw.strip():
        raise bad_request("request body must be a JSON object")
    try:
        parsed = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        # ValueError covers UnicodeDecodeError and JSONDecodeError.
        raise bad_request(f"malformed JSON: {exc}") from exc
    if not isinstance(parsed, dict):
        raise bad_request("request body must be a JSON object")
    return parsed


def check_namespace(value: str) -> str:
    if len(value) > NAMESPACE_MAX_LENGTH or not re.match(DNS_LABEL_PATTERN, value):
        raise bad_request(f"invalid namespace {value!r}: must be a DNS label", "namespace")
    return value


def check_service_name(value: str) -> str:
    if len(value) > SERVICE_NAME_MAX_LENGTH or not re.match(DNS_LABEL_PATTERN, value):
        raise bad_request(
            f"invalid service_name {value!r}: must be a DNS label of at most "
            f"{SERVICE_NAME_MAX_LENGTH} characters",
            "service_name",
        )
    return value


def check_instance_uuid(value: str) -> str:
    if not UUID_PATTERN.match(value):
        raise bad_request(f"invalid instance uuid {value!r}", "uuid")
    return value


def _positive_int(query: Mapping[str, str], name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"[0-9]{1,9}", raw) or int(raw) < 1:
        raise bad_request(f"{name} must be a positive integer, not {raw!r}", name)
    return int(raw)


def parse_paging(query: Mapping[str, str]) -> tuple[int, int]:
    """``?page=`` (1-based) and ``?page_size=`` (default 20, at most 100)."""
    page = _positive_int(query, "page", 1)
    page_size = _positive_int(query, "page_size", DEFAULT_PAGE_SIZE)
    if page_size > MAX_PAGE_SIZE:
        raise bad_request(f"page_size must be at most {MAX_PAGE_SIZE}", "page_size")
    return page, page_size


# --- create -----------------------------------------------------------------


def parse_create(
    body: dict[str, Any], namespace: str, settings: PlatformSettings
) -> CreateServicePayload:
    try:
        payload = CreateServicePayload.model_validate(body, context={"settings": settings})
    except ValidationError as exc:
        raise from_validation_error(exc) from exc
    if payload.namespace is not None and payload.namespace != namespace:
        raise bad_request(
            f"namespace {payload.namespace!r} does not match the path's {namespace!r}",
            "namespace",
        )
    return payload


def service_resource(
    payload: CreateServicePayload, namespace: str, created_by: str
) -> dict[str, Any]:
    return {
        "apiVersion": f"{names.API_GROUP}/{names.API_VERSION}",
        "kind": names.KIND,
        "metadata": {
            "name": payload.service_name,
            "namespace": namespace,
            "annotations": {CREATED_BY_ANNOTATION: created_by},
        },
        "spec": payload.spec().to_resource_spec(),
    }


# --- update -----------------------------------------------------------------


def _validated_spec(values: dict[str, Any], settings: PlatformSettings) -> ServiceSpec:
    try:
        return ServiceSpec.model_validate(values, context={"settings": settings})
    except ValidationError as exc:
        raise from_validation_error(exc) from exc


def check_update_body(body: dict[str, Any], namespace: str, service_name: str) -> dict[str, Any]:
    """The spec fields a PUT body changes; identity fields must match the path."""
    changes = {k: v for k, v in body.items() if k not in CreateServicePayload.IGNORED_FIELDS}
    given_name = changes.pop("service_name", service_name)
    if given_name != service_name:
        raise bad_request(
            f"service_name {given_name!r} does not match the path's {service_name!r}",
            "service_name",
        )
    given_namespace = changes.pop("namespace", namespace)
    if given_namespace is not None and given_namespace != namespace:
        raise bad_request(
            f"namespace {given_namespace!r} does not match the path's {namespace!r}",
            "namespace",
        )
    unknown = sorted(set(changes) - UPDATABLE_FIELDS - FIXED_FIELDS)
    if unknown:
        raise bad_request(f"{unknown[0]}: unknown field", unknown[0])
    return changes


def merged_spec(
    stored: dict[str, Any], changes: dict[str, Any], settings: PlatformSettings
) -> dict[str, Any] | None:
    """The new resource spec, or None when it equals the stored one. Fields
    fixed at creation may be repeated, unchanged."""
    try:
        # Without settings: what is stored was valid when written, even if the
        # platform's limits have changed since.
        current = ServiceSpec.model_validate(stored)
    except ValidationError as exc:
        raise from_validation_error(exc) from exc
    updated = _validated_spec({**current.to_resource_spec(), **changes}, settings)
    for field in sorted(FIXED_FIELDS & changes.keys()):
        if getattr(updated, field) != getattr(current, field):
            raise bad_request(f"{field} cannot change after creation", field)
    new_spec = updated.to_resource_spec()
    return None if new_spec == stored else new_spec


def with_target_state(
    stored: dict[str, Any], target: TargetState, settings: PlatformSettings
) -> dict[str, Any]:
    """Start or stop. Asking for the state the service is already set to is a
    400, as the v1 API answered a start or stop that could not happen."""
    current = stored.get("target_state", TargetState.STARTED.value)
    if current == target.value:
        verb = "started" if target is TargetState.STARTED else "stopped"
        raise ApiError(400, f"service is already {verb}", "target_state")
    new_spec = merged_spec(stored, {"target_state": target.value}, settings)
    return new_spec if new_spec is not None else stored
