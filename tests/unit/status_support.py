"""Objects as the API server returns them, for the status unit tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from alauda_operator.controller.status import Observation, Problem, StatusInput
from alauda_operator.model import ServiceSpec, ServiceStatus
from alauda_operator.settings import PlatformSettings

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
JSON = dict[str, Any]


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def spec(**fields: Any) -> ServiceSpec:
    return ServiceSpec.model_validate({"image_name": "registry.example/web", **fields})


def workload(
    replicas: int | None,
    *,
    ready: int | None = None,
    updated: int | None = None,
    total: int | None = None,
    generation: int = 1,
    observed: int = 1,
    kind: str = "Deployment",
    containers: list[JSON] | None = None,
) -> JSON:
    count = replicas or 0
    obj_spec: JSON = {
        "template": {"spec": {"containers": containers or [{"name": "web", "image": "x"}]}}
    }
    if replicas is not None:
        obj_spec["replicas"] = replicas
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": "web", "generation": generation},
        "spec": obj_spec,
        "status": {
            "observedGeneration": observed,
            "replicas": count if total is None else total,
            "updatedReplicas": count if updated is None else updated,
            "readyReplicas": count if ready is None else ready,
        },
    }


def pod(
    name: str,
    *,
    phase: str = "Running",
    ready: bool = True,
    conditions: list[JSON] | None = None,
    containers: list[JSON] | None = None,
    deleting: bool = False,
) -> JSON:
    metadata: JSON = {"name": name}
    if deleting:
        metadata["deletionTimestamp"] = stamp(NOW)
    return {
        "metadata": metadata,
        "status": {
            "phase": phase,
            "conditions": [
                {"type": "Ready", "status": "True" if ready else "False"},
                *(conditions or []),
            ],
            "containerStatuses": containers or [],
        },
    }


def waiting(reason: str, message: str = "", restarts: int = 0, exit_code: int = 1) -> JSON:
    container: JSON = {
        "name": "web",
        "state": {"waiting": {"reason": reason, "message": message}},
        "restartCount": restarts,
    }
    if reason == "CrashLoopBackOff":
        container["lastState"] = {"terminated": {"exitCode": exit_code, "reason": "Error"}}
    return container


def unschedulable(since: datetime, message: str = "0/4 nodes are available") -> JSON:
    return {
        "type": "PodScheduled",
        "status": "False",
        "reason": "Unschedulable",
        "message": message,
        "lastTransitionTime": stamp(since),
    }


def running_pods(count: int) -> list[JSON]:
    return [pod(f"web-{i}") for i in range(count)]


def status_input(
    service_spec: ServiceSpec | None,
    observation: Observation | None = None,
    *,
    previous: ServiceStatus | None = None,
    problem: Problem | None = None,
    missing_links: tuple[str, ...] = (),
    now: datetime = NOW,
    generation: int = 1,
) -> StatusInput:
    return StatusInput(
        name="web",
        namespace="team",
        generation=generation,
        spec=service_spec,
        previous=previous or ServiceStatus(),
        observation=observation or Observation(),
        settings=PlatformSettings(),
        now=now,
        problem=problem,
        missing_links=missing_links,
    )


def later(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)
