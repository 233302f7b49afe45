"""The YAML under examples/ is what the model accepts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from alauda_operator import names
from alauda_operator.model import CreateServicePayload, ServiceSpec
from alauda_operator.settings import PlatformSettings

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))


def resources(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_is_a_valid_alauda_service(path: Path) -> None:
    for resource in resources(path):
        assert resource["apiVersion"] == f"{names.API_GROUP}/{names.API_VERSION}"
        assert resource["kind"] == names.KIND
        ServiceSpec.model_validate(resource["spec"], context={"settings": PlatformSettings()})


def test_seed_example_yaml_is_the_seed_payload() -> None:
    seed_dir = Path(__file__).resolve().parents[1] / "data"
    payload = CreateServicePayload.model_validate_json(
        (seed_dir / "seed_create_payload.json").read_text()
    )
    (resource,) = resources(EXAMPLES[[p.name for p in EXAMPLES].index("seed-service.yaml")])
    spec = ServiceSpec.model_validate(resource["spec"])
    assert json.dumps(spec.to_resource_spec(), sort_keys=True) == json.dumps(
        payload.spec().to_resource_spec(), sort_keys=True
    )
    assert resource["metadata"] == {"name": payload.service_name, "namespace": payload.namespace}
