"""Why Pods do not run, read from their status."""

from __future__ import annotations

import pytest

from alauda_operator.controller.pods import (
    UNSCHEDULABLE_GRACE_SECONDS,
    describe_failures,
    pod_failures,
    seconds_until_unschedulable_counts,
)
from tests.unit.status_support import NOW, later, pod, unschedulable, waiting


@pytest.mark.parametrize(
    "reason", ["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError"]
)
def test_container_that_cannot_start_fails_with_the_kubelets_reason(reason: str) -> None:
    failing = pod("web-0", ready=False, containers=[waiting(reason, "why it cannot")])

    [failure] = pod_failures([failing], NOW)

    assert (failure.pod, failure.reason, failure.message) == ("web-0", reason, "why it cannot")


def test_crash_loop_reports_the_exit_code() -> None:
    crashing = pod("web-0", containers=[waiting("CrashLoopBackOff", restarts=4, exit_code=137)])

    [failure] = pod_failures([crashing], NOW)

    assert failure.reason == "CrashLoopBackOff"
    assert "exited with code 137" in failure.message
    assert "restarted 4 times" in failure.message


def test_terminated_container_with_an_error_fails() -> None:
    container = {"name": "web", "state": {"terminated": {"exitCode": 2, "reason": "Error"}}}

    [failure] = pod_failures([pod("web-0", containers=[container])], NOW)

    assert (failure.reason, "exited with code 2" in failure.message) == ("Error", True)


def test_pod_unschedulable_longer_than_the_grace_period_fails() -> None:
    stuck = pod("web-0", phase="Pending", conditions=[unschedulable(NOW, "no node fits")])

    [failure] = pod_failures([stuck], later(UNSCHEDULABLE_GRACE_SECONDS + 1))

    assert (failure.reason, failure.message) == ("Unschedulable", "no node fits")


def test_pod_unschedulable_for_a_moment_is_not_a_failure() -> None:
    waiting_for_volume = pod("web-0", phase="Pending", conditions=[unschedulable(NOW)])

    assert pod_failures([waiting_for_volume], later(5)) == []
    assert seconds_until_unschedulable_counts([waiting_for_volume], later(5)) == pytest.approx(
        UNSCHEDULABLE_GRACE_SECONDS - 5
    )


def test_no_recheck_without_unschedulable_pods() -> None:
    assert seconds_until_unschedulable_counts([pod("web-0")], NOW) is None


def test_failed_pod_fails_with_its_reason() -> None:
    evicted = pod("web-0", phase="Failed", ready=False)
    evicted["status"].update(reason="Evicted", message="low on memory")

    [failure] = pod_failures([evicted], NOW)

    assert (failure.reason, failure.message) == ("Evicted", "low on memory")


def test_running_and_deleted_pods_do_not_fail() -> None:
    gone = pod("web-1", deleting=True, containers=[waiting("ImagePullBackOff")])

    assert pod_failures([pod("web-0"), gone], NOW) == []


def test_failures_are_ordered_by_pod_and_summarised() -> None:
    pods = [pod(name, containers=[waiting("ErrImagePull", "no")]) for name in ("web-2", "web-1")]

    failures = pod_failures(pods, NOW)

    assert [f.pod for f in failures] == ["web-1", "web-2"]
    assert describe_failures(failures) == "pod web-1: no (and 1 more failing pods)"
