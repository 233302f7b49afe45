"""An AlaudaService's status, derived from what the cluster reports.

``derive_status`` is pure: the reconciler hands it the CR's spec and previous
status, the live objects it applied or found, the service's Pods, what went
wrong on its side (``Problem``) and the time; it returns the whole new status.
Calling it twice with the same input gives the same status, which is what lets
the reconciler skip the status write when nothing changed.

Conditions (Kubernetes style, camelCase):

- ``Ready``: True once the workload has rolled out (its controller saw the
  current spec and the updated, ready and total instance counts equal the
  desired count), reason ``Running``; or, when STOPPED, once no Pod is left,
  reason ``Stopped``. False otherwise, with the reason of what is wrong
  (``InvalidSpec``, ``OwnershipConflict``, ``ObjectRejected``, a Pod's
  ``ErrImagePull``/``ImagePullBackOff``/``CrashLoopBackOff``/``Unschedulable``
  ...) or of what is still happening (``Deploying``, ``Stopping``,
  ``WaitingForDeletion``: an earlier AlaudaService of the same name still has
  children the garbage collector is deleting).
- ``Progressing``: True while a rollout or a stop is under way (reason
  ``Deploying``/``Stopping``); False when it is over (``Complete``,
  ``Stopped``) or cannot go on (the failure's reason).
- ``LinksResolved``: False (``LinkedServiceNotFound``) when a service in
  ``linked_to_apps`` does not exist in the namespace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from alauda_operator import names
from alauda_operator.controller.pods import count_pods, describe_failures, pod_failures
from alauda_operator.model import (
    Condition,
    CurrentStatus,
    EndpointType,
    InstancePort,
    PortStatus,
    ScalingMode,
    ServiceSpec,
    ServiceStatus,
    TargetState,
)
from alauda_operator.settings import PlatformSettings

READY = "Ready"
PROGRESSING = "Progressing"
LINKS_RESOLVED = "LinksResolved"

# Reasons the operator sets (Pod failure reasons come from the kubelet).
RUNNING = "Running"
STOPPED = "Stopped"
STOPPING = "Stopping"
DEPLOYING = "Deploying"
COMPLETE = "Complete"
RESOLVED = "Resolved"
INVALID_SPEC = "InvalidSpec"
OWNERSHIP_CONFLICT = "OwnershipConflict"
OBJECT_REJECTED = "ObjectRejected"
LINKED_SERVICE_NOT_FOUND = "LinkedServiceNotFound"
WAITING_FOR_DELETION = "WaitingForDeletion"

HTTP_PORT = 80


@dataclass(frozen=True)
class Problem:
    """Something the operator itself could not do for this service;
    ``transient`` when it clears by itself (the service is then Deploying)."""

    reason: str
    message: str
    transient: bool = False


@dataclass(frozen=True)
class Observation:
    """The service's live objects, as applied or found by this reconcile."""

    workload: Mapping[str, Any] | None = None
    services: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    ingress: Mapping[str, Any] | None = None
    autoscaler: Mapping[str, Any] | None = None
    pods: Sequence[Mapping[str, Any]] = ()


@dataclass(frozen=True)
class StatusInput:
    name: str
    namespace: str
    generation: int
    spec: ServiceSpec | None  # None when the spec is invalid
    previous: ServiceStatus
    observation: Observation
    settings: PlatformSettings
    now: datetime
    problem: Problem | None = None
    missing_links: Sequence[str] = ()


@dataclass(frozen=True)
class _Verdict:
    ready: tuple[bool, str, str]
    progressing: tuple[bool, str, str]
    current: CurrentStatus
    deploying: bool


def derive_status(given: StatusInput) -> ServiceStatus:
    counts = count_pods(given.observation.pods)
    verdict = _verdict(given)
    previous = given.previous
    started_at, stopped_at = _state_change_times(given.spec, previous, given.now)
    autoscaler_status = (given.observation.autoscaler or {}).get("status") or {}
    conditions = [
        _condition(given, READY, *verdict.ready),
        _condition(given, PROGRESSING, *verdict.progressing),
        _links_condition(given),
    ]
    return ServiceStatus(
        observedGeneration=given.generation,
        conditions=conditions,
        current_status=verdict.current,
        current_num_instances=_ready_instances(given.observation.workload, counts.ready),
        started_num_instances=counts.started,
        staged_num_instances=counts.staged,
        is_deploying=verdict.deploying,
        started_at=started_at,
        stopped_at=stopped_at,
        last_autoscaled_at=autoscaler_status.get("lastScaleTime") or previous.last_autoscaled_at,
        default_domain_name=names.default_domain_name(given.name, given.namespace, given.settings),
        instance_ports=port_statuses(given),
        selector=f"{names.SERVICE_LABEL}={given.name}",
    )


