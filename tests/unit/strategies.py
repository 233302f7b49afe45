"""Hypothesis strategies for valid service specs, built from the model's own
patterns and bounds, so that they follow the model when it changes."""

from __future__ import annotations

import re
import shlex
from typing import Any

from hypothesis import strategies as st

from alauda_operator import model
from alauda_operator.model import (
    EndpointType,
    InstanceSize,
    MetricName,
    MetricStat,
    ScalingMode,
    ServiceSpec,
    TargetState,
)
from alauda_operator.settings import PlatformSettings


def matching(pattern: str, max_length: int) -> st.SearchStrategy[str]:
    return st.from_regex(pattern, fullmatch=True).filter(lambda s: len(s) <= max_length)


service_names = matching(model.DNS_LABEL_PATTERN, model.SERVICE_NAME_MAX_LENGTH)
namespaces = matching(model.DNS_LABEL_PATTERN, 63)
# Text as users type it: quotes, dollars, spaces and non-ASCII included.
free_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=20
)
command_lines = st.lists(free_text, max_size=4).map(shlex.join)
domains = matching(model.DNS_SUBDOMAIN_PATTERN, 253).filter(
    lambda d: not re.search(model.NUMERIC_LAST_LABEL_PATTERN, d)
)
port_numbers = st.integers(min_value=1, max_value=65535)
counts = st.integers(min_value=1, max_value=model.MAX_INT32)


@st.composite
def instance_ports(draw: st.DrawFn) -> list[dict[str, Any]]:
    pairs = draw(
        st.lists(
            st.tuples(port_numbers, st.sampled_from(list(EndpointType))),
            max_size=6,
            unique=True,
        )
    )
    ports: list[dict[str, Any]] = []
    has_http = False
    for number, endpoint_type in pairs:
        if endpoint_type is EndpointType.HTTP:
            if has_http:
                continue
            has_http = True
        port: dict[str, Any] = {"container_port": number, "endpoint_type": endpoint_type.value}
        if draw(st.booleans()) and endpoint_type is model.default_endpoint_type(number):
            del port["endpoint_type"]  # left to the default
        ports.append(port)
    return ports


@st.composite
def autoscaling_configs(draw: st.DrawFn) -> dict[str, Any]:
    fraction = st.floats(min_value=0, max_value=1, exclude_min=True, allow_nan=False)
    lower, upper = sorted(draw(st.lists(fraction, min_size=2, max_size=2, unique=True)))
    minimum, maximum = sorted(draw(st.lists(counts, min_size=2, max_size=2)))
    return {
        "metric_name": draw(st.sampled_from(list(MetricName))).value,
        "metric_stat": draw(st.sampled_from(list(MetricStat))).value,
        "upper_threshold": upper,
        "lower_threshold": lower,
        "increase_delta": draw(counts),
        "decrease_delta": draw(counts),
        "minimum_num_instances": minimum,
        "maximum_num_instances": maximum,
        "wait_period": draw(st.integers(1, model.MAX_WAIT_PERIOD_SECONDS)),
    }


def volumes(settings: PlatformSettings) -> st.SearchStrategy[list[dict[str, Any]]]:
    volume = st.fixed_dictionaries(
        {
            "app_volume_dir": matching(model.VOLUME_DIR_PATTERN, 255),
            "volume_type": st.sampled_from(sorted(settings.volume_types)),
            "size_gb": st.integers(settings.volume_size_min_gb, settings.volume_size_max_gb),
        }
    )
    return st.lists(volume, max_size=3, unique_by=lambda v: v["app_volume_dir"])


@st.composite
def service_specs(draw: st.DrawFn, settings: PlatformSettings) -> ServiceSpec:
    scaling_mode = draw(st.sampled_from(list(ScalingMode)))
    auto = scaling_mode is ScalingMode.AUTO
    data: dict[str, Any] = {
        "image_name": draw(matching(model.IMAGE_NAME_PATTERN, 255)),
        "image_tag": draw(matching(model.IMAGE_TAG_PATTERN, 128)),
        "run_command": draw(command_lines),
        "entrypoint": draw(command_lines),
        "instance_size": draw(st.sampled_from(list(InstanceSize))).value,
        "scaling_mode": scaling_mode.value,
        "target_state": draw(st.sampled_from(list(TargetState))).value,
        "custom_domain_name": draw(st.just("") | domains),
        "linked_to_apps": draw(
            st.dictionaries(service_names, matching(model.LINK_ALIAS_PATTERN, 30), max_size=3)
        ),
        "target_num_instances": draw(st.integers(0, model.MAX_INT32)),
        "instance_envvars": draw(
            st.dictionaries(matching(model.ENV_NAME_PATTERN, 30), free_text, max_size=4)
        ),
        "instance_ports": draw(instance_ports()),
        "volumes": [] if auto else draw(volumes(settings)),
    }
    if auto or draw(st.booleans()):
        data["autoscaling_config"] = draw(autoscaling_configs())
    return ServiceSpec.model_validate(data, context={"settings": settings})


platform_settings = st.builds(
    PlatformSettings,
    base_domain=domains.filter(bool),
    volume_types=st.just({"EBS": None}) | st.just({"EBS": "standard", "SSD": "fast-ssd"}),
    ingress_class=st.none() | st.just("nginx"),
    public_tcp_service_type=st.sampled_from(["LoadBalancer", "NodePort"]),
)
