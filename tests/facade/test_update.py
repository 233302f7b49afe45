"""PUT (partial update), start, stop and DELETE, checked on the stored resource."""

from __future__ import annotations

import pytest
from tests.facade.conftest import Tenant
from tests.facade.helpers import payload_for, settled, stored

from alauda_operator.localcluster.apiclient import ApiClient

pytestmark = pytest.mark.cluster


@pytest.fixture
async def service(tenant: Tenant) -> str:
    reply = await tenant.facade.call("POST", tenant.path(), payload_for(tenant.namespace))
    assert reply.status == 201, reply.body
    return "test"


def spec(admin: ApiClient, tenant: Tenant) -> dict[str, object]:
    resource = stored(admin, tenant.namespace, "test")
    assert resource is not None
    result: dict[str, object] = resource["spec"]
    return result


async def test_seed_update_is_204_and_changes_the_spec(
    tenant: Tenant, admin: ApiClient, service: str
) -> None:
    put = {"service_name": "test", "target_num_instances": 3, "image_tag": "v2"}
    reply = await tenant.facade.call("PUT", tenant.path(service), put)
    assert (reply.status, reply.body) == (204, None)
    after = spec(admin, tenant)
    assert (after["target_num_instances"], after["image_tag"]) == (3, "v2")


async def test_update_without_the_trailing_slash(
    tenant: Tenant, admin: ApiClient, service: str
) -> None:
    path = f"/v1/services/{tenant.namespace}/{service}"
    reply = await tenant.facade.call("PUT", path, {"target_num_instances": 4})
    assert reply.status == 204
    assert spec(admin, tenant)["target_num_instances"] == 4


async def test_update_that_changes_nothing_writes_nothing(
    tenant: Tenant, admin: ApiClient, service: str
) -> None:
    before = settled(admin, tenant.namespace, service)
    reply = await tenant.facade.call("PUT", tenant.path(service), {"image_tag": "latest"})
    after = stored(admin, tenant.namespace, service)
    assert reply.status == 204
    assert before is not None and after is not None
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]


async def test_update_replaces_the_envvars(tenant: Tenant, admin: ApiClient, service: str) -> None:
    reply = await tenant.facade.call("PUT", tenant.path(service), {"instance_envvars": {"A": 1}})
    assert reply.status == 204
    assert spec(admin, tenant)["instance_envvars"] == {"A": "1"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"instance_ports": [{"container_port": 80}]}, "instance_ports"),
        ({"volumes": [{"app_volume_dir": "/data"}]}, "volumes"),
        ({"service_name": "other"}, "service_name"),
        ({"target_num_instances": "many"}, "target_num_instances"),
        ({"scaling_mode": "SOMETIMES"}, "scaling_mode"),
        ({"colour": "blue"}, "colour"),
    ],
)
async def test_bad_update_is_400_naming_the_field_and_changes_nothing(
    tenant: Tenant, admin: ApiClient, service: str, body: dict[str, object], field: str
) -> None:
    before = spec(admin, tenant)
    reply = await tenant.facade.call("PUT", tenant.path(service), body)
    assert reply.status == 400
    assert reply.body["field"] == field
    assert spec(admin, tenant) == before


async def test_update_with_malformed_json_is_400(tenant: Tenant, service: str) -> None:
    reply = await tenant.facade.call("PUT", tenant.path(service), raw=b"{oops")
    assert reply.status == 400
    assert reply.body["error"].startswith("malformed JSON")


async def test_update_of_a_missing_service_is_404(tenant: Tenant) -> None:
    reply = await tenant.facade.call("PUT", tenant.path("nothing"), {"target_num_instances": 2})
    assert reply.status == 404
    assert reply.body["status"] == 404


async def test_stop_then_start(tenant: Tenant, admin: ApiClient, service: str) -> None:
    stopped = await tenant.facade.call("PUT", tenant.path(service, "stop"))
    assert stopped.status == 204
    assert spec(admin, tenant)["target_state"] == "STOPPED"
    started = await tenant.facade.call("PUT", f"/v1/services/{tenant.namespace}/{service}/start")
    assert started.status == 204
    assert spec(admin, tenant)["target_state"] == "STARTED"


async def test_start_when_already_started_is_400(tenant: Tenant, service: str) -> None:
    reply = await tenant.facade.call("PUT", tenant.path(service, "start"))
    assert reply.status == 400
    assert reply.body == {
        "error": "service is already started",
        "field": "target_state",
        "status": 400,
    }


async def test_stop_when_already_stopped_is_400(tenant: Tenant, service: str) -> None:
    await tenant.facade.call("PUT", tenant.path(service, "stop"))
    reply = await tenant.facade.call("PUT", tenant.path(service, "stop"))
    assert reply.status == 400
    assert reply.body["error"] == "service is already stopped"


async def test_start_of_a_missing_service_is_404(tenant: Tenant) -> None:
    reply = await tenant.facade.call("PUT", tenant.path("nothing", "start"))
    assert reply.status == 404


async def test_scaling_while_stopped_is_kept_for_the_next_start(
    tenant: Tenant, admin: ApiClient, service: str
) -> None:
    await tenant.facade.call("PUT", tenant.path(service, "stop"))
    await tenant.facade.call("PUT", tenant.path(service), {"target_num_instances": 5})
    assert (spec(admin, tenant)["target_state"], spec(admin, tenant)["target_num_instances"]) == (
        "STOPPED",
        5,
    )
    await tenant.facade.call("PUT", tenant.path(service, "start"))
    assert (spec(admin, tenant)["target_state"], spec(admin, tenant)["target_num_instances"]) == (
        "STARTED",
        5,
    )


async def test_delete_is_204_and_the_service_is_gone(
    tenant: Tenant, admin: ApiClient, service: str
) -> None:
    reply = await tenant.facade.call("DELETE", tenant.path(service))
    assert (reply.status, reply.body) == (204, None)
    after = await tenant.facade.call("GET", tenant.path(service))
    assert after.status == 404
    # Without finalizers the resource is gone at once; with the operator's, soon.
    resource = stored(admin, tenant.namespace, service)
    assert resource is None or resource["metadata"].get("deletionTimestamp")


async def test_delete_of_a_missing_service_is_404(tenant: Tenant) -> None:
    reply = await tenant.facade.call("DELETE", tenant.path("nothing"))
    assert reply.status == 404
    assert reply.body["status"] == 404
