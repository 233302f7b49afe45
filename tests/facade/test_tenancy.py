"""Tenant isolation: the facade acts with the caller's token, so alice (tenant
of one namespace) can do nothing to bob's services (tenant of another), and
a request without a valid token gets nowhere."""

from __future__ import annotations

from typing import Any

import pytest
from tests.facade.conftest import Tenant
from tests.facade.helpers import payload_for, service_names, settled, small_payload, stored

from alauda_operator.localcluster.apiclient import ApiClient

pytestmark = pytest.mark.cluster

EVERY_CALL: list[tuple[str, tuple[str, ...], Any]] = [
    ("GET", ("test",), None),
    ("GET", (), None),
    ("POST", (), "create"),
    ("PUT", ("test",), {"target_num_instances": 5}),
    ("PUT", ("test", "start"), None),
    ("PUT", ("test", "stop"), None),
    ("DELETE", ("test",), None),
    ("GET", ("test", "logs"), None),
    ("GET", ("test", "instances"), None),
]
CALL_IDS = ["get", "list", "create", "update", "start", "stop", "delete", "logs", "instances"]


@pytest.fixture
async def bobs_service(other_tenant: Tenant, admin: ApiClient) -> dict[str, Any]:
    body = payload_for(other_tenant.namespace, target_state="STOPPED")
    reply = await other_tenant.facade.call("POST", other_tenant.path(), body)
    assert reply.status == 201, reply.body
    return settled(admin, other_tenant.namespace, "test")


def body_for(marker: Any, namespace: str) -> Any:
    return small_payload("intruder", namespace) if marker == "create" else marker


@pytest.mark.parametrize(("method", "parts", "body"), EVERY_CALL, ids=CALL_IDS)
async def test_alice_gets_403_for_anything_in_bobs_namespace(
    tenant: Tenant,
    other_tenant: Tenant,
    bobs_service: dict[str, Any],
    admin: ApiClient,
    method: str,
    parts: tuple[str, ...],
    body: Any,
) -> None:
    reply = await tenant.facade.call(
        method, other_tenant.path(*parts), body_for(body, other_tenant.namespace)
    )
    assert reply.status == 403
    assert reply.body["status"] == 403
    assert 'User "alice" cannot' in reply.body["error"]
    after = stored(admin, other_tenant.namespace, "test")
    assert after is not None
    assert after["metadata"]["resourceVersion"] == bobs_service["metadata"]["resourceVersion"]
    assert service_names(admin, other_tenant.namespace) == ["test"]


async def test_bob_still_reads_his_own_service(
    tenant: Tenant, other_tenant: Tenant, bobs_service: dict[str, Any]
) -> None:
    reply = await other_tenant.facade.call("GET", other_tenant.path("test"))
    assert reply.status == 200
    assert reply.body["created_by"] == "bob"


@pytest.mark.parametrize(("method", "parts", "body"), EVERY_CALL, ids=CALL_IDS)
async def test_no_token_is_401(
    other_tenant: Tenant,
    bobs_service: dict[str, Any],
    method: str,
    parts: tuple[str, ...],
    body: Any,
) -> None:
    anonymous = other_tenant.facade.as_user(None)
    reply = await anonymous.call(
        method, other_tenant.path(*parts), body_for(body, other_tenant.namespace)
    )
    assert reply.status == 401
    assert reply.body["status"] == 401
    assert "Authorization" in reply.body["error"]


async def test_token_the_cluster_rejects_is_401(other_tenant: Tenant) -> None:
    forged = other_tenant.facade.as_user("not-a-real-token")
    reply = await forged.call("GET", other_tenant.path("test"))
    assert reply.status == 401
    assert reply.body == {"error": "invalid or expired token", "field": None, "status": 401}
    assert reply.headers["WWW-Authenticate"] == "Token"


async def test_unknown_authorization_scheme_is_401(other_tenant: Tenant) -> None:
    anonymous = other_tenant.facade.as_user(None)
    headers = {"Authorization": f"Basic {other_tenant.token}"}
    reply = await anonymous.call("GET", other_tenant.path(), headers=headers)
    assert reply.status == 401


async def test_bearer_scheme_is_accepted(other_tenant: Tenant) -> None:
    anonymous = other_tenant.facade.as_user(None)
    headers = {"Authorization": f"Bearer {other_tenant.token}"}
    reply = await anonymous.call("GET", other_tenant.path(), headers=headers)
    assert reply.status == 200
