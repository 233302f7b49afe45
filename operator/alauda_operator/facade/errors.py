"""One JSON error body for every error the facade answers.

``{"error": "<message>", "field": "<dotted path>" | null, "status": <code>}``:
``error`` as Tutum answered it, ``field`` naming the offending input when there
is one, ``status`` repeating the HTTP status for clients that lose it.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError


class ErrorBody(BaseModel):
    error: str
    field: str | None = None
    status: int


class ApiError(Exception):
    """An error answered to the client as it is."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field

    def body(self) -> ErrorBody:
        return ErrorBody(error=self.message, field=self.field, status=self.status)


def json_error(
    status: int,
    message: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    body = ErrorBody(error=message, field=field, status=status)
    return web.json_response(body.model_dump(), status=status, headers=headers)


def bad_request(message: str, field: str | None = None) -> ApiError:
    return ApiError(400, message, field)


def from_validation_error(exc: ValidationError, prefix: str = "") -> ApiError:
    """Every problem in one message; ``field`` is the first one's dotted path."""
    problems: list[str] = []
    first_field: str | None = None
    for error in exc.errors(include_url=False):
        path = ".".join(str(part) for part in (*_split(prefix), *error["loc"]))
        message = _plain_message(error["msg"], error["type"])
        problems.append(f"{path}: {message}" if path else message)
        if first_field is None and path:
            first_field = path
    return ApiError(400, "; ".join(problems), first_field)


def _split(prefix: str) -> tuple[str, ...]:
    return tuple(prefix.split(".")) if prefix else ()


def _plain_message(message: str, error_type: str) -> str:
    if error_type == "extra_forbidden":
        return "unknown field"
    # pydantic prefixes the text of a ValueError raised by a validator.
    return message.removeprefix("Value error, ")


def from_kubernetes(status: int, body: bytes | str | None) -> ApiError:
    """The Kubernetes API's answer to the caller's request, in the facade's terms."""
    details = _status_object(body)
    message = str(details.get("message") or "")
    reason = str(details.get("reason") or "")
    if status == 401:
        return ApiError(401, "invalid or expired token")
    if status == 403:
        return ApiError(403, message or "forbidden")
    if status == 404:
        return ApiError(404, message or "not found")
    if status == 409 and reason == "AlreadyExists":
        name = (details.get("details") or {}).get("name", "")
        return ApiError(409, f"service {name!r} already exists")
    if status == 409:
        return ApiError(409, message or "conflict")
    if status in (400, 422):
        return ApiError(400, message or "invalid request", _cause_field(details))
    if status == 429:
        return ApiError(429, message or "too many requests")
    return ApiError(502, f"Kubernetes API answered {status}: {message or reason or 'error'}")


def _status_object(body: bytes | str | None) -> dict[str, Any]:
    if not body:
        return {}
    try:
        parsed = json.loads(body)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _cause_field(details: dict[str, Any]) -> str | None:
    """The first cause's field, relative to the spec (the v1 payload's terms)."""
    causes = (details.get("details") or {}).get("causes") or []
    for cause in causes:
        field = cause.get("field") if isinstance(cause, dict) else None
        if field:
            return str(field).removeprefix("spec.").replace("[", ".").replace("]", "")
    return None
