"""Where the binaries and the per-cluster state live, and how binaries are built."""

from __future__ import annotations

import os
import subprocess
from functools import cache
from pathlib import Path

BINARIES = (
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubectl",
    "kwok",
)


def cache_dir() -> Path:
    """The same cache root build.sh uses, so both agree without talking."""
    explicit = os.environ.get("ALAUDA_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "alauda-operator"


def clusters_dir() -> Path:
    return cache_dir() / "clusters"


def repo_root() -> Path:
    # operator/alauda_operator/localcluster/paths.py -> the checkout's root.
    return Path(__file__).resolve().parents[3]


def build_script() -> Path:
    override = os.environ.get("ALAUDA_LOCALCLUSTER_BUILD_SH")
    return Path(override) if override else repo_root() / "hack" / "localcluster" / "build.sh"


class BuildError(RuntimeError):
    """The binaries are missing and build.sh could not make them."""


@cache
def bin_dir() -> Path:
    """Asks build.sh rather than repeating its version pins here."""
    script = build_script()
    if not script.is_file():
        raise BuildError(f"{script} not found: run from a checkout of alauda-operator")
    out = subprocess.run(
        ["bash", str(script), "--print-bin-dir"],
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(out.stdout.strip())


def binary(name: str) -> Path:
    return bin_dir() / name


def missing_binaries() -> list[str]:
    return [b for b in BINARIES if not os.access(bin_dir() / b, os.X_OK)]


def ensure_binaries() -> Path:
    """Runs build.sh only when something is missing: a warm start skips Go entirely."""
    if missing_binaries():
        # stdout only repeats the bin dir; the progress goes to stderr.
        result = subprocess.run(
            ["bash", str(build_script())], check=False, stdout=subprocess.DEVNULL
        )
        if result.returncode != 0 or missing_binaries():
            raise BuildError(
                f"build.sh failed (exit {result.returncode}); missing: {missing_binaries()}"
            )
    return bin_dir()
