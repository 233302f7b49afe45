"""POST /v1/services/<namespace>/ through a real HTTP client, on the real cluster."""

from __future__ import annotations

import copy

import pytest
from tests.cases import BAD_INPUTS
from tests.facade.conftest import SETTINGS, Tenant
from tests.facade.helpers import payload_for, service_names, stored
from tests.facade_examples import seed_get_example, shape_mismatches

from alauda_operator.facade.payloads import parse_create
from alauda_operator.localcluster.apiclient import ApiClient

pytestmark = pytest.mark.cluster


async def test_seed_payload_is_created_with_201_and_the_get_examples_keys(tenant: Tenant) -> None:
    reply = await tenant.facade.call("POST", tenant.path(), payload_for(tenant.namespace))
    assert reply.status == 201, reply.body
    assert shape_mismatches(seed_get_example(), reply.body) == []
    assert reply.body["service_name"] == "test"
    assert reply.body["namespace"] == tenant.namespace


async def test_created_resource_is_the_payloads_spec(tenant: Tenant, admin: ApiClient) -> None:
    payload = payload_for(tenant.namespace)
    await tenant.facade.call("POST", tenant.path(), payload)
    resource = stored(admin, tenant.namespace, "test")
    assert resource is not None
    assert (resource["apiVersion"], resource["kind"]) == ("alauda.io/v1", "AlaudaService")
    assert resource["metadata"]["namespace"] == tenant.namespace
    expected = parse_create(payload, tenant.namespace, SETTINGS).spec().to_resource_spec()
    assert resource["spec"] == expected


async def test_creator_is_the_authenticated_user(tenant: Tenant, admin: ApiClient) -> None:
    reply = await tenant.facade.call("POST", tenant.path(), payload_for(tenant.namespace))
    resource = stored(admin, tenant.namespace, "test")
    assert resource is not None
    assert resource["metadata"]["annotations"]["alauda.io/created-by"] == "alice"
    assert reply.body["created_by"] == "alice"


async def test_create_without_the_trailing_slash(tenant: Tenant) -> None:
    path = f"/v1/services/{tenant.namespace}?application=x&region_name=cn"
    reply = await tenant.facade.call("POST", path, payload_for(tenant.namespace))
    assert reply.status == 201


async def test_duplicate_name_is_409_already_exists(tenant: Tenant) -> None:
    await tenant.facade.call("POST", tenant.path(), payload_for(tenant.namespace))
    reply = await tenant.facade.call("POST", tenant.path(), payload_for(tenant.namespace))
    assert reply.status == 409
    assert "already exists" in reply.body["error"]
    assert reply.body["status"] == 409


async def test_every_bad_payload_is_400_naming_its_field_and_creates_nothing(
    tenant: Tenant, admin: ApiClient
) -> None:
    wrong: list[str] = []
    for case in BAD_INPUTS:
        body = copy.deepcopy(case.payload)
        body["namespace"] = tenant.namespace
        reply = await tenant.facade.call("POST", tenant.path(), body)
        field = ".".join(str(part) for part in case.loc)
        if reply.status != 400 or reply.body.get("field") != field or not reply.body.get("error"):
            wrong.append(f"{case.id}: {reply.status} {reply.body}")
    assert wrong == []
    assert service_names(admin, tenant.namespace) == []


async def test_namespace_other_than_the_paths_is_400(tenant: Tenant, admin: ApiClient) -> None:
    reply = await tenant.facade.call("POST", tenant.path(), payload_for("someone-else"))
    assert reply.status == 400
    assert reply.body["field"] == "namespace"
    assert service_names(admin, tenant.namespace) == []


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"[]",
        b"",
        b'{"service_name": "x", "image_name": "n", "target_num_instances": NaN}',
    ],
    ids=["malformed", "array", "empty", "nan"],
)
async def test_body_that_is_not_a_json_object_is_400(
    tenant: Tenant, admin: ApiClient, raw: bytes
) -> None:
    reply = await tenant.facade.call("POST", tenant.path(), raw=raw)
    assert reply.status == 400
    assert reply.body["status"] == 400 and reply.body["error"]
    assert service_names(admin, tenant.namespace) == []


async def test_body_beyond_one_mebibyte_is_413(tenant: Tenant, admin: ApiClient) -> None:
    huge = payload_for(tenant.namespace, run_command="x" * (1024 * 1024))
    reply = await tenant.facade.call("POST", tenant.path(), huge)
    assert reply.status == 413
    assert reply.body["status"] == 413
    assert service_names(admin, tenant.namespace) == []


@pytest.mark.parametrize("bad_namespace", ["Bad_NS", "a..b", "a%2Fb", "a%00", "x" * 64])
async def test_invalid_namespace_in_the_path_is_400(tenant: Tenant, bad_namespace: str) -> None:
    path = f"/v1/services/{bad_namespace}/"
    reply = await tenant.facade.call("POST", path, payload_for(bad_namespace))
    assert reply.status == 400
    assert reply.body["field"] == "namespace"


async def test_dot_segments_never_reach_a_service_path(tenant: Tenant) -> None:
    reply = await tenant.facade.call("GET", f"/v1/services/{tenant.namespace}/%2e%2e/%2e%2e/")
    assert reply.status == 404
    assert reply.body == {"error": "Not Found", "field": None, "status": 404}
