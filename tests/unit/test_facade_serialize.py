"""The v1 body of a service, built from its AlaudaService and Pods (no I/O)."""

from __future__ import annotations

import json
from typing import Any

from yarl import URL

from alauda_operator.facade.serialize import (
    api_time,
    instances,
    linked_from_index,
    pods_by_service,
    service_body,
    service_page,
)
from alauda_operator.settings import PlatformSettings
from tests.facade_examples import seed_get_example, seed_list_example, shape_mismatches
from tests.unit.facade_support import SERVICE_UID, pod, stored_service

SETTINGS = PlatformSettings(base_domain="alaudacn.me", region_name="cn-north")
JSON_ENCODED = (
    "instance_envvars",
    "linked_to_apps",
    "linked_from_apps",
    "linked_to",
    "linked_from",
    "autoscaling_config",
    "deployment_preference",
)


def body(resource: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("pods", [])
    kwargs.setdefault("linked_from", {})
    return service_body(resource or stored_service(), settings=SETTINGS, **kwargs)


def test_body_has_every_key_of_the_get_example_with_its_json_type() -> None:
    assert shape_mismatches(seed_get_example(), body(pods=[pod("test-abc", "u-1")])) == []


def test_json_encoded_fields_are_strings_that_parse_to_objects() -> None:
    result = body()
    for field in JSON_ENCODED:
        assert isinstance(json.loads(result[field]), dict), field


def test_instance_envvars_carry_the_default_domain_name() -> None:
    envvars = json.loads(body()["instance_envvars"])
    assert envvars["__DEFAULT_DOMAIN_NAME__"] == "test-madams.alaudacn.me"
    assert envvars["POSTGRES_USER"] == "root"


def test_default_domain_name_comes_from_status_when_the_operator_wrote_it() -> None:
    resource = stored_service(status={"default_domain_name": "test-madams.example.org"})
    assert body(resource)["default_domain_name"] == "test-madams.example.org"


def test_default_domain_name_is_computed_while_status_is_empty() -> None:
    assert body()["default_domain_name"] == "test-madams.alaudacn.me"


def test_identity_fields_come_from_the_resource_metadata() -> None:
    result = body()
    assert result["uuid"] == result["unique_name"] == SERVICE_UID
    assert result["resource_uri"] == "/v1/services/madams/test/"
    assert result["region"] == {"name": "cn-north"}
    assert result["region_name"] == "cn-north"
    assert result["created_by"] == "alice"


def test_created_by_falls_back_to_the_namespace_without_the_annotation() -> None:
    resource = stored_service()
    resource["metadata"]["annotations"] = {}
    assert body(resource)["created_by"] == "madams"


def test_timestamps_have_milliseconds_and_z() -> None:
    resource = stored_service(
        managed_times=("2015-04-14T09:46:39Z", "2015-04-14T10:00:01Z"),
        status={"started_at": "2015-04-14T09:47:26.895123Z"},
    )
    result = body(resource)
    assert result["created_at"] == "2015-04-14T09:46:39.000Z"
    assert result["updated_at"] == "2015-04-14T10:00:01.000Z"
    assert result["started_at"] == "2015-04-14T09:47:26.895Z"
    assert result["stopped_at"] is None


def test_updated_at_ignores_status_writes() -> None:
    resource = stored_service()
    resource["metadata"]["managedFields"].append(
        {"manager": "alauda-operator", "time": "2016-01-01T00:00:00Z", "subresource": "status"}
    )
    assert body(resource)["updated_at"] == "2015-04-14T09:46:39.000Z"


def test_api_time_converts_offsets_to_utc() -> None:
    assert api_time("2015-04-14T17:46:39.4579+08:00") == "2015-04-14T09:46:39.457Z"


def test_status_fields_default_while_the_operator_has_not_written_status() -> None:
    result = body()
    assert result["current_status"] == "Unknown"
    assert result["is_deploying"] is False
    assert result["current_num_instances"] == 0


def test_status_fields_show_what_the_operator_wrote() -> None:
    status = {
        "current_status": "Running",
        "is_deploying": False,
        "current_num_instances": 2,
        "started_num_instances": 2,
        "staged_num_instances": 0,
    }
    result = body(stored_service(status=status))
    assert {k: result[k] for k in status} == status


def test_ports_show_service_port_and_default_domain_once_allocated() -> None:
    status = {
        "instance_ports": [
            {
                "container_port": 22,
                "endpoint_type": "tcp-endpoint",
                "service_port": 31022,
                "default_domain": "test-madams.alaudacn.me",
            },
            {"container_port": 22, "endpoint_type": "direct-endpoint"},
        ]
    }
    ports = body(stored_service(status=status))["instance_ports"]
    assert ports[0] == {
        "container_port": 22,
        "protocol": "tcp",
        "endpoint_type": "tcp-endpoint",
        "service_port": 31022,
        "default_domain": "test-madams.alaudacn.me",
    }
    assert "service_port" not in ports[1]


def test_linked_to_fills_in_default_aliases() -> None:
    payload = {"service_name": "web", "image_name": "nginx", "linked_to_apps": {"db": ""}}
    result = body(stored_service(payload))
    assert json.loads(result["linked_to_apps"]) == {"db": ""}
    assert json.loads(result["linked_to"]) == {"db": "db"}


def test_linked_from_lists_services_that_link_to_this_one() -> None:
    web = stored_service(
        {"service_name": "web", "image_name": "nginx", "linked_to_apps": {"db": ""}}
    )
    api = stored_service({"service_name": "api", "image_name": "x", "linked_to_apps": {"db": "pg"}})
    db = stored_service({"service_name": "db", "image_name": "postgres"})
    index = linked_from_index([web, api, db])
    result = body(db, linked_from=index.get("db", {}))
    assert json.loads(result["linked_from_apps"]) == {"web": "db", "api": "pg"}
    assert json.loads(result["linked_from"]) == {"web": "db", "api": "pg"}


def test_autoscaling_config_is_the_stored_config_json_encoded() -> None:
    config = json.loads(body()["autoscaling_config"])
    assert config["upper_threshold"] == 0.6
    assert config["maximum_num_instances"] == 6


def test_deployment_pods_are_numbered_by_creation_time() -> None:
    pods = [
        pod("test-b", "u-b", created="2015-04-14T09:48:00Z"),
        pod("test-a", "u-a", created="2015-04-14T09:47:00Z"),
    ]
    numbered = instances("test", pods)
    assert [(i.instance_name, i.uuid) for i in numbered] == [("test.0", "u-a"), ("test.1", "u-b")]


def test_statefulset_pods_are_numbered_by_ordinal() -> None:
    pods = [
        pod("test-1", "u-1", owner_kind="StatefulSet", created="2015-04-14T09:47:00Z"),
        pod("test-0", "u-0", owner_kind="StatefulSet", created="2015-04-14T09:48:00Z"),
        pod(
            "test-5", "u-5", owner_kind="StatefulSet", labels={"apps.kubernetes.io/pod-index": "5"}
        ),
    ]
    assert [i.instance_name for i in instances("test", pods)] == ["test.0", "test.1", "test.5"]


def test_instances_leave_out_terminating_and_finished_pods() -> None:
    pods = [
        pod("test-a", "u-a"),
        pod("test-b", "u-b", deleting=True),
        pod("test-c", "u-c", phase="Failed"),
    ]
    assert [i.uuid for i in instances("test", pods)] == ["u-a"]


def test_instance_started_at_is_the_pod_start_time() -> None:
    (instance,) = instances("test", [pod("test-a", "u-a")])
    assert instance.started_at == "2015-04-14T09:47:26.895Z"


def test_pending_pod_has_no_start_time_yet() -> None:
    (instance,) = instances("test", [pod("test-a", "u-a", started=None)])
    assert instance.started_at is None


def test_pods_are_grouped_by_their_service_label() -> None:
    grouped = pods_by_service([pod("a-1", "1", service="a"), pod("b-1", "2", service="b")])
    assert {k: [p["metadata"]["uid"] for p in v] for k, v in grouped.items()} == {
        "a": ["1"],
        "b": ["2"],
    }


def test_page_envelope_has_the_list_example_keys() -> None:
    page = service_page([body()], 1, 1, 20, URL("http://h/v1/services/madams/"))
    example = seed_list_example()
    assert shape_mismatches(example, page.model_dump()) == []


def test_middle_page_links_to_both_neighbours_keeping_the_query() -> None:
    url = URL("http://h/v1/services/madams/?page=2&page_size=2&application=x")
    page = service_page([], 5, 2, 2, url)
    assert page.next is not None and page.previous is not None
    assert URL(page.next).query == {"page": "3", "page_size": "2", "application": "x"}
    assert URL(page.previous).query["page"] == "1"


def test_last_page_has_no_next_and_first_no_previous() -> None:
    only = service_page([], 2, 1, 20, URL("http://h/v1/services/madams/"))
    assert only.next is None
    assert only.previous is None
