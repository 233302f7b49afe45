"""The install manifests (manifests/base) against the real control plane."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from alauda_operator.crd import build_crd
from alauda_operator.localcluster import ClusterInfo
from alauda_operator.localcluster.paths import binary

REPO = Path(__file__).resolve().parents[2]
BASE = REPO / "manifests" / "base"

pytestmark = pytest.mark.cluster


def kubectl(cluster: ClusterInfo, *args: str) -> str:
    done = subprocess.run(
        [str(binary("kubectl")), "--kubeconfig", str(cluster.kubeconfig), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def rendered_objects(cluster: ClusterInfo) -> list[dict[str, Any]]:
    return [o for o in yaml.safe_load_all(kubectl(cluster, "kustomize", str(BASE))) if o]


def test_kustomize_renders_every_install_object(cluster: ClusterInfo) -> None:
    kinds = {(o["kind"], o["metadata"]["name"]) for o in rendered_objects(cluster)}
    assert {
        ("Namespace", "alauda-system"),
        ("CustomResourceDefinition", "alaudaservices.alauda.io"),
        ("ServiceAccount", "alauda-operator"),
        ("ClusterRole", "alauda-operator"),
        ("ClusterRoleBinding", "alauda-operator"),
        ("Deployment", "alauda-operator"),
        ("Deployment", "alauda-facade"),
        ("Service", "alauda-facade"),
        ("ClusterRole", "alauda-tenant"),
    } <= kinds


def test_manifests_install_the_generated_crd(cluster: ClusterInfo) -> None:
    crds = [o for o in rendered_objects(cluster) if o["kind"] == "CustomResourceDefinition"]
    assert crds == [build_crd()]


def test_every_pod_template_is_non_root_with_a_read_only_root(cluster: ClusterInfo) -> None:
    deployments = [o for o in rendered_objects(cluster) if o["kind"] == "Deployment"]
    for deployment in deployments:
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in pod["containers"]:
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert container["resources"]["requests"]
            assert container["livenessProbe"] and container["readinessProbe"]


def test_operator_runs_two_replicas(cluster: ClusterInfo) -> None:
    objects = rendered_objects(cluster)
    operator = next(
        o for o in objects if o["kind"] == "Deployment" and "operator" in o["metadata"]["name"]
    )
    assert operator["spec"]["replicas"] == 2


def test_manifests_apply_and_their_pods_run_under_restricted_pod_security(
    cluster: ClusterInfo,
) -> None:
    # The namespace enforces the "restricted" Pod Security level, so a pod
    # template that breaks it would never get Pods.
    kubectl(cluster, "apply", "--server-side", "--force-conflicts", "-k", str(BASE))
    deadline = time.monotonic() + 90
    ready: dict[str, int] = {}
    while time.monotonic() < deadline:
        listed = json.loads(
            kubectl(cluster, "get", "deployments", "-n", "alauda-system", "-o", "json")
        )
        ready = {
            d["metadata"]["name"]: d["status"].get("readyReplicas", 0) for d in listed["items"]
        }
        if ready == {"alauda-operator": 2, "alauda-facade": 2}:
            break
        time.sleep(0.5)
    assert ready == {"alauda-operator": 2, "alauda-facade": 2}