def _verdict(given: StatusInput) -> _Verdict:
    problem = given.problem
    if problem is not None and problem.transient:
        waiting = (problem.reason, problem.message)
        return _Verdict((False, *waiting), (True, *waiting), CurrentStatus.DEPLOYING, True)
    if problem is not None:
        failed = (False, problem.reason, problem.message)
        return _Verdict(failed, failed, CurrentStatus.ERROR, deploying=False)
    spec = given.spec
    assert spec is not None, "a spec that did not parse is an InvalidSpec problem"
    workload = given.observation.workload
    desired = desired_instances(spec, workload)
    done, progress = rollout_state(workload, desired)

    if spec.target_state is TargetState.STOPPED:
        remaining = count_pods(given.observation.pods)
        left = remaining.started + remaining.staged
        if done and left == 0:
            stopped = (True, STOPPED, "stopped: no instance is running")
            return _Verdict(stopped, (False, STOPPED, stopped[2]), CurrentStatus.STOPPED, False)
        message = f"stopping: {left} instances left" if left else progress
        return _Verdict(
            (False, STOPPING, message), (True, STOPPING, message), CurrentStatus.DEPLOYING, True
        )
    if done:
        return _Verdict(
            (True, RUNNING, progress), (False, COMPLETE, progress), CurrentStatus.RUNNING, False
        )
    failures = pod_failures(given.observation.pods, given.now)
    if failures:
        failed = (False, failures[0].reason, describe_failures(failures))
        return _Verdict(failed, failed, CurrentStatus.ERROR, deploying=False)
    return _Verdict(
        (False, DEPLOYING, progress), (True, DEPLOYING, progress), CurrentStatus.DEPLOYING, True
    )


def _ready_instances(workload: Mapping[str, Any] | None, ready_pods: int) -> int:
    """The workload's count of ready Pods: the same source as Ready's rollout
    check, so that Ready=True always comes with current == desired."""
    if workload is None:
        return ready_pods
    return int((workload.get("status") or {}).get("readyReplicas", 0))


def desired_instances(spec: ServiceSpec, workload: Mapping[str, Any] | None) -> int:
    """How many instances should run now: the autoscaler's count in AUTO."""
    if spec.target_state is TargetState.STOPPED:
        return 0
    if spec.scaling_mode is ScalingMode.AUTO:
        replicas = ((workload or {}).get("spec") or {}).get("replicas")
        if isinstance(replicas, int):
            return replicas
        config = spec.autoscaling_config
        return config.minimum_num_instances if config else 1
    return spec.target_num_instances


def rollout_state(workload: Mapping[str, Any] | None, desired: int) -> tuple[bool, str]:
    """Whether a Deployment's or StatefulSet's rollout to ``desired``
    instances is complete, and a sentence saying where it stands."""
    if workload is None:
        return False, "waiting for the workload to be created"
    generation = workload.get("metadata", {}).get("generation", 0)
    status = workload.get("status") or {}
    if status.get("observedGeneration", 0) < generation:
        return False, "waiting for the workload controller to see the new spec"
    updated = status.get("updatedReplicas", 0)
    ready = status.get("readyReplicas", 0)
    total = status.get("replicas", 0)
    if updated < desired:
        return False, f"{updated} of {desired} instances updated"
    if total > desired:
        return False, f"{total - desired} old instances still running"
    if ready < desired:
        return False, f"{ready} of {desired} instances ready"
    return True, f"{ready} of {desired} instances ready"


def _condition(
    given: StatusInput, kind: str, status: bool | None, reason: str, message: str
) -> Condition:
    text = "Unknown" if status is None else str(status)
    previous = next((c for c in given.previous.conditions if c.type == kind), None)
    if previous is not None and previous.status == text and previous.lastTransitionTime:
        since = previous.lastTransitionTime
    else:
        since = format_time(given.now)
    return Condition(
        type=kind,
        status=text,
        reason=reason,
        message=message,
        lastTransitionTime=since,
        observedGeneration=given.generation,
    )


