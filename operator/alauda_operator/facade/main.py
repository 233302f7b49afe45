"""The facade's aiohttp application and how to run it."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import ssl
import sys
from collections.abc import AsyncIterator, Sequence

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse

from alauda_operator.facade.auth import ApiClientPool, ClusterEndpoint, caller_token, load_endpoint
from alauda_operator.facade.errors import ApiError, json_error
from alauda_operator.facade.kube import Kube
from alauda_operator.facade.routes import KUBE, SETTINGS, Handler, add_routes
from alauda_operator.settings import PlatformSettings, load_settings

# Bodies are small JSON documents; 1 MiB is far more than the largest valid one.
CLIENT_MAX_SIZE = 1024 * 1024
POOL = web.AppKey("pool", ApiClientPool)
_log = logging.getLogger("alauda_operator.facade")


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error, whoever raised it, answers the one JSON error body."""
    try:
        return await handler(request)
    except ApiError as error:
        challenge = {"WWW-Authenticate": "Token"} if error.status == 401 else None
        return json_error(error.status, error.message, error.field, challenge)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        # Keep what the client needs, such as Allow on a 405.
        headers = {k: v for k, v in exc.headers.items() if k.lower() == "allow"}
        return json_error(exc.status, exc.reason if not exc.text else _text(exc), None, headers)
    except Exception:
        _log.exception("unhandled error in %s %s", request.method, request.path)
        return json_error(500, "internal error")


def _text(exc: web.HTTPException) -> str:
    text = exc.text or exc.reason
    # aiohttp's default texts are "<status>: <reason>"; keep only the words.
    return text.split(": ", 1)[1] if text.startswith(f"{exc.status}: ") else text


@web.middleware
async def caller_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Services are read and written with the caller's own token."""
    if request.match_info.http_exception is not None or not request.path.startswith("/v1/services"):
        return await handler(request)
    token = caller_token(request.headers.get("Authorization"))
    async with request.app[POOL].lease(token) as api:
        request[KUBE] = Kube(api)
        return await handler(request)


class JsonAccessLogger(AbstractAccessLogger):
    """One JSON object a line; never the Authorization header."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        self.logger.info(
            json.dumps(
                {
                    "remote": request.remote,
                    "method": request.method,
                    "path": request.path,
                    "query": request.query_string,
                    "status": response.status,
                    "bytes": response.body_length,
                    "duration_ms": round(time * 1000, 3),
                    "user_agent": request.headers.get("User-Agent"),
                }
            )
        )


def create_app(
    settings: PlatformSettings,
    kubeconfig: str | None = None,
    endpoint: ClusterEndpoint | None = None,
    in_cluster: bool = False,
) -> web.Application:
    """The facade for the cluster at ``endpoint``, or else the one the
    kubeconfig (or the in-cluster environment) names, read at startup."""
    app = web.Application(
        middlewares=[error_middleware, caller_middleware], client_max_size=CLIENT_MAX_SIZE
    )
    app[SETTINGS] = settings
    add_routes(app)

    async def api_clients(app: web.Application) -> AsyncIterator[None]:
        app[POOL] = ApiClientPool(endpoint or await load_endpoint(kubeconfig, in_cluster))
        yield
        await app[POOL].close()

    app.cleanup_ctx.append(api_clients)
    return app


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    for name in ("aiohttp.access", "alauda_operator"):
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.addHandler(handler)
        logger.propagate = False


class StartupError(Exception):
    """Something the facade cannot start without; the message says what."""


async def reachable_endpoint(kubeconfig: str | None, in_cluster: bool) -> ClusterEndpoint:
    """The API server's address and CA, checked to answer before serving:
    a facade that cannot reach its cluster would only answer 502s."""
    try:
        endpoint = await load_endpoint(kubeconfig, in_cluster)
    except Exception as error:  # the kubernetes loaders raise several kinds
        where = kubeconfig or os.environ.get("KUBECONFIG") or "in-cluster or ~/.kube/config"
        raise StartupError(f"no cluster configured ({where}): {error}") from error
    # aiohttp's ssl=False: no verification, as the kubeconfig asked.
    tls: ssl.SSLContext | bool = (
        ssl.create_default_context(cafile=endpoint.ca_file) if endpoint.verify_ssl else False
    )
    try:
        async with aiohttp.ClientSession() as session:
            url = f"{endpoint.host}/version"
            async with session.get(url, ssl=tls, timeout=aiohttp.ClientTimeout(10)):
                pass
    except (aiohttp.ClientError, TimeoutError) as error:
        raise StartupError(f"no cluster reachable at {endpoint.host}: {error}") from error
    return endpoint


def run(
    host: str,
    port: int,
    settings: PlatformSettings,
    kubeconfig: str | None,
    in_cluster: bool = False,
) -> None:
    configure_logging()
    endpoint = asyncio.run(reachable_endpoint(kubeconfig, in_cluster))
    try:
        web.run_app(
            create_app(settings, endpoint=endpoint),
            host=host,
            port=port,
            access_log_class=JsonAccessLogger,
            print=None,
        )
    except OSError as error:
        raise StartupError(f"cannot listen on {host}:{port}: {error.strerror}") from error


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m alauda_operator.facade`` and ``alauda-operator api``."""
    parser = argparse.ArgumentParser(
        prog="python -m alauda_operator.facade", description="The v1 services REST facade."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    parser.add_argument(
        "--kubeconfig",
        default=None,
        help="where the API server is (only its address and CA are used); "
        "default: the in-cluster environment, else ~/.kube/config",
    )
    parser.add_argument(
        "--in-cluster",
        action="store_true",
        help="the API server of the cluster this Pod runs in (its CA from the "
        "service account mount; no token needed)",
    )
    parser.add_argument(
        "--settings", default=None, help="platform settings YAML (default: $ALAUDA_SETTINGS_FILE)"
    )
    args = parser.parse_args(argv)
    try:
        run(args.host, args.port, load_settings(args.settings), args.kubeconfig, args.in_cluster)
    except StartupError as error:
        print(f"alauda-operator api: {error}", file=sys.stderr)
        return 2
    return 0
