"""kwok v0.8.0's default Stages, copied from its kustomize/stage folder.

kwok (unlike kwokctl) starts with no stages at all: it needs them in its
--config file. These are the ones `kwokctl create cluster` writes (node fast +
heartbeat-with-lease, pod fast) plus kwok's volume stages, which provision a
hostPath PersistentVolume for each claim of the default StorageClass so that
claims bind without a real provisioner. The volume stages are rewritten to
match our StorageClass name and to point hostPath under the cluster's state
dir (see `volume_stages`); the pod-ready stage leaves the Pods of
`failure_stages` alone; everything else is verbatim.
"""

from __future__ import annotations

# ruff: noqa: E501
from alauda_operator.localcluster import failure_stages

NODE_INITIALIZE = r"""apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: node-initialize
spec:
  resourceRef:
    apiGroup: v1
    kind: Node
  selector:
    matchExpressions:
    - key: '.status.conditions.[] | select( .type == "Ready" ) | .status'
      operator: 'NotIn'
      values:
      - 'True'
  next:
    statusTemplate: |
      {{ $now := Now }}
      {{ $lastTransitionTime := or .metadata.creationTimestamp $now }}
      conditions:
      {{ range NodeConditions }}
      - lastHeartbeatTime: {{ $now | Quote }}
        lastTransitionTime: {{ $lastTransitionTime | Quote }}
        message: {{ .message | Quote }}
        reason: {{ .reason | Quote }}
        status: {{ .status | Quote }}
        type: {{ .type  | Quote}}
      {{ end }}

      {{ $hasInternalIP := false }}
      {{ $hasHostname := false }}
      {{ range .status.addresses }}
        {{ if eq .type "InternalIP" }}
          {{ $hasInternalIP = true }}
        {{ end }}
        {{ if eq .type "Hostname" }}
          {{ $hasHostname = true }}
        {{ end }}
      {{ end }}
      {{ if or (not $hasInternalIP) (not $hasHostname) }}
      addresses:
      {{ end }}
      {{ if not $hasInternalIP }}
      {{ with NodeIP }}
      - address: {{ . | Quote }}
        type: InternalIP
      {{ end }}
      {{ end }}
      {{ if not $hasHostname }}
      {{ with NodeName }}
      - address: {{ . | Quote }}
        type: Hostname
      {{ end }}
      {{ end }}

      {{ with NodePort }}
      daemonEndpoints:
        kubeletEndpoint:
          Port: {{ . }}
      {{ end }}

      allocatable:
      {{ with .status.allocatable }}
      {{ YAML . 1 }}
      {{ else }}
        cpu: 1k
        memory: 1Ti
        pods: 1M
      {{ end }}
      capacity:
      {{ with .status.capacity }}
      {{ YAML . 1 }}
      {{ else }}
        cpu: 1k
        memory: 1Ti
        pods: 1M
      {{ end }}

      {{ $nodeInfo := .status.nodeInfo }}
      {{ $kwokVersion := printf "kwok-%s" Version }}
      nodeInfo:
        architecture: {{ or $nodeInfo.architecture "amd64" }}
        bootID: {{ or $nodeInfo.bootID `""` }}
        containerRuntimeVersion: {{ or $nodeInfo.containerRuntimeVersion $kwokVersion }}
        kernelVersion: {{ or $nodeInfo.kernelVersion $kwokVersion }}
        kubeProxyVersion: {{ or $nodeInfo.kubeProxyVersion $kwokVersion }}
        kubeletVersion: {{ or $nodeInfo.kubeletVersion $kwokVersion }}
        machineID: {{ or $nodeInfo.machineID `""` }}
        operatingSystem: {{ or $nodeInfo.operatingSystem "linux" }}
        osImage: {{ or $nodeInfo.osImage `""` }}
        systemUUID: {{ or $nodeInfo.systemUUID `""` }}
      phase: Running
"""

