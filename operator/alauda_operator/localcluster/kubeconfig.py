"""Writing the cluster's kubeconfigs, and reading any kubeconfig enough to probe it."""

from __future__ import annotations

import base64
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .apiclient import ApiClient


def _write_private(path: Path, text: str) -> None:
    """Kubeconfigs hold tokens: written whole (never half-read) and owner-only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def write_token_kubeconfig(
    path: Path, *, context: str, server: str, ca_file: Path, user: str, token: str
) -> None:
    """Self-contained (CA inlined) so the file can be copied elsewhere."""
    ca_data = base64.b64encode(ca_file.read_bytes()).decode()
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": context, "cluster": {"server": server, "certificate-authority-data": ca_data}}
        ],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": context, "context": {"cluster": context, "user": user}}],
        "current-context": context,
    }
    _write_private(path, yaml.safe_dump(config, sort_keys=False))


def write_cert_kubeconfig(
    path: Path, *, server: str, ca_file: Path, cert_file: Path, key_file: Path
) -> None:
    """For the components: client certificates by path."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "local",
                "cluster": {"server": server, "certificate-authority": str(ca_file)},
            }
        ],
        "users": [
            {
                "name": "component",
                "user": {
                    "client-certificate": str(cert_file),
                    "client-key": str(key_file),
                },
            }
        ],
        "contexts": [{"name": "local", "context": {"cluster": "local", "user": "component"}}],
        "current-context": "local",
    }
    _write_private(path, yaml.safe_dump(config, sort_keys=False))


@dataclass(frozen=True)
class KubeconfigTarget:
    """The current context of a kubeconfig, as far as a plain HTTPS probe needs it."""

    context: str
    server: str
    token: str | None
    ca_data: bytes | None
    ca_file: Path | None
    insecure: bool
    client_cert: tuple[Path, Path] | None
    uses_exec: bool

    def client(self) -> ApiClient:
        return ApiClient(
            self.server,
            ca_file=self.ca_file,
            ca_data=self.ca_data,
            token=self.token,
            client_cert=self.client_cert,
            insecure=self.insecure,
        )


def _named(items: Any, name: str, key: str) -> dict[str, Any]:
    for item in items or []:
        if isinstance(item, dict) and item.get("name") == name:
            value = item.get(key)
            return value if isinstance(value, dict) else {}
    return {}


def _resolve(base: Path, value: str) -> Path:
    p = Path(os.path.expanduser(value))
    return p if p.is_absolute() else base.parent / p


def read_kubeconfig(path: Path, scratch: Path) -> KubeconfigTarget:
    """Reads the current context. Inline client certificate data is written to
    files under `scratch`, since Python's ssl only loads certificates from files."""
    data = yaml.safe_load(path.read_text()) or {}
    context_name = str(data.get("current-context", ""))
    context = _named(data.get("contexts"), context_name, "context")
    cluster = _named(data.get("clusters"), str(context.get("cluster", "")), "cluster")
    user = _named(data.get("users"), str(context.get("user", "")), "user")
    server = str(cluster.get("server", ""))
    if not server:
        raise ValueError(f"{path}: the current context has no server")

    ca_data = None
    if cluster.get("certificate-authority-data"):
        ca_data = base64.b64decode(cluster["certificate-authority-data"])
    ca_file = None
    if cluster.get("certificate-authority"):
        ca_file = _resolve(path, str(cluster["certificate-authority"]))

    token = user.get("token")
    if not token and user.get("tokenFile"):
        token = _resolve(path, str(user["tokenFile"])).read_text().strip()

    client_cert = None
    if user.get("client-certificate-data") and user.get("client-key-data"):
        scratch.mkdir(parents=True, exist_ok=True)
        cert = scratch / "client.crt"
        key = scratch / "client.key"
        cert.write_bytes(base64.b64decode(user["client-certificate-data"]))
        key.write_bytes(base64.b64decode(user["client-key-data"]))
        key.chmod(0o600)
        client_cert = (cert, key)
    elif user.get("client-certificate") and user.get("client-key"):
        client_cert = (
            _resolve(path, str(user["client-certificate"])),
            _resolve(path, str(user["client-key"])),
        )

    return KubeconfigTarget(
        context=context_name,
        server=server,
        token=str(token) if token else None,
        ca_data=ca_data,
        ca_file=ca_file,
        insecure=bool(cluster.get("insecure-skip-tls-verify", False)),
        client_cert=client_cert,
        uses_exec="exec" in user or "auth-provider" in user,
    )
