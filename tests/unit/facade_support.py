"""Resources as the API server returns them, for the facade's pure tests."""

from __future__ import annotations

from typing import Any

from alauda_operator.facade.payloads import parse_create, service_resource
from alauda_operator.settings import PlatformSettings
from tests.facade_examples import seed_create_payload

SERVICE_UID = "1cd688e2-b4eb-4bf8-9113-5caccdec2db6"


def stored_service(
    payload: dict[str, Any] | None = None,
    *,
    namespace: str = "madams",
    status: dict[str, Any] | None = None,
    created_by: str = "alice",
    uid: str = SERVICE_UID,
    created: str = "2015-04-14T09:46:39Z",
    managed_times: tuple[str, ...] = ("2015-04-14T09:46:39Z",),
) -> dict[str, Any]:
    """The AlaudaService the facade creates from ``payload`` (the seed's by
    default), with the metadata the API server adds."""
    payload = dict(payload if payload is not None else seed_create_payload())
    payload["namespace"] = namespace
    model = parse_create(payload, namespace, PlatformSettings())
    resource = service_resource(model, namespace, created_by)
    resource["metadata"].update(
        uid=uid,
        creationTimestamp=created,
        resourceVersion="1",
        generation=1,
        managedFields=[
            {"manager": "alauda-facade", "operation": "Update", "time": t} for t in managed_times
        ],
    )
    if status is not None:
        resource["status"] = status
    return resource


def pod(
    name: str,
    uid: str,
    *,
    service: str = "test",
    created: str = "2015-04-14T09:47:00Z",
    started: str | None = "2015-04-14T09:47:26.895123Z",
    owner_kind: str = "ReplicaSet",
    labels: dict[str, str] | None = None,
    phase: str = "Running",
    deleting: bool = False,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "name": name,
        "uid": uid,
        "creationTimestamp": created,
        "labels": {"alauda.io/service": service, **(labels or {})},
        "ownerReferences": [{"kind": owner_kind, "name": service, "controller": True}],
    }
    if deleting:
        metadata["deletionTimestamp"] = "2015-04-14T10:00:00Z"
    status: dict[str, Any] = {"phase": phase}
    if started is not None:
        status["startTime"] = started
    return {"metadata": metadata, "spec": {"containers": [{"name": "main"}]}, "status": status}
