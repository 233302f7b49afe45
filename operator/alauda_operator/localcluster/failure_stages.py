"""Our own kwok Stages that make chosen Pods fail the way real ones do, so
that the operator's reading of failing Pods is tested on a real cluster.

kwok's default stages run every Pod. A Pod whose image lives under one of
these (unresolvable, reserved) registries fails instead:

- ``image-pull-fails.invalid/...``: the image cannot be pulled
  (``ImagePullBackOff``, phase Pending);
- ``crash-loops.invalid/...``: the container keeps exiting with code 3
  (``CrashLoopBackOff``, phase Running).
"""

from __future__ import annotations

IMAGE_PULL_FAILS_REGISTRY = "image-pull-fails.invalid"
CRASH_LOOPS_REGISTRY = "crash-loops.invalid"
CRASH_EXIT_CODE = 3


def _image_under(*registries: str) -> str:
    tests = " or ".join(f'startswith("{registry}/")' for registry in registries)
    return f".spec.containers.[] | select(.image | {tests}) | .name"


# Added to kwok's pod-ready stage, so that it leaves these Pods alone.
_ANY_FAILING_IMAGE = _image_under(IMAGE_PULL_FAILS_REGISTRY, CRASH_LOOPS_REGISTRY)
NOT_A_FAILING_IMAGE = f"""    - key: '{_ANY_FAILING_IMAGE}'
      operator: 'DoesNotExist'
"""


def _failing_stage(name: str, registry: str, status_template: str) -> str:
    return f"""apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: {name}
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
    - key: '.status.containerStatuses'
      operator: 'DoesNotExist'
    - key: '{_image_under(registry)}'
      operator: 'Exists'
  next:
    statusTemplate: |
{status_template}"""


POD_IMAGE_PULL_FAILS = _failing_stage(
    "pod-image-pull-fails",
    IMAGE_PULL_FAILS_REGISTRY,
    """      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: false
        restartCount: 0
        state:
          waiting:
            reason: ImagePullBackOff
            message: {{ printf "Back-off pulling image %q" .image | Quote }}
      {{ end }}
      phase: Pending
""",
)

POD_CRASH_LOOPS = _failing_stage(
    "pod-crash-loops",
    CRASH_LOOPS_REGISTRY,
    f"""      {{{{ $now := Now }}}}
      containerStatuses:
      {{{{ range .spec.containers }}}}
      - image: {{{{ .image | Quote }}}}
        name: {{{{ .name | Quote }}}}
        ready: false
        restartCount: 5
        lastState:
          terminated:
            exitCode: {CRASH_EXIT_CODE}
            reason: Error
            startedAt: {{{{ $now | Quote }}}}
            finishedAt: {{{{ $now | Quote }}}}
        state:
          waiting:
            reason: CrashLoopBackOff
            message: back-off 5m0s restarting failed container
      {{{{ end }}}}
      phase: Running
      startTime: {{{{ $now | Quote }}}}
""",
)


def with_failing_images_excluded(pod_ready_stage: str) -> str:
    """kwok's pod-ready stage, told to leave the failing images alone."""
    marker = "    matchExpressions:\n"
    if marker not in pod_ready_stage:
        raise ValueError("pod-ready stage without matchExpressions")
    return pod_ready_stage.replace(marker, marker + NOT_A_FAILING_IMAGE, 1)
