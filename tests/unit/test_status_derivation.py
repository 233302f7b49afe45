"""derive_status: conditions, counts and times from what the cluster reports."""

from __future__ import annotations

from alauda_operator.controller.status import Observation, Problem, derive_status
from alauda_operator.model import Condition, CurrentStatus, ServiceStatus
from tests.unit.status_support import (
    NOW,
    later,
    pod,
    running_pods,
    spec,
    stamp,
    status_input,
    waiting,
    workload,
)


def condition(status: ServiceStatus, kind: str = "Ready") -> Condition:
    return next(c for c in status.conditions if c.type == kind)


def test_rolled_out_workload_is_ready_and_running() -> None:
    observed = Observation(workload=workload(2), pods=running_pods(2))

    status = derive_status(status_input(spec(target_num_instances=2), observed))

    assert (condition(status).status, condition(status).reason) == ("True", "Running")
    assert condition(status, "Progressing").status == "False"
    assert status.current_status is CurrentStatus.RUNNING
    assert status.current_num_instances == 2
    assert not status.is_deploying


def test_workload_controller_behind_the_spec_is_deploying() -> None:
    observed = Observation(workload=workload(2, generation=2, observed=1), pods=running_pods(2))

    status = derive_status(status_input(spec(target_num_instances=2), observed))

    assert (condition(status).status, condition(status).reason) == ("False", "Deploying")
    assert condition(status, "Progressing").status == "True"
    assert status.current_status is CurrentStatus.DEPLOYING
    assert status.is_deploying


def test_instances_not_yet_updated_are_deploying() -> None:
    observed = Observation(workload=workload(3, updated=1), pods=running_pods(3))

    status = derive_status(status_input(spec(target_num_instances=3), observed))

    assert condition(status).reason == "Deploying"
    assert "1 of 3 instances updated" in condition(status).message


def test_old_instances_still_running_are_deploying() -> None:
    observed = Observation(workload=workload(2, total=3), pods=running_pods(3))

    status = derive_status(status_input(spec(target_num_instances=2), observed))

    assert condition(status).reason == "Deploying"
    assert "1 old instances" in condition(status).message


def test_missing_workload_is_deploying() -> None:
    status = derive_status(status_input(spec(), Observation()))

    assert condition(status).reason == "Deploying"
    assert status.current_num_instances == 0


def test_stopped_service_without_pods_is_ready_stopped() -> None:
    observed = Observation(workload=workload(0))

    status = derive_status(status_input(spec(target_state="STOPPED"), observed))

    assert (condition(status).status, condition(status).reason) == ("True", "Stopped")
    assert status.current_status is CurrentStatus.STOPPED


def test_stopped_service_with_pods_left_is_stopping() -> None:
    observed = Observation(workload=workload(0, total=0), pods=running_pods(1))

    status = derive_status(status_input(spec(target_state="STOPPED"), observed))

    assert (condition(status).status, condition(status).reason) == ("False", "Stopping")
    assert status.current_status is CurrentStatus.DEPLOYING


def test_auto_mode_wants_the_autoscalers_count() -> None:
    auto = spec(scaling_mode="AUTO", autoscaling_config={"maximum_num_instances": 6})
    observed = Observation(workload=workload(4), pods=running_pods(4))

    status = derive_status(status_input(auto, observed))

    assert condition(status).reason == "Running"
    assert status.current_num_instances == 4


def test_failing_pod_makes_the_service_error_with_its_reason() -> None:
    failing = pod("web-1", ready=False, containers=[waiting("ImagePullBackOff", "no such image")])
    observed = Observation(workload=workload(2, ready=1), pods=[pod("web-0"), failing])

    status = derive_status(status_input(spec(target_num_instances=2), observed))

    assert (condition(status).status, condition(status).reason) == ("False", "ImagePullBackOff")
    assert "pod web-1: no such image" in condition(status).message
    assert status.current_status is CurrentStatus.ERROR
    assert not status.is_deploying


def test_failing_pod_of_a_rolled_out_service_does_not_matter() -> None:
    failing = pod("web-9", ready=False, containers=[waiting("CrashLoopBackOff")])
    observed = Observation(workload=workload(2), pods=[*running_pods(2), failing])

    status = derive_status(status_input(spec(target_num_instances=2), observed))

    assert condition(status).reason == "Running"


def test_problem_of_the_operator_comes_first() -> None:
    observed = Observation(workload=workload(1), pods=running_pods(1))
    problem = Problem("OwnershipConflict", "Service web-public already exists")

    status = derive_status(status_input(spec(), observed, problem=problem))

    assert (condition(status).status, condition(status).reason) == ("False", "OwnershipConflict")
    assert condition(status).message == "Service web-public already exists"
    assert status.current_status is CurrentStatus.ERROR


