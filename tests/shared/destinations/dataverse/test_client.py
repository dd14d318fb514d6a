"""One retry policy: 429 and 5xx retried, long waits handed back, 401 refreshes the token once."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from shared.destinations.dataverse.client import DataverseClient
from shared.destinations.errors import RecordRejected, TerminalError, TransientError
from tests.fixtures.dataverse_fake import FakeDataverse, StaticTokens, fake_client


def get_whoami(service: FakeDataverse, users: int = 1, **overrides: Any) -> DataverseClient:
    client, _ = fake_client(service, users, **overrides)

    async def go() -> None:
        try:
            await client.get_json("contacts", {"$select": "contactid", "$filter": "x eq 'a'"})
        finally:
            await client.aclose()

    asyncio.run(go())
    return client


def test_429_is_retried_after_retry_after(fake_dataverse: FakeDataverse) -> None:
    fake_dataverse.throttle_next = 2
    client = get_whoami(fake_dataverse)
    assert (client.stats.requests, client.stats.throttled, client.stats.retries) == (3, 2, 2)


def test_5xx_and_408_are_retried_with_backoff(fake_dataverse: FakeDataverse) -> None:
    fake_dataverse.fail_next_with = [503, 500, 408]
    client = get_whoami(fake_dataverse)
    assert client.stats.server_errors == 2
    assert client.stats.requests == 4


def test_a_long_retry_after_is_handed_to_the_caller(fake_dataverse: FakeDataverse) -> None:
    fake_dataverse.throttle_next = 1
    fake_dataverse.retry_after = "90"
    with pytest.raises(TransientError) as caught:
        get_whoami(fake_dataverse, max_inline_wait_seconds=5.0)
    assert caught.value.retry_after == pytest.approx(90.0, abs=1.0)
    assert caught.value.to_dict()["reason_code"] == "throttled"


def test_another_user_carries_on_while_one_is_throttled(fake_dataverse: FakeDataverse) -> None:
    fake_dataverse.throttle_next = 1
    fake_dataverse.retry_after = "60"
    client = get_whoami(fake_dataverse, users=2, max_inline_wait_seconds=5.0)
    assert client.stats.requests == 2
    assert client.pool.throttled_lanes == 1


def test_client_errors_are_not_retried(fake_dataverse: FakeDataverse) -> None:
    fake_dataverse.fail_next_with = [403]
    with pytest.raises(TerminalError):
        get_whoami(fake_dataverse)
    assert len(fake_dataverse.requests) == 1
    fake_dataverse.fail_next_with = [404]
    with pytest.raises(RecordRejected):
        get_whoami(fake_dataverse)


def test_401_fetches_a_new_token_once_then_gives_up() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return httpx.Response(401, json={"error": {"code": "0x8004a101", "message": "x"}})

    service = FakeDataverse()
    service.handler = handler  # type: ignore[method-assign]
    client, sources = fake_client(service)
    with pytest.raises(TerminalError):
        asyncio.run(client.get_json("WhoAmI"))
    assert seen == ["Bearer token-1", "Bearer token-2"]
    assert sources[0].forgotten == 1


def test_dropped_connections_are_retried() -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx.ConnectError("reset", request=request)
        return httpx.Response(200, json={"UserId": "u"}, headers={"x-ms-dop-hint": "3"})

    service = FakeDataverse()
    service.handler = handler  # type: ignore[method-assign]
    client, _ = fake_client(service)
    assert asyncio.run(client.get_json("WhoAmI")) == {"UserId": "u"}
    assert client.stats.connection_errors == 1
    assert client.pool.lanes[0].ceiling == 3


def test_static_tokens_are_reused_between_requests() -> None:
    source = StaticTokens()
    from shared.destinations.dataverse.auth import TokenProvider

    provider = TokenProvider(source)

    async def twice() -> tuple[str, str]:
        return await provider.token(), await provider.token()

    assert asyncio.run(twice()) == ("token-1", "token-1")
    assert source.acquired == 1


def test_the_affinity_cookie_is_never_sent_back() -> None:
    cookies: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        cookies.append(request.headers.get("Cookie"))
        return httpx.Response(
            200, json={"UserId": "u"}, headers={"Set-Cookie": "ARRAffinity=abc; Path=/"}
        )

    service = FakeDataverse()
    service.handler = handler  # type: ignore[method-assign]
    client, _ = fake_client(service)

    async def twice() -> None:
        await client.get_json("WhoAmI")
        await client.get_json("WhoAmI")

    asyncio.run(twice())
    assert cookies == [None, None]
