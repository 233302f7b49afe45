"""Workload rules: kind, replicas, container, command, volumes."""

from __future__ import annotations

import pytest

from alauda_operator import names
from alauda_operator.builders import BuildError, instance_size_resources
from alauda_operator.model import InstanceSize
from alauda_operator.settings import InstanceSizeResources, PlatformSettings
from tests.unit.builders_support import (
    NAME,
    build,
    container,
    of_kind,
    resource,
    workload,
)

AUTOSCALING = {"maximum_num_instances": 5}
TWO_VOLUMES = [
    {"app_volume_dir": "/var/lib/data", "size_gb": 20},
    {"app_volume_dir": "/etc/conf", "size_gb": 10},
]


def test_a_service_without_volumes_is_a_deployment() -> None:
    objects = build(resource())
    assert workload(objects)["kind"] == "Deployment"
    assert of_kind(objects, "StatefulSet") == []


def test_a_service_with_volumes_is_a_statefulset() -> None:
    objects = build(resource(volumes=TWO_VOLUMES))
    assert workload(objects)["kind"] == "StatefulSet"
    assert of_kind(objects, "Deployment") == []


def test_workload_is_named_after_the_service() -> None:
    assert workload(build(resource()))["metadata"]["name"] == names.workload_name(NAME)


def test_statefulset_has_one_claim_template_per_volume() -> None:
    templates = workload(build(resource(volumes=TWO_VOLUMES)))["spec"]["volumeClaimTemplates"]
    by_name = {t["metadata"]["name"]: t["spec"] for t in templates}
    assert by_name == {
        names.volume_claim_template_name("/var/lib/data"): {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "20Gi"}},
        },
        names.volume_claim_template_name("/etc/conf"): {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "10Gi"}},
        },
    }


def test_claim_template_uses_the_storage_class_of_its_volume_type() -> None:
    settings = PlatformSettings(volume_types={"EBS": None, "SSD": "fast-ssd"})
    service = resource(volumes=[{"app_volume_dir": "/data", "volume_type": "SSD"}])
    (template,) = workload(build(service, settings))["spec"]["volumeClaimTemplates"]
    assert template["spec"]["storageClassName"] == "fast-ssd"


def test_claim_template_without_a_mapped_class_uses_the_default_class() -> None:
    service = resource(volumes=[{"app_volume_dir": "/data", "volume_type": "EBS"}])
    (template,) = workload(build(service))["spec"]["volumeClaimTemplates"]
    assert "storageClassName" not in template["spec"]


def test_a_volume_type_the_settings_do_not_know_is_a_build_error() -> None:
    service = resource(
        volumes=[{"app_volume_dir": "/a"}, {"app_volume_dir": "/b", "volume_type": "SSD"}]
    )
    with pytest.raises(BuildError) as caught:
        build(service)
    assert caught.value.field == "volumes[1].volume_type"


def test_volumes_are_mounted_at_their_directories() -> None:
    mounts = container(build(resource(volumes=TWO_VOLUMES)))["volumeMounts"]
    assert {m["mountPath"]: m["name"] for m in mounts} == {
        "/var/lib/data": names.volume_claim_template_name("/var/lib/data"),
        "/etc/conf": names.volume_claim_template_name("/etc/conf"),
    }


def test_reordering_volumes_changes_nothing() -> None:
    forward = build(resource(volumes=TWO_VOLUMES))
    backward = build(resource(volumes=list(reversed(TWO_VOLUMES))))
    assert forward == backward


def test_statefulset_is_governed_by_the_headless_service() -> None:
    assert workload(build(resource(volumes=TWO_VOLUMES)))["spec"]["serviceName"] == (
        names.headless_service_name(NAME)
    )


def test_statefulset_keeps_claims_on_delete_and_scale_down() -> None:
    policy = workload(build(resource(volumes=TWO_VOLUMES)))["spec"][
        "persistentVolumeClaimRetentionPolicy"
    ]
    assert policy == {"whenDeleted": "Retain", "whenScaled": "Retain"}


def test_statefulset_starts_instances_in_parallel() -> None:
    assert workload(build(resource(volumes=TWO_VOLUMES)))["spec"]["podManagementPolicy"] == (
        "Parallel"
    )


def test_stopped_service_has_zero_replicas() -> None:
    service = resource(target_state="STOPPED", target_num_instances=3)
    assert workload(build(service))["spec"]["replicas"] == 0


def test_stopped_stateful_service_has_zero_replicas() -> None:
    service = resource(target_state="STOPPED", target_num_instances=3, volumes=TWO_VOLUMES)
    assert workload(build(service))["spec"]["replicas"] == 0


