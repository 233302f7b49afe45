"""kopf's credentials from the client configuration's Authorization header."""

from __future__ import annotations

from alauda_operator.controller.main import split_authorization


def test_bearer_header_splits_into_scheme_and_token() -> None:
    assert split_authorization("Bearer abc") == ("Bearer", "abc")


def test_bare_token_has_no_scheme() -> None:
    assert split_authorization("abc") == (None, "abc")


def test_no_header_no_credentials() -> None:
    assert split_authorization(None) == (None, None)
