"""Autoscaler rules: when there is an HPA, and that its numbers make the HPA
scale exactly when Alauda did (above upper_threshold, below lower_threshold)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from alauda_operator import names
from alauda_operator.builders.autoscaler import target_utilization
from alauda_operator.model import AutoscalingConfig
from tests.unit.builders_support import NAME, build, of_kind, one, resource

CONFIG = {
    "upper_threshold": 0.6,
    "lower_threshold": 0.1,
    "increase_delta": 2,
    "decrease_delta": 1,
    "minimum_num_instances": 2,
    "maximum_num_instances": 8,
    "wait_period": 45,
}


def _hpa(**config: Any) -> dict[str, Any]:
    service = resource(scaling_mode="AUTO", autoscaling_config={**CONFIG, **config})
    return one(build(service), "HorizontalPodAutoscaler", names.autoscaler_name(NAME))


def _quantity(text: str) -> float:
    return int(text[:-1]) / 1000 if text.endswith("m") else float(text)


def _hpa_decision(hpa: dict[str, Any], utilization: int) -> str:
    """The HPA controller's tolerance check (replica_calculator.go), given the
    whole-percent utilisation it measures."""
    spec = hpa["spec"]
    target = spec["metrics"][0]["resource"]["target"]["averageUtilization"]
    up = _quantity(spec["behavior"]["scaleUp"]["tolerance"])
    down = _quantity(spec["behavior"]["scaleDown"]["tolerance"])
    ratio = utilization / target
    if (1.0 - down) <= ratio <= (1.0 + up):
        return "keep"
    return "up" if ratio > 1.0 else "down"


def test_auto_started_service_gets_an_hpa_on_its_deployment() -> None:
    spec = _hpa()["spec"]
    assert spec["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": names.workload_name(NAME),
    }
    assert (spec["minReplicas"], spec["maxReplicas"]) == (2, 8)


def test_manual_service_gets_no_hpa() -> None:
    service = resource(scaling_mode="MANUAL", autoscaling_config=CONFIG)
    assert of_kind(build(service), "HorizontalPodAutoscaler") == []


def test_stopped_auto_service_gets_no_hpa() -> None:
    service = resource(scaling_mode="AUTO", target_state="STOPPED", autoscaling_config=CONFIG)
    assert of_kind(build(service), "HorizontalPodAutoscaler") == []


def test_cpu_metric_targets_cpu_utilization() -> None:
    (metric,) = _hpa(metric_name="CPU_UTILIZATION")["spec"]["metrics"]
    assert metric == {
        "type": "Resource",
        "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 35}},
    }


def test_memory_metric_targets_memory_utilization() -> None:
    (metric,) = _hpa(metric_name="MEMORY_UTILIZATION")["spec"]["metrics"]
    assert metric["resource"]["name"] == "memory"


def test_target_is_the_thresholds_midpoint_in_whole_percent_rounded_half_up() -> None:
    assert target_utilization(AutoscalingConfig(maximum_num_instances=2)) == 35
    config = AutoscalingConfig(upper_threshold=0.61, lower_threshold=0.1, maximum_num_instances=2)
    assert target_utilization(config) == 36


def test_target_is_at_least_one_percent() -> None:
    config = AutoscalingConfig(
        upper_threshold=0.005, lower_threshold=0.001, maximum_num_instances=2
    )
    assert target_utilization(config) == 1


def test_scale_up_adds_at_most_increase_delta_per_wait_period_at_once() -> None:
    assert _hpa()["spec"]["behavior"]["scaleUp"] | {"tolerance": None} == {
        "stabilizationWindowSeconds": 0,
        "selectPolicy": "Max",
        "policies": [{"type": "Pods", "value": 2, "periodSeconds": 45}],
        "tolerance": None,
    }


def test_scale_down_removes_at_most_decrease_delta_per_wait_period_after_waiting() -> None:
    assert _hpa()["spec"]["behavior"]["scaleDown"] | {"tolerance": None} == {
        "stabilizationWindowSeconds": 45,
        "selectPolicy": "Max",
        "policies": [{"type": "Pods", "value": 1, "periodSeconds": 45}],
        "tolerance": None,
    }


def test_tolerances_are_canonical_quantities() -> None:
    behavior = _hpa()["spec"]["behavior"]
    # 60 / 35 - 1 = 0.7142..., 1 - 10 / 35 = 0.7142...: the next thousandth up.
    assert (behavior["scaleUp"]["tolerance"], behavior["scaleDown"]["tolerance"]) == (
        "715m",
        "715m",
    )


def test_hpa_scales_exactly_outside_the_default_thresholds() -> None:
    hpa = _hpa()
    decisions = {u: _hpa_decision(hpa, u) for u in range(0, 151)}
    assert {u for u, d in decisions.items() if d == "up"} == set(range(61, 151))
    assert {u for u, d in decisions.items() if d == "down"} == set(range(0, 10))


@given(
    lower=st.integers(min_value=1, max_value=99),
    gap=st.integers(min_value=1, max_value=99),
)
def test_hpa_scales_exactly_outside_any_whole_percent_thresholds(lower: int, gap: int) -> None:
    upper = min(lower + gap, 100)
    hpa = _hpa(upper_threshold=upper / 100, lower_threshold=lower / 100)
    for utilization in range(0, 201):
        expected = "up" if utilization > upper else "down" if utilization < lower else "keep"
        assert _hpa_decision(hpa, utilization) == expected, utilization
