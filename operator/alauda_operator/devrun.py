"""``alauda-operator dev`` (what ``make run`` calls): everything on one machine.

Uses the cluster in ``$KUBECONFIG`` when it answers, otherwise builds (first
time) and starts the local control plane; installs the CRD and the tenant role;
creates a demo tenant (namespace ``madams``, the seed page's, with a
ServiceAccount bound to the tenant role); starts the operator and the facade as
two processes; prints the facade URL, the demo token and a curl example; and
stops everything it started on Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from alauda_operator.localcluster import LocalCluster, cluster_from_kubeconfig
from alauda_operator.localcluster.paths import binary

REPO = Path(__file__).resolve().parents[2]
CRD_FILE = REPO / "crds" / "alaudaservices.alauda.io.yaml"
TENANT_ROLE_FILE = REPO / "manifests" / "base" / "tenant-clusterrole.yaml"
SEED_PAYLOAD_FILE = REPO / "tests" / "data" / "seed_create_payload.json"
DEMO_NAMESPACE = "madams"
DEMO_ACCOUNT = "demo"
TENANT_ROLE = "alauda-tenant"


def say(message: str) -> None:
    print(f"[dev] {message}", file=sys.stderr, flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="alauda-operator dev", description=__doc__)
    parser.add_argument("--cluster-name", default="dev", help="local cluster name (default: dev)")
    parser.add_argument("--host", default="127.0.0.1", help="facade address (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="facade port (default: 8080)")
    return parser


def _kubeconfig(cluster_name: str) -> tuple[Path, LocalCluster | None]:
    configured = os.environ.get("KUBECONFIG")
    if configured and cluster_from_kubeconfig(Path(configured)) is not None:
        say(f"using the cluster in KUBECONFIG={configured}")
        return Path(configured), None
    if configured:
        say(f"KUBECONFIG={configured} does not answer; starting the local control plane")
    local = LocalCluster(cluster_name)
    say("starting the local control plane (the first run builds it: several minutes)")
    return local.up().kubeconfig, local


def _kubectl(kubeconfig: Path, *args: str) -> str:
    done = subprocess.run(
        [str(binary("kubectl")), "--kubeconfig", str(kubeconfig), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"kubectl {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def _install(kubeconfig: Path) -> str:
    """CRD, tenant role, demo tenant; returns the demo tenant's token."""
    say("installing the CRD and the tenant ClusterRole")
    _kubectl(kubeconfig, "apply", "--server-side", "-f", str(CRD_FILE), "-f", str(TENANT_ROLE_FILE))
    _kubectl(kubeconfig, "wait", "--for=condition=Established", "-f", str(CRD_FILE))
    say(f"creating the demo tenant: namespace {DEMO_NAMESPACE}, ServiceAccount {DEMO_ACCOUNT}")
    manifest = f"""
apiVersion: v1
kind: Namespace
metadata: {{name: {DEMO_NAMESPACE}}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {{name: {DEMO_ACCOUNT}, namespace: {DEMO_NAMESPACE}}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: {DEMO_ACCOUNT}-tenant, namespace: {DEMO_NAMESPACE}}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {TENANT_ROLE}}}
subjects: [{{kind: ServiceAccount, name: {DEMO_ACCOUNT}, namespace: {DEMO_NAMESPACE}}}]
"""
    with subprocess.Popen(
        [str(binary("kubectl")), "--kubeconfig", str(kubeconfig), "apply", "-f", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    ) as apply:
        apply.communicate(manifest)
    if apply.returncode != 0:
        raise SystemExit("could not create the demo tenant")
    token = _kubectl(
        kubeconfig, "create", "token", DEMO_ACCOUNT, "-n", DEMO_NAMESPACE, "--duration", "24h"
    )
    return token.strip()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(name: str, argv: list[str], kubeconfig: Path) -> subprocess.Popen[bytes]:
    say(f"starting the {name}")
    env = {**os.environ, "KUBECONFIG": str(kubeconfig)}
    return subprocess.Popen([sys.executable, *argv], env=env, start_new_session=True)


def _wait_healthy(url: str, processes: Sequence[subprocess.Popen[bytes]], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise SystemExit(f"{process.args!r} exited with {process.returncode}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as answer:
            if answer.status == 200:
                return
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


def _stop(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)


def _banner(base_url: str, token: str) -> str:
    return f"""
ready.

  facade:     {base_url}/v1/services/{DEMO_NAMESPACE}/
  API docs:   {base_url}/v1/openapi.json
  demo token (tenant of namespace {DEMO_NAMESPACE}, valid 24 h):

export ALAUDA_TOKEN={token}

Create the seed page's example service, then read it back:

curl -s -X POST -H "Authorization: Token $ALAUDA_TOKEN" -H 'Content-Type: application/json' \\
     --data @{SEED_PAYLOAD_FILE} {base_url}/v1/services/{DEMO_NAMESPACE}/
curl -s -H "Authorization: Token $ALAUDA_TOKEN" {base_url}/v1/services/{DEMO_NAMESPACE}/test/

Ctrl-C stops the operator, the facade and the local control plane.
"""


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    kubeconfig, local = _kubeconfig(args.cluster_name)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        token = _install(kubeconfig)
        metrics_port = _free_port()
        operator_argv = ["-m", "alauda_operator.controller", "--all-namespaces", "--log-format"]
        operator_argv += ["plain", "--metrics-port", str(metrics_port), "--liveness-port", "0"]
        processes.append(_start("operator", operator_argv, kubeconfig))
        facade_argv = ["-m", "alauda_operator.facade", "--host", args.host]
        facade_argv += ["--port", str(args.port), "--kubeconfig", str(kubeconfig)]
        processes.append(_start("facade", facade_argv, kubeconfig))
        base_url = f"http://{args.host}:{args.port}"
        _wait_healthy(f"{base_url}/healthz", processes, timeout=60)
        print(_banner(base_url, token), flush=True)
        say(f"operator metrics: http://127.0.0.1:{metrics_port}/metrics")
        while all(process.poll() is None for process in processes):
            time.sleep(1)
        say("a component exited; stopping")
        return 1
    except KeyboardInterrupt:
        say("stopping")
        return 0
    finally:
        _stop(processes)
        if local is not None:
            local.down()
