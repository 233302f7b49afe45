"""Tokens from the Authorization header, and the per-token ApiClient pool.

ApiClients open connections only when first used, so the pool's bookkeeping
is tested here without a cluster; that the token reaches the API server is a
cluster test (tests/facade/test_tenancy.py)."""

from __future__ import annotations

import pytest

from alauda_operator.facade.auth import (
    ApiClientPool,
    ClusterEndpoint,
    caller_token,
    in_cluster_endpoint,
)
from alauda_operator.facade.errors import ApiError

ENDPOINT = ClusterEndpoint(host="https://127.0.0.1:1", ca_file=None)


@pytest.mark.parametrize("header", ["Token abc", "Bearer abc", "token abc", "BEARER  abc "])
def test_token_and_bearer_schemes_are_accepted(header: str) -> None:
    assert caller_token(header) == "abc"


@pytest.mark.parametrize("header", [None, "", "abc", "Basic abc", "Token", "Token a b"])
def test_missing_or_malformed_authorization_is_a_401(header: str | None) -> None:
    with pytest.raises(ApiError) as caught:
        caller_token(header)
    assert caught.value.status == 401


def test_configuration_carries_the_callers_token_and_no_other_credential() -> None:
    configuration = ENDPOINT.configuration_for("abc")
    assert configuration.api_key == {"authorization": "Bearer abc"}
    assert configuration.cert_file is None
    assert configuration.key_file is None
    assert configuration.host == "https://127.0.0.1:1"


async def test_same_token_gets_the_same_client() -> None:
    pool = ApiClientPool(ENDPOINT)
    async with pool.lease("a") as first:
        pass
    async with pool.lease("a") as second:
        pass
    assert first is second
    await pool.close()


async def test_least_recently_used_client_is_evicted_beyond_the_size() -> None:
    pool = ApiClientPool(ENDPOINT, max_size=2)
    async with pool.lease("a") as a:
        pass
    async with pool.lease("b"):
        pass
    async with pool.lease("a"):
        pass
    async with pool.lease("c"):
        pass
    assert len(pool) == 2
    async with pool.lease("a") as again:
        assert again is a
    async with pool.lease("b") as b_again:
        assert b_again.configuration.api_key == {"authorization": "Bearer b"}
    await pool.close()


async def test_client_evicted_while_in_use_is_closed_after_its_request() -> None:
    pool = ApiClientPool(ENDPOINT, max_size=1)
    closed: list[str] = []
    async with pool.lease("a") as a:
        original_close = a.close

        async def recording_close() -> None:
            closed.append("a")
            await original_close()  # type: ignore[no-untyped-call]

        a.close = recording_close  # type: ignore[method-assign]
        async with pool.lease("b"):
            assert closed == []
    assert closed == ["a"]
    await pool.close()


def test_in_cluster_endpoint_is_the_service_address_and_the_mounted_ca() -> None:
    endpoint = in_cluster_endpoint(
        {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    )
    assert endpoint.host == "https://10.96.0.1:443"
    assert endpoint.ca_file == "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"


def test_in_cluster_endpoint_brackets_an_ipv6_address() -> None:
    endpoint = in_cluster_endpoint({"KUBERNETES_SERVICE_HOST": "fd00::1"})
    assert endpoint.host == "https://[fd00::1]:443"
