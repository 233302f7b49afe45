"""The v1 API page's examples, and how to compare a body with them.

Shared by the facade's unit tests (serializer) and cluster tests (real HTTP).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"

# The page shows instance_ports as {} (a service without ports); the facade
# answers a list of ports, which is what clients iterate. See docs/api.md.
DELIBERATE_TYPES: dict[str, type] = {"instance_ports": list}


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def seed_create_payload() -> dict[str, Any]:
    payload: dict[str, Any] = load("seed_create_payload.json")
    return payload


def seed_get_example() -> dict[str, Any]:
    example: dict[str, Any] = load("seed_get_example.json")
    return example


def seed_list_example() -> dict[str, Any]:
    example: dict[str, Any] = load("seed_list_example.json")
    return example


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def shape_mismatches(example: Any, actual: Any, path: str = "") -> list[str]:
    """Where ``actual`` lacks a key of ``example`` or has another JSON type
    (null in the example stands for "any type, or null")."""
    if example is None:
        return []
    name = path.rsplit(".", 1)[-1]
    if name in DELIBERATE_TYPES:
        expected = DELIBERATE_TYPES[name]
        return [] if isinstance(actual, expected) else [f"{path}: not a {expected.__name__}"]
    if _json_type(example) != _json_type(actual):
        return [f"{path or '<body>'}: {_json_type(actual)} instead of {_json_type(example)}"]
    problems: list[str] = []
    if isinstance(example, dict):
        for key, value in example.items():
            if key not in actual:
                problems.append(f"{path}.{key}: missing")
            else:
                problems += shape_mismatches(value, actual[key], f"{path}.{key}")
    elif isinstance(example, list) and example:
        for index, item in enumerate(actual):
            problems += shape_mismatches(example[0], item, f"{path}[{index}]")
    return problems