def test_stopped_auto_service_has_zero_replicas() -> None:
    service = resource(target_state="STOPPED", scaling_mode="AUTO", autoscaling_config=AUTOSCALING)
    assert workload(build(service))["spec"]["replicas"] == 0


def test_manual_started_service_has_target_num_instances_replicas() -> None:
    assert workload(build(resource(target_num_instances=3)))["spec"]["replicas"] == 3


def test_auto_started_service_leaves_replicas_to_the_autoscaler() -> None:
    service = resource(scaling_mode="AUTO", autoscaling_config=AUTOSCALING, target_num_instances=3)
    assert "replicas" not in workload(build(service))["spec"]


def test_container_is_named_after_the_service_and_runs_image_with_tag() -> None:
    found = container(build(resource(image_name="index.alauda.cn/a/b", image_tag="v2")))
    assert (found["name"], found["image"]) == (NAME, "index.alauda.cn/a/b:v2")


def test_container_requests_equal_limits_of_the_instance_size() -> None:
    found = container(build(resource(instance_size="M")))
    expected = {"cpu": "1", "memory": "2Gi"}
    assert found["resources"] == {"requests": expected, "limits": expected}


def test_instance_size_resources_come_from_settings() -> None:
    settings = PlatformSettings(
        instance_sizes={"XS": InstanceSizeResources(cpu="100m", memory="128Mi")}
    )
    resources = instance_size_resources(InstanceSize.XS, settings)
    assert resources["requests"] == resources["limits"] == {"cpu": "100m", "memory": "128Mi"}


def test_an_instance_size_the_settings_lack_is_a_build_error() -> None:
    settings = PlatformSettings(instance_sizes={"XS": InstanceSizeResources(cpu="1", memory="1Gi")})
    with pytest.raises(BuildError) as caught:
        instance_size_resources(InstanceSize.XL, settings)
    assert caught.value.field == "instance_size"


def test_entrypoint_becomes_the_command_split_by_shell_rules() -> None:
    found = container(build(resource(entrypoint="/bin/sh -c 'exec \"$0\"' x")))
    assert found["command"] == ["/bin/sh", "-c", 'exec "$$0"', "x"]


def test_run_command_becomes_the_args_split_by_shell_rules() -> None:
    found = container(build(resource(run_command='python app.py --name "my app" a\\ b')))
    assert found["args"] == ["python", "app.py", "--name", "my app", "a b"]


def test_empty_command_and_args_are_left_to_the_image() -> None:
    found = container(build(resource(entrypoint="", run_command="  ")))
    assert "command" not in found
    assert "args" not in found


def test_variable_references_in_args_stay_literal() -> None:
    found = container(build(resource(run_command="echo $(HOME) $$")))
    # Kubernetes reads $$ as $, so the container sees exactly "$(HOME)" and "$$".
    assert found["args"] == ["echo", "$$(HOME)", "$$$$"]


def test_pod_gets_no_service_links_and_no_api_token() -> None:
    pod = workload(build(resource()))["spec"]["template"]["spec"]
    assert pod["enableServiceLinks"] is False
    assert pod["automountServiceAccountToken"] is False


def test_container_lists_every_distinct_port_once() -> None:
    ports = [
        {"container_port": 8080, "endpoint_type": "internal-endpoint"},
        {"container_port": 22, "endpoint_type": "tcp-endpoint"},
        {"container_port": 22, "endpoint_type": "direct-endpoint"},
        {"container_port": 80},
    ]
    found = container(build(resource(instance_ports=ports)))["ports"]
    assert [(p["name"], p["containerPort"], p["protocol"]) for p in found] == [
        ("tcp-22", 22, "TCP"),
        ("tcp-80", 80, "TCP"),
        ("tcp-8080", 8080, "TCP"),
    ]


def test_direct_endpoint_takes_the_same_port_on_the_node() -> None:
    ports = [
        {"container_port": 22, "endpoint_type": "direct-endpoint"},
        {"container_port": 80},
    ]
    found = {
        p["containerPort"]: p for p in container(build(resource(instance_ports=ports)))["ports"]
    }
    assert found[22]["hostPort"] == 22
    assert "hostPort" not in found[80]


def test_service_with_host_ports_replaces_instances_one_at_a_time() -> None:
    service = resource(instance_ports=[{"container_port": 22, "endpoint_type": "direct-endpoint"}])
    strategy = workload(build(service))["spec"]["strategy"]
    assert strategy == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1},
    }


def test_service_without_host_ports_keeps_the_default_strategy() -> None:
    service = resource(instance_ports=[{"container_port": 22}])
    assert "strategy" not in workload(build(service))["spec"]


def test_container_without_ports_has_no_ports_field() -> None:
    assert "ports" not in container(build(resource()))
