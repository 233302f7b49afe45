"""The Lease as a replica writes it to hold it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from alauda_operator.controller.ha import LeaderElectionSettings, claimed_lease

NOW = datetime(2026, 1, 2, 3, 4, 5, 678900, tzinfo=UTC)
SETTINGS = LeaderElectionSettings(namespace="ops", identity="me")


def lease(holder: str | None, transitions: int = 1) -> dict[str, Any]:
    return {
        "metadata": {"name": "alauda-operator", "namespace": "ops", "resourceVersion": "5"},
        "spec": {
            "holderIdentity": holder,
            "leaseDurationSeconds": 15,
            "acquireTime": "2026-01-01T00:00:00.000000Z",
            "renewTime": "2026-01-01T00:00:10.000000Z",
            "leaseTransitions": transitions,
        },
    }


def test_a_new_lease_is_held_from_now() -> None:
    spec = claimed_lease(None, SETTINGS, NOW)["spec"]

    assert spec["holderIdentity"] == "me"
    assert spec["acquireTime"] == spec["renewTime"] == "2026-01-02T03:04:05.678900Z"
    assert spec["leaseTransitions"] == 0


def test_renewing_keeps_the_acquire_time() -> None:
    renewed = claimed_lease(lease("me"), SETTINGS, NOW)

    assert renewed["spec"]["acquireTime"] == "2026-01-01T00:00:00.000000Z"
    assert renewed["spec"]["renewTime"] == "2026-01-02T03:04:05.678900Z"
    assert renewed["spec"]["leaseTransitions"] == 1
    assert renewed["metadata"]["resourceVersion"] == "5"  # a conflict if it changed meanwhile


def test_taking_over_counts_a_transition() -> None:
    taken = claimed_lease(lease("other"), SETTINGS, NOW)["spec"]

    assert (taken["holderIdentity"], taken["leaseTransitions"]) == ("me", 2)
    assert taken["acquireTime"] == "2026-01-02T03:04:05.678900Z"


def test_taking_a_released_lease_is_no_transition() -> None:
    taken = claimed_lease(lease(None), SETTINGS, NOW)["spec"]

    assert taken["leaseTransitions"] == 1
