"""The state directory's layout, and each component's command line and config."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import manifests, stages
from .kubeconfig import write_cert_kubeconfig
from .pki import Pki

SERVICE_CIDR = "10.96.0.0/16"
SERVICE_IP = "10.96.0.1"  # The `kubernetes` Service: first address of the range.
POD_CIDR = "10.244.0.0/16"
PORT_NAMES = (
    "etcd",
    "etcd-peer",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kwok",
)
# Start order; `down` stops them in reverse.
COMPONENTS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")
# The components that talk to the API server with a client certificate.
CLIENTS = ("kube-controller-manager", "kube-scheduler", "kwok")

Ports = dict[str, int]


@dataclass(frozen=True)
class Layout:
    """Paths inside `<cache>/clusters/<name>/`."""

    state_dir: Path

    @property
    def pki(self) -> Pki:
        return Pki(self.state_dir / "pki")

    @property
    def kubeconfig(self) -> Path:
        return self.state_dir / "kubeconfig"

    def user_kubeconfig(self, user: str) -> Path:
        return self.state_dir / f"kubeconfig-{user}"

    @property
    def tokens_json(self) -> Path:
        return self.state_dir / "tokens.json"

    @property
    def meta_file(self) -> Path:
        return self.state_dir / "cluster.json"

    @property
    def logs_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def pids_dir(self) -> Path:
        return self.state_dir / "pids"

    @property
    def podlogs_dir(self) -> Path:
        return self.state_dir / "podlogs"

    @property
    def demo_log(self) -> Path:
        return self.podlogs_dir / "demo.log"

    @property
    def components_dir(self) -> Path:
        return self.state_dir / "components"

    @property
    def tokens_csv(self) -> Path:
        return self.components_dir / "tokens.csv"

    def component_kubeconfig(self, component: str) -> Path:
        return self.components_dir / f"{component}.kubeconfig"

    @property
    def scheduler_config(self) -> Path:
        return self.components_dir / "kube-scheduler.yaml"

    @property
    def kwok_config(self) -> Path:
        return self.components_dir / "kwok.yaml"


def write_configs(layout: Layout, server: str) -> None:
    """Component kubeconfigs, the scheduler's config and kwok's stages."""
    pki = layout.pki
    for component in CLIENTS:
        write_cert_kubeconfig(
            layout.component_kubeconfig(component),
            server=server,
            ca_file=pki.ca_cert,
            cert_file=pki.cert(component),
            key_file=pki.key(component),
        )
    scheduler = {
        "apiVersion": "kubescheduler.config.k8s.io/v1",
        "kind": "KubeSchedulerConfiguration",
        "clientConnection": {
            "kubeconfig": str(layout.component_kubeconfig("kube-scheduler")),
            "qps": 200,
            "burst": 400,
        },
        "leaderElection": {"leaderElect": False},
    }
    layout.scheduler_config.write_text(yaml.safe_dump(scheduler))
    volume_dir = str(layout.state_dir / "volumes")
    layout.kwok_config.write_text(
        "---\n".join(stages.all_stages(manifests.STORAGE_CLASS, volume_dir))
    )


def command(component: str, bin_dir: Path, layout: Layout, ports: Ports) -> list[str]:
    builders = {
        "etcd": _etcd,
        "kube-apiserver": _apiserver,
        "kube-controller-manager": _controller_manager,
        "kube-scheduler": _scheduler,
        "kwok": _kwok,
    }
    return [str(bin_dir / component), *builders[component](layout, ports)]


def environment(component: str, layout: Layout) -> dict[str, str] | None:
    if component != "kwok":
        return None
    env = dict(os.environ)
    # Otherwise kwok also loads ~/.kwok/kwok.yaml if a user has one.
    env["KWOK_WORKDIR"] = str(layout.state_dir / "kwok")
    return env


def _etcd(layout: Layout, ports: Ports) -> list[str]:
    client = f"http://127.0.0.1:{ports['etcd']}"
    peer = f"http://127.0.0.1:{ports['etcd-peer']}"
    return [
        "--name=local",
        f"--data-dir={layout.state_dir / 'etcd'}",
        f"--listen-client-urls={client}",
        f"--advertise-client-urls={client}",
        f"--listen-peer-urls={peer}",
        f"--initial-advertise-peer-urls={peer}",
        f"--initial-cluster=local={peer}",
        "--auto-compaction-retention=1",
        "--quota-backend-bytes=8589934592",
        # A throw-away development cluster: losing the last writes on a power
        # cut is fine, waiting for fsync on every write is not.
        "--unsafe-no-fsync=true",
        "--log-level=warn",
    ]


def _apiserver(layout: Layout, ports: Ports) -> list[str]:
    pki = layout.pki
    return [
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        f"--secure-port={ports['kube-apiserver']}",
        f"--etcd-servers=http://127.0.0.1:{ports['etcd']}",
        f"--service-cluster-ip-range={SERVICE_CIDR}",
        # The reconciler would publish 127.0.0.1 as the `kubernetes` Service's
        # endpoint, which endpoint validation rejects; nothing here routes
        # Service traffic anyway.
        "--endpoint-reconciler-type=none",
        "--authorization-mode=Node,RBAC",
        "--allow-privileged=true",
        f"--client-ca-file={pki.ca_cert}",
        f"--tls-cert-file={pki.cert('apiserver')}",
        f"--tls-private-key-file={pki.key('apiserver')}",
        f"--token-auth-file={layout.tokens_csv}",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        f"--service-account-key-file={pki.sa_pub}",
        f"--service-account-signing-key-file={pki.sa_key}",
        # pods/log (and exec, port-forward) go to the node's kubelet API, which
        # is kwok, at the Node's InternalIP (127.0.0.1) and kubelet port.
        "--kubelet-preferred-address-types=InternalIP",
        f"--kubelet-certificate-authority={pki.ca_cert}",
        f"--kubelet-client-certificate={pki.cert('apiserver-kubelet-client')}",
        f"--kubelet-client-key={pki.key('apiserver-kubelet-client')}",
        "--profiling=false",
    ]


def _serving(layout: Layout, component: str, ports: Ports) -> list[str]:
    """Health endpoints on 127.0.0.1 with a certificate of our CA."""
    kubeconfig = layout.component_kubeconfig(component)
    return [
        f"--authentication-kubeconfig={kubeconfig}",
        f"--authorization-kubeconfig={kubeconfig}",
        # Started before RBAC is bootstrapped: do not die on the first
        # forbidden lookup of the client CA ConfigMap.
        "--authentication-tolerate-lookup-failure=true",
        "--bind-address=127.0.0.1",
        f"--secure-port={ports[component]}",
        f"--tls-cert-file={layout.pki.cert('localhost')}",
        f"--tls-private-key-file={layout.pki.key('localhost')}",
        "--profiling=false",
    ]


def _controller_manager(layout: Layout, ports: Ports) -> list[str]:
    pki = layout.pki
    return [
        f"--kubeconfig={layout.component_kubeconfig('kube-controller-manager')}",
        *_serving(layout, "kube-controller-manager", ports),
        "--leader-elect=false",
        # Every controller acts as its own service account, as in a real
        # cluster, so RBAC mistakes in controllers show up here too.
        "--use-service-account-credentials=true",
        f"--service-account-private-key-file={pki.sa_key}",
        f"--root-ca-file={pki.ca_cert}",
        f"--cluster-signing-cert-file={pki.ca_cert}",
        f"--cluster-signing-key-file={pki.ca_key}",
        f"--service-cluster-ip-range={SERVICE_CIDR}",
        # All default controllers (garbage collector, deployment, replicaset,
        # statefulset, HPA, PV binder, namespace, ...); node IPAM stays off
        # because --allocate-node-cidrs defaults to false.
        "--controllers=*",
        "--kube-api-qps=200",
        "--kube-api-burst=400",
    ]


def _scheduler(layout: Layout, ports: Ports) -> list[str]:
    return [
        f"--config={layout.scheduler_config}",
        *_serving(layout, "kube-scheduler", ports),
    ]


def _kwok(layout: Layout, ports: Ports) -> list[str]:
    port = ports["kwok"]
    return [
        f"--kubeconfig={layout.component_kubeconfig('kwok')}",
        f"--config={layout.kwok_config}",
        "--manage-all-nodes=true",
        "--node-ip=127.0.0.1",
        "--node-name=localhost",
        # The kubelet port written into Nodes; kwok serves pod logs there.
        f"--node-port={port}",
        f"--server-address=127.0.0.1:{port}",
        f"--tls-cert-file={layout.pki.cert('localhost')}",
        f"--tls-private-key-file={layout.pki.key('localhost')}",
        "--node-lease-duration-seconds=40",
        f"--cidr={POD_CIDR}",
        # Pod logs come from Logs/ClusterLogs objects, so tests can add them
        # at run time; the stages stay in --config.
        "--enable-crds=Logs,ClusterLogs",
    ]
