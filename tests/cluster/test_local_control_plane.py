"""The local control plane behaves like a real cluster where the operator needs it."""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from tests.waiting import wait_for

from alauda_operator.localcluster import ClusterInfo, LocalCluster
from alauda_operator.localcluster.apiclient import ApiClient
from alauda_operator.localcluster.paths import binary

pytestmark = pytest.mark.cluster


def pid_alive(pid: int) -> bool:
    """Zombies count as dead: some container inits never reap orphans."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def local_only(cluster: ClusterInfo) -> LocalCluster:
    if cluster.local is None:
        pytest.skip("needs the local kwok cluster, not $KUBECONFIG's")
    return cluster.local


def running_pod(api: ApiClient, namespace: str, name: str) -> dict[str, Any] | None:
    pod = api.get(f"/api/v1/namespaces/{namespace}/pods/{name}").json()
    return pod if pod.get("status", {}).get("phase") == "Running" else None


def create_pod(api: ApiClient, namespace: str, name: str) -> dict[str, Any]:
    api.create(
        f"/api/v1/namespaces/{namespace}/pods",
        {
            "metadata": {"name": name},
            "spec": {"containers": [{"name": "app", "image": "registry.example/app:1"}]},
        },
    )
    return wait_for(lambda: running_pod(api, namespace, name), f"pod {name} Running")


def test_deployment_pods_reach_running(cluster: ClusterInfo, namespace: str) -> None:
    api = cluster.client()
    labels = {"app": "web"}
    api.create(
        f"/apis/apps/v1/namespaces/{namespace}/deployments",
        {
            "metadata": {"name": "web"},
            "spec": {
                "replicas": 3,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
                },
            },
        },
    )

    def ready_pods() -> list[dict[str, Any]] | None:
        pods = api.get(f"/api/v1/namespaces/{namespace}/pods?labelSelector=app%3Dweb").json()
        ready = [
            p
            for p in pods["items"]
            if p["status"].get("phase") == "Running"
            and p["status"].get("podIP")
            and any(
                c["type"] == "Ready" and c["status"] == "True"
                for c in p["status"].get("conditions") or []
            )
        ]
        return ready if len(ready) == 3 else None

    pods = wait_for(ready_pods, "3 Running and Ready pods")
    assert all(p["spec"]["nodeName"] for p in pods)
    deployment = wait_for(
        lambda: (
            d
            if (d := api.get(f"/apis/apps/v1/namespaces/{namespace}/deployments/web").json())
            .get("status", {})
            .get("availableReplicas")
            == 3
            else None
        ),
        "Deployment available",
    )
    assert deployment["status"]["readyReplicas"] == 3


def test_pod_logs_are_served_through_the_api(cluster: ClusterInfo, namespace: str) -> None:
    local_only(cluster)
    api = cluster.client()
    create_pod(api, namespace, "talker")

    logs = api.get(f"/api/v1/namespaces/{namespace}/pods/talker/log").body.decode()

    assert logs.splitlines()[-1] == "ready"


def test_pod_logs_with_chosen_timestamps_come_back(cluster: ClusterInfo, namespace: str) -> None:
    local_only(cluster)
    api = cluster.client()
    create_pod(api, namespace, "stamped")
    start = dt.datetime(2026, 3, 1, 10, 0, 0, 250000, tzinfo=dt.UTC)
    lines = [(start + dt.timedelta(minutes=i), f"event {i}") for i in range(6)]

    cluster.set_pod_logs(namespace, "stamped", lines)
    path = f"/api/v1/namespaces/{namespace}/pods/stamped/log"
    with_stamps = api.get(f"{path}?timestamps=true").body.decode()
    since = api.get(f"{path}?sinceTime=2026-03-01T10:03:00Z").body.decode()

    assert with_stamps.splitlines() == [
        f"2026-03-01T10:0{i}:00.250000000Z event {i}" for i in range(6)
    ]
    # sinceTime has whole seconds: 10:03:00 keeps 10:03:00.25 onwards.
    assert since.splitlines() == ["event 3", "event 4", "event 5"]


def test_pvc_binds(cluster: ClusterInfo, namespace: str) -> None:
    api = cluster.client()
    api.create(
        f"/api/v1/namespaces/{namespace}/persistentvolumeclaims",
        {
            "metadata": {"name": "data"},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}},
            },
        },
    )

    claim = wait_for(
        lambda: (
            c
            if (c := api.get(f"/api/v1/namespaces/{namespace}/persistentvolumeclaims/data").json())[
                "status"
            ].get("phase")
            == "Bound"
            else None
        ),
        "PVC Bound",
    )

    assert claim["spec"]["storageClassName"] == "standard"
    volume = api.get(f"/api/v1/persistentvolumes/{claim['spec']['volumeName']}").json()
    assert volume["spec"]["claimRef"]["name"] == "data"


def test_statefulset_claims_all_bind(cluster: ClusterInfo, namespace: str) -> None:
    api = cluster.client()
    labels = {"app": "db"}
    api.create(
        f"/apis/apps/v1/namespaces/{namespace}/statefulsets",
        {
            "metadata": {"name": "db"},
            "spec": {
                "replicas": 3,
                "serviceName": "db",
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {"containers": [{"name": "db", "image": "postgres:17"}]},
                },
                "volumeClaimTemplates": [
                    {
                        "metadata": {"name": "data"},
                        "spec": {
                            "accessModes": ["ReadWriteOnce"],
                            "resources": {"requests": {"storage": "1Gi"}},
                        },
                    }
                ],
            },
        },
    )

    def bound() -> set[str] | None:
        claims = api.get(f"/api/v1/namespaces/{namespace}/persistentvolumeclaims").json()
        names = {
            c["metadata"]["name"] for c in claims["items"] if c["status"].get("phase") == "Bound"
        }
        return names if len(names) == 3 else None

    assert wait_for(bound, "3 bound claims", timeout=60) == {"data-db-0", "data-db-1", "data-db-2"}


def test_deleting_an_owner_garbage_collects_its_dependents(
    cluster: ClusterInfo, namespace: str
) -> None:
    api = cluster.client()
    base = f"/api/v1/namespaces/{namespace}/configmaps"
    api.create(base, {"metadata": {"name": "owner"}, "data": {"role": "owner"}})
    owner = api.get(f"{base}/owner").json()
    api.create(
        base,
        {
            "metadata": {
                "name": "dependent",
                "ownerReferences": [
                    {
                        "apiVersion": "v1",
                        "kind": "ConfigMap",
                        "name": "owner",
                        "uid": owner["metadata"]["uid"],
                    }
                ],
            },
        },
    )

    api.delete(f"{base}/owner")

    wait_for(lambda: api.get(f"{base}/dependent", ok=(404,)).status == 404, "dependent deleted")


def crd_established(api: ApiClient, name: str) -> bool:
    crd = api.get(f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}").json()
    # `conditions` is null until the controllers have looked at the CRD.
    conditions = (crd.get("status") or {}).get("conditions") or []
    return any(c["type"] == "Established" and c["status"] == "True" for c in conditions)


def test_crd_with_structural_schema_rejects_invalid_object(cluster: ClusterInfo) -> None:
    api = cluster.client()
    group = f"t{secrets.token_hex(4)}.test.alauda.io"
    crd_name = f"widgets.{group}"
    api.create(
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        {
            "metadata": {"name": crd_name},
            "spec": {
                "group": group,
                "names": {"kind": "Widget", "plural": "widgets", "singular": "widget"},
                "scope": "Namespaced",
                "versions": [
                    {
                        "name": "v1",
                        "served": True,
                        "storage": True,
                        "schema": {
                            "openAPIV3Schema": {
                                "type": "object",
                                "properties": {
                                    "spec": {
                                        "type": "object",
                                        "required": ["size"],
                                        "properties": {"size": {"type": "integer", "minimum": 1}},
                                    }
                                },
                            }
                        },
                    }
                ],
            },
        },
    )
    try:
        wait_for(lambda: crd_established(api, crd_name), "CRD Established")
        widgets = f"/apis/{group}/v1/namespaces/default/widgets"
        invalid = api.request(
            "POST",
            widgets,
            {
                "apiVersion": f"{group}/v1",
                "kind": "Widget",
                "metadata": {"name": "bad"},
                "spec": {"size": "three"},
            },
            ok=(422,),
        )
        valid = api.request(
            "POST",
            widgets,
            {
                "apiVersion": f"{group}/v1",
                "kind": "Widget",
                "metadata": {"name": "good"},
                "spec": {"size": 3},
            },
        )
    finally:
        api.delete(f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{crd_name}")

    assert invalid.status == 422
    assert "spec.size" in invalid.json()["message"]
    assert valid.status == 201


def test_kubectl_version_reports_server_v1_36_3(cluster: ClusterInfo) -> None:
    local_only(cluster)
    out = subprocess.run(
        [str(binary("kubectl")), "--kubeconfig", str(cluster.kubeconfig), "version", "-o", "json"],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert json.loads(out.stdout)["serverVersion"]["gitVersion"] == "v1.36.3"


def test_alice_is_forbidden_to_list_pods_until_a_rolebinding_grants_it(
    cluster: ClusterInfo, namespace: str
) -> None:
    local_only(cluster)
    admin = cluster.client()
    alice = cluster.client(cluster.user_tokens["alice"])
    pods = f"/api/v1/namespaces/{namespace}/pods"

    before = alice.get(pods, ok=(401, 403))
    admin.create(
        f"/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/rolebindings",
        {
            "metadata": {"name": "alice-view"},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": "view",
            },
            "subjects": [
                {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "alice"}
            ],
        },
    )
    after = wait_for(
        lambda: r if (r := alice.get(pods, ok=(403,))).status == 200 else None, "access"
    )

    assert before.status == 403  # authenticated (not 401) but not authorised
    assert before.json()["details"]["kind"] == "pods"
    assert after.json()["kind"] == "PodList"


def test_up_is_idempotent_when_running(cluster: ClusterInfo) -> None:
    local = local_only(cluster)
    started = time.monotonic()

    info = LocalCluster(local.name, progress=None).up()

    assert time.monotonic() - started < 3
    assert info.server == cluster.server


def test_a_cluster_outlives_the_command_that_started_it_and_down_stops_it(
    cluster: ClusterInfo,
) -> None:
    local_only(cluster)  # needs the built binaries
    name = f"pytest-lifecycle-{os.getpid()}"
    other = LocalCluster(name, node_count=1, progress=None)

    def cli(*args: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "alauda_operator.localcluster", *args, "--name", name],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout

    try:
        printed = cli("up", "--fresh")
        # The `up` process has exited; the cluster runs on, detached from us.
        assert printed.strip() == str(other.kubeconfig)
        assert other.is_running()
        pids = {name: pid for name, (pid, alive) in other.processes().items() if alive}
        assert len(pids) == 5
        assert all(os.getsid(pid) != os.getsid(0) for pid in pids.values())

        cli("down")
        cli("down")  # idempotent

        assert not [name for name, pid in pids.items() if pid_alive(pid)]
        assert not other.is_running()
        assert (other.logs_dir / "kube-apiserver.log").stat().st_size > 0
    finally:
        other.down(purge=True)
    assert not other.state_dir.exists()
