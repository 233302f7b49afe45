"""Fake pod logs: CRI log files plus the kwok `Logs` objects that point at them.

kwok reads the files with the kubelet's own reader (k8s.io/cri-client/pkg/logs),
so each line must be `<RFC3339Nano timestamp> <stdout|stderr> <F|P> <message>`
(Docker's JSON lines also parse; plain text does not). Because the timestamps
are real, `timestamps=true`, `sinceTime`, `sinceSeconds`, `tailLines`,
`limitBytes` and `follow` behave as with a kubelet.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import urllib.parse
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from . import manifests
from .apiclient import ApiClient

LogLine = tuple[dt.datetime, str]


class PodLogsNotServed(RuntimeError):
    """The API server still returns other lines than the ones just written."""


def cri_timestamp(when: dt.datetime) -> str:
    """Naive datetimes are taken as UTC; the output always has nine fraction digits."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    when = when.astimezone(dt.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond:06d}000Z"


def format_lines(lines: Iterable[LogLine], stream: str = "stdout") -> str:
    if stream not in ("stdout", "stderr"):
        raise ValueError(f"stream must be stdout or stderr, not {stream!r}")
    out = []
    for when, message in lines:
        stamp = cri_timestamp(when)
        # A message with newlines becomes several full lines with one timestamp.
        for part in message.split("\n"):
            out.append(f"{stamp} {stream} F {part}\n")
    return "".join(out)


def write_log_file(path: Path, lines: Iterable[LogLine], stream: str = "stdout") -> Path:
    """Replaces atomically: kwok may be reading the previous version right now
    (a `follow` reader notices the new file and reopens it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(format_lines(lines, stream))
    os.replace(tmp, path)
    return path


def demo_lines(now: dt.datetime) -> list[LogLine]:
    """What every pod without its own Logs prints: recent, so sinceSeconds finds it."""
    start = now - dt.timedelta(seconds=3)
    return [
        (start, "kwok fake container started"),
        (start + dt.timedelta(seconds=1), "listening on :8080"),
        (start + dt.timedelta(seconds=2), "ready"),
    ]


def set_pod_logs(
    api: ApiClient,
    directory: Path,
    namespace: str,
    pod: str,
    lines: Sequence[LogLine],
    *,
    container: str | None = None,
    stream: str = "stdout",
    append: bool = False,
    wait: bool = True,
) -> Path:
    """Writes `<directory>/<namespace>/<pod>[.<container>].log` and the `Logs`
    object `<namespace>/<pod>` naming it; see LocalCluster.set_pod_logs."""
    stem = pod if container is None else f"{pod}.{container}"
    path = directory / namespace / f"{stem}.log"
    if append and path.exists():
        with path.open("a") as f:
            f.write(format_lines(lines, stream))
    else:
        write_log_file(path, lines, stream)

    base = f"/apis/{manifests.KWOK_GROUP}/{manifests.KWOK_VERSION}/namespaces/{namespace}/logs"
    existing = api.get(f"{base}/{pod}", ok=(404,))
    others: list[dict[str, Any]] = []
    if existing.status == 200:
        # Keep the other containers' entries; replace this container's.
        mine = [container] if container else None
        others = [
            entry
            for entry in (existing.json().get("spec") or {}).get("logs") or []
            if (entry.get("containers") or None) != mine
        ]
    logs = manifests.pod_logs(namespace, pod, str(path), [container] if container else None)
    logs["spec"]["logs"] += others
    if not any(not entry.get("containers") for entry in logs["spec"]["logs"]):
        # kwok does not fall back to the ClusterLogs once a pod has a Logs
        # object: the pod's other containers keep the demo log this way.
        logs["spec"]["logs"].append(
            {
                "logsFile": str(directory / "demo.log"),
                "previousLogsFile": str(directory / "demo.log"),
            }
        )
    api.apply(f"{base}/{pod}", logs)
    if wait:
        _wait_until_served(api, namespace, pod, container, path.read_text())
    return path


def _wait_until_served(
    api: ApiClient, namespace: str, pod: str, container: str | None, cri_text: str
) -> None:
    """kwok learns of the Logs object through a watch: wait for it, but only
    when the API can serve the pod's log at all (it exists and is scheduled)."""
    found = api.get(f"/api/v1/namespaces/{namespace}/pods/{pod}", ok=(404,))
    if found.status == 404:
        return
    spec = found.json().get("spec") or {}
    names = [c["name"] for c in spec.get("containers") or []]
    if not spec.get("nodeName") or (container is None and len(names) != 1):
        return
    query = urllib.parse.urlencode({"container": container or names[0], "timestamps": "true"})
    # With timestamps=true a line reads "<stamp> <message>": the file's line
    # without its stream and tag fields.
    want = "".join(
        f"{fields[0]} {fields[3]}\n"
        for fields in (ln.split(" ", 3) for ln in cri_text.splitlines())
    )
    url = f"/api/v1/namespaces/{namespace}/pods/{pod}/log?{query}"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        got = api.get(url, ok=(400, 404, 500))
        if got.status == 200 and got.body.decode(errors="replace") == want:
            return
        time.sleep(0.1)
    raise PodLogsNotServed(f"pod {namespace}/{pod} does not serve the new log lines after 15s")
