"""Finding out whether a kubeconfig (e.g. $KUBECONFIG) points at a live cluster."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

from . import paths
from .apiclient import ApiError
from .cluster import ClusterInfo, LocalCluster
from .kubeconfig import read_kubeconfig


def _local_cluster_name(kubeconfig: Path) -> str | None:
    """`<clusters>/<name>/kubeconfig[-user]` belongs to local cluster <name>."""
    try:
        rel = kubeconfig.resolve().relative_to(paths.clusters_dir().resolve())
    except ValueError:
        return None
    if len(rel.parts) == 2 and rel.parts[1].startswith("kubeconfig"):
        return rel.parts[0]
    return None


def _kubectl() -> str | None:
    try:
        built = paths.binary("kubectl")
    except (paths.BuildError, OSError, subprocess.CalledProcessError):
        built = None
    if built is not None and built.exists():
        return str(built)
    return shutil.which("kubectl")


def cluster_from_kubeconfig(kubeconfig: Path, *, timeout: float = 10.0) -> ClusterInfo | None:
    """A ClusterInfo if the kubeconfig's current context answers `/version`, else None.

    One of our own local clusters comes back with its tokens and set_pod_logs;
    any other cluster with just its server, kubeconfig and (if the kubeconfig
    holds one) its token.
    """
    name = _local_cluster_name(kubeconfig)
    if name is not None:
        local = LocalCluster(name, progress=None)
        return local.info() if local.is_running() else None

    # Inline client certificates are written here; they must outlive this call
    # because the returned ClusterInfo's client() loads them.
    digest = hashlib.sha256(str(kubeconfig.resolve()).encode()).hexdigest()[:16]
    scratch = paths.cache_dir() / "kubeconfig-certs" / digest
    try:
        target = read_kubeconfig(kubeconfig, scratch)
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if target.uses_exec:
        # Exec plugins and auth providers: let kubectl speak for us.
        kubectl = _kubectl()
        if kubectl is None:
            return None
        try:
            probe = subprocess.run(
                [kubectl, "--kubeconfig", str(kubeconfig), "get", "--raw", "/version"],
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        answers = probe.returncode == 0
    else:
        try:
            answers = target.client().get("/version", timeout=timeout).status == 200
        except (OSError, ApiError):
            answers = False
    if not answers:
        return None
    return ClusterInfo(
        name=target.context,
        server=target.server,
        kubeconfig=kubeconfig,
        admin_token=target.token,
        ca_file=target.ca_file,
        ca_data=target.ca_data,
        client_cert=target.client_cert,
        insecure=target.insecure,
    )
