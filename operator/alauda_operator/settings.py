"""Platform settings: the knobs a cluster operator sets once for every service.

One object, with defaults that work on a plain cluster, loadable from
environment variables (``ALAUDA_...``, nested with ``__``) and from a YAML file
named by ``ALAUDA_SETTINGS_FILE``. See docs/configuration.md.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class InstanceSizeResources(BaseModel):
    """CPU and memory of one instance size, as Kubernetes quantities."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cpu: str
    memory: str


# No public source gives Alauda's S..XL; XS follows the 0.25 CPU / 512 MB that
# one Alauda page showed, and each size doubles the previous one.
DEFAULT_INSTANCE_SIZES: dict[str, InstanceSizeResources] = {
    "XXS": InstanceSizeResources(cpu="125m", memory="256Mi"),
    "XS": InstanceSizeResources(cpu="250m", memory="512Mi"),
    "S": InstanceSizeResources(cpu="500m", memory="1Gi"),
    "M": InstanceSizeResources(cpu="1", memory="2Gi"),
    "L": InstanceSizeResources(cpu="2", memory="4Gi"),
    "XL": InstanceSizeResources(cpu="4", memory="8Gi"),
}


class PlatformSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ALAUDA_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    base_domain: str = Field(
        "alauda.local",
        description="Default domain names are <service_name>-<namespace>.<base_domain>.",
    )
    instance_sizes: dict[str, InstanceSizeResources] = Field(
        default_factory=lambda: dict(DEFAULT_INSTANCE_SIZES),
        description="instance_size -> requests and limits of the container.",
    )
    volume_types: dict[str, str | None] = Field(
        default_factory=lambda: dict[str, str | None]({"EBS": None}),
        description="volume_type -> StorageClass name (null: the cluster's default class).",
    )
    volume_size_min_gb: int = Field(10, ge=1)
    volume_size_max_gb: int = Field(100, ge=1)
    ingress_class: str | None = Field(None, description="ingressClassName of the Ingresses.")
    public_tcp_service_type: Literal["LoadBalancer", "NodePort"] = Field(
        "LoadBalancer", description="Service type of tcp-endpoint ports."
    )
    region_name: str = Field("local", description="The one region this cluster reports.")

    @model_validator(mode="after")
    def _size_range_is_ordered(self) -> PlatformSettings:
        if self.volume_size_min_gb > self.volume_size_max_gb:
            raise ValueError("volume_size_min_gb must not exceed volume_size_max_gb")
        return self


def load_settings(path: str | Path | None = None, **overrides: Any) -> PlatformSettings:
    """Settings from a YAML file (``path`` or ``$ALAUDA_SETTINGS_FILE``), then the
    environment, then ``overrides``; later sources win."""
    file_values: dict[str, Any] = {}
    path = path or os.environ.get("ALAUDA_SETTINGS_FILE")
    if path:
        loaded = yaml.safe_load(Path(path).read_text()) or {}
        if not isinstance(loaded, dict):
            raise ValueError(f"{path}: settings must be a mapping")
        file_values = loaded
    from_env = PlatformSettings()
    explicit_env = from_env.model_dump(exclude_unset=True)
    return PlatformSettings.model_validate({**file_values, **explicit_env, **overrides})
