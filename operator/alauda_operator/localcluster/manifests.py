"""The API objects `up` installs: kwok's log CRDs, fake Nodes, a StorageClass."""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]

KWOK_GROUP = "kwok.x-k8s.io"
KWOK_VERSION = "v1alpha1"
STORAGE_CLASS = "standard"
# The provisioner name kwok's volume stages write on the PVs they create.
PROVISIONER = "kwok.x-k8s.io/volume"
DEFAULT_CLUSTER_LOGS = "default-demo-logs"
NODE_COUNT = 4

# The annotation kwok's own node examples carry; harmless with --manage-all-nodes
# and it tells a human which Nodes are fake.
_FAKE_NODE_ANNOTATION = {"kwok.x-k8s.io/node": "fake"}


def node_name(index: int) -> str:
    return f"kwok-node-{index}"


def _log_item_schema() -> JSON:
    return {
        "type": "object",
        "properties": {
            "containers": {"type": "array", "items": {"type": "string"}},
            "follow": {"type": "boolean"},
            "logsFile": {"type": "string"},
            "previousLogsFile": {"type": "string"},
        },
    }


def _kwok_crd(kind: str, plural: str, scope: str, spec_extra: JSON) -> JSON:
    """kwok's kustomize/crd/bases CRD, minus the descriptions."""
    spec_props: JSON = {"logs": {"type": "array", "items": _log_item_schema()}, **spec_extra}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{KWOK_GROUP}"},
        "spec": {
            "group": KWOK_GROUP,
            "names": {
                "kind": kind,
                "listKind": f"{kind}List",
                "plural": plural,
                "singular": plural,
            },
            "scope": scope,
            "versions": [
                {
                    "name": KWOK_VERSION,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "required": ["metadata", "spec"],
                            "properties": {
                                "apiVersion": {"type": "string"},
                                "kind": {"type": "string"},
                                "metadata": {"type": "object"},
                                "spec": {
                                    "type": "object",
                                    "required": ["logs"],
                                    "properties": spec_props,
                                },
                                "status": {
                                    "type": "object",
                                    "x-kubernetes-preserve-unknown-fields": True,
                                },
                            },
                        }
                    },
                }
            ],
        },
    }


def kwok_crds() -> list[JSON]:
    string_list = {"type": "array", "items": {"type": "string"}}
    return [
        _kwok_crd("Logs", "logs", "Namespaced", {}),
        _kwok_crd(
            "ClusterLogs",
            "clusterlogs",
            "Cluster",
            {
                "selector": {
                    "type": "object",
                    "properties": {"matchNames": string_list, "matchNamespaces": string_list},
                }
            },
        ),
    ]


def fake_node(index: int, kubelet_port: int) -> JSON:
    name = node_name(index)
    resources = {"cpu": "32", "memory": "256Gi", "pods": "250", "ephemeral-storage": "1Ti"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": dict(_FAKE_NODE_ANNOTATION),
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "type": "kwok",
            },
        },
        # No taints: ordinary Deployments must schedule here.
        "spec": {},
        "status": {
            "allocatable": resources,
            "capacity": resources,
            # kwok's node-initialize stage keeps addresses that are already
            # there; the API server reaches the kubelet API (kwok) at the
            # InternalIP and this port.
            "addresses": [
                {"type": "InternalIP", "address": "127.0.0.1"},
                {"type": "Hostname", "address": name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": kubelet_port}},
        },
    }


def storage_class() -> JSON:
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {
            "name": STORAGE_CLASS,
            "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
        },
        "provisioner": PROVISIONER,
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "Immediate",
        "allowVolumeExpansion": True,
    }


def cluster_logs(name: str, logs_file: str) -> JSON:
    """A ClusterLogs without selector: every pod without its own Logs gets this file."""
    return {
        "apiVersion": f"{KWOK_GROUP}/{KWOK_VERSION}",
        "kind": "ClusterLogs",
        "metadata": {"name": name},
        "spec": {"logs": [{"logsFile": logs_file, "previousLogsFile": logs_file}]},
    }


def pod_logs(namespace: str, pod: str, logs_file: str, containers: list[str] | None) -> JSON:
    """kwok matches a Logs object to the pod of the same namespace and name."""
    entry: JSON = {"logsFile": logs_file, "previousLogsFile": logs_file}
    if containers:
        entry["containers"] = containers
    return {
        "apiVersion": f"{KWOK_GROUP}/{KWOK_VERSION}",
        "kind": "Logs",
        "metadata": {"name": pod, "namespace": namespace},
        "spec": {"logs": [entry]},
    }
