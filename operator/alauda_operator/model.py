"""The one model of a service: the v1 create payload and the AlaudaService spec.

The facade validates request bodies with these classes, the CRD's OpenAPI
schema is generated from them (``alauda_operator.crd``), and the builders read
them. Cross-field rules are written twice on purpose, once in Python (for
messages that name the field before anything reaches the cluster) and once as
CEL (``x-kubernetes-validations``, so that ``kubectl apply`` gets the same
answer from the API server); tests run every bad example against both.
"""

from __future__ import annotations

import re
import shlex
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.config import JsonDict
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from alauda_operator.settings import PlatformSettings

# Derived object names add at most 12 characters ("-public", the StatefulSet's
# controller-revision-hash label adds 11), and label values stop at 63.
SERVICE_NAME_MAX_LENGTH = 40
DNS_LABEL_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
DNS_SUBDOMAIN_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
# An image reference without its tag: [registry[:port]/]path, lower case.
IMAGE_NAME_PATTERN = (
    r"^([a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)*"
    r"(:[0-9]+)?/)?[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$"
)
IMAGE_TAG_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"
ENV_NAME_PATTERN = r"^[-._a-zA-Z][-._a-zA-Z0-9]*$"
LINK_ALIAS_PATTERN = r"^([a-zA-Z][a-zA-Z0-9_-]*)?$"
# Bounded so that the CEL rule on aliases fits the API server's cost budget.
LINK_ALIAS_MAX_LENGTH = 63
VOLUME_TYPE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
# One or more "/segment" with no empty, "." or ".." segment: a normalised
# absolute path other than "/", in a form the API server's RE2 can check too.
VOLUME_DIR_PATTERN = r"^(/(\.{3,}|[^/]*[^/.][^/]*))+$"
# A domain name's last label is never all digits; this keeps IP addresses,
# which an Ingress rejects as a host, out of custom_domain_name.
NUMERIC_LAST_LABEL_PATTERN = r"(^|[.])[0-9]+$"
# Counts end up in int32 fields of Deployments and HPAs.
MAX_INT32 = 2**31 - 1
MAX_PORTS = 32
MAX_VOLUMES = 16
MAX_ENVVARS = 256
MAX_LINKS = 32
# HPA scaling policies accept periodSeconds up to 1800.
MAX_WAIT_PERIOD_SECONDS = 1800


class InstanceSize(StrEnum):
    XXS = "XXS"
    XS = "XS"
    S = "S"
    M = "M"
    L = "L"
    XL = "XL"


class ScalingMode(StrEnum):
    MANUAL = "MANUAL"
    AUTO = "AUTO"


class TargetState(StrEnum):
    STARTED = "STARTED"
    STOPPED = "STOPPED"


class EndpointType(StrEnum):
    HTTP = "http-endpoint"
    TCP = "tcp-endpoint"
    DIRECT = "direct-endpoint"
    INTERNAL = "internal-endpoint"


class MetricName(StrEnum):
    CPU_UTILIZATION = "CPU_UTILIZATION"
    MEMORY_UTILIZATION = "MEMORY_UTILIZATION"


class MetricStat(StrEnum):
    MEAN = "MEAN"
    MAX = "MAX"
    MIN = "MIN"


def default_endpoint_type(container_port: int) -> EndpointType:
    """Port 80 is public HTTP unless told otherwise; any other port public TCP."""
    return EndpointType.HTTP if container_port == 80 else EndpointType.TCP


# The same default in CEL, for rules that compare endpoint types.
_CEL_ENDPOINT_TYPE = (
    "(has({p}.endpoint_type) ? {p}.endpoint_type : "
    "({p}.container_port == 80 ? 'http-endpoint' : 'tcp-endpoint'))"
)


def _cel_endpoint_type(var: str) -> str:
    return _CEL_ENDPOINT_TYPE.format(p=var)


def _cel(rule: str, message: str, field_path: str | None = None) -> JsonDict:
    validation: JsonDict = {"rule": rule, "message": message}
    if field_path:
        validation["fieldPath"] = field_path
    return validation


