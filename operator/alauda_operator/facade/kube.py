"""The Kubernetes calls the facade makes, with the caller's ApiClient.

Plain JSON in and out over ``kubernetes.aio``'s ApiClient: the handlers need
dicts (they pass them to the pure serializer), and the pod log call needs
``sinceTime``, which the generated client does not offer.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import aiohttp
from kubernetes.aio.client import ApiClient

from alauda_operator import names
from alauda_operator.facade.errors import ApiError, from_kubernetes

# The facade writes only AlaudaServices; the operator's own manager owns the children.
FACADE_FIELD_MANAGER = "alauda-facade"
REQUEST_TIMEOUT_SECONDS = 30.0
LOG_STREAM_TIMEOUT_SECONDS = 120.0
# Optimistic-concurrency retries when someone else (the operator writing status,
# kopf its annotations) changed the resource between our read and our write.
UPDATE_ATTEMPTS = 5

Resource = dict[str, Any]


def _services_path(namespace: str) -> str:
    return f"/apis/{names.API_GROUP}/{names.API_VERSION}/namespaces/{namespace}/{names.PLURAL}"


class Kube:
    def __init__(self, api: ApiClient) -> None:
        self._api = api

    async def _send(
        self,
        method: str,
        path: str,
        *,
        query: list[tuple[str, Any]] | None = None,
        body: Any = None,
        accept: str = "application/json",
        timeout: float = REQUEST_TIMEOUT_SECONDS,
    ) -> aiohttp.ClientResponse:
        headers = {"Accept": accept, "Content-Type": "application/json"}
        method, url, headers, body, _ = await self._api.param_serialize(
            method=method,
            resource_path=path,
            query_params=query or [],
            header_params=headers,
            body=body,
            auth_settings=["BearerToken"],
        )
        try:
            response = await self._api.call_api(
                method, url, header_params=headers, body=body, _request_timeout=timeout
            )
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ApiError(503, f"Kubernetes API unreachable: {exc.__class__.__name__}") from exc
        raw: aiohttp.ClientResponse = response.response
        return raw

    async def _json(
        self,
        method: str,
        path: str,
        *,
        query: list[tuple[str, Any]] | None = None,
        body: Any = None,
    ) -> Any:
        response = await self._send(method, path, query=query, body=body)
        try:
            data = await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ApiError(503, f"Kubernetes API unreachable: {exc.__class__.__name__}") from exc
        finally:
            response.release()
        if not 200 <= response.status < 300:
            raise from_kubernetes(response.status, data)
        return json.loads(data)

    # --- AlaudaServices --------------------------------------------------------

    async def get_service(self, namespace: str, name: str) -> Resource:
        try:
            resource: Resource = await self._json("GET", f"{_services_path(namespace)}/{name}")
        except ApiError as error:
            if error.status == 404:
                raise ApiError(404, f"service {name!r} not found in {namespace!r}") from error
            raise
        return resource

    async def list_services(self, namespace: str) -> list[Resource]:
        listed = await self._json("GET", _services_path(namespace))
        items: list[Resource] = listed.get("items") or []
        return items

    async def create_service(self, namespace: str, resource: Resource) -> Resource:
        created: Resource = await self._json(
            "POST",
            _services_path(namespace),
            query=[("fieldManager", FACADE_FIELD_MANAGER)],
            body=resource,
        )
        return created

    async def update_service_spec(
        self,
        namespace: str,
        name: str,
        change: Callable[[Resource], dict[str, Any] | None],
    ) -> bool:
        """Replaces the spec with ``change(resource)`` under the resourceVersion
        it was computed from; ``None`` means nothing to write. True if written."""
        for _ in range(UPDATE_ATTEMPTS):
            resource = await self.get_service(namespace, name)
            new_spec = change(resource)
            if new_spec is None:
                return False
            metadata = {k: v for k, v in resource["metadata"].items() if k != "managedFields"}
            replacement = {**resource, "metadata": metadata, "spec": new_spec}
            replacement.pop("status", None)
            try:
                await self._json(
                    "PUT",
                    f"{_services_path(namespace)}/{name}",
                    query=[("fieldManager", FACADE_FIELD_MANAGER)],
                    body=replacement,
                )
            except ApiError as error:
                if error.status == 409:
                    continue
                if error.status == 404:
                    raise ApiError(404, f"service {name!r} not found in {namespace!r}") from error
                raise
            return True
        raise ApiError(409, f"service {name!r} kept changing; try again")

    async def delete_service(self, namespace: str, name: str) -> None:
        try:
            await self._json(
                "DELETE",
                f"{_services_path(namespace)}/{name}",
                body={"propagationPolicy": "Background"},
            )
        except ApiError as error:
            if error.status == 404:
                raise ApiError(404, f"service {name!r} not found in {namespace!r}") from error
            raise

    # --- Pods --------------------------------------------------------------

    async def list_pods(self, namespace: str, label_selector: str) -> list[Resource]:
        listed = await self._json(
            "GET",
            f"/api/v1/namespaces/{namespace}/pods",
            query=[("labelSelector", label_selector)],
        )
        items: list[Resource] = listed.get("items") or []
        return items

    async def open_pod_log(
        self, namespace: str, pod: str, container: str, since: dt.datetime
    ) -> aiohttp.ClientResponse | None:
        """The log stream with timestamps from ``since`` on; the caller reads it
        line by line and releases it. None if the container has no log yet."""
        response = await self._send(
            "GET",
            f"/api/v1/namespaces/{namespace}/pods/{pod}/log",
            query=[
                ("container", container),
                ("timestamps", True),
                ("sinceTime", since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")),
            ],
            accept="*/*",
            timeout=LOG_STREAM_TIMEOUT_SECONDS,
        )
        if response.status == 200:
            return response
        data = await response.read()
        response.release()
        # 400: the container is waiting to start (or was never started); no lines.
        if response.status in (400, 404):
            return None
        raise from_kubernetes(response.status, data)

    # --- identity ----------------------------------------------------------

    async def username(self) -> str | None:
        """Who the caller is, as the API server authenticated them."""
        review = await self._json(
            "POST",
            "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            body={"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
        )
        user = (review.get("status") or {}).get("userInfo") or {}
        username = user.get("username")
        return str(username) if username else None


async def gather_first_error(*calls: Any) -> list[Any]:
    """Runs the calls together; on failure raises the first failing call's error
    in argument order, so that the answer does not depend on timing."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return list(results)
