"""High availability: replicas elect one active replica through a
coordination.k8s.io Lease, with client-go's rules.

Every replica watches (its queue fills up); only the Lease holder
reconciles. The holder renews the Lease every ``retry_period``; a replica
takes the Lease over when it sees it unrenewed for ``lease_duration``
(measured on its own monotonic clock, so clock skew between nodes does not
matter). A holder that cannot renew for ``renew_deadline``, or that sees
another holder, stops (exits), so that two replicas never reconcile at once
for longer than that; its Pod restarts as a standby. On a clean shutdown the
holder releases the Lease, so that a standby takes over on its next try.

(``kubernetes.aio.leaderelection`` would do the same, but its LeaseLock
cannot create a Lease with kubernetes 37: it passes ``pretty=True`` where a
string is required.)
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from alauda_operator.controller.kube import ApiError, JsonObject, KubeApi, ResourceKind

logger = logging.getLogger(__name__)

LEASES = ResourceKind("coordination.k8s.io/v1", "Lease", "leases")
DEFAULT_LEASE_NAME = "alauda-operator"


def default_identity() -> str:
    """The Pod's name in a cluster, host and process id elsewhere."""
    return os.environ.get("POD_NAME") or f"{socket.gethostname()}-{os.getpid()}"


def micro_time(moment: datetime) -> str:
    """A Lease's MicroTime: RFC 3339 with microseconds, in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class LeaderElectionSettings:
    namespace: str
    name: str = DEFAULT_LEASE_NAME
    identity: str = field(default_factory=default_identity)
    # Whole seconds: the Lease stores leaseDurationSeconds as an integer.
    lease_duration: int = 15
    renew_deadline: int = 10
    retry_period: int = 2


@dataclass(frozen=True)
class Attempt:
    acquired: bool
    holder: str | None


def claimed_lease(
    lease: JsonObject | None, settings: LeaderElectionSettings, now: datetime
) -> JsonObject:
    """The Lease as this replica writes it to hold it: renewed if it holds it
    already, taken over (new acquireTime, one more transition) otherwise."""
    stamp = micro_time(now)
    if lease is None:
        return {
            "apiVersion": LEASES.api_version,
            "kind": LEASES.kind,
            "metadata": {"name": settings.name, "namespace": settings.namespace},
            "spec": {
                "holderIdentity": settings.identity,
                "leaseDurationSeconds": settings.lease_duration,
                "acquireTime": stamp,
                "renewTime": stamp,
                "leaseTransitions": 0,
            },
        }
    spec: dict[str, Any] = dict(lease.get("spec") or {})
    if spec.get("holderIdentity") != settings.identity:
        if spec.get("holderIdentity"):
            spec["leaseTransitions"] = int(spec.get("leaseTransitions") or 0) + 1
        spec["acquireTime"] = stamp
    spec.update(
        holderIdentity=settings.identity,
        leaseDurationSeconds=settings.lease_duration,
        renewTime=stamp,
    )
    return {
        "apiVersion": LEASES.api_version,
        "kind": LEASES.kind,
        "metadata": lease["metadata"],
        "spec": spec,
    }


class LeaseElector:
    def __init__(
        self,
        kube: KubeApi,
        settings: LeaderElectionSettings,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._kube = kube
        self._settings = settings
        self._monotonic = monotonic
        self._now = now
        self._observed: tuple[Any, ...] | None = None
        self._observed_at = 0.0

    async def run(
        self, *, on_started_leading: Callable[[], None], on_stopped_leading: Callable[[], None]
    ) -> None:
        """Campaigns until this replica holds the Lease, then renews it;
        returns (after ``on_stopped_leading``) when it no longer holds it."""
        settings = self._settings
        logger.info(
            "campaigning for Lease %s/%s as %s",
            settings.namespace,
            settings.name,
            settings.identity,
        )
        while not (await self._attempt()).acquired:
            await asyncio.sleep(settings.retry_period)
        logger.info("acquired Lease %s/%s", settings.namespace, settings.name)
        on_started_leading()
        renewed = self._monotonic()
        while True:
            await asyncio.sleep(settings.retry_period)
            attempt = await self._attempt()
            if attempt.acquired:
                renewed = self._monotonic()
                continue
            other = attempt.holder not in (None, settings.identity)
            if other or self._monotonic() - renewed > settings.renew_deadline:
                logger.error(
                    "lost Lease %s/%s (holder: %s)",
                    settings.namespace,
                    settings.name,
                    attempt.holder,
                )
                on_stopped_leading()
                return

    async def _attempt(self) -> Attempt:
        """One try to acquire or renew; API errors count as a failed try."""
        settings = self._settings
        try:
            lease = await self._kube.get(LEASES, settings.namespace, settings.name)
            if lease is None:
                await self._kube.create(
                    LEASES, settings.namespace, claimed_lease(None, settings, self._now())
                )
                return Attempt(True, settings.identity)
            spec = lease.get("spec") or {}
            holder = spec.get("holderIdentity")
            if holder and holder != settings.identity and not self._expired(lease):
                return Attempt(False, holder)
            await self._kube.replace(LEASES, claimed_lease(lease, settings, self._now()))
            return Attempt(True, settings.identity)
        except ApiError as err:
            # 409: another replica wrote the Lease first.
            logger.debug("Lease %s/%s: %s", settings.namespace, settings.name, err)
            return Attempt(False, None)

    def _expired(self, lease: JsonObject) -> bool:
        """Unchanged for a whole lease duration since this replica first saw it so."""
        spec = lease.get("spec") or {}
        record = (
            spec.get("holderIdentity"),
            spec.get("renewTime"),
            lease["metadata"].get("resourceVersion"),
        )
        if record != self._observed:
            self._observed = record
            self._observed_at = self._monotonic()
        duration = spec.get("leaseDurationSeconds") or self._settings.lease_duration
        return self._monotonic() - self._observed_at >= duration


async def release(kube: KubeApi, settings: LeaderElectionSettings) -> None:
    """Gives the Lease up if this replica holds it."""
    try:
        lease = await kube.get(LEASES, settings.namespace, settings.name)
        if lease is None or (lease.get("spec") or {}).get("holderIdentity") != settings.identity:
            return
        spec = {**lease["spec"], "holderIdentity": None}
        await kube.replace(LEASES, {**lease, "spec": spec})
        logger.info("released Lease %s/%s", settings.namespace, settings.name)
    except ApiError as err:
        logger.warning("could not release Lease %s/%s: %s", settings.namespace, settings.name, err)
