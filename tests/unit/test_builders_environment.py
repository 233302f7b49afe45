"""Environment rules: links, the user's variables, __DEFAULT_DOMAIN_NAME__."""

from __future__ import annotations

from alauda_operator import names
from alauda_operator.settings import PlatformSettings
from tests.unit.builders_support import NAME, NAMESPACE, build, env, resource, spec

DB_HOST = f"db.{NAMESPACE}.svc.cluster.local"
DB = spec(instance_ports=[{"container_port": 5432, "endpoint_type": "internal-endpoint"}])
CACHE = spec(
    instance_ports=[
        {"container_port": 6380, "endpoint_type": "internal-endpoint"},
        {"container_port": 6379, "endpoint_type": "tcp-endpoint"},
        {"container_port": 6379, "endpoint_type": "direct-endpoint"},
    ]
)
DOMAIN = ("__DEFAULT_DOMAIN_NAME__", f"{NAME}-{NAMESPACE}.alauda.local")


def test_a_link_gives_docker_link_variables_for_the_linked_services_port() -> None:
    objects = build(resource(linked_to_apps={"db": "database"}), linked={"db": DB})
    assert env(objects) == [
        ("DATABASE_NAME", f"/{NAME}/database"),
        ("DATABASE_PORT", f"tcp://{DB_HOST}:5432"),
        ("DATABASE_PORT_5432_TCP", f"tcp://{DB_HOST}:5432"),
        ("DATABASE_PORT_5432_TCP_ADDR", DB_HOST),
        ("DATABASE_PORT_5432_TCP_PORT", "5432"),
        ("DATABASE_PORT_5432_TCP_PROTO", "tcp"),
        DOMAIN,
    ]


def test_link_variables_cover_each_distinct_port_in_order_and_point_at_the_lowest() -> None:
    objects = build(resource(linked_to_apps={"cache": "cache"}), linked={"cache": CACHE})
    variables = dict(env(objects))
    host = f"{names.cluster_service_name('cache')}.{NAMESPACE}.svc.cluster.local"
    assert variables["CACHE_PORT"] == f"tcp://{host}:6379"
    port_variables = [name for name, _ in env(objects) if name.endswith("_TCP")]
    assert port_variables == ["CACHE_PORT_6379_TCP", "CACHE_PORT_6380_TCP"]


def test_link_alias_defaults_to_the_service_name() -> None:
    objects = build(resource(linked_to_apps={"db": ""}), linked={"db": DB})
    assert dict(env(objects))["DB_PORT_5432_TCP_ADDR"] == DB_HOST


def test_link_alias_is_upper_cased_with_dashes_as_underscores() -> None:
    objects = build(resource(linked_to_apps={"db": "main-db"}), linked={"db": DB})
    assert "MAIN_DB_PORT" in dict(env(objects))


def test_a_link_to_a_missing_service_is_skipped() -> None:
    objects = build(resource(linked_to_apps={"db": "", "gone": ""}), linked={"db": DB})
    assert not [name for name, _ in env(objects) if name.startswith("GONE_")]
    assert "DB_PORT" in dict(env(objects))


def test_a_link_to_a_service_without_ports_gives_only_its_name() -> None:
    objects = build(resource(linked_to_apps={"worker": ""}), linked={"worker": spec()})
    assert env(objects) == [("WORKER_NAME", f"/{NAME}/worker"), DOMAIN]


def test_links_come_in_linked_service_name_order() -> None:
    # "cache" sorts before "db"; their aliases sort the other way round.
    objects = build(
        resource(linked_to_apps={"db": "alpha", "cache": "zeta"}),
        linked={"db": DB, "cache": CACHE},
    )
    prefixes = [name.split("_")[0] for name, _ in env(objects)[:-1]]
    assert prefixes == ["ZETA"] * prefixes.count("ZETA") + ["ALPHA"] * prefixes.count("ALPHA")
    assert prefixes[0] == "ZETA"


def test_user_variables_follow_links_sorted_by_name() -> None:
    objects = build(
        resource(linked_to_apps={"worker": ""}, instance_envvars={"B": "2", "A": "1"}),
        linked={"worker": spec()},
    )
    assert [name for name, _ in env(objects)] == ["WORKER_NAME", "A", "B", DOMAIN[0]]


def test_a_user_variable_replaces_a_link_variable_of_the_same_name() -> None:
    objects = build(
        resource(linked_to_apps={"db": ""}, instance_envvars={"DB_PORT": "custom"}),
        linked={"db": DB},
    )
    assert [value for name, value in env(objects) if name == "DB_PORT"] == ["custom"]


def test_default_domain_name_comes_last() -> None:
    objects = build(resource(instance_envvars={"Z": "z", "A": "a"}))
    assert env(objects)[-1] == DOMAIN


def test_default_domain_name_follows_the_base_domain_setting() -> None:
    objects = build(resource(), PlatformSettings(base_domain="apps.example.org"))
    assert env(objects)[-1] == ("__DEFAULT_DOMAIN_NAME__", f"{NAME}-{NAMESPACE}.apps.example.org")


def test_the_platform_replaces_a_user_default_domain_name() -> None:
    objects = build(resource(instance_envvars={"__DEFAULT_DOMAIN_NAME__": "mine.example.com"}))
    assert [item for item in env(objects) if item[0] == DOMAIN[0]] == [DOMAIN]


def test_variable_references_in_values_stay_literal() -> None:
    objects = build(resource(instance_envvars={"GREETING": "cost: $(PRICE) $5"}))
    # Kubernetes reads $$ as $, so the container sees the value as written.
    assert dict(env(objects))["GREETING"] == "cost: $$(PRICE) $$5"
