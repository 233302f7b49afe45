"""What the operator tests do to the cluster and read back, over the
admin client (plain HTTP; the tests need no asyncio)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from alauda_operator import names
from alauda_operator.localcluster.apiclient import ApiClient
from alauda_operator.model import CreateServicePayload
from tests.waiting import wait_for

JSON = dict[str, Any]
DATA = Path(__file__).resolve().parents[1] / "data"

KIND_PATHS = {
    "Deployment": "/apis/apps/v1/namespaces/{ns}/deployments",
    "StatefulSet": "/apis/apps/v1/namespaces/{ns}/statefulsets",
    "Service": "/api/v1/namespaces/{ns}/services",
    "Ingress": "/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses",
    "HorizontalPodAutoscaler": "/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers",
    "Pod": "/api/v1/namespaces/{ns}/pods",
    "PersistentVolumeClaim": "/api/v1/namespaces/{ns}/persistentvolumeclaims",
    "Event": "/api/v1/namespaces/{ns}/events",
    "AlaudaService": f"/apis/{names.API_GROUP}/{names.API_VERSION}"
    f"/namespaces/{{ns}}/{names.PLURAL}",
}
CHILD_KINDS = ("Deployment", "StatefulSet", "Service", "Ingress", "HorizontalPodAutoscaler")


def collection(kind: str, namespace: str) -> str:
    return KIND_PATHS[kind].format(ns=quote(namespace))


def seed_spec() -> JSON:
    """The seed page's create payload as an AlaudaService spec."""
    payload = CreateServicePayload.model_validate(
        json.loads((DATA / "seed_create_payload.json").read_text())
    )
    return payload.spec().to_resource_spec()


def stateless_spec(**changes: Any) -> JSON:
    spec: JSON = {
        "image_name": "registry.example/web",
        "image_tag": "1.0",
        "instance_size": "XXS",
        "target_num_instances": 1,
    }
    spec.update(changes)
    return spec


def auto_config(minimum: int = 1, maximum: int = 6) -> JSON:
    return {"minimum_num_instances": minimum, "maximum_num_instances": maximum}


class Cluster:
    """The tests' view of one namespace."""

    def __init__(self, api: ApiClient, namespace: str) -> None:
        self.api = api
        self.namespace = namespace

    # --- AlaudaServices ---------------------------------------------------

    def service_path(self, name: str) -> str:
        return f"{collection('AlaudaService', self.namespace)}/{name}"

    def create_service(self, name: str, spec: JSON) -> JSON:
        body = {
            "apiVersion": f"{names.API_GROUP}/{names.API_VERSION}",
            "kind": names.KIND,
            "metadata": {"name": name, "namespace": self.namespace},
            "spec": spec,
        }
        return self.api.request("POST", collection("AlaudaService", self.namespace), body).json()

    def patch_spec(self, name: str, changes: JSON) -> JSON:
        return self.api.merge_patch(self.service_path(name), {"spec": changes})

    def delete_service(self, name: str) -> None:
        self.api.delete(self.service_path(name))

    def service(self, name: str) -> JSON | None:
        answer = self.api.get(self.service_path(name), ok=(404,))
        return None if answer.status == 404 else answer.json()

    def status(self, name: str) -> JSON:
        return (self.service(name) or {}).get("status") or {}

    def condition(self, name: str, kind: str = "Ready") -> JSON:
        for condition in self.status(name).get("conditions", []):
            if condition["type"] == kind:
                return dict(condition)
        return {}

    def wait_ready(self, name: str, timeout: float = 60.0) -> JSON:
        """Until Ready=True for the current generation; returns the status."""

        def ready() -> JSON | None:
            service = self.service(name) or {}
            status = service.get("status") or {}
            current = status.get("observedGeneration") == service["metadata"]["generation"]
            ready = any(
                c["type"] == "Ready" and c["status"] == "True" for c in status.get("conditions", [])
            )
            return status if current and ready else None

        return wait_for(ready, f"AlaudaService {name} Ready", timeout)

    def wait_condition(
        self, name: str, status: str, reason: str, kind: str = "Ready", timeout: float = 60.0
    ) -> JSON:
        def matches() -> JSON | None:
            condition = self.condition(name, kind)
            if condition.get("status") == status and condition.get("reason") == reason:
                return condition
            return None

        return wait_for(matches, f"{kind}={status} ({reason}) on {name}", timeout)

    # --- other objects ----------------------------------------------------

    def get(self, kind: str, name: str) -> JSON | None:
        answer = self.api.get(f"{collection(kind, self.namespace)}/{name}", ok=(404,))
        return None if answer.status == 404 else answer.json()

    def list(self, kind: str, selector: str | None = None) -> list[JSON]:
        path = collection(kind, self.namespace)
        if selector:
            path += f"?labelSelector={quote(selector)}"
        return list(self.api.get(path).json().get("items", []))

    def children(self, service: str) -> dict[tuple[str, str], JSON]:
        """(kind, name) -> object, of every kind the operator manages."""
        found = {}
        for kind in CHILD_KINDS:
            for obj in self.list(kind, f"{names.SERVICE_LABEL}={service}"):
                found[(kind, obj["metadata"]["name"])] = obj
        return found

    def pods(self, service: str) -> list[JSON]:
        return [
            p
            for p in self.list("Pod", f"{names.SERVICE_LABEL}={service}")
            if not p["metadata"].get("deletionTimestamp")
        ]

    def running_pods(self, service: str) -> list[JSON]:
        return [p for p in self.pods(service) if p.get("status", {}).get("phase") == "Running"]

    def events(self, service: str) -> list[JSON]:
        selector = f"involvedObject.kind={names.KIND},involvedObject.name={service}"
        path = f"{collection('Event', self.namespace)}?fieldSelector={quote(selector)}"
        return list(self.api.get(path).json().get("items", []))

    def event_reasons(self, service: str) -> list[str]:
        return [e["reason"] for e in self.events(service)]

    def delete(self, kind: str, name: str) -> None:
        self.api.delete(f"{collection(kind, self.namespace)}/{name}")

    def merge_patch(self, kind: str, name: str, patch: JSON) -> JSON:
        return self.api.merge_patch(f"{collection(kind, self.namespace)}/{name}", patch)

    def create(self, kind: str, body: JSON) -> JSON:
        return self.api.request("POST", collection(kind, self.namespace), body).json()
