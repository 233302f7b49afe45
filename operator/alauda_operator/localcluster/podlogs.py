"""Log files in the CRI format kwok serves pod logs from.

kwok reads them with the kubelet's own reader (k8s.io/cri-client/pkg/logs),
so each line must be `<RFC3339Nano timestamp> <stdout|stderr> <F|P> <message>`
(Docker's JSON lines also parse; plain text does not). Because the timestamps
are real, `timestamps=true`, `sinceTime`, `sinceSeconds`, `tailLines` and
`limitBytes` behave as with a kubelet.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from pathlib import Path

LogLine = tuple[dt.datetime, str]


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
    """Writes atomically: kwok may be reading the previous version right now."""
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
