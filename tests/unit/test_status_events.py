"""Events follow condition changes, never a state that merely persists."""

from __future__ import annotations

from alauda_operator.controller.events import Event, transition_events
from alauda_operator.model import Condition, ServiceStatus


def status(*conditions: tuple[str, str, str, str]) -> ServiceStatus:
    return ServiceStatus(
        conditions=[
            Condition(type=kind, status=value, reason=reason, message=message)
            for kind, value, reason, message in conditions
        ]
    )


def test_becoming_ready_is_a_normal_event() -> None:
    before = status(("Ready", "False", "Deploying", "0 of 1"))
    after = status(("Ready", "True", "Running", "1 of 1 instances ready"))

    assert transition_events(before, after) == [
        Event("Normal", "Running", "1 of 1 instances ready")
    ]


def test_a_failure_is_a_warning_event() -> None:
    before = status(("Ready", "True", "Running", ""))
    after = status(("Ready", "False", "ImagePullBackOff", "pod web-0: no such image"))

    assert transition_events(before, after) == [
        Event("Warning", "ImagePullBackOff", "pod web-0: no such image")
    ]


def test_deploying_is_no_event() -> None:
    before = status(("Ready", "True", "Running", ""))
    after = status(("Ready", "False", "Deploying", "1 of 2 instances ready"))

    assert transition_events(before, after) == []


def test_unchanged_conditions_are_no_event() -> None:
    failing = status(("Ready", "False", "OwnershipConflict", "Service web exists"))

    assert transition_events(failing, failing) == []


def test_a_link_that_goes_missing_is_a_warning() -> None:
    before = status(("LinksResolved", "True", "Resolved", ""))
    after = status(("LinksResolved", "False", "LinkedServiceNotFound", "db not found"))

    assert transition_events(before, after) == [
        Event("Warning", "LinkedServiceNotFound", "db not found")
    ]
