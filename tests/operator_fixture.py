"""pytest plugin: the operator, running as a subprocess for the test session.

Register it in tests/conftest.py with ``pytest_plugins = ["tests.operator_fixture"]``
(or pass ``-p tests.operator_fixture``). The ``running_operator`` fixture
installs the CRD from crds/, waits until the API server serves it, starts
``python -m alauda_operator.controller --all-namespaces`` against the
session's cluster and stops it at the end. Tests that kill it (the crash
test) call ``restart()`` or ``start()`` again; the fixture always leaves a
running operator for the next test.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from alauda_operator.localcluster import ClusterInfo
from alauda_operator.localcluster.apiclient import ApiClient

REPO = Path(__file__).resolve().parents[1]
CRD_FILE = REPO / "crds" / "alaudaservices.alauda.io.yaml"
TEST_FIELD_MANAGER = "alauda-tests"

_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$")
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def parse_metrics(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Prometheus text format -> {(name, labels): value}."""
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if match is None or line.startswith("#"):
            continue
        name, labels, value = match.groups()
        samples[(name, frozenset(_LABEL.findall(labels or "")))] = float(value)
    return samples


def install_crd(api: ApiClient, timeout: float = 60.0) -> None:
    """Applies the CRD and waits until it is Established."""
    crd = yaml.safe_load(CRD_FILE.read_text())
    path = f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{crd['metadata']['name']}"
    api.apply(path, crd, manager=TEST_FIELD_MANAGER)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # A CRD just created has no status, then a null list of conditions.
        status = api.get(path).json().get("status") or {}
        conditions = status.get("conditions") or []
        if any(c["type"] == "Established" and c["status"] == "True" for c in conditions):
            return
        time.sleep(0.1)
    raise TimeoutError(f"CRD {crd['metadata']['name']} not Established after {timeout}s")


class OperatorProcess:
    """``python -m alauda_operator.controller`` with its own ports and log file."""

    def __init__(
        self,
        kubeconfig: Path,
        log_file: Path,
        *,
        extra_args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        self.kubeconfig = kubeconfig
        self.log_file = log_file
        self.extra_args = extra_args
        self.env = env or {}
        self.metrics_port = free_port()
        self.liveness_port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.metrics_port}/metrics"

    @property
    def liveness_url(self) -> str:
        return f"http://127.0.0.1:{self.liveness_port}/healthz"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 30.0) -> None:
        if self.running:
            return
        argv = [
            sys.executable,
            "-m",
            "alauda_operator.controller",
            "--all-namespaces",
            "--metrics-port",
            str(self.metrics_port),
            "--liveness-port",
            str(self.liveness_port),
            *self.extra_args,
        ]
        env = {**os.environ, "KUBECONFIG": str(self.kubeconfig), **self.env}
        env.pop("POD_NAMESPACE", None)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self._wait_answering(timeout)

    def _wait_answering(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"the operator exited; see {self.log_file}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(self.metrics_url, timeout=2) as answer,
            ):
                if answer.status == 200:
                    return
            time.sleep(0.1)
        raise TimeoutError(f"the operator did not start within {timeout}s; see {self.log_file}")

    def kill(self) -> None:
        """SIGKILL: a crash, nothing cleaned up."""
        self._signal(signal.SIGKILL)

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout``; returns the exit code."""
        if self.process is None:
            return None
        self._signal(signal.SIGTERM, timeout)
        return self.process.returncode

    def _signal(self, sig: signal.Signals, timeout: float = 15.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=timeout)

    def restart(self) -> None:
        self.kill()
        self.start()

    def metrics(self) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        with urllib.request.urlopen(self.metrics_url, timeout=5) as answer:
            return parse_metrics(answer.read().decode())

    def metric(self, name: str, **labels: str) -> float:
        """The sum of ``name``'s samples that carry ``labels``."""
        wanted = set(labels.items())
        return sum(v for (n, ls), v in self.metrics().items() if n == name and wanted <= ls)

    def wait_idle(self, *, at_least_reconciles: float = 0, timeout: float = 60.0) -> None:
        """Until nothing is queued or being reconciled, after at least that
        many reconciles since the process started."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            samples = self.metrics()
            depth = samples.get(("alauda_operator_queue_depth", frozenset()), 1.0)
            done = sum(
                v for (n, _), v in samples.items() if n == "alauda_operator_reconciles_total"
            )
            if depth == 0 and done >= at_least_reconciles:
                return
            time.sleep(0.2)
        raise TimeoutError(f"the operator did not become idle within {timeout}s")

    def log_lines(self) -> list[dict[str, Any]]:
        """The JSON log records written so far."""
        records = []
        for line in self.log_file.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if isinstance(record, dict):
                    records.append(record)
        return records


@pytest.fixture(scope="session")
def running_operator(
    cluster: ClusterInfo, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OperatorProcess]:
    install_crd(cluster.client())
    log_file = tmp_path_factory.mktemp("operator") / "operator.log"
    operator = OperatorProcess(cluster.kubeconfig, log_file)
    operator.start()
    yield operator
    operator.stop()


@pytest.fixture
def operator(running_operator: OperatorProcess) -> Iterator[OperatorProcess]:
    """The session's operator, restarted if a test left it stopped."""
    running_operator.start()
    yield running_operator
    running_operator.start()
