"""The caller's token, and a Kubernetes client that acts with it.

The facade holds no credential of its own for serving users: it only knows
where the API server is and which CA to trust, and each request's Kubernetes
calls carry the caller's token, so the cluster's RBAC decides.
"""

from __future__ import annotations

import asyncio
import os
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

from kubernetes.aio import config as kube_config
from kubernetes.aio.client import ApiClient, Configuration

from alauda_operator.facade.errors import ApiError

TOKEN_SCHEMES = ("token", "bearer")
SERVICE_ACCOUNT_CA_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"
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


def in_cluster_endpoint(environ: Mapping[str, str] | None = None) -> ClusterEndpoint:
    """The API server as a Pod sees it. Only the CA is read from the service
    account mount: the facade's Pod has no token to mount."""
    environ = os.environ if environ is None else environ
    host = environ.get("KUBERNETES_SERVICE_HOST")
    port = environ.get("KUBERNETES_SERVICE_PORT", "443")
    if not host:
        raise RuntimeError("not in a cluster: KUBERNETES_SERVICE_HOST is not set")
    if ":" in host:
        host = f"[{host}]"
    return ClusterEndpoint(host=f"https://{host}:{port}", ca_file=SERVICE_ACCOUNT_CA_FILE)


async def load_endpoint(kubeconfig: str | None, in_cluster: bool = False) -> ClusterEndpoint:
    """From the kubeconfig if given, else in the cluster, else ~/.kube/config.
    Only the server's address and CA are kept."""
    if in_cluster or (kubeconfig is None and os.environ.get("KUBERNETES_SERVICE_HOST")):
        return in_cluster_endpoint()
    loaded = Configuration()
    await kube_config.load_kube_config(  # type: ignore[no-untyped-call]
        config_file=kubeconfig, client_configuration=loaded
    )
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
                await entry.client.close()  # type: ignore[no-untyped-call]

    def _evict_beyond_size(self) -> None:
        while len(self._entries) > self.max_size:
            _, oldest = self._entries.popitem(last=False)
            oldest.evicted = True
            if oldest.users == 0:
                task = asyncio.get_running_loop().create_task(
                    oldest.client.close()  # type: ignore[no-untyped-call]
                )
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)

    async def close(self) -> None:
        entries = list(self._entries.values())
        self._entries.clear()
        for entry in entries:
            entry.evicted = True
            await entry.client.close()  # type: ignore[no-untyped-call]
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
