"""What the Pods of a service say: how many run, and why the others do not.

Pure functions over Pod objects as the API server returns them (plain JSON).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Waiting reasons that do not fix themselves: the image or the container
# configuration is wrong, or the process keeps exiting.
IMAGE_PULL_REASONS = frozenset(
    {"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"}
)
CONTAINER_ERROR_REASONS = frozenset(
    {"CreateContainerConfigError", "CreateContainerError", "RunContainerError"}
)
CRASH_LOOP = "CrashLoopBackOff"
UNSCHEDULABLE = "Unschedulable"
# A Pod is often unschedulable for a moment (its volume claims not bound
# yet); it counts as failing once it has been for this long.
UNSCHEDULABLE_GRACE_SECONDS = 30.0


@dataclass(frozen=True)
class PodFailure:
    pod: str
    reason: str
    message: str


@dataclass(frozen=True)
class PodCounts:
    ready: int = 0
    started: int = 0
    staged: int = 0


def live_pods(pods: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Pods that count: not being deleted, not finished."""
    return [
        p
        for p in pods
        if not p.get("metadata", {}).get("deletionTimestamp")
        and p.get("status", {}).get("phase") not in ("Succeeded", "Failed")
    ]


def is_ready(pod: Mapping[str, Any]) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in pod.get("status", {}).get("conditions") or []
    )


def count_pods(pods: Iterable[Mapping[str, Any]]) -> PodCounts:
    """ready: serving; started: running, ready or not; staged: accepted but
    not started yet (being scheduled, waiting for volumes or images)."""
    current = live_pods(pods)
    phases = [p.get("status", {}).get("phase") for p in current]
    return PodCounts(
        ready=sum(1 for p in current if is_ready(p)),
        started=phases.count("Running"),
        staged=phases.count("Pending"),
    )


def pod_failures(pods: Iterable[Mapping[str, Any]], now: datetime) -> list[PodFailure]:
    """Why Pods cannot run, one entry per failing Pod, ordered by Pod name."""
    failures: list[PodFailure] = []
    for pod in sorted(pods, key=lambda p: str(p.get("metadata", {}).get("name", ""))):
        if pod.get("metadata", {}).get("deletionTimestamp"):
            continue
        failure = _pod_failure(pod, now)
        if failure is not None:
            failures.append(failure)
    return failures


def seconds_until_unschedulable_counts(
    pods: Iterable[Mapping[str, Any]], now: datetime
) -> float | None:
    """When the next Pod still in its unschedulable grace period leaves it
    (the status must be derived again then); None if there is no such Pod."""
    waits = []
    for pod in live_pods(pods):
        condition = _unschedulable(pod)
        if condition is not None:
            age = _age(condition, now)
            if age < UNSCHEDULABLE_GRACE_SECONDS:
                waits.append(UNSCHEDULABLE_GRACE_SECONDS - age)
    return min(waits) if waits else None


def _unschedulable(pod: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for condition in pod.get("status", {}).get("conditions") or []:
        if (
            condition.get("type") == "PodScheduled"
            and condition.get("status") == "False"
            and condition.get("reason") == UNSCHEDULABLE
        ):
            return dict(condition)
    return None


def _age(condition: Mapping[str, Any], now: datetime) -> float:
    since = condition.get("lastTransitionTime")
    if not since:
        return 0.0
    return (now - datetime.fromisoformat(str(since).replace("Z", "+00:00"))).total_seconds()


def _pod_failure(pod: Mapping[str, Any], now: datetime) -> PodFailure | None:
    name = str(pod.get("metadata", {}).get("name", ""))
    status = pod.get("status", {})
    if status.get("phase") == "Failed":
        reason = status.get("reason") or "PodFailed"
        return PodFailure(name, reason, status.get("message") or f"pod {name} failed")
    unschedulable = _unschedulable(pod)
    if unschedulable is not None:
        if _age(unschedulable, now) < UNSCHEDULABLE_GRACE_SECONDS:
            return None
        message = unschedulable.get("message") or "cannot be scheduled"
        return PodFailure(name, UNSCHEDULABLE, str(message))
    containers = [
        *(status.get("initContainerStatuses") or []),
        *(status.get("containerStatuses") or []),
    ]
    for container in containers:
        failure = _container_failure(name, container)
        if failure is not None:
            return failure
    return None


def _container_failure(pod: str, container: Mapping[str, Any]) -> PodFailure | None:
    state = container.get("state") or {}
    waiting = state.get("waiting") or {}
    reason = waiting.get("reason")
    container_name = container.get("name", "")
    if reason in IMAGE_PULL_REASONS or reason in CONTAINER_ERROR_REASONS:
        message = waiting.get("message") or f"cannot start container {container_name}"
        return PodFailure(pod, str(reason), message)
    if reason == CRASH_LOOP:
        return PodFailure(pod, CRASH_LOOP, _exit_message(container_name, container))
    terminated = state.get("terminated") or {}
    if terminated and terminated.get("exitCode", 0) != 0:
        return PodFailure(
            pod, terminated.get("reason") or "Error", _exit_message(container_name, container)
        )
    return None


def _exit_message(container_name: str, container: Mapping[str, Any]) -> str:
    state = container.get("state") or {}
    terminated = state.get("terminated") or (container.get("lastState") or {}).get("terminated")
    if not terminated:
        return f"container {container_name} keeps exiting"
    message = f"container {container_name} exited with code {terminated.get('exitCode')}"
    if terminated.get("reason"):
        message += f" ({terminated['reason']})"
    restarts = container.get("restartCount")
    if restarts:
        message += f", restarted {restarts} times"
    return message


def describe_failures(failures: Sequence[PodFailure]) -> str:
    first = failures[0]
    message = f"pod {first.pod}: {first.message}"
    if len(failures) > 1:
        message += f" (and {len(failures) - 1} more failing pods)"
    return message
