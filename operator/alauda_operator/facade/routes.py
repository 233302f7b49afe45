"""The v1 paths. Each handler translates HTTP to the model and the custom
resource and back; the work is in payloads, kube, serialize and logs."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from alauda_operator import names
from alauda_operator.facade.errors import ApiError
from alauda_operator.facade.kube import Kube, gather_first_error
from alauda_operator.facade.logs import (
    InstanceLogEntry,
    LogEntry,
    LogLine,
    instance_id,
    merged_logs,
    parse_window,
    pods_for_logs,
    write_json_array,
)
from alauda_operator.facade.openapi import build_document
from alauda_operator.facade.payloads import (
    check_instance_uuid,
    check_namespace,
    check_service_name,
    check_update_body,
    merged_spec,
    parse_create,
    parse_json_object,
    parse_paging,
    service_resource,
    with_target_state,
)
from alauda_operator.facade.serialize import (
    instances,
    linked_from_index,
    pods_by_service,
    service_body,
    service_page,
)
from alauda_operator.model import TargetState
from alauda_operator.settings import PlatformSettings

SETTINGS = web.AppKey("settings", PlatformSettings)
OPENAPI = web.AppKey("openapi", dict)
KUBE = web.RequestKey("kube", Kube)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SERVICES = "/v1/services/{namespace}"
SERVICE = "/v1/services/{namespace}/{service_name}"
INSTANCE = SERVICE + "/instances/{uuid}"


def _service_path(request: web.Request) -> tuple[str, str]:
    return (
        check_namespace(request.match_info["namespace"]),
        check_service_name(request.match_info["service_name"]),
    )


def _selector(*service_names: str) -> str:
    if len(service_names) == 1:
        return f"{names.SERVICE_LABEL}={service_names[0]}"
    return f"{names.SERVICE_LABEL} in ({','.join(service_names)})"


async def _linked_from(kube: Kube, namespace: str, name: str) -> dict[str, str]:
    services = await kube.list_services(namespace)
    return linked_from_index(services).get(name, {})


# --- services ---------------------------------------------------------------


async def create_service(request: web.Request) -> web.StreamResponse:
    namespace = check_namespace(request.match_info["namespace"])
    settings = request.app[SETTINGS]
    payload = parse_create(parse_json_object(await request.read()), namespace, settings)
    kube = request[KUBE]
    created_by = await _username(kube) or namespace
    created = await kube.create_service(namespace, service_resource(payload, namespace, created_by))
    try:
        linked_from = await _linked_from(kube, namespace, payload.service_name)
    except ApiError:
        # The service exists now; a caller who may not list still gets it.
        linked_from = {}
    return web.json_response(service_body(created, [], linked_from, settings), status=201)


async def _username(kube: Kube) -> str | None:
    try:
        return await kube.username()
    except ApiError as error:
        if error.status == 401:
            raise
        return None


async def list_services(request: web.Request) -> web.StreamResponse:
    namespace = check_namespace(request.match_info["namespace"])
    page, page_size = parse_paging(request.query)
    kube = request[KUBE]
    services = sorted(await kube.list_services(namespace), key=lambda s: s["metadata"]["name"])
    first = (page - 1) * page_size
    if first and first >= len(services):
        raise ApiError(404, f"page {page} is past the last page", "page")
    chosen = services[first : first + page_size]
    service_names = [s["metadata"]["name"] for s in chosen]
    pods = await kube.list_pods(namespace, _selector(*service_names)) if chosen else []
    grouped = pods_by_service(pods)
    linked_from = linked_from_index(services)
    settings = request.app[SETTINGS]
    results = [
        service_body(s, grouped.get(n, []), linked_from.get(n, {}), settings)
        for s, n in zip(chosen, service_names, strict=True)
    ]
    body = service_page(results, len(services), page, page_size, request.url)
    return web.json_response(body.model_dump())


async def get_service(request: web.Request) -> web.StreamResponse:
    namespace, name = _service_path(request)
    kube = request[KUBE]
    resource, pods, linked_from = await gather_first_error(
        kube.get_service(namespace, name),
        kube.list_pods(namespace, _selector(name)),
        _linked_from(kube, namespace, name),
    )
    return web.json_response(service_body(resource, pods, linked_from, request.app[SETTINGS]))


async def update_service(request: web.Request) -> web.StreamResponse:
    namespace, name = _service_path(request)
    changes = check_update_body(parse_json_object(await request.read()), namespace, name)
    settings = request.app[SETTINGS]

    def change(resource: Mapping[str, Any]) -> dict[str, Any] | None:
        return merged_spec(resource.get("spec") or {}, changes, settings)

    await request[KUBE].update_service_spec(namespace, name, change)
    return web.Response(status=204)


def _set_target_state(target: TargetState) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        namespace, name = _service_path(request)
        settings = request.app[SETTINGS]

        def change(resource: Mapping[str, Any]) -> dict[str, Any]:
            return with_target_state(resource.get("spec") or {}, target, settings)

        await request[KUBE].update_service_spec(namespace, name, change)
        return web.Response(status=204)

    return handler


async def delete_service(request: web.Request) -> web.StreamResponse:
    namespace, name = _service_path(request)
    await request[KUBE].delete_service(namespace, name)
    return web.Response(status=204)


# --- instances and logs -------------------------------------------------------


async def _service_pods(request: web.Request) -> tuple[str, str, list[dict[str, Any]]]:
    """The service's Pods; 404 if the service does not exist."""
    namespace, name = _service_path(request)
    kube = request[KUBE]
    _, pods = await gather_first_error(
        kube.get_service(namespace, name), kube.list_pods(namespace, _selector(name))
    )
    return namespace, name, pods


