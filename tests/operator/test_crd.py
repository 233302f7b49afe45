"""The API server itself, through the CRD, refuses bad specs and accepts good ones;
what only the platform settings can judge reaches the operator, which reports it."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from alauda_operator import names
from alauda_operator.localcluster.apiclient import ApiError
from tests.cases import BAD_INPUTS, BadInput
from tests.operator.kube import Cluster, collection, seed_spec

pytestmark = pytest.mark.cluster

REFUSED_BY_API_SERVER = [c for c in BAD_INPUTS if c.crd_check != "model-only"]
REFUSED_BY_OPERATOR = [c for c in BAD_INPUTS if c.crd_check == "model-only"]


def post(kube: Cluster, name: str, spec: dict[str, object], *, strict: bool) -> tuple[int, str]:
    body = {
        "apiVersion": f"{names.API_GROUP}/{names.API_VERSION}",
        "kind": names.KIND,
        "metadata": {"name": name},
        "spec": spec,
    }
    path = collection("AlaudaService", kube.namespace)
    if strict:
        path += "?fieldValidation=" + quote("Strict")
    try:
        return kube.api.request("POST", path, body).status, ""
    except ApiError as err:
        return err.status, err.body


def test_api_server_accepts_the_seed_example(kube: Cluster) -> None:
    assert post(kube, "test", seed_spec(), strict=True)[0] == 201


@pytest.mark.parametrize("case", REFUSED_BY_API_SERVER, ids=lambda c: c.id)
def test_api_server_refuses_bad_spec(kube: Cluster, case: BadInput) -> None:
    strict = case.crd_check == "strict"

    status, message = post(kube, case.name, case.spec, strict=strict)

    # Strict field validation answers 400 BadRequest, schema and rules 422 Invalid.
    assert status == (400 if strict else 422)
    named = "metadata.name" if case.crd_check == "metadata" else str(case.loc[0])
    assert named in message


@pytest.mark.parametrize("case", REFUSED_BY_OPERATOR, ids=lambda c: c.id)
def test_operator_reports_spec_only_it_can_judge(kube: Cluster, case: BadInput) -> None:
    assert post(kube, case.name, case.spec, strict=True)[0] == 201

    condition = kube.wait_condition(case.name, "False", "InvalidSpec")

    field = case.loc[0]
    assert f"spec.{field}" in condition["message"]
    assert kube.children(case.name) == {}
