"""Ingress rules: hosts, backend, class, and when there is none."""

from __future__ import annotations

from typing import Any

from alauda_operator import names
from alauda_operator.settings import PlatformSettings
from tests.unit.builders_support import NAME, NAMESPACE, build, of_kind, one, resource

DEFAULT_DOMAIN = f"{NAME}-{NAMESPACE}.alauda.local"


def _rules(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ingress = one(objects, "Ingress", names.ingress_name(NAME))
    rules = ingress["spec"]["rules"]
    assert isinstance(rules, list)
    return rules


def test_http_endpoint_routes_the_default_domain_to_the_cluster_service() -> None:
    rules = _rules(build(resource(instance_ports=[{"container_port": 80}])))
    assert rules == [
        {
            "host": DEFAULT_DOMAIN,
            "http": {
                "paths": [
                    {
                        "path": "/",
                        "pathType": "Prefix",
                        "backend": {
                            "service": {
                                "name": names.cluster_service_name(NAME),
                                "port": {"number": 80},
                            }
                        },
                    }
                ]
            },
        }
    ]


def test_backend_port_is_the_http_container_port() -> None:
    ports = [{"container_port": 8080, "endpoint_type": "http-endpoint"}, {"container_port": 22}]
    (rule,) = _rules(build(resource(instance_ports=ports)))
    (path,) = rule["http"]["paths"]
    assert path["backend"]["service"]["port"] == {"number": 8080}


def test_custom_domain_is_routed_too() -> None:
    service = resource(
        instance_ports=[{"container_port": 80}], custom_domain_name="www.example.com"
    )
    assert [rule["host"] for rule in _rules(build(service))] == [DEFAULT_DOMAIN, "www.example.com"]


def test_custom_domain_equal_to_the_default_domain_is_routed_once() -> None:
    service = resource(instance_ports=[{"container_port": 80}], custom_domain_name=DEFAULT_DOMAIN)
    assert [rule["host"] for rule in _rules(build(service))] == [DEFAULT_DOMAIN]


def test_ingress_class_follows_the_setting() -> None:
    settings = PlatformSettings(ingress_class="nginx")
    objects = build(resource(instance_ports=[{"container_port": 80}]), settings)
    assert one(objects, "Ingress")["spec"]["ingressClassName"] == "nginx"


def test_without_an_ingress_class_setting_the_cluster_default_is_used() -> None:
    objects = build(resource(instance_ports=[{"container_port": 80}]))
    assert "ingressClassName" not in one(objects, "Ingress")["spec"]


def test_no_http_endpoint_no_ingress_even_with_a_custom_domain() -> None:
    service = resource(
        instance_ports=[{"container_port": 22}], custom_domain_name="www.example.com"
    )
    assert of_kind(build(service), "Ingress") == []


def test_port_80_as_tcp_endpoint_gets_no_ingress() -> None:
    service = resource(instance_ports=[{"container_port": 80, "endpoint_type": "tcp-endpoint"}])
    assert of_kind(build(service), "Ingress") == []
