"""kopf registration: which watches feed the controller, and kopf's settings.

Only watch-event handlers (``@kopf.on.event``) are used. They keep no
progress state, so kopf writes nothing to the watched objects: no
last-handled-configuration annotation, no finalizer, no status of its own.
Change detection is the reconciler's (build, compare, apply); retries are the
work queue's.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import kopf

from alauda_operator import names
from alauda_operator.builders import MANAGED_KINDS
from alauda_operator.controller.kube import ALAUDA_SERVICES, PODS, Kind
from alauda_operator.controller.runtime import Controller

LoginFn = Callable[[], Awaitable[kopf.ConnectionInfo]]

# Children are watched through this label only: the API server filters, so
# the operator never receives (or keeps) other Deployments, Services or Pods.
MANAGED_SELECTOR = f"{names.MANAGED_BY_LABEL}={names.MANAGED_BY}"
WATCHED_CHILDREN: tuple[Kind, ...] = (*MANAGED_KINDS, PODS)


def _selector_key(kind: Kind) -> tuple[str, str]:
    return (kind.api_version, kind.plural)


def operator_settings(*, watch_timeout: int = 300) -> kopf.OperatorSettings:
    settings = kopf.OperatorSettings()
    # Handlers log; only the reconciler posts Kubernetes Events, and only on change.
    settings.posting.enabled = False
    # The CRD and the namespaces are read once at start-up: no cluster-wide
    # CRD/namespace watches, and no RBAC for them.
    settings.scanning.disabled = True
    settings.watching.server_timeout = watch_timeout
    settings.watching.client_timeout = watch_timeout + 30
    for kind in WATCHED_CHILDREN:
        settings.watching.label_selectors[_selector_key(kind)] = MANAGED_SELECTOR
    return settings


def register(registry: kopf.OperatorRegistry, controller: Controller, login: LoginFn) -> None:
    @kopf.on.login(registry=registry)
    async def authenticate(**_: Any) -> kopf.ConnectionInfo:
        return await login()

    @kopf.on.event(ALAUDA_SERVICES.api_version, ALAUDA_SERVICES.plural, registry=registry)
    async def alauda_service_event(event: kopf.RawEvent, body: kopf.Body, **_: Any) -> None:
        controller.service_event(event.get("type"), body)

    async def child_event(body: kopf.Body, **_: Any) -> None:
        controller.child_event(body)

    for kind in WATCHED_CHILDREN:
        kopf.on.event(kind.api_version, kind.plural, id=f"child-{kind.plural}", registry=registry)(
            child_event
        )

    @kopf.on.probe(id="queue", registry=registry)
    async def queue_depth(**_: Any) -> dict[str, Any]:
        return {"waiting": len(controller.queue), "active": controller.active}


def silence_noisy_loggers() -> None:
    # kopf logs every watch (re)connection at INFO; keep them for --verbose.
    logging.getLogger("kopf.objects").setLevel(logging.WARNING)
