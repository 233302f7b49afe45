"""Is a live object already what we would apply? (Knative style: build,
compare the fields we set, apply only when they differ.)

Two checks, both pure:

- the *intent* check: the desired object's hash is stored in an annotation
  when it is applied; a different hash means we changed what we set, which
  covers fields we stopped setting (a subset check cannot see those);
- the *drift* check: every field we set has the same value in the live object
  (someone edited or removed one by hand). Fields the API server or other
  managers added are ignored, and so are the server's normalisations that
  would otherwise look like drift forever (an empty list it omits, a quantity
  it rewrites in canonical form).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from alauda_operator import names

JsonObject = dict[str, Any]

APPLIED_HASH_ANNOTATION = f"{names.API_GROUP}/applied-hash"


def desired_hash(desired: Mapping[str, Any]) -> str:
    """A digest of the object as we apply it (without the hash annotation)."""
    canonical = json.dumps(_without_hash(desired), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:20]


def with_applied_hash(desired: Mapping[str, Any]) -> JsonObject:
    """The object to apply: the desired one carrying its own hash."""
    obj = json.loads(json.dumps(desired))
    annotations = obj.setdefault("metadata", {}).setdefault("annotations", {})
    annotations[APPLIED_HASH_ANNOTATION] = desired_hash(desired)
    return dict(obj)


def _without_hash(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    annotations = obj.get("metadata", {}).get("annotations") or {}
    if APPLIED_HASH_ANNOTATION not in annotations:
        return obj
    metadata = dict(obj["metadata"])
    rest = {k: v for k, v in annotations.items() if k != APPLIED_HASH_ANNOTATION}
    if rest:
        metadata["annotations"] = rest
    else:
        metadata.pop("annotations")
    return {**obj, "metadata": metadata}


def needs_apply(desired: Mapping[str, Any], live: Mapping[str, Any] | None) -> bool:
    """True unless ``live`` was applied from this very ``desired`` object and
    still holds every value it sets."""
    return difference(desired, live) is not None


def difference(desired: Mapping[str, Any], live: Mapping[str, Any] | None) -> str | None:
    """Why ``live`` is not ``desired`` (for the logs), or None if it is."""
    if live is None:
        return "does not exist"
    annotations = live.get("metadata", {}).get("annotations") or {}
    if annotations.get(APPLIED_HASH_ANNOTATION) != desired_hash(desired):
        return "the desired object changed"
    drift = first_drift(_without_hash(desired), live)
    return None if drift is None else f"{drift} differs"


def first_drift(desired: Any, live: Any, path: str = "") -> str | None:
    """The path of the first value of ``desired`` that ``live`` lacks."""
    if is_subset(desired, live, under_resources="resources" in path.split(".")):
        return None
    if isinstance(desired, Mapping) and isinstance(live, Mapping):
        for key, value in desired.items():
            drift = first_drift(value, live.get(key), f"{path}.{key}" if path else str(key))
            if drift is not None:
                return drift
    return path or "."


def is_subset(desired: Any, live: Any, *, under_resources: bool = False) -> bool:
    """Every value in ``desired`` is present and equal in ``live``."""
    if isinstance(desired, Mapping):
        if not isinstance(live, Mapping):
            return _is_empty(desired) and live is None
        for key, value in desired.items():
            if key not in live or live[key] is None:
                if not _is_empty(value):
                    return False
                continue
            nested_resources = under_resources or key == "resources"
            if not is_subset(value, live[key], under_resources=nested_resources):
                return False
        return True
    if isinstance(desired, list):
        if not isinstance(live, list):
            return not desired and live is None
        return _list_is_subset(desired, live, under_resources)
    if under_resources and isinstance(desired, str) and isinstance(live, str):
        return _same_quantity(desired, live)
    if isinstance(desired, bool) or isinstance(live, bool):
        return desired is live
    return bool(desired == live)


def _list_is_subset(desired: list[Any], live: list[Any], under_resources: bool) -> bool:
    keyed_desired = _by_name(desired)
    if keyed_desired is not None:
        # Associative lists (containers, env, ports): other managers may add
        # items of their own; ours must be there, each as we set it.
        keyed_live = _by_name(live) or {}
        return all(
            name in keyed_live
            and is_subset(item, keyed_live[name], under_resources=under_resources)
            for name, item in keyed_desired.items()
        )
    if len(desired) != len(live):
        return False
    return all(
        is_subset(d, v, under_resources=under_resources) for d, v in zip(desired, live, strict=True)
    )


def _by_name(items: Sequence[Any]) -> dict[str, Any] | None:
    """Items keyed by ``name`` when every item has a distinct one."""
    if not items or not all(
        isinstance(i, Mapping) and isinstance(i.get("name"), str) for i in items
    ):
        return None
    keyed = {i["name"]: i for i in items}
    return keyed if len(keyed) == len(items) else None


def _is_empty(value: Any) -> bool:
    """Values the API server drops when it stores an object (omitempty)."""
    return value is None or value is False or value == 0 or value in ("", [], {})


_QUANTITY = re.compile(r"^([+-]?[0-9.]+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$")
_SUFFIX_FACTORS = {
    **{s: Decimal(1024) ** (i + 1) for i, s in enumerate(("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"))},
    **{
        s: Decimal(10) ** e
        for s, e in zip("numkMGTPE", (-9, -6, -3, 3, 6, 9, 12, 15, 18), strict=True)
    },
    "": Decimal(1),
}


def parse_quantity(text: str) -> Decimal | None:
    """A Kubernetes resource quantity ("250m", "1Gi", "1e3") as a number."""
    match = _QUANTITY.match(text)
    if match is None:
        return None
    number, suffix = match.group(1), match.group(2) or ""
    try:
        value = Decimal(number)
    except InvalidOperation:
        return None
    if suffix[:1] in ("e", "E"):
        return value * Decimal(10) ** int(suffix[1:])
    return value * _SUFFIX_FACTORS[suffix]


def _same_quantity(desired: str, live: str) -> bool:
    if desired == live:
        return True
    desired_value, live_value = parse_quantity(desired), parse_quantity(live)
    return desired_value is not None and desired_value == live_value


def owns_field(obj: Mapping[str, Any], manager: str, path: Sequence[str]) -> bool:
    """Whether ``manager`` owns ``path`` through an Apply in ``obj``'s managedFields."""
    for entry in obj.get("metadata", {}).get("managedFields") or []:
        if entry.get("manager") != manager or entry.get("operation") != "Apply":
            continue
        node: Any = entry.get("fieldsV1") or {}
        for part in path:
            node = node.get(f"f:{part}") if isinstance(node, Mapping) else None
            if node is None:
                break
        else:
            return True
    return False
