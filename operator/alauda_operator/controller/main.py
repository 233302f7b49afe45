"""Start-up: options, the API client, kopf, the workers and the Lease.

``python -m alauda_operator.controller --all-namespaces`` (or
``alauda-operator run ...``) calls ``main``; embedders call ``run``.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import aiohttp
import kopf
from kubernetes.aio import config as kube_config
from kubernetes.aio.client import ApiClient, Configuration

from alauda_operator import names
from alauda_operator.controller import handlers, metrics
from alauda_operator.controller.events import EventRecorder
from alauda_operator.controller.ha import LeaderElectionSettings, LeaseElector, release
from alauda_operator.controller.kube import ApiError, KubeApi
from alauda_operator.controller.reconciler import Reconciler
from alauda_operator.controller.runtime import Controller, cancel_and_wait
from alauda_operator.settings import PlatformSettings, load_settings

logger = logging.getLogger(__name__)

DEFAULT_LIVENESS_PORT = 8081
DEFAULT_METRICS_PORT = 9090
DEFAULT_WORKERS = 8
# The Lease was lost, or a part of the operator stopped: the Pod restarts.
EXIT_FAILED = 3
EXIT_NO_CRD = 4
EXIT_NO_CLUSTER = 5
EXIT_PORT_IN_USE = 6


@dataclass(frozen=True)
class RunOptions:
    kubeconfig: str | None = None
    liveness_port: int | None = DEFAULT_LIVENESS_PORT
    metrics_port: int | None = DEFAULT_METRICS_PORT
    workers: int = DEFAULT_WORKERS
    leader_election: LeaderElectionSettings | None = None
    log_format: str = "json"
    verbose: bool = False


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alauda-operator run",
        description="Reconciles AlaudaService resources (see docs/operator.md).",
    )
    scope = parser.add_mutually_exclusive_group(required=True)
    scope.add_argument(
        "--namespace",
        "-n",
        action="append",
        dest="namespaces",
        metavar="NS",
        help="watch this namespace (repeatable)",
    )
    scope.add_argument("--all-namespaces", "-A", action="store_true", help="watch every namespace")
    parser.add_argument("--kubeconfig", help="default: $KUBECONFIG, else in-cluster")
    parser.add_argument(
        "--liveness-port",
        type=int,
        default=DEFAULT_LIVENESS_PORT,
        help=f"serve kopf's /healthz here; 0: off (default {DEFAULT_LIVENESS_PORT})",
    )
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=DEFAULT_METRICS_PORT,
        help=f"serve Prometheus /metrics here; 0: off (default {DEFAULT_METRICS_PORT})",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=DEFAULT_WORKERS,
        help=f"services reconciled at once (default {DEFAULT_WORKERS})",
    )
    parser.add_argument(
        "--leader-elect",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="run as one of several replicas, active only while holding a Lease "
        "(default: on when $POD_NAMESPACE is set, i.e. in a cluster)",
    )
    parser.add_argument(
        "--lease-namespace", help="namespace of the Lease (default: $POD_NAMESPACE, else default)"
    )
    parser.add_argument("--lease-name", default="alauda-operator", help="name of the Lease")
    parser.add_argument(
        "--log-format", choices=("json", "plain"), default="json", help="default: json"
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="log debug messages")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    pod_namespace = os.environ.get("POD_NAMESPACE")
    leader_elect = args.leader_elect if args.leader_elect is not None else bool(pod_namespace)
    election = None
    if leader_elect:
        election = LeaderElectionSettings(
            namespace=args.lease_namespace or pod_namespace or "default", name=args.lease_name
        )
    options = RunOptions(
        kubeconfig=args.kubeconfig,
        liveness_port=args.liveness_port or None,
        metrics_port=args.metrics_port or None,
        workers=args.workers,
        leader_election=election,
        log_format=args.log_format,
        verbose=args.verbose,
    )
    namespaces = None if args.all_namespaces else list(args.namespaces)
    return run(namespaces, load_settings(), options)


def run(
    namespaces: list[str] | None, settings: PlatformSettings, options: RunOptions | None = None
) -> int:
    """Runs until SIGINT/SIGTERM (0), a lost Lease or a failure (EXIT_FAILED).
    ``namespaces=None`` watches every namespace."""
    options = options or RunOptions()
    log_format = kopf.LogFormat.JSON if options.log_format == "json" else kopf.LogFormat.FULL
    kopf.configure(verbose=options.verbose, log_format=log_format)
    if not options.verbose:
        handlers.silence_noisy_loggers()
    return asyncio.run(serve(namespaces, settings, options))


async def load_client_configuration(kubeconfig: str | None) -> Configuration:
    configuration = Configuration()
    path = kubeconfig or os.environ.get("KUBECONFIG")
    if path:
        await kube_config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=path.split(os.pathsep)[0], client_configuration=configuration
        )
    else:
        kube_config.load_incluster_config(  # type: ignore[no-untyped-call]
            client_configuration=configuration
        )
    # Enough connections for every worker plus the Lease and Events.
    configuration.connection_pool_maxsize = 64
    return configuration


async def connection_info(configuration: Configuration) -> kopf.ConnectionInfo:
    """kopf's credentials, from the same configuration as our own client."""
    header = await configuration.get_api_key_with_prefix("BearerToken", alias="authorization")
    scheme, token = split_authorization(header)
    return kopf.ConnectionInfo(
        server=configuration.host,
        ca_path=configuration.ssl_ca_cert,
        insecure=not configuration.verify_ssl,
        scheme=scheme,
        token=token,
        certificate_path=configuration.cert_file,
        private_key_path=configuration.key_file,
    )


