"""Detached component processes: start, find, stop.

Each component runs in its own session and process group and is re-parented
away from whoever ran `up` (a short-lived `sh` forks it and exits), so closing
the shell, or the pytest session ending with ALAUDA_KEEP_CLUSTER=1, does not
stop the cluster. The pid file records the pid, the process group and the
binary, so `down` never signals a recycled pid that now belongs to something
else.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ProcessRecord:
    name: str
    pid: int
    pgid: int
    binary: str

    def to_json(self) -> str:
        return json.dumps(self.__dict__)

    @classmethod
    def load(cls, path: Path) -> ProcessRecord | None:
        try:
            data = json.loads(path.read_text())
            return cls(str(data["name"]), int(data["pid"]), int(data["pgid"]), str(data["binary"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None


def _state(pid: int) -> str | None:
    """The one-letter state from /proc/<pid>/stat, or None if there is no such pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may itself contain spaces.
    return stat.rsplit(")", 1)[1].split()[0]


def pid_alive(pid: int) -> bool:
    """A live process with that pid; zombies count as dead (see is_alive)."""
    return _state(pid) not in (None, "Z", "X")


def is_alive(record: ProcessRecord) -> bool:
    """Alive and still our binary. Zombies count as dead: some container inits
    (this machine's pid 1 among them) never reap orphans."""
    if not pid_alive(record.pid):
        return False
    try:
        argv0 = Path(f"/proc/{record.pid}/cmdline").read_bytes().split(b"\0", 1)[0]
    except OSError:
        return False
    return argv0.decode(errors="replace") == record.binary


def spawn(
    name: str,
    argv: Sequence[str],
    *,
    log_file: Path,
    pid_file: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> ProcessRecord:
    """Starts argv detached, appending stdout and stderr to log_file."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        log.write(f"\n==== {time.strftime('%Y-%m-%dT%H:%M:%S%z')} starting {name}\n".encode())
        log.flush()
        # `sh` leads a new session; the background child inherits its process
        # group and is re-parented when `sh` exits right after printing its pid.
        launcher = subprocess.Popen(
            ["sh", "-c", 'exec "$@" </dev/null >&2 & echo $!', "sh", *argv],
            stdout=subprocess.PIPE,
            stderr=log,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
        )
        # The child writes both streams to the log (`>&2`), so it does not hold
        # the pipe open and this returns as soon as sh has printed the pid.
        out, _ = launcher.communicate(timeout=10)
    record = ProcessRecord(name, int(out.strip()), launcher.pid, str(argv[0]))
    pid_file.write_text(record.to_json())
    return record


def stop(record: ProcessRecord, *, timeout: float = 10.0) -> None:
    """SIGTERM to the whole process group, then SIGKILL after `timeout`."""
    if not is_alive(record):
        return
    _signal_group(record, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_alive(record):
            return
        time.sleep(0.05)
    _signal_group(record, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while is_alive(record) and time.monotonic() < deadline:
        time.sleep(0.05)


def _signal_group(record: ProcessRecord, sig: signal.Signals) -> None:
    try:
        os.killpg(record.pgid, sig)
    except ProcessLookupError:
        pass
    except PermissionError:
        # Should not happen for our own group; fall back to the pid we checked.
        os.kill(record.pid, sig)
