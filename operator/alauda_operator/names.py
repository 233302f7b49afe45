"""Names and labels derived from a service. Every layer asks here, so that the
builders, the reconciler and the facade always agree on them."""

from __future__ import annotations

import hashlib

from alauda_operator.settings import PlatformSettings

API_GROUP = "alauda.io"
API_VERSION = "v1"
KIND = "AlaudaService"
PLURAL = "alaudaservices"
SHORT_NAME = "asvc"
FIELD_MANAGER = "alauda-operator"
MANAGED_BY = "alauda-operator"

SERVICE_LABEL = "alauda.io/service"
NAME_LABEL = "app.kubernetes.io/name"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"


def selector_labels(service_name: str) -> dict[str, str]:
    """The Pod selector: never changes for the life of a service."""
    return {SERVICE_LABEL: service_name}


def standard_labels(service_name: str) -> dict[str, str]:
    return {
        NAME_LABEL: service_name,
        MANAGED_BY_LABEL: MANAGED_BY,
        **selector_labels(service_name),
    }


def workload_name(service_name: str) -> str:
    return service_name


def cluster_service_name(service_name: str) -> str:
    """The ClusterIP Service with every port: links and the Ingress use it."""
    return service_name


def public_service_name(service_name: str) -> str:
    """The load-balanced Service of the tcp-endpoint ports."""
    return f"{service_name}-public"


def headless_service_name(service_name: str) -> str:
    """The StatefulSet's governing Service."""
    return f"{service_name}-headless"


def ingress_name(service_name: str) -> str:
    return service_name


def autoscaler_name(service_name: str) -> str:
    return service_name


def volume_claim_template_name(app_volume_dir: str) -> str:
    """Named after the directory, not the list position, so that reordering
    the volumes never hands an instance another directory's data."""
    digest = hashlib.sha256(app_volume_dir.encode()).hexdigest()[:10]
    return f"vol-{digest}"


def default_domain_name(service_name: str, namespace: str, settings: PlatformSettings) -> str:
    return f"{service_name}-{namespace}.{settings.base_domain}"