NODE_HEARTBEAT_WITH_LEASE = r"""apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: node-heartbeat-with-lease
spec:
  resourceRef:
    apiGroup: v1
    kind: Node
  selector:
    matchExpressions:
    - key: '.status.phase'
      operator: 'In'
      values:
      - 'Running'
    - key: '.status.conditions.[] | select( .type == "Ready" ) | .status'
      operator: 'In'
      values:
      - 'True'
  delay:
    durationMilliseconds: 600000
    jitterDurationMilliseconds: 610000
  next:
    statusTemplate: |
      {{ $now := Now }}
      {{ $lastTransitionTime := or .metadata.creationTimestamp $now }}
      conditions:
      {{ range NodeConditions }}
      - lastHeartbeatTime: {{ $now | Quote }}
        lastTransitionTime: {{ $lastTransitionTime | Quote }}
        message: {{ .message | Quote }}
        reason: {{ .reason | Quote }}
        status: {{ .status | Quote }}
        type: {{ .type | Quote }}
      {{ end }}

      addresses:
      {{ with .status.addresses }}
      {{ YAML . 1 }}
      {{ else }}
      {{ with NodeIP }}
      - address: {{ . | Quote }}
        type: InternalIP
      {{ end }}
      {{ with NodeName }}
      - address: {{ . | Quote }}
        type: Hostname
      {{ end }}
      {{ end }}

      {{ with NodePort }}
      daemonEndpoints:
        kubeletEndpoint:
          Port: {{ . }}
      {{ end }}
"""

POD_READY = r"""apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-ready
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.phase'
      operator: 'In'
      values:
      - 'Pending'
    - key: '.status.conditions.[] | select( .type == "Ready" ) | .status'
      operator: 'NotIn'
      values:
      - 'True'
  next:
    statusTemplate: |
      {{ $now := Now }}

      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Initialized
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Ready
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: ContainersReady
      {{ range .spec.readinessGates }}
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: {{ .conditionType | Quote }}
      {{ end }}

      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: true
        restartCount: 0
        state:
          running:
            startedAt: {{ $now | Quote }}
      {{ end }}

      initContainerStatuses:
      {{ range .spec.initContainers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: true
        restartCount: 0
        {{ if eq .restartPolicy "Always" }}
        started: true
        state:
          running:
            startedAt: {{ $now | Quote }}
        {{ else }}
        state:
          terminated:
            exitCode: 0
            finishedAt: {{ $now | Quote }}
            reason: Completed
            startedAt: {{ $now | Quote }}
        {{ end }}
      {{ end }}
      {{ $hostIPs := NodeIPsWith .spec.nodeName }}
      {{ with $hostIPs }}
      hostIP: {{ index . 0 | Quote }}
      hostIPs:
      {{ range . }}
      - ip: {{ . | Quote }}
      {{ end }}
      {{ end }}
      {{ $podIPs := PodIPsWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) }}
      {{ with $podIPs }}
      podIP: {{ index . 0 | Quote }}
      podIPs:
      {{ range . }}
      - ip: {{ . | Quote }}
      {{ end }}
      {{ end }}
      phase: Running
      startTime: {{ $now | Quote }}
"""

POD_COMPLETE = r"""apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-complete
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.phase'
      operator: 'In'
      values:
      - 'Running'
    - key: '.metadata.ownerReferences.[].kind'
      operator: 'In'
      values:
      - 'Job'
  next:
    statusTemplate: |
      {{ $now := Now }}
      {{ $root := . }}
      containerStatuses:
      {{ range $index, $item := .spec.containers }}
      {{ $origin := index $root.status.containerStatuses $index }}
      - image: {{ $item.image | Quote }}
        name: {{ $item.name | Quote }}
        ready: false
        restartCount: 0
        started: false
        state:
          terminated:
            exitCode: 0
            finishedAt: {{ $now | Quote }}
            reason: Completed
            startedAt: {{ $now | Quote }}
      {{ end }}
      phase: Succeeded
"""

POD_DELETE = r"""apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-delete
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'Exists'
  next:
    delete: true
"""

PV_BIND = r"""apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pv-bind
spec:
  resourceRef:
    apiGroup: v1
    kind: PersistentVolume
  selector:
    matchExpressions:
    - cel:
        expression: >-
          self.spec.storageClassName == 'kwok-volume'
    - cel:
        expression: >-
          !has(self.metadata.deletionTimestamp)
    - cel:
        expression: >-
          has(self.spec.claimRef.name)
    - cel:
        expression: >-
          !(self.status.phase in ['Bound', 'Released', 'Failed'])
  steps:
  - patch:
      root: status
      subresource: status
      template: |
        phase: Bound
        lastPhaseTransitionTime: {{ Now | Quote }}
"""

PV_DELETE = r"""apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pv-delete
spec:
  resourceRef:
    apiGroup: v1
    kind: PersistentVolume
  selector:
    matchExpressions:
    - cel:
        expression: >-
          self.spec.storageClassName == 'kwok-volume'
    - cel:
        expression: >-
          !has(self.metadata.deletionTimestamp)
    - cel:
        expression: >-
          self.spec.persistentVolumeReclaimPolicy == 'Delete'
    - cel:
        expression: >-
          self.status.phase == 'Released'
  steps:
  - delete: true
"""

