"""Logs of a service's instances: pods with log lines of chosen times (kwok),
read through the facade; only the window's lines, merged in time order."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from tests.facade.conftest import Tenant
from tests.facade.helpers import create_pod, payload_for, running_pod

from alauda_operator.localcluster import ClusterInfo
from alauda_operator.localcluster.apiclient import ApiClient

pytestmark = pytest.mark.cluster

START = dt.datetime(2026, 3, 1, 12, 0, 0, tzinfo=dt.UTC)
WINDOW = (int(START.timestamp()), int(START.timestamp()) + 60)


def at(seconds: float) -> dt.datetime:
    return START + dt.timedelta(seconds=seconds)


@pytest.fixture
async def two_instances(
    tenant: Tenant, admin: ApiClient, facade_cluster: ClusterInfo
) -> dict[str, str]:
    """Pod name -> uid of two instances of a stopped service (no operator
    needed: the pods are made here, labelled as the operator labels them)."""
    body = payload_for(tenant.namespace, target_state="STOPPED")
    assert (await tenant.facade.call("POST", tenant.path(), body)).status == 201
    lines = {
        "test-a": [
            (at(-30), "a before the window"),
            (at(1), "a first"),
            (at(20.5), "a second"),
            (at(60.9), "a at the last second"),
            (at(61), "a after the window"),
        ],
        "test-b": [
            (at(-1), "b before the window"),
            (at(10), "b first"),
            (at(30), "b second"),
            (at(120), "b after the window"),
        ],
    }
    uids = {}
    for name in lines:
        uids[name] = create_pod(admin, tenant.namespace, name, "test")["metadata"]["uid"]
    for name, pod_lines in lines.items():
        await running_pod(admin, tenant.namespace, name)
        await asyncio.to_thread(facade_cluster.set_pod_logs, tenant.namespace, name, pod_lines)
    return uids


def window_query(start: int = WINDOW[0], end: int = WINDOW[1]) -> str:
    return f"?start_time={start}&end_time={end}"


async def test_logs_are_the_windows_lines_of_every_instance_in_time_order(
    tenant: Tenant, two_instances: dict[str, str]
) -> None:
    reply = await tenant.facade.call("GET", tenant.path("test", "logs") + window_query())
    assert reply.status == 200
    a, b = two_instances["test-a"][:8], two_instances["test-b"][:8]
    assert reply.body == [
        {"instance_id": a, "message": "a first", "time": WINDOW[0] + 1},
        {"instance_id": b, "message": "b first", "time": WINDOW[0] + 10},
        {"instance_id": a, "message": "a second", "time": WINDOW[0] + 20},
        {"instance_id": b, "message": "b second", "time": WINDOW[0] + 30},
        {"instance_id": a, "message": "a at the last second", "time": WINDOW[0] + 60},
    ]


async def test_logs_path_without_slash_as_on_the_v1_page(
    tenant: Tenant, two_instances: dict[str, str]
) -> None:
    path = f"/v1/services/{tenant.namespace}/test/logs" + window_query(WINDOW[0], WINDOW[0] + 15)
    reply = await tenant.facade.call("GET", path)
    assert [line["message"] for line in reply.body] == ["a first", "b first"]


async def test_instance_logs_are_that_instances_lines_without_instance_id(
    tenant: Tenant, two_instances: dict[str, str]
) -> None:
    path = tenant.path("test", "instances", two_instances["test-b"], "logs") + window_query()
    reply = await tenant.facade.call("GET", path)
    assert reply.status == 200
    assert reply.body == [
        {"message": "b first", "time": WINDOW[0] + 10},
        {"message": "b second", "time": WINDOW[0] + 30},
    ]


async def test_window_without_lines_is_an_empty_list(
    tenant: Tenant, two_instances: dict[str, str]
) -> None:
    reply = await tenant.facade.call("GET", tenant.path("test", "logs") + window_query(1, 2))
    assert (reply.status, reply.body) == (200, [])


async def test_logs_of_a_service_without_instances_are_empty(tenant: Tenant) -> None:
    body = payload_for(tenant.namespace, target_state="STOPPED")
    await tenant.facade.call("POST", tenant.path(), body)
    reply = await tenant.facade.call("GET", tenant.path("test", "logs"))
    assert (reply.status, reply.body) == (200, [])


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (window_query(WINDOW[0], WINDOW[0] + 7 * 86400 + 1), "end_time"),
        (window_query(WINDOW[1], WINDOW[0]), "start_time"),
        ("?start_time=yesterday", "start_time"),
    ],
    ids=["beyond-7-days", "start-after-end", "not-a-number"],
)
async def test_bad_window_is_400_naming_the_parameter(
    tenant: Tenant, query: str, field: str
) -> None:
    body = payload_for(tenant.namespace, target_state="STOPPED")
    await tenant.facade.call("POST", tenant.path(), body)
    reply = await tenant.facade.call("GET", tenant.path("test", "logs") + query)
    assert reply.status == 400
    assert reply.body["field"] == field


async def test_logs_of_a_missing_service_are_404(tenant: Tenant) -> None:
    reply = await tenant.facade.call("GET", tenant.path("nothing", "logs"))
    assert reply.status == 404
    assert reply.body["status"] == 404


async def test_logs_of_an_unknown_instance_are_404(tenant: Tenant) -> None:
    body = payload_for(tenant.namespace, target_state="STOPPED")
    await tenant.facade.call("POST", tenant.path(), body)
    path = tenant.path("test", "instances", "00000000-0000-0000-0000-000000000000", "logs")
    reply = await tenant.facade.call("GET", path)
    assert reply.status == 404
    assert reply.body["field"] == "uuid"
