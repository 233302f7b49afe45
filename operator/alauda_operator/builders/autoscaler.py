"""The HorizontalPodAutoscaler of an AUTO service: Alauda's "above upper add
increase_delta, below lower remove decrease_delta, every wait_period" in HPA
terms (target, per-direction tolerances and Pods policies)."""

from __future__ import annotations

from fractions import Fraction
from math import floor

from alauda_operator import names
from alauda_operator.builders.meta import JsonObject, ServiceResource, new_object, object_metadata
from alauda_operator.model import AutoscalingConfig, MetricName, ScalingMode, TargetState

RESOURCE_OF_METRIC = {
    MetricName.CPU_UTILIZATION: "cpu",
    MetricName.MEMORY_UTILIZATION: "memory",
}


def _fraction(value: float) -> Fraction:
    # Through the shortest repr, so that 0.6 is 3/5 and not its binary neighbour.
    return Fraction(repr(value))


def target_utilization(config: AutoscalingConfig) -> int:
    """The midpoint of the thresholds in whole percent (half up), at least 1."""
    midpoint = 50 * (_fraction(config.upper_threshold) + _fraction(config.lower_threshold))
    return max(1, floor(midpoint + Fraction(1, 2)))


def _milli_just_above(value: Fraction) -> int:
    """The smallest multiple of 1/1000 strictly above ``value``, in thousandths,
    never negative. Strictly: the HPA compares in floating point, and a
    tolerance that lands exactly on a threshold could tip either way."""
    return max(0, floor(value * 1000) + 1)


def tolerances_milli(config: AutoscalingConfig) -> tuple[int, int]:
    """(scale-up, scale-down) tolerances in thousandths. The HPA scales up when
    utilisation > target * (1 + up) and down when utilisation < target * (1 - down);
    these put the first just above upper_threshold and the second just below
    lower_threshold (by less than target/1000 percentage points)."""
    target = target_utilization(config)
    upper = 100 * _fraction(config.upper_threshold)
    lower = 100 * _fraction(config.lower_threshold)
    scale_up = _milli_just_above(upper / target - 1)
    scale_down = _milli_just_above(1 - lower / target)
    return scale_up, scale_down


def quantity_from_milli(milli: int) -> str:
    """The API server's canonical form, so that what is read back equals what
    was applied ("714m", not "0.714")."""
    return str(milli // 1000) if milli % 1000 == 0 else f"{milli}m"


def build_autoscaler(resource: ServiceResource) -> list[JsonObject]:
    """Empty unless the service is AUTO and STARTED (a stopped service keeps
    zero instances, which an HPA would undo)."""
    spec = resource.spec
    config = spec.autoscaling_config
    if (
        spec.scaling_mode is not ScalingMode.AUTO
        or spec.target_state is not TargetState.STARTED
        or config is None
    ):
        return []
    scale_up_tolerance, scale_down_tolerance = tolerances_milli(config)
    hpa_spec: JsonObject = {
        "scaleTargetRef": {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": names.workload_name(resource.name),
        },
        "minReplicas": config.minimum_num_instances,
        "maxReplicas": config.maximum_num_instances,
        "metrics": [
            {
                "type": "Resource",
                "resource": {
                    "name": RESOURCE_OF_METRIC[config.metric_name],
                    "target": {
                        "type": "Utilization",
                        "averageUtilization": target_utilization(config),
                    },
                },
            }
        ],
        "behavior": {
            "scaleUp": {
                "stabilizationWindowSeconds": 0,
                "selectPolicy": "Max",
                "policies": [
                    {
                        "type": "Pods",
                        "value": config.increase_delta,
                        "periodSeconds": config.wait_period,
                    }
                ],
                "tolerance": quantity_from_milli(scale_up_tolerance),
            },
            "scaleDown": {
                "stabilizationWindowSeconds": config.wait_period,
                "selectPolicy": "Max",
                "policies": [
                    {
                        "type": "Pods",
                        "value": config.decrease_delta,
                        "periodSeconds": config.wait_period,
                    }
                ],
                "tolerance": quantity_from_milli(scale_down_tolerance),
            },
        },
    }
    metadata = object_metadata(resource, names.autoscaler_name(resource.name))
    return [new_object("autoscaling/v2", "HorizontalPodAutoscaler", metadata, hpa_spec)]
