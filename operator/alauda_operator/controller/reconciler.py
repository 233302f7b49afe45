"""One reconcile of one AlaudaService: read it, build what it needs, apply
what differs, delete what it no longer needs, and report.

Level-based: the reconcile looks only at the current state (the CR, its
children, its Pods), never at what event woke it, so any trigger may run it
any number of times. A reconcile where nothing changed reads but writes
nothing: children are compared before they are applied, the status before it
is written, and Events are only recorded for changes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from alauda_operator import names
from alauda_operator.builders import (
    MANAGED_KINDS,
    BuildError,
    ManagedKind,
    ServiceResource,
    build_objects,
)
from alauda_operator.controller import metrics
from alauda_operator.controller.compare import (
    difference,
    is_subset,
    owns_field,
    with_applied_hash,
)
from alauda_operator.controller.events import (
    Event,
    EventRecorder,
    InvolvedObject,
    transition_events,
)
from alauda_operator.controller.kube import ALAUDA_SERVICES, PODS, ApiError, JsonObject, KubeApi
from alauda_operator.controller.pods import seconds_until_unschedulable_counts
from alauda_operator.controller.status import (
    INVALID_SPEC,
    OBJECT_REJECTED,
    OWNERSHIP_CONFLICT,
    WAITING_FOR_DELETION,
    Observation,
    Problem,
    StatusInput,
    derive_status,
)
from alauda_operator.model import ServiceSpec, ServiceStatus
from alauda_operator.settings import PlatformSettings

logger = logging.getLogger(__name__)

# Takes spec.replicas over from our manager before an AUTO apply leaves it
# out, so that the value stays (see hand_off_replicas).
HANDOFF_FIELD_MANAGER = f"{names.FIELD_MANAGER}-handoff"
# A namesake object of an earlier AlaudaService of the same name is being
# garbage-collected: look again soon.
GARBAGE_COLLECTION_RECHECK_SECONDS = 2.0
# After a status write found the service changed since it was read: look again
# soon, in case the event of that change was consumed before this pass ended.
STALE_RECHECK_SECONDS = 0.5

ObjectKey = tuple[str, str, str]  # (apiVersion, kind, name)
KINDS_BY_TYPE: dict[tuple[str, str], ManagedKind] = {
    (k.api_version, k.kind): k for k in MANAGED_KINDS
}


@dataclass(frozen=True)
class Outcome:
    wrote: bool
    requeue_after: float | None = None
    # A condition only a change elsewhere can clear (an object someone else
    # owns): retry with growing delays.
    retry_with_backoff: bool = False


@dataclass
class _Pass:
    """What one reconcile did so far."""

    applied: dict[ObjectKey, JsonObject] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    # The service changed while this pass ran; its status was not written.
    stale: bool = False
    converged: bool = False
    wrote: bool = False


def object_key(obj: Mapping[str, Any]) -> ObjectKey:
    return (str(obj["apiVersion"]), str(obj["kind"]), str(obj["metadata"]["name"]))


def owner_uids(obj: Mapping[str, Any]) -> list[str]:
    refs = obj.get("metadata", {}).get("ownerReferences") or []
    return [str(r.get("uid")) for r in refs]


def is_owned_by(obj: Mapping[str, Any], uid: str) -> bool:
    return uid in owner_uids(obj)


def owned_by_namesake(obj: Mapping[str, Any], service_name: str) -> bool:
    """Owned by an AlaudaService of this name, but another one (an earlier one,
    deleted, whose children the garbage collector is still removing)."""
    return any(
        r.get("kind") == names.KIND
        and str(r.get("apiVersion", "")).startswith(f"{names.API_GROUP}/")
        and r.get("name") == service_name
        for r in obj.get("metadata", {}).get("ownerReferences") or []
    )


def describe_validation_error(err: ValidationError) -> str:
    """``spec.volumes[0].size_gb: must be between 10 and 100 GB; ...``"""
    parts = []
    for error in err.errors():
        path = "spec"
        for step in error["loc"]:
            path += f"[{step}]" if isinstance(step, int) else f".{step}"
        message = str(error["msg"]).removeprefix("Value error, ")
        parts.append(f"{path}: {message}")
    return "; ".join(parts)


def hand_off_replicas(live: Mapping[str, Any], spec: ServiceSpec) -> int:
    """The count the hand-off manager keeps when AUTO takes over: the current
    one, within the autoscaler's bounds (never 0, which would switch the
    autoscaler off)."""
    current = (live.get("spec") or {}).get("replicas")
    count = current if isinstance(current, int) else 1
    config = spec.autoscaling_config
    if config is None:
        return max(count, 1)
    return max(config.minimum_num_instances, min(config.maximum_num_instances, count))


class Reconciler:
    def __init__(
        self,
        kube: KubeApi,
        settings: PlatformSettings,
        recorder: EventRecorder,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._kube = kube
        self._settings = settings
        self._recorder = recorder
        self._clock = clock

    async def reconcile(self, namespace: str, name: str) -> Outcome:
        try:
            return await self._reconcile(namespace, name)
        except ApiError as err:
            if err.namespace_going:
                # Its namespace's deletion takes the service with it.
                return Outcome(wrote=False)
            raise

    async def _reconcile(self, namespace: str, name: str) -> Outcome:
        service = await self._kube.get(ALAUDA_SERVICES, namespace, name)
        if service is None or service["metadata"].get("deletionTimestamp"):
            # Owner references let the garbage collector delete the children.
            return Outcome(wrote=False)
        metadata = service["metadata"]
        uid = str(metadata["uid"])
        work = _Pass()

        spec: ServiceSpec | None
        missing_links: list[str] = []
        try:
            spec = ServiceSpec.model_validate(
                service.get("spec") or {}, context={"settings": self._settings}
            )
        except ValidationError as err:
            spec = None
            work.problems.append(Problem(INVALID_SPEC, describe_validation_error(err)))

        # The Pods are read with the children (one round trip): the status
        # derived from them is as fresh as the last Pod event, and the next
        # one brings a new reconcile anyway.
        live, pods = await asyncio.gather(
            self._live_children(namespace, name),
            self._kube.list(PODS, namespace, label_selector=_selector(name)),
        )
        if spec is not None:
            linked, missing_links = await self._linked_specs(namespace, spec)
            resource = ServiceResource(name=name, namespace=namespace, uid=uid, spec=spec)
            try:
                desired = build_objects(resource, self._settings, linked)
            except BuildError as err:
                work.problems.append(Problem(INVALID_SPEC, f"spec.{err}"))
            else:
                await self._converge(desired, live, spec, uid, name, work)

        observation = _observation(work.applied if work.converged else live, pods)
        problem = work.problems[0] if work.problems else None
        if problem is None and work.waiting:
            problem = Problem(WAITING_FOR_DELETION, "; ".join(work.waiting), transient=True)
        await self._report(service, spec, observation, problem, missing_links, work)

        if work.stale:
            return Outcome(work.wrote, requeue_after=STALE_RECHECK_SECONDS)
        if work.waiting:
            return Outcome(work.wrote, requeue_after=GARBAGE_COLLECTION_RECHECK_SECONDS)
        conflicted = any(p.reason == OWNERSHIP_CONFLICT for p in work.problems)
        # No Pod event comes when an unschedulable Pod's grace period ends.
        recheck = seconds_until_unschedulable_counts(pods, self._clock())
        return Outcome(work.wrote, requeue_after=recheck, retry_with_backoff=conflicted)

    # --- reading ---------------------------------------------------------

    async def _live_children(self, namespace: str, name: str) -> dict[ObjectKey, JsonObject]:
        selector = f"{_selector(name)},{names.MANAGED_BY_LABEL}={names.MANAGED_BY}"
        listed = await asyncio.gather(
            *(self._kube.list(kind, namespace, label_selector=selector) for kind in MANAGED_KINDS)
        )
        return {object_key(obj): obj for objects in listed for obj in objects}

    async def _linked_specs(
        self, namespace: str, spec: ServiceSpec
    ) -> tuple[dict[str, ServiceSpec], list[str]]:
        linked_names = sorted(spec.linked_to_apps)
        found = await asyncio.gather(
            *(self._kube.get(ALAUDA_SERVICES, namespace, n) for n in linked_names)
        )
        linked: dict[str, ServiceSpec] = {}
        missing: list[str] = []
        for linked_name, other in zip(linked_names, found, strict=True):
            if other is None or other["metadata"].get("deletionTimestamp"):
                missing.append(linked_name)
                continue
            try:
                # Only its ports matter here; the settings judge it in its own reconcile.
                linked[linked_name] = ServiceSpec.model_validate(other.get("spec") or {})
            except ValidationError:
                missing.append(linked_name)
        return linked, missing

    # --- writing ---------------------------------------------------------

    async def _converge(
        self,
        desired: Sequence[JsonObject],
        live: dict[ObjectKey, JsonObject],
        spec: ServiceSpec,
        uid: str,
        name: str,
        work: _Pass,
    ) -> None:
        work.converged = True
        leftovers = dict(live)
        for obj in desired:
            key = object_key(obj)
            kind = KINDS_BY_TYPE[key[:2]]
            namespace = obj["metadata"]["namespace"]
            current = leftovers.pop(key, None)
            if current is None:
                # Not labelled as ours; it may still exist, made by someone else.
                current = await self._kube.get(kind, namespace, key[2])
            if current is not None and not is_owned_by(current, uid):
                self._refuse(kind, key[2], current, name, work)
                continue
            why = difference(obj, current)
            if why is None and current is not None:
                work.applied[key] = current
                continue
            logger.info(
                "applying %s %s/%s: %s",
                kind.kind,
                namespace,
                key[2],
                why,
                extra={"namespace": namespace, "service": name},
            )
            try:
                work.applied[key] = await self._apply(kind, obj, current, spec)
            except ApiError as err:
                if not err.invalid:
                    raise
                work.problems.append(
                    Problem(OBJECT_REJECTED, f"{kind.kind} {key[2]} was refused: {err.message}")
                )
                continue
            work.wrote = True
            work.events.extend(change_events(kind, obj, current))

        for key, obj in leftovers.items():
            if not is_owned_by(obj, uid):
                continue
            kind = KINDS_BY_TYPE[key[:2]]
            meta = obj["metadata"]
            if await self._kube.delete(kind, meta["namespace"], key[2], uid=str(meta["uid"])):
                metrics.API_WRITES.labels("DELETE", kind.kind).inc()
                work.wrote = True
                work.events.append(
                    Event("Normal", "Deleted", f"deleted {kind.kind} {key[2]}, no longer needed")
                )

    def _refuse(
        self, kind: ManagedKind, object_name: str, current: JsonObject, name: str, work: _Pass
    ) -> None:
        if owned_by_namesake(current, name):
            work.waiting.append(
                f"waiting for {kind.kind} {object_name} of a deleted AlaudaService {name} "
                "to be garbage-collected"
            )
            return
        work.problems.append(
            Problem(
                OWNERSHIP_CONFLICT,
                f"{kind.kind} {object_name} already exists and is not owned by this "
                "AlaudaService; delete or rename it",
            )
        )

    async def _apply(
        self,
        kind: ManagedKind,
        obj: JsonObject,
        current: JsonObject | None,
        spec: ServiceSpec,
    ) -> JsonObject:
        if (
            current is not None
            and "replicas" not in obj["spec"]
            and owns_field(current, names.FIELD_MANAGER, ("spec", "replicas"))
        ):
            await self._hand_off_replicas(kind, obj, current, spec)
        result = await self._kube.apply(
            kind, with_applied_hash(obj), field_manager=names.FIELD_MANAGER
        )
        metrics.API_WRITES.labels("APPLY", kind.kind).inc()
        return result

    async def _hand_off_replicas(
        self, kind: ManagedKind, obj: JsonObject, current: JsonObject, spec: ServiceSpec
    ) -> None:
        """Server-side apply's "transferring ownership": applied without
        spec.replicas, the field would be removed (and default to 1) while we
        are its only owner. A second manager applies the current count first,
        so that it keeps the field when we let go; the autoscaler takes it
        from there."""
        meta = obj["metadata"]
        handoff = {
            "apiVersion": obj["apiVersion"],
            "kind": obj["kind"],
            "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
            "spec": {"replicas": hand_off_replicas(current, spec)},
        }
        await self._kube.apply(kind, handoff, field_manager=HANDOFF_FIELD_MANAGER)
        metrics.API_WRITES.labels("APPLY", kind.kind).inc()

    async def _report(
        self,
        service: JsonObject,
        spec: ServiceSpec | None,
        observation: Observation,
        problem: Problem | None,
        missing_links: Sequence[str],
        work: _Pass,
    ) -> None:
        metadata = service["metadata"]
        previous_raw = service.get("status") or {}
        previous = _parse_status(previous_raw)
        now = self._clock()
        status = derive_status(
            StatusInput(
                name=metadata["name"],
                namespace=metadata["namespace"],
                generation=int(metadata.get("generation", 0)),
                spec=spec,
                previous=previous,
                observation=observation,
                settings=self._settings,
                now=now,
                problem=problem,
                missing_links=missing_links,
            )
        )
        status_json = status.model_dump(mode="json", exclude_none=True)
        involved = InvolvedObject(
            metadata["name"], metadata["namespace"], metadata["uid"], metadata["resourceVersion"]
        )
        if status_json != previous_raw:
            body = {
                "apiVersion": service["apiVersion"],
                "kind": service["kind"],
                # The resourceVersion makes the write fail (409) if the service
                # changed since this reconcile read it, or was deleted and a
                # namesake created: this status would describe something else.
                "metadata": {
                    "name": metadata["name"],
                    "namespace": metadata["namespace"],
                    "resourceVersion": metadata["resourceVersion"],
                },
                "status": status_json,
            }
            try:
                await self._kube.apply(
                    ALAUDA_SERVICES, body, field_manager=names.FIELD_MANAGER, subresource="status"
                )
            except ApiError as err:
                if err.status != 409:
                    raise
                # The change that made it stale brings its own reconcile.
                work.stale = True
                return
            metrics.API_WRITES.labels("APPLY", f"{names.KIND}/status").inc()
            work.wrote = True
        events = [*work.events, *transition_events(previous, status)]
        if events:
            await self._recorder.record(involved, events, now)
            metrics.API_WRITES.labels("POST", "Event").inc(len(events))


def _selector(name: str) -> str:
    return f"{names.SERVICE_LABEL}={name}"


def _parse_status(raw: Mapping[str, Any]) -> ServiceStatus:
    try:
        return ServiceStatus.model_validate(raw)
    except ValidationError:
        # Hand-edited into something else: start over.
        return ServiceStatus()


def _observation(
    objects: Mapping[ObjectKey, JsonObject], pods: Sequence[JsonObject]
) -> Observation:
    workload = None
    services: dict[str, JsonObject] = {}
    ingress = None
    autoscaler = None
    for (_, kind, name), obj in objects.items():
        if kind in ("Deployment", "StatefulSet"):
            workload = obj
        elif kind == "Service":
            services[name] = obj
        elif kind == "Ingress":
            ingress = obj
        elif kind == "HorizontalPodAutoscaler":
            autoscaler = obj
    return Observation(
        workload=workload, services=services, ingress=ingress, autoscaler=autoscaler, pods=pods
    )


def change_events(
    kind: ManagedKind, desired: JsonObject, current: JsonObject | None
) -> list[Event]:
    object_name = desired["metadata"]["name"]
    if current is None:
        return [Event("Normal", "Created", f"created {kind.kind} {object_name}")]
    events = []
    wanted = desired["spec"].get("replicas")
    had = (current.get("spec") or {}).get("replicas")
    scaled = wanted is not None and wanted != had
    if scaled:
        events.append(
            Event("Normal", "Scaled", f"scaled {kind.kind} {object_name} from {had} to {wanted}")
        )
        rest = {**desired, "spec": {**desired["spec"], "replicas": had}}
        if is_subset(rest, current):
            return events
    events.append(Event("Normal", "Updated", f"updated {kind.kind} {object_name}"))
    return events
