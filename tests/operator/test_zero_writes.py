"""A reconcile of services that have not changed writes nothing, as the API
server itself counts it (apiserver_request_total)."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.operator.kube import Cluster, auto_config, seed_spec, stateless_spec, wait_for
from tests.operator_fixture import OperatorProcess, parse_metrics

pytestmark = pytest.mark.cluster

READS = {"GET", "LIST", "WATCH"}
# The kinds the operator writes, as the API server names them. Status
# subresources of the children are left out: their controllers write those.
OWN_RESOURCES = {"deployments", "statefulsets", "services", "ingresses", "horizontalpodautoscalers"}


def writes(kube: Cluster) -> Counter[tuple[str, str, str]]:
    """(verb, resource, subresource) -> count, of the writes the operator could make."""
    counted: Counter[tuple[str, str, str]] = Counter()
    text = kube.api.get("/metrics").body.decode()
    for (name, labels), value in parse_metrics(text).items():
        if name != "apiserver_request_total":
            continue
        label = dict(labels)
        verb, resource, sub = label["verb"], label["resource"], label.get("subresource", "")
        mine = (resource in OWN_RESOURCES and sub == "") or resource in {
            "alaudaservices",
            "events",
        }
        if mine and verb not in READS:
            counted[(verb, resource, sub)] += int(value)
    return counted


def applies(counted: Counter[tuple[str, str, str]], resource: str, sub: str) -> int:
    # The operator's apply requests say "charset=utf-8" (see controller/kube.py),
    # and the API server then counts them under PATCH instead of APPLY.
    return counted[("APPLY", resource, sub)] + counted[("PATCH", resource, sub)]


def no_namespace_terminating(kube: Cluster) -> bool:
    namespaces = kube.api.get("/api/v1/namespaces").json()["items"]
    return all(n.get("status", {}).get("phase") != "Terminating" for n in namespaces)


def test_reconciling_unchanged_services_makes_zero_writes(
    kube: Cluster, operator: OperatorProcess
) -> None:
    services = {
        "test": seed_spec(),
        "site": stateless_spec(instance_ports=[{"container_port": 80}], custom_domain_name="a.b"),
        "auto": stateless_spec(scaling_mode="AUTO", autoscaling_config=auto_config(1, 4)),
        "idle": stateless_spec(target_state="STOPPED"),
    }
    for name, spec in services.items():
        kube.create_service(name, spec)
    for name in services:
        kube.wait_ready(name)
    # Deletions of earlier tests' namespaces would be counted too.
    wait_for(lambda: no_namespace_terminating(kube), "no namespace terminating", 120)
    operator.wait_idle()
    before = writes(kube)

    operator.restart()
    operator.wait_idle(at_least_reconciles=len(services))
    after = writes(kube)

    assert after - before == Counter()
    assert operator.metric("alauda_operator_reconciles_total", result="changed") == 0
    assert operator.metric("alauda_operator_reconciles_total", result="unchanged") >= len(services)

    # The same measurement sees the writes of a reconcile that has something to do.
    kube.patch_spec("site", {"target_num_instances": 2})
    kube.wait_ready("site")
    changed = writes(kube) - after
    assert applies(changed, "deployments", "") >= 1
    assert applies(changed, "alaudaservices", "status") >= 1
