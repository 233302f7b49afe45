"""The operator runs with the rights of manifests/base/operator-rbac.yaml and no more."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from alauda_operator.localcluster import ClusterInfo
from tests.operator.kube import Cluster, auto_config, seed_spec, stateless_spec, wait_for
from tests.operator_fixture import TEST_FIELD_MANAGER, OperatorProcess

pytestmark = pytest.mark.cluster

RBAC_FILE = Path(__file__).resolve().parents[2] / "manifests" / "base" / "operator-rbac.yaml"
SYSTEM_NAMESPACE = "alauda-system"
PATHS = {
    "ServiceAccount": "/api/v1/namespaces/{ns}/serviceaccounts/{name}",
    "ClusterRole": "/apis/rbac.authorization.k8s.io/v1/clusterroles/{name}",
    "ClusterRoleBinding": "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/{name}",
    "Role": "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles/{name}",
    "RoleBinding": "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings/{name}",
}


def object_path(obj: dict[str, Any]) -> str:
    metadata = obj["metadata"]
    return PATHS[obj["kind"]].format(ns=metadata.get("namespace", ""), name=metadata["name"])


def service_account_kubeconfig(cluster: ClusterInfo, token: str, path: Path) -> Path:
    assert cluster.ca_file is not None
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "c",
                "cluster": {
                    "server": cluster.server,
                    "certificate-authority": str(cluster.ca_file),
                },
            }
        ],
        "users": [{"name": "operator", "user": {"token": token}}],
        "contexts": [{"name": "c", "context": {"cluster": "c", "user": "operator"}}],
        "current-context": "c",
    }
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture
def rbac_operator(
    cluster: ClusterInfo, operator: OperatorProcess, tmp_path: Path
) -> Iterator[OperatorProcess]:
    """An operator with the ServiceAccount's token alone, in place of the session's."""
    api = cluster.client()
    api.create("/api/v1/namespaces", {"metadata": {"name": SYSTEM_NAMESPACE}})
    objects = list(yaml.safe_load_all(RBAC_FILE.read_text()))
    for obj in objects:
        api.apply(object_path(obj), obj, manager=TEST_FIELD_MANAGER)
    request = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}}
    token = api.request(
        "POST",
        f"/api/v1/namespaces/{SYSTEM_NAMESPACE}/serviceaccounts/alauda-operator/token",
        request,
    ).json()["status"]["token"]
    operator.stop()
    limited = OperatorProcess(
        service_account_kubeconfig(cluster, token, tmp_path / "kubeconfig"),
        operator.log_file.with_name("operator-rbac.log"),
        extra_args=("--leader-elect", "--lease-namespace", SYSTEM_NAMESPACE),
    )
    limited.start()
    try:
        yield limited
    finally:
        limited.stop()
        for obj in reversed(objects):
            api.delete(object_path(obj))


def test_operator_does_its_work_with_the_manifests_rights(
    kube: Cluster, rbac_operator: OperatorProcess
) -> None:
    kube.create_service("test", seed_spec())
    kube.create_service("site", stateless_spec(instance_ports=[{"container_port": 80}]))
    kube.create_service(
        "auto", stateless_spec(scaling_mode="AUTO", autoscaling_config=auto_config(1, 3))
    )
    for name in ("test", "site", "auto"):
        kube.wait_ready(name)
    kube.patch_spec("auto", {"scaling_mode": "MANUAL"})  # hand-off and a deletion
    wait_for(lambda: kube.get("HorizontalPodAutoscaler", "auto") is None, "no autoscaler")
    kube.wait_ready("auto")
    wait_for(lambda: "Running" in kube.event_reasons("site"), "an Event")

    assert rbac_operator.metric("alauda_operator_reconcile_errors_total") == 0
    assert rbac_operator.stop() == 0
    forbidden = [r for r in rbac_operator.log_lines() if "forbidden" in str(r).lower()]
    assert forbidden == []
