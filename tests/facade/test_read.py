"""GET one service, the list, the instances; 404 and 405; the OpenAPI document."""

from __future__ import annotations

import asyncio

import pytest
from tests.facade.conftest import Reply, Tenant
from tests.facade.helpers import create_pod, payload_for, running_pod, small_payload
from tests.facade_examples import seed_get_example, seed_list_example, shape_mismatches
from yarl import URL

from alauda_operator.localcluster.apiclient import ApiClient

pytestmark = pytest.mark.cluster


async def create(tenant: Tenant, body: dict[str, object]) -> None:
    reply = await tenant.facade.call("POST", tenant.path(), body)
    assert reply.status == 201, reply.body


async def started(tenant: Tenant, path: str) -> Reply:
    """The answer once every instance it lists has started: an operator
    running in the same session may be starting Pods, and an instance that
    has not started yet has no ``started_at``."""
    for _ in range(120):
        reply = await tenant.facade.call("GET", path)
        results = reply.body.get("results", [reply.body]) if reply.status == 200 else []
        instances = [i for service in results for i in service.get("instances", [])]
        if all(instance["started_at"] for instance in instances):
            return reply
        await asyncio.sleep(0.25)
    return reply


async def test_get_has_every_key_of_the_example_with_its_json_type(tenant: Tenant) -> None:
    await create(tenant, payload_for(tenant.namespace))
    reply = await started(tenant, tenant.path("test"))
    assert reply.status == 200
    assert shape_mismatches(seed_get_example(), reply.body) == []


async def test_get_answers_the_same_without_slash_and_with_ignored_parameters(
    tenant: Tenant,
) -> None:
    # Stopped, so that no Pods come and go; an operator running in the same
    # session may still write the status once, so compare two answers only
    # when a third, taken after them, shows nothing changed in between.
    await create(tenant, payload_for(tenant.namespace, target_state="STOPPED"))
    path = f"/v1/services/{tenant.namespace}/test?application=app&region_name=cn"
    for _ in range(20):
        with_slash = await tenant.facade.call("GET", tenant.path("test"))
        without_slash = await tenant.facade.call("GET", path)
        again = await tenant.facade.call("GET", tenant.path("test"))
        if again.body == with_slash.body:
            break
        await asyncio.sleep(0.25)
    assert without_slash.status == 200
    assert without_slash.body == with_slash.body


async def test_get_shows_the_pods_as_instances(tenant: Tenant, admin: ApiClient) -> None:
    await create(tenant, payload_for(tenant.namespace, target_state="STOPPED"))
    created = create_pod(admin, tenant.namespace, "test-pod-a", "test")
    await running_pod(admin, tenant.namespace, "test-pod-a")
    body = (await tenant.facade.call("GET", tenant.path("test"))).body
    (instance,) = body["instances"]
    assert instance["instance_name"] == "test.0"
    assert instance["uuid"] == created["metadata"]["uid"]
    assert instance["started_at"].endswith("Z")


async def test_missing_service_is_404(tenant: Tenant) -> None:
    reply = await tenant.facade.call("GET", tenant.path("nothing"))
    assert reply.status == 404
    assert reply.body["status"] == 404
    assert "nothing" in reply.body["error"]


async def test_invalid_service_name_is_400_before_any_api_call(tenant: Tenant) -> None:
    reply = await tenant.facade.call("GET", tenant.path("Not_A_Name"))
    assert reply.status == 400
    assert reply.body["field"] == "service_name"


async def test_list_has_the_examples_envelope(tenant: Tenant) -> None:
    await create(tenant, payload_for(tenant.namespace))
    await create(tenant, small_payload("test1", tenant.namespace))
    reply = await started(tenant, tenant.path())
    assert reply.status == 200
    assert shape_mismatches(seed_list_example(), reply.body) == []
    assert reply.body["count"] == 2
    assert [s["service_name"] for s in reply.body["results"]] == ["test", "test1"]


async def test_list_pages_by_name_with_next_and_previous_urls(tenant: Tenant) -> None:
    for name in ("c", "a", "b"):
        await create(tenant, small_payload(name, tenant.namespace))
    first = (await tenant.facade.call("GET", tenant.path() + "?page_size=2")).body
    assert [s["service_name"] for s in first["results"]] == ["a", "b"]
    assert first["count"] == 3 and first["previous"] is None
    second_url = URL(first["next"])
    second = (await tenant.facade.call("GET", second_url.path_qs)).body
    assert [s["service_name"] for s in second["results"]] == ["c"]
    assert second["next"] is None
    assert URL(second["previous"]).query["page"] == "1"


async def test_list_of_an_empty_namespace_is_an_empty_first_page(tenant: Tenant) -> None:
    reply = await tenant.facade.call("GET", tenant.path())
    assert reply.body == {"count": 0, "next": None, "previous": None, "results": []}


async def test_page_past_the_last_is_404(tenant: Tenant) -> None:
    await create(tenant, small_payload("a", tenant.namespace))
    reply = await tenant.facade.call("GET", tenant.path() + "?page=2")
    assert reply.status == 404
    assert reply.body["field"] == "page"


async def test_bad_page_size_is_400(tenant: Tenant) -> None:
    reply = await tenant.facade.call("GET", tenant.path() + "?page_size=1000")
    assert reply.status == 400
    assert reply.body["field"] == "page_size"


async def test_instances_list_and_one_instance(tenant: Tenant, admin: ApiClient) -> None:
    await create(tenant, payload_for(tenant.namespace, target_state="STOPPED"))
    created = create_pod(admin, tenant.namespace, "test-pod-a", "test")
    await running_pod(admin, tenant.namespace, "test-pod-a")
    uid = created["metadata"]["uid"]
    listed = await tenant.facade.call("GET", tenant.path("test", "instances"))
    assert [i["uuid"] for i in listed.body] == [uid]
    one = await tenant.facade.call("GET", tenant.path("test", "instances", uid))
    assert one.status == 200
    assert one.body == listed.body[0]


async def test_unknown_instance_is_404(tenant: Tenant) -> None:
    await create(tenant, payload_for(tenant.namespace, target_state="STOPPED"))
    path = tenant.path("test", "instances", "00000000-0000-0000-0000-000000000000")
    reply = await tenant.facade.call("GET", path)
    assert reply.status == 404
    assert reply.body["field"] == "uuid"


async def test_unknown_path_is_404_json(tenant: Tenant) -> None:
    reply = await tenant.facade.call("GET", "/v1/nothing/here/")
    assert reply.status == 404
    assert reply.body == {"error": "Not Found", "field": None, "status": 404}


async def test_wrong_method_is_405_with_allow(tenant: Tenant) -> None:
    reply = await tenant.facade.call("PATCH", tenant.path("test"))
    assert reply.status == 405
    assert reply.body["status"] == 405
    assert "PUT" in reply.headers["Allow"]


async def test_openapi_document_needs_no_token(tenant: Tenant) -> None:
    reply = await tenant.facade.as_user(None).call("GET", "/v1/openapi.json")
    assert reply.status == 200
    assert "CreateServicePayload" in reply.body["components"]["schemas"]


async def test_healthz_answers_ok(tenant: Tenant) -> None:
    reply = await tenant.facade.as_user(None).call("GET", "/healthz")
    assert (reply.status, reply.body) == (200, {"status": "ok"})
