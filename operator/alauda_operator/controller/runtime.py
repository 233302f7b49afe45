"""The controller loop: watch events in, service keys through a work queue,
reconciles out.

kopf's watch handlers call ``service_event`` and ``child_event``; both only
put keys into the queue (cheap, never an API call). Workers take keys and
reconcile them, one worker per key at a time, after this replica becomes the
active one (``activate``); until then keys just wait, so that a standby
replica takes over with its queue already filled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping
from typing import Any

from alauda_operator import names
from alauda_operator.controller import metrics
from alauda_operator.controller.kube import ApiError
from alauda_operator.controller.links import LinkIndex, ServiceKey
from alauda_operator.controller.reconciler import Reconciler
from alauda_operator.controller.workqueue import WorkQueue

logger = logging.getLogger(__name__)


class Controller:
    def __init__(self, reconciler: Reconciler, *, workers: int = 8) -> None:
        self.queue: WorkQueue[ServiceKey] = WorkQueue()
        self.links = LinkIndex()
        self._reconciler = reconciler
        self._workers = workers
        self._generations: dict[ServiceKey, int | None] = {}
        self._active = asyncio.Event()

    # --- events in (from kopf's watches) ---------------------------------

    def service_event(self, event_type: str | None, body: Mapping[str, Any]) -> None:
        metadata = body.get("metadata") or {}
        key: ServiceKey = (str(metadata.get("namespace")), str(metadata.get("name")))
        if event_type == "DELETED":
            self._generations.pop(key, None)
            linkers = self.links.linkers_of(key)
            self.links.remove(key)
            self._add_all(linkers)
            return
        links = (body.get("spec") or {}).get("linked_to_apps")
        self.links.update(key, links.keys() if isinstance(links, Mapping) else ())
        generation = metadata.get("generation")
        seen = self._generations.get(key)
        known = key in self._generations
        self._generations[key] = generation
        observed = (body.get("status") or {}).get("observedGeneration")
        # Our own status writes come back as events too: a change of status
        # alone (generation already observed) needs no reconcile.
        if event_type is None or not known or generation != observed or generation != seen:
            self._add(key)
        if event_type is not None and (not known or generation != seen):
            # Appeared, or its spec changed: its ports are in its linkers' environment.
            self._add_all(self.links.linkers_of(key))

    def child_event(self, body: Mapping[str, Any]) -> None:
        metadata = body.get("metadata") or {}
        service = (metadata.get("labels") or {}).get(names.SERVICE_LABEL)
        key: ServiceKey = (str(metadata.get("namespace")), str(service))
        # Children of services not (or no longer) known are the garbage
        # collector's; the initial listing of AlaudaServices adds every key.
        if service and key in self._generations:
            self._add(key)

    def _add(self, key: ServiceKey) -> None:
        self.queue.add(key)
        self._publish_depth()

    def _publish_depth(self) -> None:
        metrics.QUEUE_DEPTH.set(len(self.queue) + self.queue.busy)

    def _add_all(self, keys: list[ServiceKey]) -> None:
        for key in keys:
            self._add(key)

    # --- work out ---------------------------------------------------------

    def activate(self) -> None:
        """Start reconciling (this replica leads, or there is only one)."""
        if not self._active.is_set():
            logger.info("active: reconciling with %d workers", self._workers)
        self._active.set()
        metrics.LEADER.set(1)

    @property
    def active(self) -> bool:
        return self._active.is_set()

    def start_workers(self) -> list[asyncio.Task[None]]:
        """The worker tasks; they wait for ``activate``. Created before kopf
        starts, so that kopf's shutdown leaves them to the caller to cancel."""
        return [
            asyncio.create_task(self._work(), name=f"reconcile-worker-{number}")
            for number in range(self._workers)
        ]

    async def _work(self) -> None:
        await self._active.wait()
        while True:
            key = await self.queue.get()
            try:
                await self._reconcile(key)
            finally:
                self.queue.done(key)
                self._publish_depth()

    async def _reconcile(self, key: ServiceKey) -> None:
        namespace, name = key
        started = time.monotonic()
        extra = {"namespace": namespace, "service": name}
        try:
            outcome = await self._reconciler.reconcile(namespace, name)
        except asyncio.CancelledError:
            raise
        except Exception as err:
            reason = f"http_{err.status}" if isinstance(err, ApiError) else type(err).__name__
            delay = self.queue.add_rate_limited(key)
            metrics.RECONCILES.labels("error").inc()
            metrics.RECONCILE_ERRORS.labels(reason).inc()
            logger.warning(
                "reconcile of %s/%s failed (%s), retrying in %.1fs",
                namespace,
                name,
                err,
                delay,
                extra=extra,
                exc_info=not isinstance(err, ApiError),
            )
            return
        finally:
            metrics.RECONCILE_DURATION.observe(time.monotonic() - started)
        metrics.RECONCILES.labels("changed" if outcome.wrote else "unchanged").inc()
        if outcome.retry_with_backoff:
            self.queue.add_rate_limited(key)
        else:
            self.queue.forget(key)
        if outcome.requeue_after is not None:
            self.queue.add_after(key, outcome.requeue_after)
        if outcome.wrote:
            logger.debug("reconciled %s/%s", namespace, name, extra=extra)


async def cancel_and_wait(task: asyncio.Task[Any]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
