"""A local control plane: etcd, kube-apiserver, kube-controller-manager,
kube-scheduler and kwok (fake Nodes), each a detached process on 127.0.0.1.

All state lives in `<cache>/clusters/<name>/`; see hack/localcluster/README.md.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import functools
import json
import os
import secrets
import shutil
import socket
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import manifests, paths, podlogs, procs, stages
from .apiclient import ApiClient, ApiError
from .kubeconfig import write_cert_kubeconfig, write_token_kubeconfig
from .pki import Pki

SERVICE_CIDR = "10.96.0.0/16"
SERVICE_IP = "10.96.0.1"  # The `kubernetes` Service: first address of the range.
POD_CIDR = "10.244.0.0/16"
ADMIN = "admin"
USERS = ("alice", "bob")
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

Progress = Callable[[str], None]


class ClusterError(RuntimeError):
    """The local cluster could not be started or is not there."""


def _stderr(message: str) -> None:
    print(f"[localcluster] {message}", file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join(text[-lines:])


@dataclass
class ClusterInfo:
    """How to reach a cluster. `local` is set for clusters this module runs."""

    name: str
    server: str
    kubeconfig: Path
    admin_token: str | None
    user_tokens: dict[str, str] = field(default_factory=dict)
    user_kubeconfigs: dict[str, Path] = field(default_factory=dict)
    ca_file: Path | None = None
    ca_data: bytes | None = None
    client_cert: tuple[Path, Path] | None = None
    insecure: bool = False
    local: LocalCluster | None = None

    @property
    def can_set_pod_logs(self) -> bool:
        return self.local is not None

    def set_pod_logs(
        self,
        namespace: str,
        pod: str,
        lines: Sequence[podlogs.LogLine],
        *,
        container: str | None = None,
        stream: str = "stdout",
        wait: bool = True,
    ) -> Path:
        """See LocalCluster.set_pod_logs; only a local (kwok) cluster can fake logs."""
        if self.local is None:
            raise NotImplementedError(
                f"cluster {self.name!r} is not a local kwok cluster: pod logs cannot be set"
            )
        return self.local.set_pod_logs(
            namespace, pod, lines, container=container, stream=stream, wait=wait
        )

    def client(self, token: str | None = None) -> ApiClient:
        """A plain HTTPS client; admin unless another token is given."""
        return ApiClient(
            self.server,
            ca_file=self.ca_file,
            ca_data=self.ca_data,
            token=token or self.admin_token,
            # A token given explicitly speaks for that user alone.
            client_cert=None if token else self.client_cert,
            insecure=self.insecure,
        )


class LocalCluster:
    def __init__(
        self,
        name: str = "dev",
        *,
        node_count: int = manifests.NODE_COUNT,
        progress: Progress | None = _stderr,
    ) -> None:
        if not name or "/" in name or name.startswith("."):
            raise ValueError(f"invalid cluster name {name!r}")
        self.name = name
        self.node_count = node_count
        self._progress = progress
        self.state_dir = paths.clusters_dir() / name
        self.pki = Pki(self.state_dir / "pki")

    # ----- files -----------------------------------------------------------

    @property
    def kubeconfig(self) -> Path:
        return self.state_dir / "kubeconfig"

    def user_kubeconfig(self, user: str) -> Path:
        return self.state_dir / f"kubeconfig-{user}"

    @property
    def _components_dir(self) -> Path:
        return self.state_dir / "components"

    @property
    def logs_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def _pids_dir(self) -> Path:
        return self.state_dir / "pids"

    @property
    def _podlogs_dir(self) -> Path:
        return self.state_dir / "podlogs"

    @property
    def _meta_file(self) -> Path:
        return self.state_dir / "cluster.json"

    def _say(self, message: str) -> None:
        if self._progress is not None:
            self._progress(message)

    def _load_meta(self) -> dict[str, Any]:
        try:
            data = json.loads(self._meta_file.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _ports(self) -> dict[str, int]:
        ports = self._load_meta().get("ports", {})
        return {str(k): int(v) for k, v in ports.items()}

    def tokens(self) -> dict[str, str]:
        try:
            data = json.loads((self.state_dir / "tokens.json").read_text())
        except (OSError, ValueError) as err:
            raise ClusterError(f"cluster {self.name!r} has not been created") from err
        return {str(k): str(v) for k, v in data.items()}

    @property
    def server(self) -> str:
        port = self._ports().get("kube-apiserver")
        if port is None:
            raise ClusterError(f"cluster {self.name!r} has not been created")
        return f"https://127.0.0.1:{port}"

    def info(self) -> ClusterInfo:
        tokens = self.tokens()
        return ClusterInfo(
            name=self.name,
            server=self.server,
            kubeconfig=self.kubeconfig,
            admin_token=tokens[ADMIN],
            user_tokens={u: tokens[u] for u in USERS},
            user_kubeconfigs={u: self.user_kubeconfig(u) for u in USERS},
            ca_file=self.pki.ca_cert,
            local=self,
        )

    def admin_client(self) -> ApiClient:
        return ApiClient(self.server, ca_file=self.pki.ca_cert, token=self.tokens()[ADMIN])

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialises up/down of one cluster across processes (pytest-xdist, two shells)."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with (self.state_dir / ".lock").open("a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    # ----- processes -------------------------------------------------------

    def _records(self) -> dict[str, procs.ProcessRecord]:
        found = {}
        for name in COMPONENTS:
            record = procs.ProcessRecord.load(self._pids_dir / f"{name}.json")
            if record is not None:
                found[name] = record
        return found

    def processes(self) -> dict[str, tuple[int, bool]]:
        """Component -> (pid, alive), for the components that have been started."""
        return {n: (r.pid, procs.is_alive(r)) for n, r in self._records().items()}

    def _spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> None:
        record = procs.spawn(
            name,
            argv,
            log_file=self.logs_dir / f"{name}.log",
            pid_file=self._pids_dir / f"{name}.json",
            env=env,
            cwd=self.state_dir,
        )
        # A plain pid file too, for humans and `kill $(cat ...)`.
        (self._pids_dir / f"{name}.pid").write_text(f"{record.pid}\n")

    def _stop_all(self) -> None:
        records = self._records()
        for name in reversed(COMPONENTS):
            record = records.get(name)
            if record is None:
                continue
            if procs.is_alive(record):
                self._say(f"stopping {name} (pid {record.pid})")
                procs.stop(record)
            (self._pids_dir / f"{name}.json").unlink(missing_ok=True)
            (self._pids_dir / f"{name}.pid").unlink(missing_ok=True)

    # ----- lifecycle -------------------------------------------------------

    def is_running(self) -> bool:
        """Every component alive and the API server ready."""
        records = self._records()
        if set(records) != set(COMPONENTS):
            return False
        if not all(procs.is_alive(r) for r in records.values()):
            return False
        try:
            return self.admin_client().healthy("/readyz")
        except ClusterError:
            return False

    def up(self, *, timeout: float = 120.0, fresh: bool = False) -> ClusterInfo:
        """Starts the cluster, or returns at once if it already runs.

        A stopped cluster restarts with its etcd data, certificates and tokens;
        `fresh` discards those first (never those of a running cluster).
        """
        with self._locked():
            if self.is_running():
                self._say(f"cluster {self.name!r} is already running at {self.server}")
                return self.info()
            self._stop_all()
            if fresh:
                self._wipe()
            bin_dir = paths.ensure_binaries()
            started = time.monotonic()
            deadline = started + timeout
            try:
                self._start(bin_dir, deadline)
            except BaseException:
                # Nothing half-started is left behind; the logs stay.
                self._stop_all()
                raise
            self._say(f"cluster {self.name!r} ready in {time.monotonic() - started:.1f}s")
            self._say(f"export KUBECONFIG={self.kubeconfig}")
            return self.info()

    def down(self, *, purge: bool = False) -> None:
        """Stops every component (idempotent); `purge` also deletes the state dir."""
        if not self.state_dir.exists():
            return
        with self._locked():
            self._stop_all()
            if purge:
                shutil.rmtree(self.state_dir, ignore_errors=True)
                self._say(f"removed {self.state_dir}")

    def _wipe(self) -> None:
        """Empties the state dir, keeping the lock file we hold."""
        for entry in self.state_dir.iterdir():
            if entry.name == ".lock":
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()

    def _start(self, bin_dir: Path, deadline: float) -> None:
        ports = self._prepare_files()
        self._say(f"state in {self.state_dir}; API server on 127.0.0.1:{ports['kube-apiserver']}")
        # The controller manager and scheduler start alongside the API server:
        # they retry until it answers, which overlaps their start-up with its.
        self._spawn("etcd", self._etcd_args(bin_dir, ports))
        self._spawn("kube-apiserver", self._apiserver_args(bin_dir, ports))
        self._spawn("kube-controller-manager", self._kcm_args(bin_dir, ports))
        self._spawn("kube-scheduler", self._scheduler_args(bin_dir, ports))

        api = self.admin_client()
        self._wait(deadline, "kube-apiserver /readyz", lambda: api.healthy("/readyz", 1.0))
        self._bootstrap(api, ports, deadline)
        # kwok starts once its CRDs exist: it lists them at start-up.
        self._spawn("kwok", self._kwok_args(bin_dir, ports), env=self._kwok_env())

        for name in ("kube-controller-manager", "kube-scheduler", "kwok"):
            probe = ApiClient(f"https://127.0.0.1:{ports[name]}", ca_file=self.pki.ca_cert)
            self._wait(
                deadline, f"{name} /healthz", functools.partial(probe.healthy, "/healthz", 1.0)
            )
        self._wait(deadline, f"{self.node_count} Nodes Ready", lambda: self._nodes_ready(api))
        # The service account controller has run: Pods can be created.
        self._wait(
            deadline,
            "default ServiceAccount",
            lambda: (
                api.get("/api/v1/namespaces/default/serviceaccounts/default", ok=(404,)).status
                == 200
            ),
        )

    def _wait(self, deadline: float, what: str, ready: Callable[[], bool]) -> None:
        self._say(f"waiting for {what}")
        while True:
            for name, record in self._records().items():
                if not procs.is_alive(record):
                    log = self.logs_dir / f"{name}.log"
                    raise ClusterError(f"{name} exited; last lines of {log}:\n{_tail(log)}")
            try:
                if ready():
                    return
            except (OSError, ApiError):
                pass
            if time.monotonic() > deadline:
                logs = "\n".join(
                    f"--- {n}:\n{_tail(self.logs_dir / f'{n}.log', 10)}" for n in COMPONENTS
                )
                raise ClusterError(f"timed out waiting for {what}\n{logs}")
            time.sleep(0.1)

    def _nodes_ready(self, api: ApiClient) -> bool:
        nodes = api.get("/api/v1/nodes?labelSelector=type%3Dkwok").json().get("items", [])
        ready = {
            n["metadata"]["name"]
            for n in nodes
            if any(
                c.get("type") == "Ready" and c.get("status") == "True"
                for c in n.get("status", {}).get("conditions", [])
            )
        }
        return all(manifests.node_name(i) in ready for i in range(self.node_count))

    # ----- configuration ---------------------------------------------------

    def _prepare_files(self) -> dict[str, int]:
        """Keeps earlier ports when they are still free, so kubeconfigs stay valid."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        meta = self._load_meta()
        old = self._ports()
        taken: set[int] = set()
        ports: dict[str, int] = {}
        for name in PORT_NAMES:
            port = old.get(name)
            if port is None or port in taken or not _port_is_free(port):
                port = _free_port()
                while port in taken:
                    port = _free_port()
            taken.add(port)
            ports[name] = port
        meta.update({"name": self.name, "ports": ports})
        meta.setdefault("created", dt.datetime.now(dt.UTC).isoformat())
        self._meta_file.write_text(json.dumps(meta, indent=2) + "\n")

        self.pki.ensure(SERVICE_IP)
        tokens = self._ensure_tokens()
        server = f"https://127.0.0.1:{ports['kube-apiserver']}"
        write_token_kubeconfig(
            self.kubeconfig,
            context=f"alauda-{self.name}",
            server=server,
            ca_file=self.pki.ca_cert,
            user=ADMIN,
            token=tokens[ADMIN],
        )
        for user in USERS:
            write_token_kubeconfig(
                self.user_kubeconfig(user),
                context=f"alauda-{self.name}-{user}",
                server=server,
                ca_file=self.pki.ca_cert,
                user=user,
                token=tokens[user],
            )
        for component in ("kube-controller-manager", "kube-scheduler", "kwok"):
            write_cert_kubeconfig(
                self._components_dir / f"{component}.kubeconfig",
                server=server,
                ca_file=self.pki.ca_cert,
                cert_file=self.pki.cert(component),
                key_file=self.pki.key(component),
            )
        self._write_scheduler_config()
        self._write_kwok_config()
        podlogs.write_log_file(
            self._podlogs_dir / "demo.log", podlogs.demo_lines(dt.datetime.now(dt.UTC))
        )
        return ports

    def _ensure_tokens(self) -> dict[str, str]:
        path = self.state_dir / "tokens.json"
        try:
            tokens = self.tokens()
        except ClusterError:
            tokens = {}
        for user in (ADMIN, *USERS):
            tokens.setdefault(user, secrets.token_hex(24))
        path.write_text(json.dumps(tokens, indent=2) + "\n")
        path.chmod(0o600)
        # --token-auth-file: token,user,uid,"groups". Only admin has a group;
        # alice and bob are plain authenticated users until RBAC says otherwise.
        rows = [f'{tokens[ADMIN]},{ADMIN},{ADMIN},"system:masters"']
        rows += [f"{tokens[u]},{u},{u}" for u in USERS]
        csv = self._components_dir / "tokens.csv"
        csv.parent.mkdir(parents=True, exist_ok=True)
        csv.write_text("\n".join(rows) + "\n")
        csv.chmod(0o600)
        return tokens

    def _write_scheduler_config(self) -> None:
        config = {
            "apiVersion": "kubescheduler.config.k8s.io/v1",
            "kind": "KubeSchedulerConfiguration",
            "clientConnection": {
                "kubeconfig": str(self._components_dir / "kube-scheduler.kubeconfig"),
                "qps": 200,
                "burst": 400,
            },
            "leaderElection": {"leaderElect": False},
        }
        (self._components_dir / "kube-scheduler.yaml").write_text(yaml.safe_dump(config))

    def _write_kwok_config(self) -> None:
        volume_dir = str(self.state_dir / "volumes")
        docs = stages.all_stages(manifests.STORAGE_CLASS, volume_dir)
        (self._components_dir / "kwok.yaml").write_text("---\n".join(docs))

    # ----- command lines ---------------------------------------------------

    def _etcd_args(self, bin_dir: Path, ports: dict[str, int]) -> list[str]:
        client = f"http://127.0.0.1:{ports['etcd']}"
        peer = f"http://127.0.0.1:{ports['etcd-peer']}"
        return [
            str(bin_dir / "etcd"),
            "--name=local",
            f"--data-dir={self.state_dir / 'etcd'}",
            f"--listen-client-urls={client}",
            f"--advertise-client-urls={client}",
            f"--listen-peer-urls={peer}",
            f"--initial-advertise-peer-urls={peer}",
            f"--initial-cluster=local={peer}",
            "--auto-compaction-retention=1",
            "--quota-backend-bytes=8589934592",
            # A throw-away development cluster: losing the last writes on a
            # power cut is fine, waiting for fsync on every write is not.
            "--unsafe-no-fsync=true",
            "--log-level=warn",
        ]

    def _apiserver_args(self, bin_dir: Path, ports: dict[str, int]) -> list[str]:
        pki = self.pki
        return [
            str(bin_dir / "kube-apiserver"),
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={ports['kube-apiserver']}",
            f"--etcd-servers=http://127.0.0.1:{ports['etcd']}",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            # The reconciler would publish 127.0.0.1 as the `kubernetes`
            # Service's endpoint, which endpoint validation rejects; nothing
            # here routes Service traffic anyway.
            "--endpoint-reconciler-type=none",
            "--authorization-mode=Node,RBAC",
            "--allow-privileged=true",
            f"--client-ca-file={pki.ca_cert}",
            f"--tls-cert-file={pki.cert('apiserver')}",
            f"--tls-private-key-file={pki.key('apiserver')}",
            f"--token-auth-file={self._components_dir / 'tokens.csv'}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={pki.sa_pub}",
            f"--service-account-signing-key-file={pki.sa_key}",
            # pods/log, exec, port-forward go to the node's kubelet API, which
            # is kwok, at the Node's InternalIP (127.0.0.1) and kubelet port.
            "--kubelet-preferred-address-types=InternalIP",
            f"--kubelet-certificate-authority={pki.ca_cert}",
            f"--kubelet-client-certificate={pki.cert('apiserver-kubelet-client')}",
            f"--kubelet-client-key={pki.key('apiserver-kubelet-client')}",
            "--profiling=false",
        ]

    def _kcm_args(self, bin_dir: Path, ports: dict[str, int]) -> list[str]:
        kubeconfig = self._components_dir / "kube-controller-manager.kubeconfig"
        pki = self.pki
        return [
            str(bin_dir / "kube-controller-manager"),
            f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}",
            f"--authorization-kubeconfig={kubeconfig}",
            # Started before RBAC is bootstrapped: do not die on the first
            # forbidden lookup of the client CA ConfigMap.
            "--authentication-tolerate-lookup-failure=true",
            "--bind-address=127.0.0.1",
            f"--secure-port={ports['kube-controller-manager']}",
            f"--tls-cert-file={pki.cert('localhost')}",
            f"--tls-private-key-file={pki.key('localhost')}",
            "--leader-elect=false",
            # Every controller acts as its own service account, as in a real
            # cluster, so RBAC mistakes in controllers show up here too.
            "--use-service-account-credentials=true",
            f"--service-account-private-key-file={pki.sa_key}",
            f"--root-ca-file={pki.ca_cert}",
            f"--cluster-signing-cert-file={pki.ca_cert}",
            f"--cluster-signing-key-file={pki.ca_key}",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            # All default controllers (garbage collector, deployment,
            # replicaset, statefulset, HPA, PV binder, namespace, ...); node
            # IPAM stays off because --allocate-node-cidrs defaults to false.
            "--controllers=*",
            "--kube-api-qps=200",
            "--kube-api-burst=400",
            "--profiling=false",
        ]

    def _scheduler_args(self, bin_dir: Path, ports: dict[str, int]) -> list[str]:
        kubeconfig = self._components_dir / "kube-scheduler.kubeconfig"
        return [
            str(bin_dir / "kube-scheduler"),
            f"--config={self._components_dir / 'kube-scheduler.yaml'}",
            f"--authentication-kubeconfig={kubeconfig}",
            f"--authorization-kubeconfig={kubeconfig}",
            "--authentication-tolerate-lookup-failure=true",
            "--bind-address=127.0.0.1",
            f"--secure-port={ports['kube-scheduler']}",
            f"--tls-cert-file={self.pki.cert('localhost')}",
            f"--tls-private-key-file={self.pki.key('localhost')}",
            "--profiling=false",
        ]

    def _kwok_args(self, bin_dir: Path, ports: dict[str, int]) -> list[str]:
        port = ports["kwok"]
        return [
            str(bin_dir / "kwok"),
            f"--kubeconfig={self._components_dir / 'kwok.kubeconfig'}",
            f"--config={self._components_dir / 'kwok.yaml'}",
            "--manage-all-nodes=true",
            "--node-ip=127.0.0.1",
            "--node-name=localhost",
            # The kubelet port written into Nodes; kwok serves logs there.
            f"--node-port={port}",
            f"--server-address=127.0.0.1:{port}",
            f"--tls-cert-file={self.pki.cert('localhost')}",
            f"--tls-private-key-file={self.pki.key('localhost')}",
            "--node-lease-duration-seconds=40",
            f"--cidr={POD_CIDR}",
            # Pod logs come from Logs/ClusterLogs objects, so tests can add
            # them at run time; stages stay in --config.
            "--enable-crds=Logs,ClusterLogs",
        ]

    def _kwok_env(self) -> dict[str, str]:
        env = dict(os.environ)
        # Otherwise kwok also loads ~/.kwok/kwok.yaml if a user has one.
        env["KWOK_WORKDIR"] = str(self.state_dir / "kwok")
        return env

    # ----- API objects -----------------------------------------------------

    def _bootstrap(self, api: ApiClient, ports: dict[str, int], deadline: float) -> None:
        for crd in manifests.kwok_crds():
            api.apply(
                f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{crd['metadata']['name']}",
                crd,
            )
        api.apply("/apis/storage.k8s.io/v1/storageclasses/standard", manifests.storage_class())
        for i in range(self.node_count):
            node = manifests.fake_node(i, ports["kwok"])
            if not api.create("/api/v1/nodes", node):
                # A restart may have picked a new kwok port: point the Node at it.
                api.merge_patch(
                    f"/api/v1/nodes/{manifests.node_name(i)}/status",
                    {"status": {"daemonEndpoints": node["status"]["daemonEndpoints"]}},
                )
        for crd in manifests.kwok_crds():
            name = crd["metadata"]["name"]
            self._wait(deadline, f"CRD {name}", functools.partial(_established, api, name))
        api.apply(
            f"/apis/{manifests.KWOK_GROUP}/{manifests.KWOK_VERSION}/clusterlogs/"
            + manifests.DEFAULT_CLUSTER_LOGS,
            manifests.cluster_logs(
                manifests.DEFAULT_CLUSTER_LOGS, str(self._podlogs_dir / "demo.log")
            ),
        )

    def set_pod_logs(
        self,
        namespace: str,
        pod: str,
        lines: Sequence[podlogs.LogLine],
        *,
        container: str | None = None,
        stream: str = "stdout",
        wait: bool = True,
    ) -> Path:
        """Makes `GET .../pods/<pod>/log` return `lines` (timestamp, message).

        Writes a CRI log file under the state dir and a kwok `Logs` object
        named after the pod (kwok matches it by namespace and name, and prefers
        it to the cluster-wide demo log). The pod need not exist yet. With
        `container`, only that container's log changes. With `wait`, and if
        the pod is already running, returns once the API serves the new lines.
        """
        stem = pod if container is None else f"{pod}.{container}"
        path = podlogs.write_log_file(self._podlogs_dir / namespace / f"{stem}.log", lines, stream)
        api = self.admin_client()
        base = f"/apis/{manifests.KWOK_GROUP}/{manifests.KWOK_VERSION}/namespaces/{namespace}/logs"
        existing = api.get(f"{base}/{pod}", ok=(404,))
        entries: list[dict[str, Any]] = []
        if existing.status == 200:
            # Keep the other containers' entries; replace this container's.
            entries = [
                e
                for e in existing.json().get("spec", {}).get("logs", [])
                if (e.get("containers") or None) != ([container] if container else None)
            ]
        new = manifests.pod_logs(namespace, pod, str(path), [container] if container else None)
        new["spec"]["logs"] = [*new["spec"]["logs"], *entries]
        api.apply(f"{base}/{pod}", new)
        if wait:
            expected = podlogs.format_lines(lines, stream)
            self._wait_for_pod_logs(api, namespace, pod, container, expected)
        return path

    def _wait_for_pod_logs(
        self, api: ApiClient, namespace: str, pod: str, container: str | None, expected: str
    ) -> None:
        found = api.get(f"/api/v1/namespaces/{namespace}/pods/{pod}", ok=(404,))
        if found.status == 404:
            return
        spec = found.json().get("spec", {})
        names = [c["name"] for c in spec.get("containers", [])]
        if not spec.get("nodeName") or (container is None and len(names) != 1):
            return
        query = urllib.parse.urlencode({"container": container or names[0], "timestamps": "true"})
        # With timestamps=true each line reads "<stamp> <message>": compare
        # against the file minus the stream and tag fields.
        want = "".join(
            f"{ln.split(' ', 3)[0]} {ln.split(' ', 3)[3]}\n" for ln in expected.splitlines()
        )
        path = f"/api/v1/namespaces/{namespace}/pods/{pod}/log?{query}"
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            got = api.get(path, ok=(400, 404, 500))
            if got.status == 200 and got.body.decode(errors="replace") == want:
                return
            time.sleep(0.1)
        raise ClusterError(f"pod {namespace}/{pod} does not serve the new logs after 15s")

    def env_lines(self) -> list[str]:
        return [f"export KUBECONFIG={self.kubeconfig}"]


def _established(api: ApiClient, name: str) -> bool:
    crd = api.get(f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}").json()
    return any(
        c.get("type") == "Established" and c.get("status") == "True"
        for c in crd.get("status", {}).get("conditions", [])
    )
