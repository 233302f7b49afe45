"""End to end: facade -> AlaudaService -> the operator -> Pods run by kwok ->
status -> the facade's answers. Needs the session's ``running_operator``."""

from __future__ import annotations

from typing import Any

import pytest
from tests.facade.conftest import SETTINGS, Tenant
from tests.facade.helpers import payload_for, small_payload, wait_for

from alauda_operator.names import default_domain_name

pytestmark = pytest.mark.cluster


async def service_when(
    tenant: Tenant, name: str, ready: Any, what: str, timeout: float = 90.0
) -> dict[str, Any]:
    async def read() -> Any:
        return (await tenant.facade.call("GET", tenant.path(name))).body

    body: dict[str, Any] = await wait_for(read, ready, what, timeout=timeout)
    return body


def running_with(count: int) -> Any:
    def ready(body: dict[str, Any]) -> bool:
        return (
            body.get("current_status") == "Running"
            and body.get("current_num_instances") == count
            and len(body.get("instances", [])) == count
            and all(i["started_at"] for i in body["instances"])
        )

    return ready


async def test_stateless_service_runs_and_reports_its_instances(
    running_operator: Any, tenant: Tenant
) -> None:
    body = small_payload(
        "web",
        tenant.namespace,
        target_num_instances=2,
        instance_ports=[{"container_port": 8080, "endpoint_type": "tcp-endpoint"}],
    )
    assert (await tenant.facade.call("POST", tenant.path(), body)).status == 201
    service = await service_when(tenant, "web", running_with(2), "web Running with 2 instances")
    assert [i["instance_name"] for i in service["instances"]] == ["web.0", "web.1"]
    assert service["is_deploying"] is False
    assert service["default_domain_name"] == default_domain_name("web", tenant.namespace, SETTINGS)


async def test_tcp_endpoint_gets_a_service_port(running_operator: Any, tenant: Tenant) -> None:
    body = small_payload(
        "web",
        tenant.namespace,
        instance_ports=[{"container_port": 8080, "endpoint_type": "tcp-endpoint"}],
    )
    await tenant.facade.call("POST", tenant.path(), body)
    service = await service_when(
        tenant,
        "web",
        lambda b: "service_port" in b["instance_ports"][0],
        "a service_port for the tcp-endpoint",
    )
    assert isinstance(service["instance_ports"][0]["service_port"], int)
    assert service["instance_ports"][0]["default_domain"]


async def test_seed_service_runs_as_a_stateful_service(
    running_operator: Any, tenant: Tenant
) -> None:
    body = payload_for(tenant.namespace, target_num_instances=2)
    assert (await tenant.facade.call("POST", tenant.path(), body)).status == 201
    service = await service_when(tenant, "test", running_with(2), "test Running")
    assert [i["instance_name"] for i in service["instances"]] == ["test.0", "test.1"]


async def test_logs_of_running_instances_come_back(running_operator: Any, tenant: Tenant) -> None:
    body = small_payload("web", tenant.namespace, target_num_instances=2)
    await tenant.facade.call("POST", tenant.path(), body)
    service = await service_when(tenant, "web", running_with(2), "web Running")
    ids = {i["uuid"][:8] for i in service["instances"]}

    async def read() -> Any:
        return (await tenant.facade.call("GET", tenant.path("web", "logs"))).body

    lines = await wait_for(read, lambda b: {line["instance_id"] for line in b} == ids, "logs")
    times = [line["time"] for line in lines]
    assert times == sorted(times)


async def test_stop_and_start_through_the_operator(running_operator: Any, tenant: Tenant) -> None:
    body = small_payload("web", tenant.namespace, target_num_instances=2)
    await tenant.facade.call("POST", tenant.path(), body)
    await service_when(tenant, "web", running_with(2), "web Running")
    assert (await tenant.facade.call("PUT", tenant.path("web", "stop"))).status == 204
    stopped = await service_when(
        tenant,
        "web",
        lambda b: b["current_status"] == "Stopped" and b["instances"] == [],
        "web Stopped",
    )
    assert stopped["target_state"] == "STOPPED"
    assert stopped["stopped_at"] is not None
    assert (await tenant.facade.call("PUT", tenant.path("web", "start"))).status == 204
    await service_when(tenant, "web", running_with(2), "web Running again")


async def test_scale_through_an_update(running_operator: Any, tenant: Tenant) -> None:
    body = small_payload("web", tenant.namespace, target_num_instances=1)
    await tenant.facade.call("POST", tenant.path(), body)
    await service_when(tenant, "web", running_with(1), "web Running")
    put = {"service_name": "web", "target_num_instances": 3}
    assert (await tenant.facade.call("PUT", tenant.path("web"), put)).status == 204
    await service_when(tenant, "web", running_with(3), "web Running with 3")


async def test_delete_removes_the_instances(running_operator: Any, tenant: Tenant) -> None:
    body = small_payload("web", tenant.namespace, target_num_instances=1)
    await tenant.facade.call("POST", tenant.path(), body)
    await service_when(tenant, "web", running_with(1), "web Running")
    assert (await tenant.facade.call("DELETE", tenant.path("web"))).status == 204

    async def listed() -> Any:
        return (await tenant.facade.call("GET", tenant.path())).body

    await wait_for(listed, lambda b: b["count"] == 0, "web gone from the list")
