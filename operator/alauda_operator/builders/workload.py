"""The workload: a Deployment for a stateless service, a StatefulSet (one
volume claim per instance and volume) for a service with volumes."""

from __future__ import annotations

from collections.abc import Mapping

from alauda_operator import names
from alauda_operator.builders.container import build_container
from alauda_operator.builders.meta import (
    BuildError,
    JsonObject,
    ServiceResource,
    new_object,
    object_metadata,
)
from alauda_operator.model import EndpointType, ScalingMode, ServiceSpec, TargetState
from alauda_operator.settings import PlatformSettings


def desired_replicas(spec: ServiceSpec) -> int | None:
    """None when the HorizontalPodAutoscaler owns the count (AUTO, STARTED):
    the field is then left out, so that applying never fights the autoscaler."""
    if spec.target_state is TargetState.STOPPED:
        return 0
    if spec.scaling_mode is ScalingMode.AUTO:
        return None
    return spec.target_num_instances


def pod_template(
    resource: ServiceResource, settings: PlatformSettings, linked: Mapping[str, ServiceSpec]
) -> JsonObject:
    return {
        "metadata": {"labels": names.standard_labels(resource.name)},
        "spec": {
            "containers": [build_container(resource, settings, linked)],
            # Only the declared links: Kubernetes would otherwise add Docker-link
            # style variables for every Service in the namespace.
            "enableServiceLinks": False,
            # The old platform gave containers no API credentials.
            "automountServiceAccountToken": False,
        },
    }


def volume_claim_templates(
    resource: ServiceResource, settings: PlatformSettings
) -> list[JsonObject]:
    templates: list[JsonObject] = []
    for index, volume in sorted(
        enumerate(resource.spec.volumes), key=lambda item: item[1].app_volume_dir
    ):
        if volume.volume_type not in settings.volume_types:
            raise BuildError(
                f"volumes[{index}].volume_type",
                f"{volume.volume_type!r} is not in the platform's volume_types",
            )
        claim_spec: JsonObject = {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": f"{volume.size_gb}Gi"}},
        }
        storage_class = settings.volume_types[volume.volume_type]
        if storage_class is not None:
            claim_spec["storageClassName"] = storage_class
        templates.append(
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {
                    "name": names.volume_claim_template_name(volume.app_volume_dir),
                    "labels": names.standard_labels(resource.name),
                },
                "spec": claim_spec,
            }
        )
    return templates


def _has_host_ports(spec: ServiceSpec) -> bool:
    return bool(spec.ports_of_type(EndpointType.DIRECT))


def build_workload(
    resource: ServiceResource, settings: PlatformSettings, linked: Mapping[str, ServiceSpec]
) -> JsonObject:
    spec = resource.spec
    workload: JsonObject = {}
    replicas = desired_replicas(spec)
    if replicas is not None:
        workload["replicas"] = replicas
    workload["selector"] = {"matchLabels": names.selector_labels(resource.name)}
    workload["template"] = pod_template(resource, settings, linked)
    metadata = object_metadata(resource, names.workload_name(resource.name))

    if not spec.is_stateful:
        if _has_host_ports(spec):
            # A new instance cannot start on a node whose host port the old one
            # still holds; replacing one at a time never waits for a free node.
            workload["strategy"] = {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1},
            }
        return new_object("apps/v1", "Deployment", metadata, workload)

    workload["serviceName"] = names.headless_service_name(resource.name)
    workload["podManagementPolicy"] = "Parallel"
    # Neither deleting the service nor scaling it down deletes data.
    workload["persistentVolumeClaimRetentionPolicy"] = {
        "whenDeleted": "Retain",
        "whenScaled": "Retain",
    }
    workload["volumeClaimTemplates"] = volume_claim_templates(resource, settings)
    return new_object("apps/v1", "StatefulSet", metadata, workload)
