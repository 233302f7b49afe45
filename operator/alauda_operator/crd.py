"""The AlaudaService CustomResourceDefinition, generated from the model.

``python -m alauda_operator.crd > crds/alaudaservices.alauda.io.yaml`` writes
the file in ``crds/``; a test fails when the file and the model disagree.
"""

from __future__ import annotations

import sys
from typing import Any

import yaml
from pydantic import BaseModel

from alauda_operator import names
from alauda_operator.model import ServiceSpec, ServiceStatus

# Keys of pydantic's JSON Schema that a structural schema has no use for.
_DROPPED_KEYS = {"title", "$defs", "additionalProperties", "examples"}


def structural_schema(model: type[BaseModel]) -> dict[str, Any]:
    """Pydantic's JSON Schema rewritten as a Kubernetes structural schema:
    references inlined, ``Optional`` unwrapped, maps as ``additionalProperties``."""
    schema = model.model_json_schema(mode="validation")
    definitions = schema.get("$defs", {})
    return _convert(schema, definitions)


def _convert(node: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        target = definitions[node["$ref"].rsplit("/", 1)[-1]]
        merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return _convert(merged, definitions)
    if "anyOf" in node:
        # Optional[X] is anyOf [X, null]; the field's absence already says "none".
        variants = [v for v in node["anyOf"] if v.get("type") != "null"]
        if len(variants) != 1:
            raise ValueError(f"cannot express {node!r} structurally")
        rest = {k: v for k, v in node.items() if k not in ("anyOf", "default")}
        if node.get("default") is not None:
            rest["default"] = node["default"]
        return _convert({**variants[0], **rest}, definitions)

    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED_KEYS or key == "required" or (key == "default" and value is None):
            continue
        if key == "properties":
            out[key] = {name: _convert(prop, definitions) for name, prop in value.items()}
        elif key == "items":
            out[key] = _convert(value, definitions)
        elif key in ("exclusiveMinimum", "exclusiveMaximum"):
            # JSON Schema 2020 gives the bound; OpenAPI 3.0 wants a flag beside it.
            out["minimum" if key == "exclusiveMinimum" else "maximum"] = value
            out[key] = True
        elif key == "maxItems" and node.get("type") == "object":
            out["maxProperties"] = value
        elif key == "minItems" and node.get("type") == "object":
            out["minProperties"] = value
        else:
            out[key] = value
    if node.get("type") == "object" and isinstance(node.get("additionalProperties"), dict):
        out["additionalProperties"] = _convert(node["additionalProperties"], definitions)
    if node.get("required"):
        out["required"] = list(node["required"])
    is_collection = node.get("type") in ("array", "object") and "properties" not in node
    if is_collection and "default" not in out:
        # Lists and maps default to empty, so that CEL rules can use them unguarded.
        out["default"] = [] if node["type"] == "array" else {}
    if "enum" in out and "type" not in out:
        out["type"] = "string"
    return out


def _printer_columns() -> list[dict[str, Any]]:
    return [
        {"name": "Image", "type": "string", "jsonPath": ".spec.image_name"},
        {"name": "Tag", "type": "string", "jsonPath": ".spec.image_tag"},
        {"name": "Desired", "type": "integer", "jsonPath": ".spec.target_num_instances"},
        {"name": "Current", "type": "integer", "jsonPath": ".status.current_num_instances"},
        {"name": "Status", "type": "string", "jsonPath": ".status.current_status"},
        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
    ]


def build_crd() -> dict[str, Any]:
    spec_schema = structural_schema(ServiceSpec)
    status_schema = structural_schema(ServiceStatus)
    # Defaults belong to the spec; the operator writes the whole status.
    _strip_defaults(status_schema)
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{names.PLURAL}.{names.API_GROUP}"},
        "spec": {
            "group": names.API_GROUP,
            "scope": "Namespaced",
            "names": {
                "kind": names.KIND,
                "listKind": f"{names.KIND}List",
                "plural": names.PLURAL,
                "singular": names.KIND.lower(),
                "shortNames": [names.SHORT_NAME],
            },
            "versions": [
                {
                    "name": names.API_VERSION,
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "description": "A service of the Alauda v1 API: one image, "
                            "its instances, ports, volumes and links.",
                            "required": ["spec"],
                            "properties": {
                                "apiVersion": {"type": "string"},
                                "kind": {"type": "string"},
                                "metadata": {"type": "object"},
                                "spec": spec_schema,
                                "status": status_schema,
                            },
                            "x-kubernetes-validations": [
                                {
                                    "rule": "self.metadata.name.size() <= 40",
                                    "message": "metadata.name (the service_name) must be at "
                                    "most 40 characters",
                                }
                            ],
                        }
                    },
                    "subresources": {
                        "status": {},
                        "scale": {
                            "specReplicasPath": ".spec.target_num_instances",
                            "statusReplicasPath": ".status.current_num_instances",
                            "labelSelectorPath": ".status.selector",
                        },
                    },
                    "additionalPrinterColumns": _printer_columns(),
                }
            ],
        },
    }


def _strip_defaults(node: Any) -> None:
    if isinstance(node, dict):
        node.pop("default", None)
        for value in node.values():
            _strip_defaults(value)
    elif isinstance(node, list):
        for value in node:
            _strip_defaults(value)


def render_crd_yaml() -> str:
    header = "# Generated by `python -m alauda_operator.crd` from alauda_operator/model.py.\n"
    return header + yaml.safe_dump(build_crd(), sort_keys=False, width=100)


if __name__ == "__main__":
    sys.stdout.write(render_crd_yaml())
