"""Facade read latency and throughput, next to the same reads made directly
against the API server, on the local control plane (127.0.0.1 only).

    python bench/facade_bench.py [--services 500] [--requests 300] [--concurrency 8]

Uses $KUBECONFIG's cluster if it answers, else starts (and afterwards stops)
the local cluster `facade-bench`. Creates one namespace with N AlaudaServices
and one with a single service, binds alice as a tenant in both, runs the
facade as its own process (`python -m alauda_operator.facade`), and reads with
alice's token:

- GET one service: facade `GET /v1/services/<ns>/<name>/` vs API server
  `GET .../alaudaservices/<name>` (in the 1-service and the N-service namespace:
  the facade also lists the namespace's services for `linked_from_apps`);
- list: facade `GET /v1/services/<ns>/?page_size=100` and the default page of 20
  vs API server `GET .../alaudaservices` (all N).

Each read runs a bounded number of times, first one at a time (latency
p50/p99), then with `--concurrency` requests in flight (requests per second).
Prints one table; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import secrets
import socket
import ssl
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import yaml

from alauda_operator import names
from alauda_operator.localcluster import ClusterInfo, LocalCluster, cluster_from_kubeconfig
from alauda_operator.localcluster.apiclient import ApiClient

REPO = Path(__file__).resolve().parents[1]
CRD_FILE = REPO / "crds" / "alaudaservices.alauda.io.yaml"
ROLE_FILE = REPO / "manifests" / "base" / "tenant-clusterrole.yaml"
MANAGER = "alauda-facade-bench"
USER = "alice"


def services_path(namespace: str, name: str = "") -> str:
    base = f"/apis/{names.API_GROUP}/{names.API_VERSION}/namespaces/{namespace}/{names.PLURAL}"
    return f"{base}/{name}" if name else base


def service_resource(namespace: str, name: str) -> dict[str, object]:
    return {
        "apiVersion": f"{names.API_GROUP}/{names.API_VERSION}",
        "kind": names.KIND,
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "image_name": "index.alauda.cn/alauda/ubuntu",
            "target_state": "STOPPED",
            "instance_envvars": {"MODE": "bench"},
            "instance_ports": [{"container_port": 80, "endpoint_type": "http-endpoint"}],
        },
    }


# --- setup ----------------------------------------------------------------------


def cluster_for_bench() -> tuple[ClusterInfo, LocalCluster | None]:
    env = os.environ.get("KUBECONFIG")
    if env:
        found = cluster_from_kubeconfig(Path(env.split(os.pathsep)[0]))
        if found is not None:
            return found, None
    local = LocalCluster("facade-bench")
    return local.up(), local


def wait_until(check: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.1)


def _may_list(client: ApiClient, namespace: str) -> bool:
    return client.get(services_path(namespace), ok=(403,)).status == 200


def prepare(cluster: ClusterInfo, count: int) -> tuple[str, str]:
    """CRD, tenant role, a namespace with ``count`` services and one with one."""
    admin = cluster.client()
    crd = yaml.safe_load(CRD_FILE.read_text())
    admin.apply(
        f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{crd['metadata']['name']}",
        crd,
        manager=MANAGER,
    )
    role = yaml.safe_load(ROLE_FILE.read_text())
    admin.apply(
        f"/apis/rbac.authorization.k8s.io/v1/clusterroles/{role['metadata']['name']}",
        role,
        manager=MANAGER,
    )
    wait_until(lambda: admin.get(services_path("default"), ok=(404,)).status == 200, "CRD served")
    suffix = secrets.token_hex(3)
    many, one = f"bench-{count}-{suffix}", f"bench-1-{suffix}"
    as_user = cluster.client(cluster.user_tokens[USER])
    for namespace in (many, one):
        admin.create("/api/v1/namespaces", {"metadata": {"name": namespace}})
        admin.apply(
            f"/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/rolebindings/{USER}",
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": {"name": USER, "namespace": namespace},
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "ClusterRole",
                    "name": role["metadata"]["name"],
                },
                "subjects": [
                    {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": USER}
                ],
            },
            manager=MANAGER,
        )
        wait_until(functools.partial(_may_list, as_user, namespace), "RoleBinding")
    with ThreadPoolExecutor(8) as pool:
        list(
            pool.map(
                lambda i: admin.create(services_path(many), service_resource(many, f"svc-{i:04d}")),
                range(count),
            )
        )
    admin.create(services_path(one), service_resource(one, "svc-0000"))
    return many, one


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_facade(kubeconfig: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "alauda_operator.facade",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--kubeconfig",
            str(kubeconfig),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False

    wait_until(healthy, "facade /healthz", timeout=30)
    return process, url


# --- measuring --------------------------------------------------------------------


@dataclass
class Result:
    name: str
    p50_ms: float
    p99_ms: float
    rps: float
    bytes: int


async def measure(
    name: str,
    session: aiohttp.ClientSession,
    url: str,
    headers: dict[str, str],
    requests: int,
    concurrency: int,
    ssl_context: ssl.SSLContext | bool,
) -> Result:
    async def one() -> tuple[float, int]:
        started = time.perf_counter()
        async with session.get(url, headers=headers, ssl=ssl_context) as response:
            body = await response.read()
            if response.status != 200:
                raise RuntimeError(f"{name}: {response.status} {body[:300]!r}")
        return time.perf_counter() - started, len(body)

    for _ in range(min(10, requests)):
        await one()
    latencies = []
    size = 0
    for _ in range(requests):
        elapsed, size = await one()
        latencies.append(elapsed)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]

    remaining = requests

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await one()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    rps = requests / (time.perf_counter() - started)
    return Result(name, statistics.median(latencies) * 1000, p99 * 1000, rps, size)


async def run_reads(
    cluster: ClusterInfo, facade_url: str, many: str, one: str, args: argparse.Namespace
) -> list[Result]:
    token = cluster.user_tokens[USER]
    context = ssl.create_default_context(
        cafile=str(cluster.ca_file) if cluster.ca_file else None,
        cadata=cluster.ca_data.decode() if cluster.ca_data and not cluster.ca_file else None,
    )
    facade_headers = {"Authorization": f"Token {token}"}
    api_headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    n = args.services
    plan: list[tuple[str, str, dict[str, str], int, ssl.SSLContext | bool]] = [
        (
            "facade GET one (ns of 1)",
            f"{facade_url}/v1/services/{one}/svc-0000/",
            facade_headers,
            args.requests,
            False,
        ),
        (
            "api    GET one (ns of 1)",
            cluster.server + services_path(one, "svc-0000"),
            api_headers,
            args.requests,
            context,
        ),
        (
            f"facade GET one (ns of {n})",
            f"{facade_url}/v1/services/{many}/svc-0000/",
            facade_headers,
            args.requests,
            False,
        ),
        (
            f"api    GET one (ns of {n})",
            cluster.server + services_path(many, "svc-0000"),
            api_headers,
            args.requests,
            context,
        ),
        (
            f"facade list page of 20 (of {n})",
            f"{facade_url}/v1/services/{many}/",
            facade_headers,
            args.list_requests,
            False,
        ),
        (
            f"facade list page of 100 (of {n})",
            f"{facade_url}/v1/services/{many}/?page_size=100",
            facade_headers,
            args.list_requests,
            False,
        ),
        (
            f"api    list all {n}",
            cluster.server + services_path(many),
            api_headers,
            args.list_requests,
            context,
        ),
    ]
    results = []
    connector = aiohttp.TCPConnector(limit=args.concurrency * 2)
    async with aiohttp.ClientSession(connector=connector, trust_env=False) as session:
        for name, url, headers, requests, ssl_context in plan:
            run: Awaitable[Result] = measure(
                name, session, url, headers, requests, args.concurrency, ssl_context
            )
            results.append(await run)
            print(f"  measured {name}", file=sys.stderr)
    return results


def print_table(results: list[Result], args: argparse.Namespace) -> None:
    print(
        f"\nfacade vs API server, {args.services} services, sequential p50/p99, "
        f"{args.concurrency} in flight for req/s"
    )
    print(f"{'read':<36} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'body bytes':>11}")
    for r in results:
        print(f"{r.name:<36} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f} {r.rps:>8.1f} {r.bytes:>11}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", type=int, default=500)
    parser.add_argument("--requests", type=int, default=300, help="per single-service read")
    parser.add_argument("--list-requests", type=int, default=60, help="per list read")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    cluster, started = cluster_for_bench()
    facade: subprocess.Popen[bytes] | None = None
    admin = cluster.client()
    many = one = ""
    try:
        print(f"creating {args.services} services ...", file=sys.stderr)
        many, one = prepare(cluster, args.services)
        facade, url = start_facade(cluster.kubeconfig)
        results = asyncio.run(run_reads(cluster, url, many, one, args))
        print_table(results, args)
    finally:
        if facade is not None:
            facade.terminate()
            facade.wait(timeout=15)
        for namespace in (many, one):
            if namespace:
                admin.delete(f"/api/v1/namespaces/{namespace}")
        if started is not None:
            started.down()


if __name__ == "__main__":
    main()