def split_authorization(header: str | None) -> tuple[str | None, str | None]:
    """``"Bearer abc"`` -> ("Bearer", "abc"); a bare token has no scheme (RFC 7235)."""
    if not header:
        return None, None
    scheme, _, token = header.partition(" ")
    return (scheme, token) if token else (None, scheme)


async def crd_is_served(kube: KubeApi) -> bool:
    try:
        path = f"/apis/{names.API_GROUP}/{names.API_VERSION}/{names.PLURAL}"
        await kube.request("GET", path, query={"limit": "1"})
    except ApiError as err:
        if err.not_found:
            return False
        raise
    return True


async def serve(
    namespaces: list[str] | None, settings: PlatformSettings, options: RunOptions
) -> int:
    try:
        configuration = await load_client_configuration(options.kubeconfig)
    except Exception as err:  # the kubernetes config loaders raise several kinds
        where = options.kubeconfig or os.environ.get("KUBECONFIG") or "in-cluster"
        logger.error("no cluster configured (%s): %s", where, err)
        return EXIT_NO_CLUSTER
    async with ApiClient(configuration) as client:
        kube = KubeApi(client)
        try:
            served = await crd_is_served(kube)
        except (aiohttp.ClientError, OSError, TimeoutError) as err:
            logger.error("no cluster reachable at %s: %s", configuration.host, err)
            return EXIT_NO_CLUSTER
        if not served:
            logger.error(
                "the AlaudaService CRD is not installed: kubectl apply -f crds/ (then restart)"
            )
            return EXIT_NO_CRD
        controller = Controller(
            Reconciler(kube, settings, EventRecorder(kube)), workers=options.workers
        )
        registry = kopf.OperatorRegistry()
        handlers.register(registry, controller, lambda: connection_info(configuration))
        if options.metrics_port:
            try:
                metrics.serve(options.metrics_port)
            except OSError as err:
                logger.error("cannot serve metrics on port %s: %s", options.metrics_port, err)
                return EXIT_PORT_IN_USE
        return await _supervise(kube, controller, registry, namespaces, options)


async def _supervise(
    kube: KubeApi,
    controller: Controller,
    registry: kopf.OperatorRegistry,
    namespaces: list[str] | None,
    options: RunOptions,
) -> int:
    """Runs kopf, the workers and the election; any of them failing stops all.

    The workers and the election start before kopf, so that kopf's shutdown
    leaves them alone (it waits up to 5 s for tasks it did not know at
    start-up); they are stopped here, in order, after kopf. kopf gets no
    stop_flag either (with one, its shutdown on SIGTERM waits 5 s for it):
    a failure cancels kopf's task instead."""
    failures: list[str] = []

    def fail(reason: str) -> None:
        logger.error("%s: stopping", reason)
        failures.append(reason)
        operator.cancel()

    workers = controller.start_workers()
    lease = options.leader_election
    election = None
    if lease is not None:
        elector = LeaseElector(kube, lease)
        election = asyncio.create_task(
            elector.run(
                on_started_leading=controller.activate,
                on_stopped_leading=lambda: fail("lost the Lease"),
            ),
            name="leader-election",
        )
    else:
        controller.activate()
    liveness = f"http://0.0.0.0:{options.liveness_port}/healthz" if options.liveness_port else None
    operator = asyncio.create_task(
        kopf.operator(
            registry=registry,
            settings=handlers.operator_settings(),
            clusterwide=namespaces is None,
            namespaces=namespaces or (),
            liveness_endpoint=liveness,
            standalone=True,
        ),
        name="kopf",
    )
    for task in [*workers, *([election] if election else [])]:
        task.add_done_callback(functools.partial(_fail_if_crashed, fail))
    try:
        await operator
    except asyncio.CancelledError:
        if not failures:
            raise
    finally:
        for worker in workers:
            await cancel_and_wait(worker)
        if election is not None and lease is not None:
            await cancel_and_wait(election)
            if not failures:
                await release(kube, lease)
    return EXIT_FAILED if failures else 0


def _fail_if_crashed(fail: Callable[[str], None], task: asyncio.Task[None]) -> None:
    """A crashed worker or election must not leave half an operator running."""
    if not task.cancelled() and task.exception() is not None:
        logger.error("%s crashed", task.get_name(), exc_info=task.exception())
        fail(f"{task.get_name()} crashed")


if __name__ == "__main__":
    sys.exit(main())
