"""Create payloads for tests: one valid payload, and bad ones that each differ
from it in exactly one field.

The unit tests send every bad payload through the model; the CRD tests send
each ``spec`` (with ``name`` as metadata.name) to the API server, where
``crd_check`` says what rejects it there.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Literal

from alauda_operator.model import MAX_INT32, SERVICE_NAME_MAX_LENGTH

# How the API server rejects the AlaudaService built from a bad payload:
#   schema      the CRD's openAPIV3Schema (types, patterns, enums, bounds)
#   cel         one of the CRD's x-kubernetes-validations rules
#   metadata    metadata.name validation (built-in, or the CRD's rule on it)
#   strict      only with fieldValidation=Strict (otherwise the field is pruned)
#   model-only  it does not: the rule needs platform settings or a shell
#               parser, so the operator's model check reports it
CrdCheck = Literal["schema", "cel", "metadata", "strict", "model-only"]

IDENTITY_FIELDS = ("service_name", "namespace")


def valid_payload() -> dict[str, Any]:
    """A complete payload that exercises every field and is valid, with and
    without the default platform settings."""
    return {
        "service_name": "web",
        "namespace": "madams",
        "image_name": "index.alauda.cn/alauda/web",
        "image_tag": "1.0",
        "run_command": "serve --port 8080",
        "entrypoint": "/bin/entry",
        "instance_size": "S",
        "scaling_mode": "MANUAL",
        "target_state": "STARTED",
        "custom_domain_name": "www.example.com",
        "linked_to_apps": {"db": "database"},
        "target_num_instances": 2,
        "instance_envvars": {"MODE": "production"},
        "instance_ports": [
            {"container_port": 80, "protocol": "tcp", "endpoint_type": "http-endpoint"},
            {"container_port": 22, "protocol": "tcp", "endpoint_type": "tcp-endpoint"},
        ],
        "autoscaling_config": {
            "metric_name": "CPU_UTILIZATION",
            "metric_stat": "MEAN",
            "upper_threshold": 0.6,
            "lower_threshold": 0.1,
            "increase_delta": 1,
            "decrease_delta": 1,
            "minimum_num_instances": 1,
            "maximum_num_instances": 4,
            "wait_period": 30,
        },
        "volumes": [],
    }


def valid_stateful_payload() -> dict[str, Any]:
    payload = valid_payload()
    payload["volumes"] = [{"app_volume_dir": "/data", "volume_type": "EBS", "size_gb": 10}]
    return payload


def valid_auto_payload() -> dict[str, Any]:
    payload = valid_payload()
    payload["scaling_mode"] = "AUTO"
    return payload


@dataclass(frozen=True)
class BadInput:
    id: str
    payload: dict[str, Any]
    loc: tuple[str | int, ...]  # the pydantic error location naming the bad field
    crd_check: CrdCheck
    needs_settings: bool = False  # the model rejects it only with settings as context

    @property
    def name(self) -> str:
        return str(self.payload["service_name"])

    @property
    def spec(self) -> dict[str, Any]:
        """The AlaudaService spec: the payload without its identity fields."""
        return {k: v for k, v in self.payload.items() if k not in IDENTITY_FIELDS}


def _with(base: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    payload = copy.deepcopy(base)
    target: Any = payload
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return payload


def _without(base: dict[str, Any], field: str) -> dict[str, Any]:
    payload = copy.deepcopy(base)
    del payload[field]
    return payload


def _bad(
    id: str,
    path: tuple[str | int, ...],
    value: Any,
    crd_check: CrdCheck,
    *,
    loc: tuple[str | int, ...] | None = None,
    base: dict[str, Any] | None = None,
    needs_settings: bool = False,
) -> BadInput:
    payload = _with(base if base is not None else valid_payload(), path, value)
    return BadInput(id, payload, loc if loc is not None else path, crd_check, needs_settings)


_ports = ("instance_ports",)
_autoscaling = "autoscaling_config"

BAD_INPUTS: list[BadInput] = [
    _bad("service-name-not-dns-label", ("service_name",), "Bad_Name", "metadata"),
    _bad(
        "service-name-too-long", ("service_name",), "a" * (SERVICE_NAME_MAX_LENGTH + 1), "metadata"
    ),
    _bad("image-name-upper-case-path", ("image_name",), "index.alauda.cn/Alauda/Web", "schema"),
    _bad("image-name-with-space", ("image_name",), "my image", "schema"),
    _bad("image-tag-leading-dash", ("image_tag",), "-1.0", "schema"),
    _bad("image-tag-with-space", ("image_tag",), "1 0", "schema"),
    _bad("unknown-field", ("image_nmae",), "nginx", "strict"),
    _bad("unknown-instance-size", ("instance_size",), "XXL", "schema"),
    _bad("unknown-scaling-mode", ("scaling_mode",), "SOMETIMES", "schema"),
    _bad("unknown-target-state", ("target_state",), "PAUSED", "schema"),
    _bad("unknown-endpoint-type", (*_ports, 1, "endpoint_type"), "udp-endpoint", "schema"),
    _bad("port-zero", (*_ports, 1, "container_port"), 0, "schema"),
    _bad("port-65536", (*_ports, 1, "container_port"), 65536, "schema"),
    _bad("port-not-a-number", (*_ports, 1, "container_port"), "abc", "schema"),
    _bad("protocol-udp", (*_ports, 1, "protocol"), "udp", "schema"),
    _bad(
        "two-http-endpoints",
        _ports,
        [
            {"container_port": 80, "endpoint_type": "http-endpoint"},
            {"container_port": 8080, "endpoint_type": "http-endpoint"},
        ],
        "cel",
    ),
    _bad(
        "same-endpoint-type-twice-on-a-port",
        _ports,
        [
            {"container_port": 22, "endpoint_type": "tcp-endpoint"},
            {"container_port": 22, "endpoint_type": "tcp-endpoint"},
        ],
        "cel",
    ),
    _bad(
        "port-80-defaults-to-http-beside-an-http-endpoint",
        _ports,
        [{"container_port": 80}, {"container_port": 8080, "endpoint_type": "http-endpoint"}],
        "cel",
    ),
    _bad("custom-domain-not-a-domain", ("custom_domain_name",), "not a domain!", "schema"),
    _bad("custom-domain-ip-address", ("custom_domain_name",), "10.0.0.1", "cel"),
    _bad("env-name-starts-with-digit", ("instance_envvars",), {"1BAD": "x"}, "cel"),
    _bad("env-name-with-equals", ("instance_envvars",), {"A=B": "x"}, "cel"),
    _bad(
        "autoscaling-lower-not-below-upper",
        (_autoscaling, "lower_threshold"),
        0.6,
        "cel",
    ),
    _bad(
        "autoscaling-minimum-above-maximum",
        (_autoscaling, "minimum_num_instances"),
        5,
        "cel",
    ),
    _bad("autoscaling-upper-above-one", (_autoscaling, "upper_threshold"), 1.5, "schema"),
    _bad("autoscaling-lower-zero", (_autoscaling, "lower_threshold"), 0, "schema"),
    _bad("autoscaling-increase-delta-zero", (_autoscaling, "increase_delta"), 0, "schema"),
    _bad("autoscaling-decrease-delta-zero", (_autoscaling, "decrease_delta"), 0, "schema"),
    _bad("autoscaling-wait-period-zero", (_autoscaling, "wait_period"), 0, "schema"),
    _bad("autoscaling-wait-period-too-long", (_autoscaling, "wait_period"), 1801, "schema"),
    _bad(
        "autoscaling-maximum-beyond-int32",
        (_autoscaling, "maximum_num_instances"),
        MAX_INT32 + 1,
        "schema",
    ),
    _bad("autoscaling-unknown-metric", (_autoscaling, "metric_name"), "DISK_UTILIZATION", "schema"),
    _bad("autoscaling-unknown-stat", (_autoscaling, "metric_stat"), "MEDIAN", "schema"),
    BadInput(
        "auto-without-autoscaling-config",
        _without(valid_auto_payload(), _autoscaling),
        (_autoscaling,),
        "cel",
    ),
    _bad(
        "auto-with-volumes",
        ("scaling_mode",),
        "AUTO",
        "cel",
        base=valid_stateful_payload(),
    ),
    _bad(
        "volume-dir-relative",
        ("volumes", 0, "app_volume_dir"),
        "data",
        "schema",
        base=valid_stateful_payload(),
    ),
    _bad(
        "volume-dir-root",
        ("volumes", 0, "app_volume_dir"),
        "/",
        "schema",
        base=valid_stateful_payload(),
    ),
    _bad(
        "volume-dir-not-normalised",
        ("volumes", 0, "app_volume_dir"),
        "/data/../etc",
        "schema",
        base=valid_stateful_payload(),
    ),
    _bad(
        "volume-dir-trailing-slash",
        ("volumes", 0, "app_volume_dir"),
        "/data/",
        "schema",
        base=valid_stateful_payload(),
    ),
    _bad(
        "volume-dir-twice",
        ("volumes",),
        [{"app_volume_dir": "/data"}, {"app_volume_dir": "/data", "size_gb": 20}],
        "cel",
        base=valid_stateful_payload(),
    ),
    _bad(
        "volume-size-below-platform-minimum",
        ("volumes", 0, "size_gb"),
        5,
        "model-only",
        base=valid_stateful_payload(),
        needs_settings=True,
    ),
    _bad(
        "volume-size-above-platform-maximum",
        ("volumes", 0, "size_gb"),
        101,
        "model-only",
        base=valid_stateful_payload(),
        needs_settings=True,
    ),
    _bad(
        "volume-type-not-configured",
        ("volumes", 0, "volume_type"),
        "SSD",
        "model-only",
        base=valid_stateful_payload(),
        needs_settings=True,
    ),
    _bad("target-num-instances-negative", ("target_num_instances",), -1, "schema"),
    _bad("link-name-not-a-service-name", ("linked_to_apps",), {"Bad_DB": "db"}, "cel"),
    _bad("link-alias-starts-with-digit", ("linked_to_apps",), {"db": "1db"}, "cel"),
    _bad("run-command-unbalanced-quote", ("run_command",), "echo 'hello", "model-only"),
    _bad("entrypoint-unbalanced-quote", ("entrypoint",), 'sh -c "exit', "model-only"),
]