async def list_instances(request: web.Request) -> web.StreamResponse:
    _, name, pods = await _service_pods(request)
    return web.json_response([i.model_dump() for i in instances(name, pods)])


async def get_instance(request: web.Request) -> web.StreamResponse:
    uuid = check_instance_uuid(request.match_info["uuid"])
    _, name, pods = await _service_pods(request)
    for instance in instances(name, pods):
        if instance.uuid == uuid:
            return web.json_response(instance.model_dump())
    raise ApiError(404, f"service {name!r} has no instance {uuid!r}", "uuid")


async def service_logs(request: web.Request) -> web.StreamResponse:
    window = parse_window(request.query, time.time())
    namespace, _, pods = await _service_pods(request)
    async with merged_logs(request[KUBE], namespace, pods_for_logs(pods), window) as lines:

        async def entries() -> AsyncIterator[LogEntry]:
            async for pod, line in lines:
                yield LogEntry(
                    instance_id=instance_id(pod), message=line.message, time=int(line.time)
                )

        return await write_json_array(request, entries())


async def instance_logs(request: web.Request) -> web.StreamResponse:
    uuid = check_instance_uuid(request.match_info["uuid"])
    window = parse_window(request.query, time.time())
    namespace, name, pods = await _service_pods(request)
    chosen = [pod for pod in pods if pod["metadata"].get("uid") == uuid]
    if not chosen:
        raise ApiError(404, f"service {name!r} has no instance {uuid!r}", "uuid")
    async with merged_logs(request[KUBE], namespace, pods_for_logs(chosen), window) as lines:

        async def entries() -> AsyncIterator[InstanceLogEntry]:
            async for _, line in lines:
                yield _instance_entry(line)

        return await write_json_array(request, entries())


def _instance_entry(line: LogLine) -> InstanceLogEntry:
    return InstanceLogEntry(message=line.message, time=int(line.time))


# --- the rest -----------------------------------------------------------------


async def openapi(request: web.Request) -> web.StreamResponse:
    return web.json_response(request.app[OPENAPI])


async def healthz(request: web.Request) -> web.StreamResponse:
    return web.json_response({"status": "ok"})


def _both(router: web.UrlDispatcher, method: str, path: str, handler: Handler) -> None:
    """Clients call every path with and without the trailing slash."""
    router.add_route(method, path, handler)
    router.add_route(method, path + "/", handler)


def add_routes(app: web.Application) -> None:
    app[OPENAPI] = build_document()
    router = app.router
    _both(router, "POST", SERVICES, create_service)
    _both(router, "GET", SERVICES, list_services)
    _both(router, "GET", SERVICE, get_service)
    _both(router, "PUT", SERVICE, update_service)
    _both(router, "DELETE", SERVICE, delete_service)
    _both(router, "PUT", SERVICE + "/start", _set_target_state(TargetState.STARTED))
    _both(router, "PUT", SERVICE + "/stop", _set_target_state(TargetState.STOPPED))
    _both(router, "GET", SERVICE + "/logs", service_logs)
    _both(router, "GET", SERVICE + "/instances", list_instances)
    _both(router, "GET", INSTANCE, get_instance)
    _both(router, "GET", INSTANCE + "/logs", instance_logs)
    router.add_get("/v1/openapi.json", openapi)
    router.add_get("/healthz", healthz)
