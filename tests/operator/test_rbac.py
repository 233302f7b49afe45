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
def operator_rbac(cluster: ClusterInfo) -> Iterator[None]:
    """The ServiceAccount, roles and bindings of the manifests, removed afterwards."""
    api = cluster.client()
    api.create("/api/v1/namespaces", {"metadata": {"name": SYSTEM_NAMESPACE}})
    objects = list(yaml.safe_load_all(RBAC_FILE.read_text()))
    for obj in objects:
        api.apply(object_path(obj), obj, manager=TEST_FIELD_MANAGER)
    try:
        yield
    finally:
        for obj in reversed(objects):
            api.delete(object_path(obj))


@pytest.fixture
def rbac_operator(
    cluster: ClusterInfo, operator: OperatorProcess, operator_rbac: None, tmp_path: Path
) -> Iterator[OperatorProcess]:
    """An operator with the ServiceAccount's token alone, in place of the session's."""
    api = cluster.client()
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


# What the operator never needs: user data, Pods (the workloads make them),
# volume claims (kept on purpose), the AlaudaService spec (the user's), RBAC.
NOT_GRANTED = [
    ("", "secrets", "", "get"),
    ("", "configmaps", "", "create"),
    ("", "pods", "", "create"),
    ("", "pods", "", "delete"),
    ("", "persistentvolumeclaims", "", "delete"),
    ("", "namespaces", "", "delete"),
    ("alauda.io", "alaudaservices", "", "update"),
    ("alauda.io", "alaudaservices", "", "delete"),
    ("apps", "deployments", "scale", "update"),
    ("rbac.authorization.k8s.io", "clusterroles", "", "create"),
    ("coordination.k8s.io", "leases", "", "delete"),
]


def operator_may(cluster: ClusterInfo, group: str, resource: str, sub: str, verb: str) -> bool:
    account = f"system:serviceaccount:{SYSTEM_NAMESPACE}:alauda-operator"
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SubjectAccessReview",
        "spec": {
            "user": account,
            "groups": ["system:serviceaccounts", f"system:serviceaccounts:{SYSTEM_NAMESPACE}"],
            "resourceAttributes": {
                "namespace": "some-tenant",
                "group": group,
                "resource": resource,
                "subresource": sub,
                "verb": verb,
            },
        },
    }
    path = "/apis/authorization.k8s.io/v1/subjectaccessreviews"
    answer = cluster.client().request("POST", path, review).json()
    return bool(answer["status"].get("allowed"))


@pytest.mark.parametrize(("group", "resource", "sub", "verb"), NOT_GRANTED)
def test_operator_service_account_has_no_other_rights(
    cluster: ClusterInfo, operator_rbac: None, group: str, resource: str, sub: str, verb: str
) -> None:
    assert not operator_may(cluster, group, resource, sub, verb)


def test_operator_service_account_may_apply_workloads_and_write_status(
    cluster: ClusterInfo, operator_rbac: None
) -> None:
    # The same review that says "no" above says "yes" here, so it can fail.
    assert operator_may(cluster, "apps", "deployments", "", "patch")
    assert operator_may(cluster, "alauda.io", "alaudaservices", "status", "patch")
