"""A few API calls over urllib: enough to bootstrap and probe the cluster.

The `kubernetes` package would do, but it is slow to import and heavy for a
module that the operator's own start-up (`make run`) also loads.
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

JSON = dict[str, Any]


class ApiError(RuntimeError):
    def __init__(self, status: int, method: str, path: str, body: str) -> None:
        super().__init__(f"{method} {path}: HTTP {status}: {body[:500]}")
        self.status = status
        self.body = body


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes

    def json(self) -> JSON:
        data = json.loads(self.body)
        if not isinstance(data, dict):
            raise TypeError("expected a JSON object")
        return data


class ApiClient:
    def __init__(
        self,
        server: str,
        *,
        ca_file: Path | None = None,
        ca_data: bytes | None = None,
        token: str | None = None,
        client_cert: tuple[Path, Path] | None = None,
        insecure: bool = False,
    ) -> None:
        self.server = server.rstrip("/")
        self.token = token
        ctx = ssl.create_default_context()
        if insecure:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        elif ca_file is not None:
            ctx.load_verify_locations(cafile=str(ca_file))
        elif ca_data is not None:
            ctx.load_verify_locations(cadata=ca_data.decode())
        if client_cert is not None:
            ctx.load_cert_chain(str(client_cert[0]), str(client_cert[1]))
        # No proxies: the cluster is on loopback, and an HTTPS_PROXY in the
        # environment must not swallow requests to it.
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=ctx)
        )

    def request(
        self,
        method: str,
        path: str,
        body: JSON | None = None,
        *,
        content_type: str = "application/json",
        timeout: float = 10.0,
        ok: tuple[int, ...] = (),
    ) -> Response:
        """Raises ApiError on HTTP >= 400 unless the status is listed in `ok`."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.server + path, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", content_type)
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with self._opener.open(req, timeout=timeout) as resp:
                return Response(resp.status, resp.read())
        except urllib.error.HTTPError as err:
            payload = err.read()
            if err.code in ok:
                return Response(err.code, payload)
            raise ApiError(err.code, method, path, payload.decode(errors="replace")) from None

    def get(self, path: str, *, timeout: float = 10.0, ok: tuple[int, ...] = ()) -> Response:
        return self.request("GET", path, timeout=timeout, ok=ok)

    def create(self, path: str, body: JSON) -> bool:
        """POSTs; an object that already exists counts as done. True if it was new."""
        return self.request("POST", path, body, ok=(409,)).status != 409

    def apply(self, path: str, body: JSON, *, manager: str = "alauda-localcluster") -> JSON:
        """Server-side apply: idempotent create-or-update of the fields we own."""
        query = f"?fieldManager={manager}&force=true"
        return self.request(
            "PATCH", path + query, body, content_type="application/apply-patch+yaml"
        ).json()

    def merge_patch(self, path: str, body: JSON) -> JSON:
        return self.request("PATCH", path, body, content_type="application/merge-patch+json").json()

    def delete(self, path: str) -> None:
        self.request("DELETE", path, ok=(404,))

    def healthy(self, path: str = "/readyz", timeout: float = 2.0) -> bool:
        try:
            return self.get(path, timeout=timeout).body.strip() == b"ok"
        except (OSError, ApiError):
            return False
