"""`make run` (`alauda-operator dev`) end to end: its own local control plane,
the printed example, and a clean stop on Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from alauda_operator.localcluster import LocalCluster

REPO = Path(__file__).resolve().parents[2]
SEED_PAYLOAD = REPO / "tests" / "data" / "seed_create_payload.json"

pytestmark = pytest.mark.cluster


@dataclass
class DevRun:
    process: subprocess.Popen[str]
    cluster: LocalCluster
    base_url: str
    token: str


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _read_until_ready(process: subprocess.Popen[str], timeout: float) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    printed = ""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        printed += line
        if line.startswith("Ctrl-C stops"):
            return printed
    raise AssertionError(f"dev did not print its banner; it printed:\n{printed}")


@pytest.fixture
def dev_run() -> Iterator[DevRun]:
    name = f"devrun-{secrets.token_hex(3)}"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "alauda_operator.cli",
            "dev",
            "--cluster-name",
            name,
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    cluster = LocalCluster(name, progress=None)
    try:
        printed = _read_until_ready(process, timeout=180)
        token = re.search(r"^export ALAUDA_TOKEN=(\S+)$", printed, re.M)
        assert token, printed
        yield DevRun(process, cluster, f"http://127.0.0.1:{port}", token.group(1))
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(timeout=60)
        cluster.down(purge=True)


def _call(run: DevRun, method: str, path: str, body: bytes | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(
        run.base_url + path,
        data=body,
        method=method,
        headers={"Authorization": f"Token {run.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.status, json.loads(answer.read() or b"null")


def test_printed_example_creates_the_seed_service_and_it_runs(dev_run: DevRun) -> None:
    status, created = _call(dev_run, "POST", "/v1/services/madams/", SEED_PAYLOAD.read_bytes())
    assert status == 201
    assert created["service_name"] == "test"
    deadline = time.monotonic() + 60
    service: dict[str, Any] = {}
    while time.monotonic() < deadline:
        service = _call(dev_run, "GET", "/v1/services/madams/test/")[1]
        if service["current_status"] == "Running":
            break
        time.sleep(0.5)
    assert service["current_status"] == "Running"
    assert service["current_num_instances"] == 2


def test_ctrl_c_stops_everything_it_started(dev_run: DevRun) -> None:
    assert dev_run.cluster.is_running()
    os.killpg(dev_run.process.pid, signal.SIGINT)
    assert dev_run.process.wait(timeout=60) == 0
    assert not dev_run.cluster.is_running()
    leftovers = subprocess.run(
        ["pgrep", "-f", f"clusters/{dev_run.cluster.name}/"], capture_output=True, text=True
    )
    assert leftovers.stdout == ""
