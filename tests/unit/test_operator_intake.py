"""Which watch events put which services into the work queue."""

from __future__ import annotations

from typing import Any, cast

from alauda_operator.controller.reconciler import Reconciler
from alauda_operator.controller.runtime import Controller


def controller() -> Controller:
    # The intake never reconciles: no reconciler needed.
    return Controller(cast(Reconciler, None))


def service(
    name: str, generation: int, observed: int | None = None, links: dict[str, str] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "metadata": {"namespace": "ns", "name": name, "generation": generation},
        "spec": {"linked_to_apps": links or {}},
    }
    if observed is not None:
        body["status"] = {"observedGeneration": observed}
    return body


async def queued(intake: Controller) -> list[tuple[str, str]]:
    keys = []
    while len(intake.queue):
        key = await intake.queue.get()
        intake.queue.done(key)
        keys.append(key)
    return keys


async def test_initial_listing_queues_every_service() -> None:
    intake = controller()

    intake.service_event(None, service("web", 3, observed=3))

    assert await queued(intake) == [("ns", "web")]


async def test_status_only_change_queues_nothing() -> None:
    intake = controller()
    intake.service_event(None, service("web", 3, observed=2))
    await queued(intake)

    intake.service_event("MODIFIED", service("web", 3, observed=3))

    assert await queued(intake) == []


async def test_spec_change_queues_the_service_and_its_linkers() -> None:
    intake = controller()
    intake.service_event(None, service("web", 1, observed=1, links={"db": ""}))
    intake.service_event(None, service("db", 1, observed=1))
    await queued(intake)

    intake.service_event("MODIFIED", service("db", 2, observed=1))

    assert await queued(intake) == [("ns", "db"), ("ns", "web")]


async def test_deleted_service_queues_its_linkers() -> None:
    intake = controller()
    intake.service_event(None, service("web", 1, observed=1, links={"db": ""}))
    intake.service_event(None, service("db", 1, observed=1))
    await queued(intake)

    intake.service_event("DELETED", service("db", 1, observed=1))

    assert await queued(intake) == [("ns", "web")]


async def test_child_event_queues_its_known_service() -> None:
    intake = controller()
    intake.service_event(None, service("web", 1, observed=1))
    await queued(intake)
    child = {"metadata": {"namespace": "ns", "labels": {"alauda.io/service": "web"}}}
    orphan = {"metadata": {"namespace": "ns", "labels": {"alauda.io/service": "gone"}}}

    intake.child_event(child)
    intake.child_event(orphan)

    assert await queued(intake) == [("ns", "web")]