def _links_condition(given: StatusInput) -> Condition:
    if given.spec is None:
        return _condition(given, LINKS_RESOLVED, None, INVALID_SPEC, "the spec is invalid")
    if given.missing_links:
        missing = ", ".join(sorted(given.missing_links))
        message = f"linked services not found in namespace {given.namespace}: {missing}"
        return _condition(given, LINKS_RESOLVED, False, LINKED_SERVICE_NOT_FOUND, message)
    count = len(given.spec.linked_to_apps)
    return _condition(given, LINKS_RESOLVED, True, RESOLVED, f"{count} linked services found")


def _state_change_times(
    spec: ServiceSpec | None, previous: ServiceStatus, now: datetime
) -> tuple[str | None, str | None]:
    """started_at/stopped_at: when target_state last became STARTED/STOPPED.
    Whichever is later tells the state the operator last saw; a change of
    target_state stamps the other one."""
    started_at, stopped_at = previous.started_at, previous.stopped_at
    if spec is None:
        return started_at, stopped_at
    if spec.target_state is TargetState.STARTED and not _not_before(started_at, stopped_at):
        started_at = format_time(now)
    if spec.target_state is TargetState.STOPPED and not _not_before(stopped_at, started_at):
        stopped_at = format_time(now)
    return started_at, stopped_at


def _not_before(first: str | None, second: str | None) -> bool:
    if first is None:
        return False
    return second is None or parse_time(first) >= parse_time(second)


def port_statuses(given: StatusInput) -> list[PortStatus]:
    if given.spec is None:
        return list(given.previous.instance_ports)
    return [_port_status(given, port) for port in given.spec.instance_ports]


def _port_status(given: StatusInput, port: InstancePort) -> PortStatus:
    kind = port.effective_endpoint_type
    number = port.container_port
    domain = names.default_domain_name(given.name, given.namespace, given.settings)
    observed = given.observation
    service_port: int | None = None
    address: str | None = None
    if kind is EndpointType.HTTP:
        if observed.ingress is not None:
            service_port, address = HTTP_PORT, domain
    elif kind is EndpointType.TCP:
        public = observed.services.get(names.public_service_name(given.name))
        service_port, address = _public_address(public, number, domain)
    elif kind is EndpointType.DIRECT:
        host_port = _host_port(observed.workload, number)
        if host_port is not None:
            service_port, address = host_port, domain
    else:
        cluster_name = names.cluster_service_name(given.name)
        entry = _service_port(observed.services.get(cluster_name), number)
        if entry is not None:
            service_port = entry.get("port")
            address = f"{cluster_name}.{given.namespace}.svc"
    return PortStatus(
        container_port=number,
        endpoint_type=kind,
        service_port=service_port,
        default_domain=address,
    )


def _public_address(
    service: Mapping[str, Any] | None, container_port: int, domain: str
) -> tuple[int | None, str | None]:
    """A load balancer's own address and port once it has one, else the node port."""
    entry = _service_port(service, container_port)
    if service is None or entry is None:
        return None, None
    balancers = ((service.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    for balancer in balancers:
        host = balancer.get("hostname") or balancer.get("ip")
        if host:
            return entry.get("port"), str(host)
    node_port = entry.get("nodePort")
    return (node_port, domain) if node_port else (None, None)


def _service_port(
    service: Mapping[str, Any] | None, container_port: int
) -> Mapping[str, Any] | None:
    for entry in ((service or {}).get("spec") or {}).get("ports") or []:
        if container_port in (entry.get("targetPort"), entry.get("port")):
            return dict(entry)
    return None


def _host_port(workload: Mapping[str, Any] | None, container_port: int) -> int | None:
    template = ((workload or {}).get("spec") or {}).get("template") or {}
    for container in (template.get("spec") or {}).get("containers") or []:
        for entry in container.get("ports") or []:
            if entry.get("containerPort") == container_port and entry.get("hostPort"):
                return int(entry["hostPort"])
    return None


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC, to the second, as Kubernetes writes timestamps."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
