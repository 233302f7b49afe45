"""What kopf is told to watch, and how."""

from __future__ import annotations

import kopf
import pytest

from alauda_operator.controller.handlers import operator_settings


@pytest.mark.parametrize(
    ("group", "version", "plural"),
    [
        ("apps", "v1", "deployments"),
        ("apps", "v1", "statefulsets"),
        ("", "v1", "services"),
        ("", "v1", "pods"),
        ("networking.k8s.io", "v1", "ingresses"),
        ("autoscaling", "v2", "horizontalpodautoscalers"),
    ],
)
def test_children_are_filtered_by_the_api_server(group: str, version: str, plural: str) -> None:
    resource = kopf.Resource(group, version, plural)

    selectors = operator_settings().watching.label_selectors.collect(resource)

    assert selectors == ["app.kubernetes.io/managed-by=alauda-operator"]


def test_alauda_services_are_all_watched() -> None:
    resource = kopf.Resource("alauda.io", "v1", "alaudaservices")

    assert operator_settings().watching.label_selectors.collect(resource) == []


def test_kopf_posts_no_events_and_scans_nothing() -> None:
    settings = operator_settings()

    assert not settings.posting.enabled
    assert settings.scanning.disabled
