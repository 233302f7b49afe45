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
import secrets
import shutil
import socket
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import components, manifests, paths, podlogs, procs
from .apiclient import ApiClient, ApiError
from .components import COMPONENTS, Layout, Ports
from .kubeconfig import write_token_kubeconfig

ADMIN = "admin"
USERS = ("alice", "bob")

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


def _has_condition(obj: dict[str, Any], kind: str) -> bool:
    # `conditions` can be absent or null until a controller has looked.
    conditions = (obj.get("status") or {}).get("conditions") or []
    return any(c.get("type") == kind and c.get("status") == "True" for c in conditions)


def _crd_established(api: ApiClient, path: str) -> bool:
    return _has_condition(api.get(path).json(), "Established")


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
        append: bool = False,
        wait: bool = True,
    ) -> Path:
        """See LocalCluster.set_pod_logs; only a local (kwok) cluster can fake logs."""
        if self.local is None:
            raise NotImplementedError(
                f"cluster {self.name!r} is not a local kwok cluster: pod logs cannot be set"
            )
        return self.local.set_pod_logs(
            namespace, pod, lines, container=container, stream=stream, append=append, wait=wait
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
        self.layout = Layout(self.state_dir)
        self.pki = self.layout.pki

    # ----- what a caller reads ---------------------------------------------

    @property
    def kubeconfig(self) -> Path:
        return self.layout.kubeconfig

    def user_kubeconfig(self, user: str) -> Path:
        return self.layout.user_kubeconfig(user)

    @property
    def logs_dir(self) -> Path:
        return self.layout.logs_dir

    def tokens(self) -> dict[str, str]:
        try:
            data = json.loads(self.layout.tokens_json.read_text())
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

    def env_lines(self) -> list[str]:
        return [f"export KUBECONFIG={self.kubeconfig}"]

    def processes(self) -> dict[str, tuple[int, bool]]:
        """Component -> (pid, alive), for the components that have been started."""
        return {n: (r.pid, procs.is_alive(r)) for n, r in self._records().items()}

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

    def set_pod_logs(
        self,
        namespace: str,
        pod: str,
        lines: Sequence[podlogs.LogLine],
        *,
        container: str | None = None,
        stream: str = "stdout",
        append: bool = False,
        wait: bool = True,
    ) -> Path:
        """Makes `GET .../pods/<pod>/log` return `lines` (timestamp, message).

        Writes a CRI log file under the state dir and a kwok `Logs` object
        named after the pod (kwok matches it by namespace and name, and prefers
        it to the cluster-wide demo log). The pod need not exist yet. With
        `container`, only that container's log changes; `append` adds to the
        file instead of replacing it (a `follow` reader sees the new lines).
        With `wait`, and if the pod is already scheduled, returns once the API
        serves the file's lines. Returns the file's path.
        """
        return podlogs.set_pod_logs(
            self.admin_client(),
            self.layout.podlogs_dir,
            namespace,
            pod,
            lines,
            container=container,
            stream=stream,
            append=append,
            wait=wait,
        )

    # ----- lifecycle -------------------------------------------------------

    def up(
        self, *, timeout: float = 120.0, fresh: bool = False, holder: int | None = None
    ) -> ClusterInfo:
        """Starts the cluster, or returns at once if it already runs.

        A stopped cluster restarts with its etcd data, certificates and tokens;
        `fresh` discards those first (never those of a running cluster).
        `holder` (a pid) registers a user of the cluster; see `release`.
        """
        with self._locked():
            if self.is_running():
                self._say(f"cluster {self.name!r} is already running at {self.server}")
                self._add_holder(holder)
                return self.info()
            self._stop_all()
            if fresh:
                self._wipe()
            bin_dir = paths.ensure_binaries()
            started = time.monotonic()
            try:
                self._start(bin_dir, started + timeout)
            except BaseException:
                # Nothing half-started is left behind; the logs stay.
                self._stop_all()
                raise
            self._say(f"cluster {self.name!r} ready in {time.monotonic() - started:.1f}s")
            self._say(f"export KUBECONFIG={self.kubeconfig}")
            self._add_holder(holder)
            return self.info()

    def release(self, holder: int, *, stop: bool = True) -> bool:
        """Unregisters `holder`; with `stop`, stops the cluster when no live
        holder is left. Two pytest sessions (or xdist workers) sharing one
        cluster thus do not pull it from under each other. True if stopped."""
        with self._locked():
            (self._holders_dir / str(holder)).unlink(missing_ok=True)
            if not stop or self._live_holders():
                return False
            self._stop_all()
            return True

    @property
    def _holders_dir(self) -> Path:
        return self.state_dir / "holders"

    def _add_holder(self, holder: int | None) -> None:
        if holder is not None:
            self._holders_dir.mkdir(exist_ok=True)
            (self._holders_dir / str(holder)).touch()

    def _live_holders(self) -> list[int]:
        if not self._holders_dir.is_dir():
            return []
        pids = [int(p.name) for p in self._holders_dir.iterdir() if p.name.isdigit()]
        return [pid for pid in pids if procs.pid_alive(pid)]

    def down(self, *, purge: bool = False) -> None:
        """Stops every component (idempotent); `purge` also deletes the state dir."""
        if not self.state_dir.exists():
            return
        with self._locked():
            self._stop_all()
            if purge:
                shutil.rmtree(self.state_dir, ignore_errors=True)
                self._say(f"removed {self.state_dir}")

    def _start(self, bin_dir: Path, deadline: float) -> None:
        ports = self._prepare_files()
        self._say(f"state in {self.state_dir}; API server on 127.0.0.1:{ports['kube-apiserver']}")
        # The controller manager and scheduler start alongside the API server:
        # they retry until it answers, which overlaps their start-up with its.
        for component in ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"):
            self._spawn(component, bin_dir, ports)
        api = self.admin_client()
        self._wait(deadline, "kube-apiserver /readyz", functools.partial(api.healthy, "/readyz"))
        self._bootstrap(api, ports, deadline)
        # kwok starts once its CRDs exist: it lists them at start-up.
        self._spawn("kwok", bin_dir, ports)
        for name in ("kube-controller-manager", "kube-scheduler", "kwok"):
            probe = ApiClient(f"https://127.0.0.1:{ports[name]}", ca_file=self.pki.ca_cert)
            self._wait(deadline, f"{name} /healthz", functools.partial(probe.healthy, "/healthz"))
        self._wait(deadline, f"{self.node_count} Nodes Ready", lambda: self._nodes_ready(api))
        # The service account controller has run: Pods can be created.
        sa = "/api/v1/namespaces/default/serviceaccounts/default"
        self._wait(deadline, "default ServiceAccount", lambda: api.get(sa).status == 200)

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
        nodes = api.get("/api/v1/nodes?labelSelector=type%3Dkwok").json().get("items") or []
        ready = {n["metadata"]["name"] for n in nodes if _has_condition(n, "Ready")}
        return all(manifests.node_name(i) in ready for i in range(self.node_count))

    def _bootstrap(self, api: ApiClient, ports: Ports, deadline: float) -> None:
        crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
        for crd in manifests.kwok_crds():
            api.apply(f"{crds}/{crd['metadata']['name']}", crd)
        api.apply(
            f"/apis/storage.k8s.io/v1/storageclasses/{manifests.STORAGE_CLASS}",
            manifests.storage_class(),
        )
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
            established = functools.partial(_crd_established, api, f"{crds}/{name}")
            self._wait(deadline, f"CRD {name}", established)
        api.apply(
            f"/apis/{manifests.KWOK_GROUP}/{manifests.KWOK_VERSION}/clusterlogs/"
            + manifests.DEFAULT_CLUSTER_LOGS,
            manifests.cluster_logs(manifests.DEFAULT_CLUSTER_LOGS, str(self.layout.demo_log)),
        )

    # ----- state directory -------------------------------------------------

    def _say(self, message: str) -> None:
        if self._progress is not None:
            self._progress(message)

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

    def _wipe(self) -> None:
        """Empties the state dir, keeping the lock file we hold."""
        for entry in self.state_dir.iterdir():
            if entry.name == ".lock":
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()

    def _load_meta(self) -> dict[str, Any]:
        try:
            data = json.loads(self.layout.meta_file.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _ports(self) -> Ports:
        ports = self._load_meta().get("ports") or {}
        return {str(k): int(v) for k, v in ports.items()}

    def _prepare_files(self) -> Ports:
        """Keeps earlier ports when they are still free, so kubeconfigs stay valid."""
        meta = self._load_meta()
        old = self._ports()
        ports: Ports = {}
        for name in components.PORT_NAMES:
            port = old.get(name)
            if port is None or port in ports.values() or not _port_is_free(port):
                port = _free_port()
                while port in ports.values():
                    port = _free_port()
            ports[name] = port
        meta.update({"name": self.name, "ports": ports})
        meta.setdefault("created", dt.datetime.now(dt.UTC).isoformat())
        self.layout.meta_file.write_text(json.dumps(meta, indent=2) + "\n")

        self.pki.ensure(components.SERVICE_IP)
        tokens = self._ensure_tokens()
        server = f"https://127.0.0.1:{ports['kube-apiserver']}"
        for user in (ADMIN, *USERS):
            write_token_kubeconfig(
                self.kubeconfig if user == ADMIN else self.user_kubeconfig(user),
                context=f"alauda-{self.name}" if user == ADMIN else f"alauda-{self.name}-{user}",
                server=server,
                ca_file=self.pki.ca_cert,
                user=user,
                token=tokens[user],
            )
        components.write_configs(self.layout, server)
        podlogs.write_log_file(self.layout.demo_log, podlogs.demo_lines(dt.datetime.now(dt.UTC)))
        return ports

    def _ensure_tokens(self) -> dict[str, str]:
        try:
            tokens = self.tokens()
        except ClusterError:
            tokens = {}
        for user in (ADMIN, *USERS):
            tokens.setdefault(user, secrets.token_hex(24))
        self.layout.tokens_json.write_text(json.dumps(tokens, indent=2) + "\n")
        self.layout.tokens_json.chmod(0o600)
        # --token-auth-file rows: token,user,uid,"groups". Only admin has a
        # group; alice and bob are plain authenticated users until RBAC says
        # otherwise.
        rows = [f'{tokens[ADMIN]},{ADMIN},{ADMIN},"system:masters"']
        rows += [f"{tokens[u]},{u},{u}" for u in USERS]
        self.layout.components_dir.mkdir(parents=True, exist_ok=True)
        self.layout.tokens_csv.write_text("\n".join(rows) + "\n")
        self.layout.tokens_csv.chmod(0o600)
        return tokens

    # ----- processes -------------------------------------------------------

    def _records(self) -> dict[str, procs.ProcessRecord]:
        found = {}
        for name in COMPONENTS:
            record = procs.ProcessRecord.load(self.layout.pids_dir / f"{name}.json")
            if record is not None:
                found[name] = record
        return found

    def _spawn(self, component: str, bin_dir: Path, ports: Ports) -> None:
        record = procs.spawn(
            component,
            components.command(component, bin_dir, self.layout, ports),
            log_file=self.logs_dir / f"{component}.log",
            pid_file=self.layout.pids_dir / f"{component}.json",
            env=components.environment(component, self.layout),
            cwd=self.state_dir,
        )
        # A plain pid file too, for humans and `kill $(cat ...)`.
        (self.layout.pids_dir / f"{component}.pid").write_text(f"{record.pid}\n")

    def _stop_all(self) -> None:
        records = self._records()
        for name in reversed(COMPONENTS):
            record = records.get(name)
            if record is None:
                continue
            if procs.is_alive(record):
                self._say(f"stopping {name} (pid {record.pid})")
                procs.stop(record)
            (self.layout.pids_dir / f"{name}.json").unlink(missing_ok=True)
            (self.layout.pids_dir / f"{name}.pid").unlink(missing_ok=True)
