"""The caller's token, and a Kubernetes client that acts with it.

The facade holds no credential of its own for serving users: it only knows
where the API server is and which CA to trust, and each request's Kubernetes
calls carry the caller's token, so the cluster's RBAC decides.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from kubernetes.aio import config as kube_config
from kubernetes.aio.client import ApiClient, Configuration

from alauda_operator.facade.errors import ApiError

TOKEN_SCHEMES = ("token", "bearer")
DEFAULT_POOL_SIZE = 64
# Parallel requests one caller may have open to the API server, e.g. one log
# stream per instance.
CONNECTIONS_PER_CALLER = 128


def caller_token(authorization: str | None) -> str:
    """The token of ``Authorization: Token <t>`` or ``Bearer <t>``."""
    if not authorization:
        raise ApiError(401, "authentication required: send 'Authorization: Token <token>'")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() not in TOKEN_SCHEMES or not token or any(c.isspace() for c in token):
        raise ApiError(401, "malformed Authorization header: expected 'Token <token>'")
    return token


@dataclass(frozen=True)
class ClusterEndpoint:
    """Where the API server is and how to trust it; no credentials."""

    host: str
    ca_file: str | None = None
    verify_ssl: bool = True
    tls_server_name: str | None = None

    def configuration_for(self, token: str) -> Configuration:
        configuration = Configuration(
            host=self.host,
            api_key={"authorization": f"Bearer {token}"},
            ssl_ca_cert=self.ca_file,
            connection_pool_maxsize=CONNECTIONS_PER_CALLER,
        )
        configuration.verify_ssl = self.verify_ssl
        configuration.tls_server_name = self.tls_server_name
        return configuration


async def load_endpoint(kubeconfig: str | None) -> ClusterEndpoint:
    """From the kubeconfig if given, else the in-cluster config, else ~/.kube/config.
    Only the server's address and CA are kept."""
    loaded = Configuration()
    if kubeconfig:
        await kube_config.load_kube_config(config_file=kubeconfig, client_configuration=loaded)
    else:
        try:
            kube_config.load_incluster_config(client_configuration=loaded)
        except kube_config.ConfigException:
            await kube_config.load_kube_config(client_configuration=loaded)
    return ClusterEndpoint(
        host=loaded.host,
        ca_file=loaded.ssl_ca_cert,
        verify_ssl=bool(loaded.verify_ssl),
        tls_server_name=loaded.tls_server_name,
    )


class _Entry:
    def __init__(self, client: ApiClient) -> None:
        self.client = client
        self.users = 0
        self.evicted = False


class ApiClientPool:
    """ApiClients by token, least recently used first out. Each keeps its
    connections open, so a caller's next request skips the TLS handshake. An
    evicted client is closed once its last request is done with it."""

    def __init__(self, endpoint: ClusterEndpoint, max_size: int = DEFAULT_POOL_SIZE) -> None:
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        self.endpoint = endpoint
        self.max_size = max_size
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._closing: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._entries)

    @asynccontextmanager
    async def lease(self, token: str) -> AsyncIterator[ApiClient]:
        entry = self._entries.get(token)
        if entry is None:
            entry = _Entry(ApiClient(self.endpoint.configuration_for(token)))
            self._entries[token] = entry
            self._evict_beyond_size()
        else:
            self._entries.move_to_end(token)
        entry.users += 1
        try:
            yield entry.client
        finally:
            entry.users -= 1
            if entry.evicted and entry.users == 0:
                await entry.client.close()

    def _evict_beyond_size(self) -> None:
        while len(self._entries) > self.max_size:
            _, oldest = self._entries.popitem(last=False)
            oldest.evicted = True
            if oldest.users == 0:
                task = asyncio.get_running_loop().create_task(oldest.client.close())
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)

    async def close(self) -> None:
        entries = list(self._entries.values())
        self._entries.clear()
        for entry in entries:
            entry.evicted = True
            await entry.client.close()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
