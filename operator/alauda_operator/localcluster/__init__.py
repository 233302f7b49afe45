"""A local Kubernetes control plane built from upstream binaries (kwok for Nodes).

    from alauda_operator.localcluster import LocalCluster
    info = LocalCluster("dev").up()      # ClusterInfo: kubeconfig, server, tokens
    info.set_pod_logs("ns", "pod", [(datetime, "line"), ...])
    LocalCluster("dev").down(purge=False)

CLI: `python -m alauda_operator.localcluster up|down|status|env [--name NAME]`.
"""

from .cluster import ClusterError, ClusterInfo, LocalCluster
from .discover import cluster_from_kubeconfig
from .paths import BuildError

__all__ = [
    "BuildError",
    "ClusterError",
    "ClusterInfo",
    "LocalCluster",
    "cluster_from_kubeconfig",
]