def test_transient_problem_is_deploying() -> None:
    problem = Problem("WaitingForDeletion", "old Service", transient=True)

    status = derive_status(status_input(spec(), Observation(), problem=problem))

    assert condition(status).reason == "WaitingForDeletion"
    assert condition(status, "Progressing").status == "True"
    assert status.current_status is CurrentStatus.DEPLOYING


def test_invalid_spec_still_reports_the_pods_that_run() -> None:
    observed = Observation(workload=workload(2), pods=running_pods(2))
    problem = Problem("InvalidSpec", "spec.volumes[0].size_gb: too small")

    status = derive_status(status_input(None, observed, problem=problem))

    assert condition(status).reason == "InvalidSpec"
    assert condition(status, "LinksResolved").status == "Unknown"
    assert status.current_num_instances == 2


def test_current_instances_are_the_workloads_ready_count() -> None:
    observed = Observation(workload=workload(3, ready=2), pods=running_pods(3))

    status = derive_status(status_input(spec(target_num_instances=3), observed))

    assert status.current_num_instances == 2


def test_without_a_workload_ready_pods_are_counted() -> None:
    observed = Observation(pods=[pod("a"), pod("b", ready=False)])

    assert derive_status(status_input(spec(), observed)).current_num_instances == 1


def test_started_and_staged_count_live_pods_by_phase() -> None:
    pods = [
        pod("a"),
        pod("b", ready=False),
        pod("c", phase="Pending", ready=False),
        pod("d", deleting=True),
        pod("e", phase="Succeeded", ready=False),
    ]

    status = derive_status(status_input(spec(), Observation(workload=workload(3), pods=pods)))

    assert (status.started_num_instances, status.staged_num_instances) == (2, 1)


def test_missing_links_are_named() -> None:
    status = derive_status(
        status_input(spec(linked_to_apps={"db": "", "cache": ""}), missing_links=("db",))
    )

    links = condition(status, "LinksResolved")
    assert (links.status, links.reason) == ("False", "LinkedServiceNotFound")
    assert "db" in links.message and "cache" not in links.message


def test_observed_generation_is_the_resources_generation() -> None:
    status = derive_status(status_input(spec(), generation=7))

    assert status.observedGeneration == 7
    assert {c.observedGeneration for c in status.conditions} == {7}


def test_unchanged_condition_keeps_its_transition_time() -> None:
    observed = Observation(workload=workload(1), pods=running_pods(1))
    first = derive_status(status_input(spec(), observed))

    second = derive_status(status_input(spec(), observed, previous=first, now=later(60)))

    assert second == first


def test_changed_condition_gets_a_new_transition_time() -> None:
    first = derive_status(status_input(spec(), Observation()))
    observed = Observation(workload=workload(1), pods=running_pods(1))

    second = derive_status(status_input(spec(), observed, previous=first, now=later(60)))

    assert condition(second).lastTransitionTime == stamp(later(60))


def test_started_at_is_stamped_when_the_service_starts() -> None:
    status = derive_status(status_input(spec()))

    assert (status.started_at, status.stopped_at) == (stamp(NOW), None)


def test_stopping_stamps_stopped_at_and_keeps_started_at() -> None:
    running = derive_status(status_input(spec()))

    stopped = derive_status(
        status_input(spec(target_state="STOPPED"), previous=running, now=later(10))
    )

    assert (stopped.started_at, stopped.stopped_at) == (stamp(NOW), stamp(later(10)))


def test_starting_again_stamps_started_at() -> None:
    running = derive_status(status_input(spec()))
    stopped = derive_status(
        status_input(spec(target_state="STOPPED"), previous=running, now=later(10))
    )

    started = derive_status(status_input(spec(), previous=stopped, now=later(20)))

    assert (started.started_at, started.stopped_at) == (stamp(later(20)), stamp(later(10)))


def test_last_autoscaled_at_is_the_autoscalers_last_scale_time() -> None:
    autoscaler = {"status": {"lastScaleTime": "2026-01-01T00:00:00Z"}}

    status = derive_status(status_input(spec(), Observation(autoscaler=autoscaler)))

    assert status.last_autoscaled_at == "2026-01-01T00:00:00Z"


def test_default_domain_and_selector() -> None:
    status = derive_status(status_input(spec()))

    assert status.default_domain_name == "web-team.alauda.local"
    assert status.selector == "alauda.io/service=web"
