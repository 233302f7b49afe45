"""Payloads and cluster reads shared by the facade's cluster tests."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from typing import Any

from tests.facade.conftest import services_path
from tests.facade_examples import seed_create_payload

from alauda_operator.localcluster.apiclient import ApiClient


def payload_for(namespace: str, **changes: Any) -> dict[str, Any]:
    """The seed page's create payload, in the tenant's namespace."""
    return {**seed_create_payload(), "namespace": namespace, **changes}


def small_payload(name: str, namespace: str, **changes: Any) -> dict[str, Any]:
    return {"service_name": name, "namespace": namespace, "image_name": "nginx", **changes}


def stored(admin: ApiClient, namespace: str, name: str) -> dict[str, Any] | None:
    """The AlaudaService as the API server has it, or None."""
    response = admin.get(services_path(namespace, name), ok=(404,))
    return None if response.status == 404 else response.json()


def settled(admin: ApiClient, namespace: str, name: str, quiet: float = 1.0) -> dict[str, Any]:
    """The AlaudaService once nobody has written it for ``quiet`` seconds. An
    operator running in the same session writes a new service's status a few
    times; a test that checks that a request wrote nothing starts after that."""
    deadline = time.monotonic() + 30
    current = stored(admin, namespace, name)
    assert current is not None
    while time.monotonic() < deadline:
        time.sleep(quiet)
        again = stored(admin, namespace, name)
        assert again is not None
        if again["metadata"]["resourceVersion"] == current["metadata"]["resourceVersion"]:
            return again
        current = again
    raise AssertionError(f"AlaudaService {name} kept changing for 30 s")


def service_names(admin: ApiClient, namespace: str) -> list[str]:
    items = admin.get(services_path(namespace)).json()["items"]
    return sorted(item["metadata"]["name"] for item in items)


def create_pod(admin: ApiClient, namespace: str, name: str, service: str) -> dict[str, Any]:
    """A Pod of the service (as the operator's workloads label them), run by kwok."""
    admin.create(
        f"/api/v1/namespaces/{namespace}/pods",
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "labels": {"alauda.io/service": service}},
            "spec": {"containers": [{"name": "main", "image": "example.org/app:1"}]},
        },
    )
    return admin.get(f"/api/v1/namespaces/{namespace}/pods/{name}").json()


async def wait_for(
    read: Callable[[], Any],
    ready: Callable[[Any], bool],
    what: str,
    timeout: float = 60.0,
    interval: float = 0.2,
) -> Any:
    """Polls ``read()`` until ``ready(value)``; a sync ``read`` runs in a thread
    (the facade under test shares this event loop)."""
    deadline = time.monotonic() + timeout
    while True:
        if inspect.iscoroutinefunction(read):
            value = await read()
        else:
            value = await asyncio.to_thread(read)
        if ready(value):
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}; last: {value!r}"[:2000])
        await asyncio.sleep(interval)


async def running_pod(admin: ApiClient, namespace: str, name: str) -> dict[str, Any]:
    pod: dict[str, Any] = await wait_for(
        lambda: admin.get(f"/api/v1/namespaces/{namespace}/pods/{name}").json(),
        lambda pod: (
            (pod.get("status") or {}).get("phase") == "Running"
            and bool(pod["status"].get("startTime"))
        ),
        f"pod {name} Running",
    )
    return pod
