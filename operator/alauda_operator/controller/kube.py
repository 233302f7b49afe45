"""The few Kubernetes API calls the operator makes, over ``kubernetes.aio``.

Objects stay plain JSON (what the builders produce and the API server
returns); no generated model classes, so that any kind in ``MANAGED_KINDS``
goes through the same four calls: get, list, server-side apply, delete.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote, urlencode

from kubernetes.aio.client import ApiClient
from kubernetes.aio.client.exceptions import ApiException

from alauda_operator import names

JsonObject = dict[str, Any]

APPLY_PATCH = "application/apply-patch+yaml"


class Kind(Protocol):
    """What the API needs to know of a kind (``builders.ManagedKind`` fits)."""

    @property
    def api_version(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def plural(self) -> str: ...

    @property
    def namespaced(self) -> bool: ...


@dataclass(frozen=True)
class ResourceKind:
    api_version: str
    kind: str
    plural: str
    namespaced: bool = True


ALAUDA_SERVICES = ResourceKind(f"{names.API_GROUP}/{names.API_VERSION}", names.KIND, names.PLURAL)
PODS = ResourceKind("v1", "Pod", "pods")
EVENTS = ResourceKind("v1", "Event", "events")


def collection_path(kind: Kind, namespace: str | None) -> str:
    prefix = "/api/v1" if kind.api_version == "v1" else f"/apis/{kind.api_version}"
    if kind.namespaced and namespace is not None:
        return f"{prefix}/namespaces/{quote(namespace)}/{kind.plural}"
    return f"{prefix}/{kind.plural}"


def object_path(kind: Kind, namespace: str, name: str) -> str:
    return f"{collection_path(kind, namespace)}/{quote(name)}"


def kind_of(obj: Mapping[str, Any]) -> tuple[str, str]:
    return str(obj.get("apiVersion")), str(obj.get("kind"))


class ApiError(Exception):
    """The API server answered with an error status (or not at all: 0)."""

    def __init__(
        self, status: int, reason: str, message: str, details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message
        self.details = dict(details or {})

    @classmethod
    def from_exception(cls, err: ApiException) -> ApiError:
        status = int(getattr(err, "status", 0) or 0)
        body = getattr(err, "body", None)
        reason = str(getattr(err, "reason", "") or "")
        message = str(body or reason)
        if body:
            try:
                decoded = json.loads(body)
            except (TypeError, ValueError):
                decoded = None
            if isinstance(decoded, dict):
                reason = str(decoded.get("reason") or reason)
                message = str(decoded.get("message") or message)
                details = decoded.get("details")
                return cls(status, reason, message, details if isinstance(details, dict) else None)
        return cls(status, reason, message)

    @property
    def not_found(self) -> bool:
        return self.status == 404

    @property
    def namespace_going(self) -> bool:
        """The namespace is being deleted (or is gone): nothing to do there."""
        causes = self.details.get("causes") or []
        if any(c.get("reason") == "NamespaceTerminating" for c in causes):
            return True
        return self.not_found and self.details.get("kind") == "namespaces"

    @property
    def invalid(self) -> bool:
        """The object itself was refused (422): retrying will not help."""
        return self.status == 422


class KubeApi:
    def __init__(self, client: ApiClient) -> None:
        self._client = client

    async def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: Any = None,
        content_type: str = "application/json",
    ) -> JsonObject:
        url = self._client.configuration.host + path
        if query:
            url += "?" + urlencode(query)
        headers: dict[str, str] = {"Accept": "application/json", "Content-Type": content_type}
        headers.update(self._client.default_headers)
        await self._client.update_params_for_auth(headers, [], ["BearerToken"], path, method, body)
        try:
            response = await self._client.call_api(method, url, header_params=headers, body=body)
            data = await response.read()  # type: ignore[no-untyped-call]
        except ApiException as err:
            raise ApiError.from_exception(err) from None
        if not 200 <= response.status <= 299:
            text = data.decode(errors="replace") if data else ""
            raise ApiError.from_exception(
                ApiException(status=response.status, reason=response.reason, body=text)
            )
        decoded = json.loads(data) if data else {}
        return decoded if isinstance(decoded, dict) else {}

    async def get(self, kind: Kind, namespace: str, name: str) -> JsonObject | None:
        try:
            return await self.request("GET", object_path(kind, namespace, name))
        except ApiError as err:
            if err.not_found:
                return None
            raise

    async def list(
        self, kind: Kind, namespace: str | None, *, label_selector: str | None = None
    ) -> list[JsonObject]:
        query = {"labelSelector": label_selector} if label_selector else None
        answer = await self.request("GET", collection_path(kind, namespace), query=query)
        items = answer.get("items") or []
        # A list's items carry neither apiVersion nor kind; put them back.
        return [{"apiVersion": kind.api_version, "kind": kind.kind, **item} for item in items]

    async def apply(
        self,
        kind: Kind,
        obj: Mapping[str, Any],
        *,
        field_manager: str,
        subresource: str | None = None,
    ) -> JsonObject:
        """Server-side apply, forcing ownership of the fields in ``obj``."""
        metadata = obj["metadata"]
        path = object_path(kind, metadata["namespace"], metadata["name"])
        if subresource:
            path += f"/{subresource}"
        # The API server parses apply patches as YAML, which refuses the
        # surrogate-pair escapes json.dumps writes for characters beyond
        # U+FFFF (an emoji in an env value); raw UTF-8 is fine. The charset
        # parameter keeps the client from dumping the bytes again.
        body = json.dumps(dict(obj), ensure_ascii=False).encode()
        return await self.request(
            "PATCH",
            path,
            query={"fieldManager": field_manager, "force": "true"},
            body=body,
            content_type=f"{APPLY_PATCH}; charset=utf-8",
        )

    async def delete(self, kind: Kind, namespace: str, name: str, *, uid: str) -> bool:
        """Deletes that very object (not a namesake created since); False if gone."""
        body = {
            "apiVersion": "v1",
            "kind": "DeleteOptions",
            "preconditions": {"uid": uid},
            "propagationPolicy": "Background",
        }
        try:
            await self.request("DELETE", object_path(kind, namespace, name), body=body)
        except ApiError as err:
            if err.not_found or err.status == 409:
                return False
            raise
        return True

    async def replace(self, kind: Kind, obj: Mapping[str, Any]) -> JsonObject:
        """PUT: fails with 409 if the object changed since it was read."""
        metadata = obj["metadata"]
        path = object_path(kind, metadata["namespace"], metadata["name"])
        return await self.request("PUT", path, body=dict(obj))

    async def create(self, kind: Kind, namespace: str, obj: Mapping[str, Any]) -> JsonObject:
        return await self.request("POST", collection_path(kind, namespace), body=dict(obj))
