"""The builders' objects and the bad-input cases against a real API server:
what the offline schemas cannot tell (server-side validation, defaulting,
canonical forms, CEL rules)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.cases import (
    BAD_INPUTS,
    BadInput,
    valid_auto_payload,
    valid_payload,
    valid_stateful_payload,
)
from tests.unit.strategies import platform_settings, service_specs

from alauda_operator import names
from alauda_operator.builders import MANAGED_KINDS, ServiceResource, build_objects
from alauda_operator.localcluster import ClusterInfo
from alauda_operator.localcluster.apiclient import ApiClient
from alauda_operator.model import CreateServicePayload
from alauda_operator.settings import PlatformSettings

pytestmark = pytest.mark.cluster

REPOSITORY = Path(__file__).resolve().parents[2]
CRD_FILE = REPOSITORY / "crds" / "alaudaservices.alauda.io.yaml"
CRD_NAME = f"{names.PLURAL}.{names.API_GROUP}"
PLURALS = {(k.api_version, k.kind): k.plural for k in MANAGED_KINDS}
APPLY = "application/apply-patch+yaml"


def _collection(api_version: str, plural: str, namespace: str) -> str:
    root = "/api" if "/" not in api_version else "/apis"
    return f"{root}/{api_version}/namespaces/{namespace}/{plural}"


def _path(obj: dict[str, Any]) -> str:
    plural = PLURALS[(obj["apiVersion"], obj["kind"])]
    collection = _collection(obj["apiVersion"], plural, obj["metadata"]["namespace"])
    return f"{collection}/{obj['metadata']['name']}"


def _services_path(namespace: str) -> str:
    return _collection(f"{names.API_GROUP}/{names.API_VERSION}", names.PLURAL, namespace)


def _apply(api: ApiClient, obj: dict[str, Any]) -> dict[str, Any]:
    query = f"?fieldManager={names.FIELD_MANAGER}&force=true"
    return api.request("PATCH", _path(obj) + query, obj, content_type=APPLY).json()


def _missing_or_different(applied: Any, live: Any, where: str = "") -> list[str]:
    """Where the live object does not read back what was applied."""
    if isinstance(applied, dict):
        if not isinstance(live, dict):
            return [where]
        return [
            problem
            for key, value in applied.items()
            for problem in _missing_or_different(value, live.get(key), f"{where}.{key}")
        ]
    if isinstance(applied, list):
        if not isinstance(live, list) or len(live) != len(applied):
            return [where]
        return [
            problem
            for index, (a, b) in enumerate(zip(applied, live, strict=True))
            for problem in _missing_or_different(a, b, f"{where}[{index}]")
        ]
    return [] if applied == live else [f"{where}: applied {applied!r}, read {live!r}"]


@pytest.fixture(scope="module")
def alauda_crd(cluster: ClusterInfo) -> str:
    """The CRD from crds/, applied and Established. Left installed: other
    tests of the session may have resources of it."""
    api = cluster.client()
    crd = yaml.safe_load(CRD_FILE.read_text())
    path = f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{CRD_NAME}"
    api.request("PATCH", f"{path}?fieldManager=alauda-tests&force=true", crd, content_type=APPLY)
    deadline = time.monotonic() + 30
    while True:
        conditions = (api.get(path).json().get("status") or {}).get("conditions") or []
        if any(c["type"] == "Established" and c["status"] == "True" for c in conditions):
            return CRD_NAME
        if time.monotonic() > deadline:
            raise TimeoutError(f"CRD {CRD_NAME} not Established")
        time.sleep(0.1)


EXAMPLES = {
    "seed": json.loads((REPOSITORY / "tests" / "data" / "seed_create_payload.json").read_text()),
    "stateless": valid_payload(),
    "stateful": valid_stateful_payload(),
    "auto": valid_auto_payload(),
}


@pytest.mark.parametrize("payload", EXAMPLES.values(), ids=EXAMPLES.keys())
def test_built_objects_are_accepted_and_read_back_as_applied(
    cluster: ClusterInfo, namespace: str, alauda_crd: str, payload: dict[str, Any]
) -> None:
    api = cluster.client()
    parsed = CreateServicePayload.model_validate(payload)
    owner = api.request(
        "POST",
        _services_path(namespace),
        {
            "apiVersion": f"{names.API_GROUP}/{names.API_VERSION}",
            "kind": names.KIND,
            "metadata": {"name": parsed.service_name},
            "spec": parsed.spec().to_resource_spec(),
        },
    ).json()
    resource = ServiceResource(
        parsed.service_name, namespace, owner["metadata"]["uid"], parsed.spec()
    )
    objects = build_objects(resource, PlatformSettings(), linked={})

    problems: dict[str, list[str]] = {}
    for obj in objects:
        live = _apply(api, obj)
        if found := _missing_or_different(obj, live):
            problems[f"{obj['kind']}/{obj['metadata']['name']}"] = found
    assert problems == {}


@pytest.mark.parametrize("payload", EXAMPLES.values(), ids=EXAMPLES.keys())
def test_applying_the_same_objects_again_writes_nothing(
    cluster: ClusterInfo, namespace: str, payload: dict[str, Any]
) -> None:
    api = cluster.client()
    parsed = CreateServicePayload.model_validate(payload)
    resource = ServiceResource(parsed.service_name, namespace, "uid-1", parsed.spec())
    objects = build_objects(resource, PlatformSettings(), linked={})
    # No owner exists: keep the garbage collector away by dropping the reference.
    for obj in objects:
        del obj["metadata"]["ownerReferences"]
    first = [_write_marker(_apply(api, obj)) for obj in objects]
    again = [_write_marker(_apply(api, obj)) for obj in objects]
    assert again == first


def _write_marker(live: dict[str, Any]) -> str:
    """What a write of the spec changes: the generation where the kind keeps
    one (controllers' status writes change the resourceVersion too), else the
    resourceVersion."""
    metadata = live["metadata"]
    return str(metadata.get("generation") or metadata["resourceVersion"])


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_generated_objects_pass_the_api_servers_validation(
    cluster: ClusterInfo, namespace: str, data: st.DataObject
) -> None:
    api = cluster.client()
    platform = data.draw(platform_settings)
    spec = data.draw(service_specs(platform))
    resource = ServiceResource("svc", namespace, "uid-1", spec)
    for obj in build_objects(resource, platform, linked={}):
        # Created as JSON, not applied as YAML: a YAML parser rejects the
        # surrogate-pair escapes json.dumps writes for characters beyond U+FFFF.
        collection = _path(obj).rsplit("/", 1)[0]
        api.request("POST", f"{collection}?dryRun=All", obj)


def _api_field_path(loc: tuple[str | int, ...]) -> str:
    if loc[0] == "service_name":
        return "metadata.name"
    path = "spec"
    for step in loc:
        path += f"[{step}]" if isinstance(step, int) else f".{step}"
    return path


@pytest.mark.parametrize("case", BAD_INPUTS, ids=lambda case: case.id)
def test_bad_input_meets_the_api_server_as_labelled(
    cluster: ClusterInfo, namespace: str, alauda_crd: str, case: BadInput
) -> None:
    api = cluster.client()
    body = {
        "apiVersion": f"{names.API_GROUP}/{names.API_VERSION}",
        "kind": names.KIND,
        "metadata": {"name": case.name},
        "spec": case.spec,
    }
    strict = "&fieldValidation=Strict" if case.crd_check == "strict" else ""
    response = api.request(
        "POST", f"{_services_path(namespace)}?dryRun=All{strict}", body, ok=(400, 422)
    )
    if case.crd_check == "model-only":
        assert response.status == 201
        return
    assert response.status in (400, 422)
    assert _api_field_path(case.loc) in response.json()["message"]