PVC_DELETE = r"""apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pvc-delete
spec:
  resourceRef:
    apiGroup: v1
    kind: PersistentVolumeClaim
  selector:
    matchExpressions:
    - cel:
        expression: >-
          self.spec.storageClassName == 'kwok-volume'
    - cel:
        expression: >-
          has(self.metadata.deletionTimestamp)
    - cel:
        expression: >-
          has(self.spec.volumeName)
  steps:
  - apply:
      subresource: status
      template: |
        apiVersion: v1
        kind: PersistentVolume
        metadata:
          name: {{ .spec.volumeName | Quote }}
        status:
          phase: Released
      type: merge
"""

PVC_PROVISION = r"""apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pvc-provision
spec:
  resourceRef:
    apiGroup: v1
    kind: PersistentVolumeClaim
  selector:
    matchExpressions:
    - cel:
        expression: >-
          self.spec.storageClassName == 'kwok-volume'
    - cel:
        expression: >-
          !has(self.metadata.deletionTimestamp)
    - cel:
        expression: >-
          !has(self.spec.volumeName)
    - cel:
        expression: >-
          self.status.phase != 'Bound'
  steps:
  - apply:
      template: |
        apiVersion: v1
        kind: PersistentVolume
        metadata:
          name: pvc-{{ .metadata.uid }}
          annotations:
            pv.kubernetes.io/provisioned-by: kwok.x-k8s.io/volume
        spec:
          accessModes:
          {{ YAML .spec.accessModes 2 }}
          capacity:
          {{ YAML .spec.resources.requests 2 }}
          persistentVolumeReclaimPolicy: {{ default "Delete" .spec.reclaimPolicy | Quote }}
          storageClassName: {{ .spec.storageClassName | Quote }}
          volumeMode: {{ default "Filesystem" .spec.volumeMode | Quote }}
          claimRef:
            apiVersion: {{ .apiVersion | Quote }}
            kind: {{ .kind | Quote }}
            name: {{ .metadata.name | Quote }}
            namespace: {{ .metadata.namespace | Quote }}
            resourceVersion: {{ .metadata.resourceVersion | Quote }}
            uid: {{ .metadata.uid | Quote }}
          hostPath:
            path: /tmp/kwok-local-path-provisioner/pvc-{{ .metadata.uid }}
            type: DirectoryOrCreate
  - patch:
      root: metadata
      template: |
        annotations:
          pv.kubernetes.io/bind-completed: "yes"
          pv.kubernetes.io/bound-by-controller: "yes"
          volume.beta.kubernetes.io/storage-provisioner: kwok.x-k8s.io/volume
          volume.kubernetes.io/storage-provisioner: kwok.x-k8s.io/volume
  - patch:
      root: spec
      template: |
        volumeName: pvc-{{ .metadata.uid }}
  - patch:
      root: status
      subresource: status
      template: |
        phase: Bound
        accessModes:
        {{ YAML .spec.accessModes 1 }}
        capacity:
        {{ YAML .spec.resources.requests 1 }}
        volumeName: pvc-{{ .metadata.uid }}
"""

# kwok's volume stages key on the class name and the provisioner annotation.
UPSTREAM_STORAGE_CLASS = "kwok-volume"
UPSTREAM_VOLUME_DIR = "/tmp/kwok-local-path-provisioner"


def volume_stages(storage_class: str, volume_dir: str) -> list[str]:
    """The volume stages bound to our StorageClass and state directory."""
    return [
        text.replace(f"'{UPSTREAM_STORAGE_CLASS}'", f"'{storage_class}'").replace(
            UPSTREAM_VOLUME_DIR, volume_dir
        )
        for text in (PV_BIND, PV_DELETE, PVC_DELETE, PVC_PROVISION)
    ]


def all_stages(storage_class: str, volume_dir: str) -> list[str]:
    return [
        NODE_INITIALIZE,
        NODE_HEARTBEAT_WITH_LEASE,
        failure_stages.with_failing_images_excluded(POD_READY),
        failure_stages.POD_IMAGE_PULL_FAILS,
        failure_stages.POD_CRASH_LOOPS,
        POD_COMPLETE,
        POD_DELETE,
        *volume_stages(storage_class, volume_dir),
    ]
