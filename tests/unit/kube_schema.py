"""Offline validation of built objects against Kubernetes' own schemas."""

from __future__ import annotations

import functools
import re
from typing import Any

import kubernetes_validate
import kubernetes_validate.utils

KUBERNETES_VERSION = "1.36.0"

# kubernetes_validate re-reads its multi-megabyte definitions file on every
# call (13 ms each); the files never change during a run.
kubernetes_validate.utils.schema_contents = functools.cache(
    kubernetes_validate.utils.schema_contents
)

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
# IANA service name, as Kubernetes checks port names.
PORT_NAME = re.compile(r"^(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def validate(obj: dict[str, Any]) -> None:
    """The official OpenAPI schema, strictly (no unknown fields)."""
    kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def api_server_rule_violations(obj: dict[str, Any]) -> list[str]:
    """Rules the API server enforces that the OpenAPI schema does not express,
    for the fields the builders set."""
    problems: list[str] = []
    name = obj["metadata"]["name"]
    if len(name) > 63 or not DNS_LABEL.match(name):
        problems.append(f"name {name!r} is not a DNS label")
    for key, value in obj["metadata"]["labels"].items():
        if len(value) > 63 or not LABEL_VALUE.match(value):
            problems.append(f"label {key}={value!r}")
    spec = obj["spec"]
    ports = spec.get("ports", [])
    if obj["kind"] in ("Deployment", "StatefulSet"):
        (container,) = spec["template"]["spec"]["containers"]
        ports = container.get("ports", [])
        env_names = [item["name"] for item in container["env"]]
        if len(env_names) != len(set(env_names)):
            problems.append("duplicate env names")
        if len({p["containerPort"] for p in ports}) != len(ports):
            problems.append("duplicate container ports")
        for template in spec.get("volumeClaimTemplates", []):
            # Claims are named <template>-<statefulset>-<ordinal>.
            if len(f"{template['metadata']['name']}-{name}-2147483647") > 253:
                problems.append("volume claim names too long")
    port_names = [p["name"] for p in ports]
    if len(port_names) != len(set(port_names)):
        problems.append("duplicate port names")
    problems.extend(f"port name {n!r}" for n in port_names if len(n) > 15 or not PORT_NAME.match(n))
    if obj["kind"] == "Service" and not ports and spec.get("clusterIP") != "None":
        problems.append("a Service that is not headless needs ports")
    if obj["kind"] == "Ingress":
        for rule in spec["rules"]:
            if re.fullmatch(r"[0-9.]+", rule["host"]):
                problems.append(f"Ingress host {rule['host']!r} is an IP address")
    return problems
