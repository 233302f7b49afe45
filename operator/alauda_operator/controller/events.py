"""Kubernetes Events on an AlaudaService: what went wrong or changed.

Events are derived from *changes* only (an object applied or deleted, a
condition that turned), never from a state that merely persists, so a
reconcile that changes nothing records nothing, however often it runs.
``transition_events`` is pure; ``EventRecorder`` posts.
"""

from __future__ import annotations

import logging
import secrets
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from alauda_operator import names
from alauda_operator.controller.kube import EVENTS, ApiError, KubeApi
from alauda_operator.controller.status import (
    DEPLOYING,
    LINKS_RESOLVED,
    READY,
    STOPPING,
    WAITING_FOR_DELETION,
    format_time,
)
from alauda_operator.model import Condition, ServiceStatus

logger = logging.getLogger(__name__)

EventType = Literal["Normal", "Warning"]
COMPONENT = names.MANAGED_BY

# Ready=False reasons that are on the way to Ready, not failures.
_TRANSIENT_REASONS = frozenset({DEPLOYING, STOPPING, WAITING_FOR_DELETION})


@dataclass(frozen=True)
class Event:
    type: EventType
    reason: str
    message: str


@dataclass(frozen=True)
class InvolvedObject:
    name: str
    namespace: str
    uid: str
    resource_version: str | None = None


def transition_events(previous: ServiceStatus, current: ServiceStatus) -> list[Event]:
    """Events for the conditions that changed between two statuses."""
    events: list[Event] = []
    before = _by_type(previous.conditions)
    after = _by_type(current.conditions)
    ready_now, ready_then = after.get(READY), before.get(READY)
    if ready_now is not None and _changed(ready_then, ready_now):
        if ready_now.status == "True":
            events.append(Event("Normal", ready_now.reason, ready_now.message))
        elif ready_now.reason not in _TRANSIENT_REASONS:
            events.append(Event("Warning", ready_now.reason, ready_now.message))
    links_now, links_then = after.get(LINKS_RESOLVED), before.get(LINKS_RESOLVED)
    if links_now is not None and links_now.status == "False" and _changed(links_then, links_now):
        events.append(Event("Warning", links_now.reason, links_now.message))
    return events


def _by_type(conditions: Sequence[Condition]) -> dict[str, Condition]:
    return {c.type: c for c in conditions}


def _changed(before: Condition | None, after: Condition) -> bool:
    if before is None:
        return True
    return (before.status, before.reason, before.message) != (
        after.status,
        after.reason,
        after.message,
    )


def event_object(
    involved: InvolvedObject, event: Event, now: datetime, instance: str
) -> dict[str, Any]:
    """A core/v1 Event, as ``kubectl describe`` shows them."""
    timestamp = format_time(now)
    involved_ref: dict[str, Any] = {
        "apiVersion": f"{names.API_GROUP}/{names.API_VERSION}",
        "kind": names.KIND,
        "name": involved.name,
        "namespace": involved.namespace,
        "uid": involved.uid,
    }
    if involved.resource_version:
        involved_ref["resourceVersion"] = involved.resource_version
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": f"{involved.name}.{secrets.token_hex(8)}",
            "namespace": involved.namespace,
        },
        "involvedObject": involved_ref,
        "type": event.type,
        "reason": event.reason,
        "message": event.message[:1024],
        "source": {"component": COMPONENT},
        "reportingComponent": COMPONENT,
        "reportingInstance": instance,
        "firstTimestamp": timestamp,
        "lastTimestamp": timestamp,
        "count": 1,
    }


class EventRecorder:
    """Posts Events; a failure to post is logged, never raised: an Event is
    a courtesy, the reconcile must not fail over it."""

    def __init__(self, kube: KubeApi, instance: str | None = None) -> None:
        self._kube = kube
        self._instance = instance or socket.gethostname()

    async def record(
        self, involved: InvolvedObject, events: Sequence[Event], now: datetime
    ) -> None:
        for event in events:
            log = logger.warning if event.type == "Warning" else logger.info
            log(
                "%s/%s: %s: %s",
                involved.namespace,
                involved.name,
                event.reason,
                event.message,
                extra={"service": involved.name, "namespace": involved.namespace},
            )
            body = event_object(involved, event, now, self._instance)
            try:
                await self._kube.create(EVENTS, involved.namespace, body)
            except ApiError as err:
                logger.warning("could not post event %s: %s", event.reason, err)
