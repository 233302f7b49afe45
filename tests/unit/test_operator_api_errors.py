"""API server errors, as the operator tells them apart."""

from __future__ import annotations

import json

from kubernetes.aio.client.exceptions import ApiException

from alauda_operator.controller.kube import ApiError


def error(status: int, reason: str, details: dict[str, object] | None = None) -> ApiError:
    body = {"kind": "Status", "code": status, "reason": reason, "message": f"{reason} message"}
    if details is not None:
        body["details"] = details
    return ApiError.from_exception(ApiException(status=status, body=json.dumps(body)))


def test_status_body_gives_reason_and_message() -> None:
    refused = error(422, "Invalid")

    assert (refused.status, refused.reason, refused.message) == (422, "Invalid", "Invalid message")
    assert refused.invalid


def test_terminating_namespace_is_recognised_by_its_cause() -> None:
    causes = [{"reason": "NamespaceTerminating", "field": "metadata.namespace"}]

    assert error(403, "Forbidden", {"kind": "services", "causes": causes}).namespace_going
    assert not error(403, "Forbidden", {"kind": "services"}).namespace_going


def test_missing_namespace_is_recognised() -> None:
    assert error(404, "NotFound", {"name": "team", "kind": "namespaces"}).namespace_going
    assert not error(404, "NotFound", {"name": "web", "kind": "deployments"}).namespace_going


def test_body_that_is_not_a_status_keeps_the_http_reason() -> None:
    odd = ApiError.from_exception(ApiException(status=502, reason="Bad Gateway", body="<html>"))

    assert (odd.status, odd.reason, odd.message) == (502, "Bad Gateway", "<html>")
