"""The operator's cost and speed, on the local control plane (kwok nodes).

    python bench/operator_bench.py [--writes 10] [--burst 200] [--memory 1000]

Uses $KUBECONFIG's cluster if it answers, else starts (and afterwards stops)
the local cluster `operator-bench`. Runs the operator as its own process
(`python -m alauda_operator.controller --all-namespaces`) and measures:

- API writes per created service, as the API server counts them
  (apiserver_request_total: server-side applies, by resource; only the
  operator applies) plus the Events it posted, for a stateless service
  (1 instance, no port) and for the seed page's example (StatefulSet, 2
  instances, 2 volumes, tcp- and direct-endpoint);
- time from create to Ready (status condition Ready=True for the current
  generation, seen by polling every 0.1 s): one service at a time, then
  `--burst` services created at once;
- the operator's memory (VmRSS, VmHWM) idle and with `--memory` services
  (Deployments with kwok pods, 1 instance, no ports), which are deleted after.

Prints the numbers; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.operator.kube import seed_spec, stateless_spec  # noqa: E402
from tests.operator_fixture import OperatorProcess, install_crd, parse_metrics  # noqa: E402

from alauda_operator import names  # noqa: E402
from alauda_operator.localcluster import (  # noqa: E402
    ClusterInfo,
    LocalCluster,
    cluster_from_kubeconfig,
)
from alauda_operator.localcluster.apiclient import ApiClient  # noqa: E402

BENCH_CLUSTER = "operator-bench"
CREATE_THREADS = 16


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def cluster_for_bench() -> tuple[ClusterInfo, LocalCluster | None]:
    env = os.environ.get("KUBECONFIG")
    if env:
        existing = cluster_from_kubeconfig(Path(env.split(os.pathsep)[0]))
        if existing is not None:
            return existing, None
    local = LocalCluster(BENCH_CLUSTER)
    return local.up(fresh=True), local


def services_path(namespace: str, name: str = "") -> str:
    base = f"/apis/{names.API_GROUP}/{names.API_VERSION}/namespaces/{namespace}/{names.PLURAL}"
    return f"{base}/{name}" if name else base


def new_namespace(api: ApiClient, prefix: str) -> str:
    name = f"{prefix}-{secrets.token_hex(3)}"
    api.create("/api/v1/namespaces", {"metadata": {"name": name}})
    deadline = time.monotonic() + 30
    while api.get(f"/api/v1/namespaces/{name}/serviceaccounts/default", ok=(404,)).status == 404:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no default ServiceAccount in {name}")
        time.sleep(0.05)
    return name


def delete_namespace(api: ApiClient, namespace: str, timeout: float = 600) -> None:
    api.delete(f"/api/v1/namespaces/{namespace}")
    deadline = time.monotonic() + timeout
    while api.get(f"/api/v1/namespaces/{namespace}", ok=(404,)).status != 404:
        if time.monotonic() > deadline:
            say(f"namespace {namespace} still terminating; going on")
            return
        time.sleep(1)


def create(api: ApiClient, namespace: str, name: str, spec: dict[str, Any]) -> None:
    body = {
        "apiVersion": f"{names.API_GROUP}/{names.API_VERSION}",
        "kind": names.KIND,
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }
    api.request("POST", services_path(namespace), body, timeout=60)


def is_ready(service: dict[str, Any]) -> bool:
    status = service.get("status") or {}
    if status.get("observedGeneration") != service["metadata"]["generation"]:
        return False
    return any(c["type"] == "Ready" and c["status"] == "True" for c in status.get("conditions", []))


def create_and_time(
    api: ApiClient, namespace: str, specs: dict[str, dict[str, Any]], timeout: float
) -> dict[str, float]:
    """Creates the services at once; returns service -> seconds to Ready."""
    created: dict[str, float] = {}

    def create_one(name: str) -> None:
        created[name] = time.monotonic()
        create(api, namespace, name, specs[name])

    with ThreadPoolExecutor(CREATE_THREADS) as pool:
        started = [pool.submit(create_one, name) for name in specs]
        ready_at: dict[str, float] = {}
        deadline = time.monotonic() + timeout
        while len(ready_at) < len(specs):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(specs) - len(ready_at)} services not Ready")
            now = time.monotonic()
            for service in api.get(services_path(namespace), timeout=60).json()["items"]:
                name = service["metadata"]["name"]
                if name in specs and name not in ready_at and is_ready(service):
                    ready_at[name] = now
            time.sleep(0.1)
        for future in started:
            future.result()
    return {name: ready_at[name] - created[name] for name in specs}


# What the operator applies (kwok applies PersistentVolumes, for instance).
OPERATOR_RESOURCES = {
    "deployments",
    "statefulsets",
    "services",
    "ingresses",
    "horizontalpodautoscalers",
    names.PLURAL,
}


def applies(api: ApiClient) -> Counter[str]:
    """Server-side applies of the operator's resources (and subresources), as
    the API server counts them."""
    counted: Counter[str] = Counter()
    for (name, labels), value in parse_metrics(api.get("/metrics").body.decode()).items():
        label = dict(labels)
        if (
            name == "apiserver_request_total"
            and label.get("verb") == "APPLY"
            and label.get("resource") in OPERATOR_RESOURCES
        ):
            key = label["resource"] + (f"/{label['subresource']}" if label["subresource"] else "")
            counted[key] += int(value)
    return counted


def operator_events(api: ApiClient, namespace: str) -> int:
    path = f"/api/v1/namespaces/{namespace}/events?fieldSelector=involvedObject.kind%3D{names.KIND}"
    return len(api.get(path).json()["items"])


def measure_writes(
    api: ApiClient, operator: OperatorProcess, label: str, spec: dict[str, Any], count: int
) -> dict[str, float]:
    namespace = new_namespace(api, "bench-writes")
    try:
        operator.wait_idle(timeout=600)
        before = applies(api)
        create_and_time(api, namespace, {f"s{i}": spec for i in range(count)}, timeout=600)
        operator.wait_idle(timeout=600)
        time.sleep(2)  # late watch events: a write would show up now
        operator.wait_idle(timeout=600)
        diff = applies(api) - before
        events = operator_events(api, namespace)
    finally:
        delete_namespace(api, namespace)
    per_service = {key: value / count for key, value in sorted(diff.items())}
    per_service["events"] = events / count
    total = sum(per_service.values())
    say(f"writes per {label} service: {total:.2f} ({per_service})")
    return {"total": total, **per_service}


def measure_one_at_a_time(api: ApiClient, repeats: int) -> list[float]:
    namespace = new_namespace(api, "bench-one")
    try:
        times = []
        for i in range(repeats):
            times.extend(
                create_and_time(api, namespace, {f"one-{i}": stateless_spec()}, 120).values()
            )
    finally:
        delete_namespace(api, namespace)
    say(f"create -> Ready, one service: median {statistics.median(times):.2f}s of {times}")
    return times


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_burst(api: ApiClient, operator: OperatorProcess, count: int) -> dict[str, Any]:
    assert operator.process is not None
    namespace = new_namespace(api, "bench-burst")
    try:
        cpu_before = cpu_seconds(operator.process.pid)
        reconciles_before = operator.metric("alauda_operator_reconciles_total")
        started = time.monotonic()
        specs = {f"b{i}": stateless_spec() for i in range(count)}
        times = list(create_and_time(api, namespace, specs, 1800).values())
        total = time.monotonic() - started
        operator.wait_idle(timeout=600)
        cpu = cpu_seconds(operator.process.pid) - cpu_before
        reconciles = operator.metric("alauda_operator_reconciles_total") - reconciles_before
    finally:
        delete_namespace(api, namespace)
    say(
        f"create -> Ready, {count} at once: all in {total:.1f}s; per service "
        f"p50 {percentile(times, 50):.1f}s p95 {percentile(times, 95):.1f}s max {max(times):.1f}s; "
        f"operator CPU {cpu:.1f}s, {reconciles:.0f} reconciles"
    )
    return {"total": total, "times": times, "cpu": cpu, "reconciles": reconciles}


def memory_kib(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


def measure_memory(
    api: ApiClient, operator: OperatorProcess, count: int, fresh: dict[str, int]
) -> dict[str, Any]:
    assert operator.process is not None
    pid = operator.process.pid
    idle = memory_kib(pid)
    namespace = new_namespace(api, "bench-memory")
    try:
        started = time.monotonic()
        create_and_time(
            api, namespace, {f"m{i}": stateless_spec() for i in range(count)}, timeout=3600
        )
        took = time.monotonic() - started
        operator.wait_idle(timeout=600)
        loaded = memory_kib(pid)
    finally:
        delete_namespace(api, namespace, timeout=1800)
    say(
        f"memory: at start {fresh['VmRSS'] / 1024:.0f} MiB, before {idle['VmRSS'] / 1024:.0f} MiB;"
        f" with {count} services "
        f"{loaded['VmRSS'] / 1024:.0f} MiB (peak {loaded['VmHWM'] / 1024:.0f} MiB); "
        f"all {count} Ready in {took:.0f}s"
    )
    return {"fresh": fresh, "idle": idle, "loaded": loaded, "ready_seconds": took}


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def timed(what: str, step: Callable[[], Any]) -> Any:
    say(f"{what} ...")
    return step()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, default=10, help="stateless services to count")
    parser.add_argument(
        "--writes-seed",
        type=int,
        default=2,
        help="seed examples to count (each instance takes host port 22 of a node: at most "
        "nodes/2 services fit)",
    )
    parser.add_argument("--repeats", type=int, default=5, help="single creates to time")
    parser.add_argument("--burst", type=int, default=200, help="services created at once")
    parser.add_argument("--memory", type=int, default=1000, help="services for the RSS")
    args = parser.parse_args()

    cluster, local = cluster_for_bench()
    api = cluster.client()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"operator-bench-{os.getpid()}.log"
    operator = OperatorProcess(cluster.kubeconfig, log)
    try:
        install_crd(api)
        operator.start()
        operator.wait_idle(timeout=600)
        assert operator.process is not None
        fresh = memory_kib(operator.process.pid)
        say(f"operator log: {log}")
        results = {
            "writes_stateless": timed(
                "writes",
                lambda: measure_writes(api, operator, "stateless", stateless_spec(), args.writes),
            ),
            "writes_seed": timed(
                "writes",
                lambda: measure_writes(api, operator, "seed", seed_spec(), args.writes_seed),
            ),
            "ready_one": timed("one at a time", lambda: measure_one_at_a_time(api, args.repeats)),
            "ready_burst": timed("burst", lambda: measure_burst(api, operator, args.burst)),
        }
        if args.memory:
            results["memory"] = timed(
                "memory", lambda: measure_memory(api, operator, args.memory, fresh)
            )
        print(format_results(results, args))
    finally:
        operator.stop()
        if local is not None:
            local.down()
    return 0


def format_results(results: dict[str, Any], args: argparse.Namespace) -> str:
    lines = ["", "operator bench", "=============="]
    for key in ("writes_stateless", "writes_seed"):
        writes = results[key]
        detail = ", ".join(f"{k} {v:.2f}" for k, v in writes.items() if k != "total")
        lines.append(f"API writes per created {key[7:]} service: {writes['total']:.2f} ({detail})")
    one = results["ready_one"]
    lines.append(f"create -> Ready, one service: median {statistics.median(one):.2f}s")
    burst = results["ready_burst"]
    p50, p95 = percentile(burst["times"], 50), percentile(burst["times"], 95)
    lines.append(
        f"create -> Ready, {args.burst} at once: all Ready after {burst['total']:.1f}s; "
        f"per service p50 {p50:.1f}s, p95 {p95:.1f}s; "
        f"operator CPU {burst['cpu']:.1f}s in {burst['reconciles']:.0f} reconciles"
    )
    if "memory" in results:
        memory = results["memory"]
        lines.append(
            f"operator RSS: at start {memory['fresh']['VmRSS'] / 1024:.0f} MiB, "
            f"with {args.memory} services {memory['loaded']['VmRSS'] / 1024:.0f} MiB "
            f"(peak {memory['loaded']['VmHWM'] / 1024:.0f} MiB; all Ready after "
            f"{memory['ready_seconds']:.0f}s)"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