def _field_error(model: str, loc: tuple[str, ...], message: str, value: Any) -> ValidationError:
    """A cross-field error located at the field it is about (a model validator's
    own errors have an empty location); nests under the parent's location."""
    return ValidationError.from_exception_data(
        model,
        [InitErrorDetails(type=PydanticCustomError("value_error", message), loc=loc, input=value)],
    )


class _Model(BaseModel):
    # Unknown fields are errors: a typo must not silently do nothing.
    model_config = ConfigDict(extra="forbid", use_enum_values=False, validate_default=True)


class InstancePort(_Model):
    container_port: int = Field(ge=1, le=65535, description="Port the container listens on.")
    protocol: str = Field("tcp", pattern="^(tcp|TCP)$", description="Only TCP is supported.")
    endpoint_type: EndpointType | None = Field(
        None,
        description="How the port is exposed; port 80 defaults to http-endpoint, "
        "any other port to tcp-endpoint.",
    )

    @field_validator("protocol")
    @classmethod
    def _lower_protocol(cls, value: str) -> str:
        return value.lower()

    @model_validator(mode="after")
    def _fill_endpoint_type(self) -> InstancePort:
        # Stored explicitly, so that what a user reads back is what runs.
        if self.endpoint_type is None:
            self.endpoint_type = default_endpoint_type(self.container_port)
        return self

    @property
    def effective_endpoint_type(self) -> EndpointType:
        return self.endpoint_type or default_endpoint_type(self.container_port)


class AutoscalingConfig(_Model):
    model_config = ConfigDict(
        json_schema_extra={
            "x-kubernetes-validations": [
                _cel(
                    "self.lower_threshold < self.upper_threshold",
                    "lower_threshold must be less than upper_threshold",
                    ".lower_threshold",
                ),
                _cel(
                    "self.minimum_num_instances <= self.maximum_num_instances",
                    "minimum_num_instances must not exceed maximum_num_instances",
                    ".minimum_num_instances",
                ),
            ]
        }
    )

    metric_name: MetricName = MetricName.CPU_UTILIZATION
    metric_stat: MetricStat = Field(
        MetricStat.MEAN,
        description="Kubernetes averages utilisation over instances; MAX and MIN are accepted "
        "and treated as MEAN.",
    )
    upper_threshold: float = Field(0.6, gt=0, le=1, description="Fraction, 0.6 = 60 %.")
    lower_threshold: float = Field(0.1, gt=0, lt=1, description="Fraction, 0.1 = 10 %.")
    increase_delta: int = Field(1, ge=1, le=MAX_INT32)
    decrease_delta: int = Field(1, ge=1, le=MAX_INT32)
    minimum_num_instances: int = Field(1, ge=1, le=MAX_INT32)
    maximum_num_instances: int = Field(ge=1, le=MAX_INT32)
    wait_period: int = Field(30, ge=1, le=MAX_WAIT_PERIOD_SECONDS, description="Seconds.")

    @model_validator(mode="after")
    def _ranges_are_ordered(self) -> AutoscalingConfig:
        # Located where the CEL rules' fieldPath points.
        if self.lower_threshold >= self.upper_threshold:
            raise _field_error(
                "AutoscalingConfig",
                ("lower_threshold",),
                "lower_threshold must be less than upper_threshold",
                self.lower_threshold,
            )
        if self.minimum_num_instances > self.maximum_num_instances:
            raise _field_error(
                "AutoscalingConfig",
                ("minimum_num_instances",),
                "minimum_num_instances must not exceed maximum_num_instances",
                self.minimum_num_instances,
            )
        return self


class Volume(_Model):
    app_volume_dir: str = Field(
        pattern=VOLUME_DIR_PATTERN,
        max_length=255,
        description="Absolute, normalised path inside the container, other than /.",
    )
    volume_type: str = Field(
        "EBS", pattern=VOLUME_TYPE_PATTERN, description="Mapped to a StorageClass by settings."
    )
    size_gb: int = Field(
        10, ge=1, le=MAX_INT32, description="Size in GiB; the allowed range is a setting."
    )

    @field_validator("size_gb")
    @classmethod
    def _size_within_platform_range(cls, value: int, info: ValidationInfo) -> int:
        settings = _settings_from(info)
        if settings and not settings.volume_size_min_gb <= value <= settings.volume_size_max_gb:
            raise ValueError(
                f"must be between {settings.volume_size_min_gb} and "
                f"{settings.volume_size_max_gb} GB"
            )
        return value

    @field_validator("volume_type")
    @classmethod
    def _type_is_configured(cls, value: str, info: ValidationInfo) -> str:
        settings = _settings_from(info)
        if settings and value not in settings.volume_types:
            known = ", ".join(sorted(settings.volume_types))
            raise ValueError(f"unknown volume_type {value!r}; known: {known}")
        return value


