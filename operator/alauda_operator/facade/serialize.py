"""AlaudaService (+ its Pods, + the services linking to it) -> the v1 JSON body.

Pure: no I/O, no clock. The keys and JSON types follow the GET example of the
v1 API page; see docs/api.md for the few deliberate differences.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticUndefined
from yarl import URL

from alauda_operator import names
from alauda_operator.model import ServiceSpec, ServiceStatus
from alauda_operator.settings import PlatformSettings

CREATED_BY_ANNOTATION = "alauda.io/created-by"
DEFAULT_DOMAIN_ENVVAR = "__DEFAULT_DOMAIN_NAME__"
STATEFULSET_POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"

# Spec fields clients receive JSON-encoded (they call json.loads on them).
JSON_ENCODED_SPEC_FIELDS = frozenset({"instance_envvars", "linked_to_apps", "autoscaling_config"})
# Status fields shown in the body, as the operator wrote them.
STATUS_FIELDS = (
    "current_status",
    "is_deploying",
    "current_num_instances",
    "started_num_instances",
    "staged_num_instances",
    "started_at",
    "stopped_at",
    "last_autoscaled_at",
)
STATUS_TIME_FIELDS = frozenset({"started_at", "stopped_at", "last_autoscaled_at"})

Resource = Mapping[str, Any]


class Region(BaseModel):
    name: str


class Instance(BaseModel):
    instance_name: str
    uuid: str
    started_at: str | None


class ServiceFacts(BaseModel):
    """The keys of a service body that are neither spec nor status fields."""

    unique_name: str
    uuid: str
    service_name: str
    namespace: str
    created_by: str
    created_at: str | None
    updated_at: str | None
    resource_uri: str
    region: Region
    region_name: str
    default_domain_name: str
    allocation_group: None = None
    deployment_preference: str = "{}"
    linked_to: str
    linked_from: str
    linked_from_apps: str
    instances: list[Instance]


class ServicePage(BaseModel):
    count: int
    next: str | None
    previous: str | None
    results: list[dict[str, Any]]


# --- values ---------------------------------------------------------------


def api_time(value: str | None) -> str | None:
    """A Kubernetes timestamp (RFC 3339) as the v1 API wrote them:
    ``2015-04-14T09:46:39.457Z``."""
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    parsed = parsed.astimezone(dt.UTC)
    return parsed.strftime("%Y-%m-%dT%H:%M:%S.") + f"{parsed.microsecond // 1000:03d}Z"


def json_text(value: Any) -> str:
    return json.dumps(value if value is not None else {}, ensure_ascii=False)


def resource_uri(namespace: str, service_name: str) -> str:
    return f"/v1/services/{namespace}/{service_name}/"


def _json_default(field: str) -> Any:
    info = ServiceSpec.model_fields[field]
    default = info.get_default(call_default_factory=True)
    if default is PydanticUndefined:
        return None
    return default.value if hasattr(default, "value") else default


# What a field shows when the stored spec lacks it (computed once: pydantic's
# get_default inspects the factory's signature on every call).
_SPEC_DEFAULTS: dict[str, Any] = {field: _json_default(field) for field in ServiceSpec.model_fields}


# --- instances --------------------------------------------------------------


def _is_current(pod: Resource) -> bool:
    """Terminating and finished Pods are not instances any more."""
    metadata = pod.get("metadata") or {}
    phase = (pod.get("status") or {}).get("phase")
    return not metadata.get("deletionTimestamp") and phase not in ("Succeeded", "Failed")


def _statefulset_ordinal(pod: Resource) -> int | None:
    metadata = pod.get("metadata") or {}
    owners = metadata.get("ownerReferences") or []
    if not any(owner.get("kind") == "StatefulSet" for owner in owners):
        return None
    index = (metadata.get("labels") or {}).get(STATEFULSET_POD_INDEX_LABEL)
    if index is None:
        index = str(metadata.get("name", "")).rsplit("-", 1)[-1]
    return int(index) if str(index).isdigit() else None


def instances(service_name: str, pods: Iterable[Resource]) -> list[Instance]:
    """``<service_name>.<n>``: n is the StatefulSet ordinal, or else the Pod's
    place by creation time (the oldest is 0)."""
    current = [pod for pod in pods if _is_current(pod)]
    ordinals = {id(pod): _statefulset_ordinal(pod) for pod in current}
    by_age = sorted(
        (pod for pod in current if ordinals[id(pod)] is None),
        key=lambda pod: (
            pod["metadata"].get("creationTimestamp") or "",
            pod["metadata"].get("name") or "",
        ),
    )
    numbered: list[tuple[int, Resource]] = [
        (ordinal, pod) for pod in current if (ordinal := ordinals[id(pod)]) is not None
    ]
    taken = {n for n, _ in numbered}
    free = (n for n in range(len(current) + len(taken)) if n not in taken)
    numbered.extend((next(free), pod) for pod in by_age)
    numbered.sort(key=lambda item: item[0])
    return [
        Instance(
            instance_name=f"{service_name}.{n}",
            uuid=str(pod["metadata"].get("uid", "")),
            started_at=api_time((pod.get("status") or {}).get("startTime")),
        )
        for n, pod in numbered
    ]


# --- links -----------------------------------------------------------------


def linked_from_index(services: Iterable[Resource]) -> dict[str, dict[str, str]]:
    """target service -> {service linking to it: the alias it uses}."""
    index: dict[str, dict[str, str]] = {}
    for service in services:
        source = service["metadata"]["name"]
        links = (service.get("spec") or {}).get("linked_to_apps") or {}
        for target, alias in links.items():
            index.setdefault(target, {})[source] = alias or target
    return index


# --- the service body --------------------------------------------------------


def _status_of(resource: Resource) -> ServiceStatus:
    try:
        return ServiceStatus.model_validate(resource.get("status") or {})
    except ValidationError:
        # An operator from another version may write more; show what we can.
        return ServiceStatus()


def _updated_at(metadata: Resource) -> str | None:
    """The last write to the spec or metadata (status writes do not count)."""
    times = [
        entry["time"]
        for entry in metadata.get("managedFields") or []
        if entry.get("time") and entry.get("subresource", "") != "status"
    ]
    return api_time(max(times, default=None) or metadata.get("creationTimestamp"))


def _ports(spec: Resource, status: ServiceStatus) -> list[dict[str, Any]]:
    allocated = {(p.container_port, p.endpoint_type.value): p for p in status.instance_ports}
    ports: list[dict[str, Any]] = []
    for port in spec.get("instance_ports") or []:
        item = dict(port)
        found = allocated.get((port.get("container_port"), port.get("endpoint_type")))
        # Absent until allocated: clients poll until service_port appears.
        if found is not None and found.service_port is not None:
            item["service_port"] = found.service_port
        if found is not None and found.default_domain is not None:
            item["default_domain"] = found.default_domain
        ports.append(item)
    return ports


def service_body(
    resource: Resource,
    pods: Iterable[Resource],
    linked_from: Mapping[str, str],
    settings: PlatformSettings,
) -> dict[str, Any]:
    """The v1 body of one service. ``pods`` are its Pods, ``linked_from`` the
    services that link to it (name -> alias), from :func:`linked_from_index`."""
    metadata = resource["metadata"]
    name = str(metadata["name"])
    namespace = str(metadata["namespace"])
    spec = resource.get("spec") or {}
    status = _status_of(resource)
    domain = status.default_domain_name or names.default_domain_name(name, namespace, settings)

    body: dict[str, Any] = {}
    for field, default in _SPEC_DEFAULTS.items():
        value = spec.get(field, default)
        body[field] = json_text(value) if field in JSON_ENCODED_SPEC_FIELDS else value
    envvars = {**(spec.get("instance_envvars") or {}), DEFAULT_DOMAIN_ENVVAR: domain}
    body["instance_envvars"] = json_text(envvars)
    body["instance_ports"] = _ports(spec, status)

    links = spec.get("linked_to_apps") or {}
    linked_from_text = json_text(dict(linked_from))
    facts = ServiceFacts(
        unique_name=str(metadata.get("uid", "")),
        uuid=str(metadata.get("uid", "")),
        service_name=name,
        namespace=namespace,
        created_by=(metadata.get("annotations") or {}).get(CREATED_BY_ANNOTATION) or namespace,
        created_at=api_time(metadata.get("creationTimestamp")),
        updated_at=_updated_at(metadata),
        resource_uri=resource_uri(namespace, name),
        region=Region(name=settings.region_name),
        region_name=settings.region_name,
        default_domain_name=domain,
        linked_to=json_text({target: alias or target for target, alias in links.items()}),
        linked_from=linked_from_text,
        linked_from_apps=linked_from_text,
        instances=instances(name, pods),
    )
    body.update(facts.model_dump(mode="json"))

    for field in STATUS_FIELDS:
        value = getattr(status, field)
        if field in STATUS_TIME_FIELDS:
            value = api_time(value)
        body[field] = value.value if hasattr(value, "value") else value
    return body


def pods_by_service(pods: Iterable[Resource]) -> dict[str, list[Resource]]:
    grouped: dict[str, list[Resource]] = {}
    for pod in pods:
        service = ((pod.get("metadata") or {}).get("labels") or {}).get(names.SERVICE_LABEL)
        if service:
            grouped.setdefault(service, []).append(pod)
    return grouped


# --- lists ------------------------------------------------------------------


def page_url(url: URL, page: int | None) -> str | None:
    if page is None:
        return None
    return str(url.update_query(page=str(page)))


def service_page(
    results: Sequence[dict[str, Any]], count: int, page: int, page_size: int, url: URL
) -> ServicePage:
    """The v1 list envelope; ``next`` and ``previous`` are URLs of the same
    query with another ``page``, or null."""
    last_page = max(1, -(-count // page_size))
    return ServicePage(
        count=count,
        next=page_url(url, page + 1 if page < last_page else None),
        previous=page_url(url, page - 1 if page > 1 else None),
        results=list(results),
    )
