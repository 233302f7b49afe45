"""Changing an AlaudaService's spec: the workload follows."""

from __future__ import annotations

import threading
import time

import pytest

from tests.operator.kube import Cluster, auto_config, stateless_spec, wait_for

pytestmark = pytest.mark.cluster


def images(kube: Cluster, service: str) -> set[str]:
    return {p["spec"]["containers"][0]["image"] for p in kube.running_pods(service)}


def test_new_image_tag_replaces_every_pod(kube: Cluster) -> None:
    kube.create_service("web", stateless_spec(target_num_instances=2))
    kube.wait_ready("web")
    before = {p["metadata"]["uid"] for p in kube.pods("web")}

    kube.patch_spec("web", {"image_tag": "2.0"})
    kube.wait_ready("web")

    wait_for(lambda: images(kube, "web") == {"registry.example/web:2.0"}, "pods of 2.0")
    after = wait_for(
        lambda: (pods := kube.pods("web")) and len(pods) == 2 and pods, "two pods of 2.0"
    )
    assert before.isdisjoint(p["metadata"]["uid"] for p in after)


@pytest.mark.parametrize("counts", [(2, 4, 1)])
def test_target_num_instances_scales_the_pods(kube: Cluster, counts: tuple[int, ...]) -> None:
    kube.create_service("web", stateless_spec(target_num_instances=counts[0]))
    kube.wait_ready("web")

    for count in counts[1:]:
        kube.patch_spec("web", {"target_num_instances": count})
        status = kube.wait_ready("web")
        assert status["current_num_instances"] == count
        wait_for(lambda n=count: len(kube.pods("web")) == n, f"{count} pods")


def test_stop_scales_to_zero_and_start_brings_the_count_back(kube: Cluster) -> None:
    kube.create_service("web", stateless_spec(target_num_instances=2))
    kube.wait_ready("web")

    kube.patch_spec("web", {"target_state": "STOPPED"})
    stopped = kube.wait_ready("web")
    assert stopped["current_status"] == "Stopped"
    assert stopped["current_num_instances"] == 0
    wait_for(lambda: not kube.pods("web"), "no pods")

    kube.patch_spec("web", {"target_state": "STARTED"})
    started = kube.wait_ready("web")
    assert started["current_status"] == "Running"
    assert started["current_num_instances"] == 2
    assert started["started_at"] >= stopped["stopped_at"]


def test_stop_keeps_the_other_objects(kube: Cluster) -> None:
    kube.create_service("web", stateless_spec(instance_ports=[{"container_port": 80}]))
    kube.wait_ready("web")
    before = {key: obj["metadata"]["uid"] for key, obj in kube.children("web").items()}

    kube.patch_spec("web", {"target_state": "STOPPED"})
    kube.wait_ready("web")

    after = {key: obj["metadata"]["uid"] for key, obj in kube.children("web").items()}
    assert after == before


class ReplicaSampler:
    """Reads the Deployment's spec.replicas as often as it can, in a thread."""

    def __init__(self, kube: Cluster, name: str) -> None:
        self.kube = kube
        self.name = name
        self.samples: list[int | None] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            deployment = self.kube.get("Deployment", self.name)
            self.samples.append(deployment["spec"].get("replicas") if deployment else None)
            time.sleep(0.02)

    def __enter__(self) -> ReplicaSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def test_manual_to_auto_to_manual_never_drops_the_replica_count(kube: Cluster) -> None:
    kube.create_service("web", stateless_spec(target_num_instances=3))
    kube.wait_ready("web")

    with ReplicaSampler(kube, "web") as sampler:
        kube.patch_spec("web", {"scaling_mode": "AUTO", "autoscaling_config": auto_config(1, 6)})
        wait_for(lambda: kube.get("HorizontalPodAutoscaler", "web"), "the autoscaler")
        kube.wait_ready("web")
        # Let the autoscaler controller look at it (it keeps 3: within 1..6).
        time.sleep(3)
        kube.patch_spec("web", {"scaling_mode": "MANUAL"})
        wait_for(lambda: kube.get("HorizontalPodAutoscaler", "web") is None, "no autoscaler")
        kube.wait_ready("web")

    assert len(sampler.samples) > 50
    assert set(sampler.samples) == {3}
    deployment = kube.get("Deployment", "web")
    assert deployment is not None
    owners = {
        entry["manager"]
        for entry in deployment["metadata"]["managedFields"]
        if "f:replicas" in entry.get("fieldsV1", {}).get("f:spec", {})
    }
    assert "alauda-operator" in owners


def test_back_to_manual_applies_target_num_instances(kube: Cluster) -> None:
    kube.create_service("web", stateless_spec(target_num_instances=2))
    kube.wait_ready("web")
    kube.patch_spec("web", {"scaling_mode": "AUTO", "autoscaling_config": auto_config(1, 6)})
    wait_for(lambda: kube.get("HorizontalPodAutoscaler", "web"), "the autoscaler")

    kube.patch_spec("web", {"scaling_mode": "MANUAL", "target_num_instances": 4})
    status = kube.wait_ready("web")

    assert status["current_num_instances"] == 4


def test_auto_service_started_after_a_stop_runs_its_minimum(kube: Cluster) -> None:
    spec = stateless_spec(scaling_mode="AUTO", autoscaling_config=auto_config(2, 6))
    kube.create_service("web", spec)
    kube.wait_ready("web")
    kube.patch_spec("web", {"target_state": "STOPPED"})
    kube.wait_ready("web")

    kube.patch_spec("web", {"target_state": "STARTED"})
    status = kube.wait_ready("web")

    assert status["current_num_instances"] == 2
    assert kube.get("HorizontalPodAutoscaler", "web") is not None


@pytest.mark.parametrize(
    "change",
    [{"instance_size": "XS"}, {"run_command": "serve --fast"}, {"instance_envvars": {"MODE": "b"}}],
    ids=["size", "command", "env"],
)
def test_changing_the_container_replaces_the_pods(kube: Cluster, change: dict[str, object]) -> None:
    kube.create_service("web", stateless_spec(target_num_instances=2))
    kube.wait_ready("web")
    before = {p["metadata"]["uid"] for p in kube.pods("web")}

    kube.patch_spec("web", change)
    kube.wait_ready("web")

    wait_for(
        lambda: (
            (pods := kube.running_pods("web"))
            and len(pods) == 2
            and before.isdisjoint(p["metadata"]["uid"] for p in pods)
        ),
        "two new pods",
    )


def test_removing_the_http_endpoint_deletes_its_ingress_and_service(kube: Cluster) -> None:
    kube.create_service("web", stateless_spec(instance_ports=[{"container_port": 80}]))
    kube.wait_ready("web")
    assert kube.get("Ingress", "web") is not None

    kube.patch_spec("web", {"instance_ports": []})
    kube.wait_ready("web")

    wait_for(lambda: sorted(kube.children("web")) == [("Deployment", "web")], "only the Deployment")
    deleted = wait_for(
        lambda: [e["message"] for e in kube.events("web") if e["reason"] == "Deleted"] or None,
        "Deleted events",
    )
    assert sorted(deleted) == [
        "deleted Ingress web, no longer needed",
        "deleted Service web, no longer needed",
    ]