def _settings_from(info: ValidationInfo) -> PlatformSettings | None:
    """Platform-dependent limits apply only when the caller passes settings as
    validation context; the CRD schema cannot know them."""
    context = info.context or {}
    settings = context.get("settings")
    return settings if isinstance(settings, PlatformSettings) else None


_PORT_TYPE_RULE = (
    "self.all(p, self.filter(q, q.container_port == p.container_port && "
    f"{_cel_endpoint_type('q')} == {_cel_endpoint_type('p')}).size() == 1)"
)
_ONE_HTTP_RULE = f"self.filter(p, {_cel_endpoint_type('p')} == 'http-endpoint').size() <= 1"


class ServiceSpec(_Model):
    """The AlaudaService spec: the create payload without the identity fields
    (``service_name`` and ``namespace`` are the resource's metadata)."""

    model_config = ConfigDict(
        json_schema_extra={
            "x-kubernetes-validations": [
                _cel(
                    "self.scaling_mode != 'AUTO' || has(self.autoscaling_config)",
                    "autoscaling_config is required when scaling_mode is AUTO",
                    ".autoscaling_config",
                ),
                _cel(
                    "self.scaling_mode != 'AUTO' || !has(self.volumes) || size(self.volumes) == 0",
                    "scaling_mode AUTO is only for stateless services (no volumes)",
                    ".scaling_mode",
                ),
                _cel(
                    "has(self.volumes) == has(oldSelf.volumes) && "
                    "(!has(self.volumes) || self.volumes == oldSelf.volumes)",
                    "volumes cannot change after creation",
                    ".volumes",
                ),
            ]
        }
    )

    image_name: str = Field(
        max_length=255, pattern=IMAGE_NAME_PATTERN, description="Image without its tag."
    )
    image_tag: str = Field("latest", pattern=IMAGE_TAG_PATTERN)
    run_command: str = Field(
        "", max_length=4096, description="Command line; split by shell rules into args."
    )
    entrypoint: str = Field(
        "", max_length=4096, description="Overrides the image entrypoint; split by shell rules."
    )
    instance_size: InstanceSize = InstanceSize.XS
    scaling_mode: ScalingMode = ScalingMode.MANUAL
    target_state: TargetState = TargetState.STARTED
    custom_domain_name: str = Field(
        "",
        max_length=253,
        pattern=f"^({DNS_SUBDOMAIN_PATTERN[1:-1]})?$",
        description="Routed through the http-endpoint, if the service has one.",
        json_schema_extra={
            "x-kubernetes-validations": [
                _cel(
                    f"!self.matches('{NUMERIC_LAST_LABEL_PATTERN}')",
                    "custom_domain_name must be a domain name, not an IP address",
                )
            ]
        },
    )
    linked_to_apps: dict[str, Annotated[str, Field(max_length=LINK_ALIAS_MAX_LENGTH)]] = Field(
        default_factory=dict,
        max_length=MAX_LINKS,
        description="service_name -> alias (empty: the service name).",
        json_schema_extra={
            "x-kubernetes-validations": [
                _cel(
                    f"self.all(k, size(k) <= {SERVICE_NAME_MAX_LENGTH} && "
                    f"k.matches('{DNS_LABEL_PATTERN}'))",
                    "linked_to_apps keys must be valid service names",
                ),
                _cel(
                    f"self.all(k, self[k].matches('{LINK_ALIAS_PATTERN}'))",
                    "linked_to_apps aliases must be letters, digits, '_' or '-'",
                ),
            ]
        },
    )
    target_num_instances: int = Field(
        1, ge=0, le=MAX_INT32, description="Instances when STARTED and MANUAL."
    )
    instance_envvars: dict[str, str] = Field(
        default_factory=dict,
        max_length=MAX_ENVVARS,
        json_schema_extra={
            "x-kubernetes-validations": [
                _cel(
                    f"self.all(k, k.matches('{ENV_NAME_PATTERN}'))",
                    "instance_envvars names must be valid environment variable names",
                )
            ]
        },
    )
    instance_ports: list[InstancePort] = Field(
        default_factory=list,
        max_length=MAX_PORTS,
        json_schema_extra={
            "x-kubernetes-validations": [
                _cel(_PORT_TYPE_RULE, "one endpoint of a type per container_port"),
                _cel(_ONE_HTTP_RULE, "at most one http-endpoint"),
            ]
        },
    )
    autoscaling_config: AutoscalingConfig | None = None
    volumes: list[Volume] = Field(
        default_factory=list,
        max_length=MAX_VOLUMES,
        json_schema_extra={
            "x-kubernetes-validations": [
                _cel(
                    "self.all(v, self.filter(w, w.app_volume_dir == v.app_volume_dir).size() == 1)",
                    "each app_volume_dir at most once",
                )
            ]
        },
    )

    # --- field rules -------------------------------------------------------

    @field_validator("run_command", "entrypoint")
    @classmethod
    def _splits_like_a_shell(cls, value: str) -> str:
        # The builders split these by POSIX shell rules; fail here, not there.
        try:
            shlex.split(value)
        except ValueError as error:
            raise ValueError(f"cannot be split into words by shell rules: {error}") from None
        return value

    @field_validator("custom_domain_name")
    @classmethod
    def _domain_is_not_an_address(cls, value: str) -> str:
        if re.search(NUMERIC_LAST_LABEL_PATTERN, value):
            raise ValueError("must be a domain name, not an IP address")
        return value

    @field_validator("instance_envvars", mode="before")
    @classmethod
    def _envvar_values_to_strings(cls, value: Any) -> Any:
        # Clients send numbers and booleans as values; the container sees text.
        if isinstance(value, dict):
            return {k: _env_value_text(v) for k, v in value.items()}
        return value

    @field_validator("instance_envvars")
    @classmethod
    def _envvar_names_are_valid(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not re.match(ENV_NAME_PATTERN, name):
                raise ValueError(f"invalid environment variable name {name!r}")
        return value

    @field_validator("linked_to_apps")
    @classmethod
    def _links_are_valid(cls, value: dict[str, str]) -> dict[str, str]:
        for name, alias in value.items():
            if len(name) > SERVICE_NAME_MAX_LENGTH or not re.match(DNS_LABEL_PATTERN, name):
                raise ValueError(f"linked service {name!r} is not a valid service name")
            if not re.match(LINK_ALIAS_PATTERN, alias):
                raise ValueError(f"alias {alias!r} of {name!r} is not a valid alias")
        return value

    @field_validator("instance_ports")
    @classmethod
    def _ports_are_unique(cls, value: list[InstancePort]) -> list[InstancePort]:
        seen: set[tuple[int, EndpointType]] = set()
        for port in value:
            key = (port.container_port, port.effective_endpoint_type)
            if key in seen:
                raise ValueError(
                    f"container_port {key[0]} has two {key[1].value} endpoints; "
                    "one endpoint of a type per port"
                )
            seen.add(key)
        http = [p for p in value if p.effective_endpoint_type is EndpointType.HTTP]
        if len(http) > 1:
            raise ValueError("at most one http-endpoint")
        return value

    @field_validator("volumes")
    @classmethod
    def _volume_dirs_are_unique(cls, value: list[Volume]) -> list[Volume]:
        dirs = [v.app_volume_dir for v in value]
        duplicates = sorted({d for d in dirs if dirs.count(d) > 1})
        if duplicates:
            raise ValueError(f"app_volume_dir {duplicates[0]!r} is used twice")
        return value

    @model_validator(mode="after")
    def _auto_scaling_is_coherent(self) -> ServiceSpec:
        # Located where the CEL rules' fieldPath points.
        if self.scaling_mode is ScalingMode.AUTO:
            if self.autoscaling_config is None:
                raise _field_error(
                    "ServiceSpec",
                    ("autoscaling_config",),
                    "autoscaling_config is required when scaling_mode is AUTO",
                    None,
                )
            if self.volumes:
                raise _field_error(
                    "ServiceSpec",
                    ("scaling_mode",),
                    "scaling_mode AUTO is only for stateless services (no volumes)",
                    self.scaling_mode.value,
                )
        return self

    # --- derived facts -----------------------------------------------------

    @property
    def is_stateful(self) -> bool:
        return bool(self.volumes)

    @property
    def link_aliases(self) -> dict[str, str]:
        """service_name -> alias, with the default alias filled in."""
        return {name: alias or name for name, alias in self.linked_to_apps.items()}

    def ports_of_type(self, endpoint_type: EndpointType) -> list[InstancePort]:
        return [p for p in self.instance_ports if p.effective_endpoint_type is endpoint_type]

    def to_resource_spec(self) -> dict[str, Any]:
        """The spec as stored in the AlaudaService: JSON types, defaults filled in."""
        return self.model_dump(mode="json", exclude_none=True)


def _env_value_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


class CreateServicePayload(ServiceSpec):
    """Body of ``POST /v1/services/<namespace>/``."""

    # Fields existing clients send that a single-cluster server ignores.
    IGNORED_FIELDS: ClassVar[frozenset[str]] = frozenset({"region_name", "application"})

    service_name: str = Field(
        max_length=SERVICE_NAME_MAX_LENGTH,
        pattern=DNS_LABEL_PATTERN,
        description="Unique in the namespace; the AlaudaService's metadata.name.",
    )
    namespace: str | None = Field(
        None, max_length=63, pattern=DNS_LABEL_PATTERN, description="Must match the path."
    )

    @model_validator(mode="before")
    @classmethod
    def _drop_ignored_fields(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k not in cls.IGNORED_FIELDS}
        return data

    def spec(self) -> ServiceSpec:
        return ServiceSpec.model_validate(
            self.model_dump(exclude={"service_name", "namespace"}, exclude_none=True)
        )


# Fields a v1 PUT may change; ports and volumes are fixed at creation, as the
# old API had them (and a StatefulSet's volume claims cannot change anyway).
UPDATABLE_FIELDS: frozenset[str] = frozenset(ServiceSpec.model_fields) - {
    "instance_ports",
    "volumes",
}


# --- status ----------------------------------------------------------------


class CurrentStatus(StrEnum):
    RUNNING = "Running"
    DEPLOYING = "Deploying"
    STOPPED = "Stopped"
    ERROR = "Error"
    UNKNOWN = "Unknown"


class Condition(BaseModel):
    """A Kubernetes-style condition (camelCase, as every controller writes them)."""

    model_config = ConfigDict(extra="forbid")

    type: str
    status: str = Field(pattern="^(True|False|Unknown)$")
    reason: str = ""
    message: str = ""
    lastTransitionTime: str | None = None
    observedGeneration: int | None = None


class PortStatus(BaseModel):
    """Where a port is reachable once the cluster has allocated it."""

    model_config = ConfigDict(extra="forbid")

    container_port: int
    endpoint_type: EndpointType
    service_port: int | None = None
    default_domain: str | None = None


class ServiceStatus(BaseModel):
    """The AlaudaService status subresource. Per-instance details are not
    stored here: they are read from the Pods when asked."""

    model_config = ConfigDict(extra="forbid")

    observedGeneration: int | None = None
    conditions: list[Condition] = Field(default_factory=list)
    current_status: CurrentStatus = CurrentStatus.UNKNOWN
    current_num_instances: int = 0
    started_num_instances: int = 0
    staged_num_instances: int = 0
    is_deploying: bool = False
    started_at: str | None = None
    stopped_at: str | None = None
    last_autoscaled_at: str | None = None
    default_domain_name: str | None = None
    instance_ports: list[PortStatus] = Field(default_factory=list)
    selector: str | None = Field(None, description="Pod label selector, for the scale subresource.")
