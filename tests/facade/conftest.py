"""The facade in-process on 127.0.0.1, pointed at the test cluster, and tenants.

A tenant is a user (alice or bob from the cluster's static tokens) bound to
the `alauda-tenant` ClusterRole in one fresh namespace: the facade gets no
other credential, so these tests also check that the role is enough.
"""

from __future__ import annotations

import asyncio
import io
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from aiohttp.test_utils import TestServer

from alauda_operator import names
from alauda_operator.facade.main import JsonAccessLogger, create_app
from alauda_operator.localcluster import ClusterInfo
from alauda_operator.localcluster.apiclient import ApiClient
from alauda_operator.settings import PlatformSettings

REPO = Path(__file__).resolve().parents[2]
CRD_FILE = REPO / "crds" / "alaudaservices.alauda.io.yaml"
TENANT_ROLE_FILE = REPO / "manifests" / "base" / "tenant-clusterrole.yaml"
TENANT_ROLE = "alauda-tenant"
TEST_MANAGER = "alauda-facade-tests"
# The operator runs with the default settings; the facade must agree on domains.
SETTINGS = PlatformSettings(region_name="test-region")


def services_path(namespace: str, name: str = "") -> str:
    base = f"/apis/{names.API_GROUP}/{names.API_VERSION}/namespaces/{namespace}/{names.PLURAL}"
    return f"{base}/{name}" if name else base


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture(scope="session")
def admin(cluster: ClusterInfo) -> ApiClient:
    return cluster.client()


@pytest.fixture(scope="session")
def facade_cluster(cluster: ClusterInfo, admin: ApiClient) -> ClusterInfo:
    """The cluster with the AlaudaService CRD and the tenant ClusterRole."""
    crd = yaml.safe_load(CRD_FILE.read_text())
    crd_path = f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{crd['metadata']['name']}"
    admin.apply(crd_path, crd, manager=TEST_MANAGER)
    role = yaml.safe_load(TENANT_ROLE_FILE.read_text())
    admin.apply(
        f"/apis/rbac.authorization.k8s.io/v1/clusterroles/{role['metadata']['name']}",
        role,
        manager=TEST_MANAGER,
    )

    def established() -> bool:
        conditions = (admin.get(crd_path).json().get("status") or {}).get("conditions") or []
        return any(c["type"] == "Established" and c["status"] == "True" for c in conditions)

    wait_until(established, "the AlaudaService CRD")
    wait_until(
        lambda: admin.get(services_path("default"), ok=(404,)).status == 200,
        "AlaudaServices to be served",
    )
    return cluster


@pytest.fixture(scope="session")
async def facade_url(facade_cluster: ClusterInfo) -> AsyncIterator[str]:
    app = create_app(SETTINGS, kubeconfig=str(facade_cluster.kubeconfig))
    server = TestServer(app, host="127.0.0.1", access_log_class=JsonAccessLogger)
    await server.start_server()
    yield str(server.make_url("")).rstrip("/")
    await server.close()


@pytest.fixture(scope="session")
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Facade:
    """A client of the facade, speaking as one token (or none)."""

    session: aiohttp.ClientSession
    base_url: str
    token: str | None

    def as_user(self, token: str | None) -> Facade:
        return Facade(self.session, self.base_url, token)

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        sent = dict(headers or {})
        if self.token is not None:
            sent.setdefault("Authorization", f"Token {self.token}")
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        payload = io.BytesIO(data) if data is not None and len(data) > 65536 else data
        async with self.session.request(
            method, self.base_url + path, data=payload, headers=sent
        ) as response:
            text = await response.text()
            parsed = json.loads(text) if text else None
            return Reply(response.status, parsed, dict(response.headers))


@dataclass
class Tenant:
    name: str
    namespace: str
    token: str
    facade: Facade

    def path(self, *parts: str) -> str:
        return "/".join(["/v1/services", self.namespace, *parts]) + "/"


def bind_tenant(admin: ApiClient, cluster: ClusterInfo, user: str, namespace: str) -> None:
    admin.apply(
        f"/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/rolebindings/{user}-tenant",
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": f"{user}-tenant", "namespace": namespace},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": TENANT_ROLE,
            },
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}],
        },
        manager=TEST_MANAGER,
    )
    as_user = cluster.client(cluster.user_tokens[user])
    wait_until(
        lambda: as_user.get(services_path(namespace), ok=(403,)).status == 200,
        f"{user}'s RoleBinding in {namespace}",
    )


async def bound_tenant(
    user: str,
    namespace: str,
    cluster: ClusterInfo,
    admin: ApiClient,
    http: aiohttp.ClientSession,
    facade_url: str,
) -> Tenant:
    """``user`` bound to the tenant role in ``namespace``, with a facade client."""
    await asyncio.to_thread(bind_tenant, admin, cluster, user, namespace)
    token = cluster.user_tokens[user]
    return Tenant(user, namespace, token, Facade(http, facade_url, token))


@pytest.fixture
async def tenant(
    facade_cluster: ClusterInfo,
    admin: ApiClient,
    namespace: str,
    http: aiohttp.ClientSession,
    facade_url: str,
) -> Tenant:
    """alice, a tenant of a fresh namespace."""
    return await bound_tenant("alice", namespace, facade_cluster, admin, http, facade_url)


@pytest.fixture
def other_namespace(facade_cluster: ClusterInfo, admin: ApiClient) -> Iterator[str]:
    name = f"test-{secrets.token_hex(4)}"
    admin.create("/api/v1/namespaces", {"metadata": {"name": name}})
    yield name
    admin.delete(f"/api/v1/namespaces/{name}")


@pytest.fixture
async def other_tenant(
    facade_cluster: ClusterInfo,
    admin: ApiClient,
    other_namespace: str,
    http: aiohttp.ClientSession,
    facade_url: str,
) -> Tenant:
    """bob, a tenant of another fresh namespace."""
    return await bound_tenant("bob", other_namespace, facade_cluster, admin, http, facade_url)
