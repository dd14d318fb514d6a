"""The one HTTP client of a Dataverse environment: pooled httpx, tokens, lanes, one retry policy.

Retries 408/429/5xx and dropped connections (every write we send is idempotent by key, or checked
for duplicates by the caller), honours Retry-After, caps the total retry time, and turns a wait
longer than `max_inline_wait_seconds` into a `TransientError(retry_after=...)` so an orchestrator
can wait on a durable timer instead of an activity sleeping.
"""

from __future__ import annotations

import asyncio
import random
import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx

from shared.destinations.dataverse.auth import TokenProvider, token_source
from shared.destinations.dataverse.settings import DataverseSettings
from shared.destinations.dataverse.status import error_for
from shared.destinations.dataverse.throttle import Clock, LanePool, UserLane
from shared.destinations.errors import DestinationError, TransientError

BASE_HEADERS = {
    "Accept": "application/json",
    "OData-MaxVersion": "4.0",
    "OData-Version": "4.0",
    "If-None-Match": "null",
    "User-Agent": "ClinicFerry/0.1 (+dataverse)",
}


@dataclass
class ClientStats:
    """Counters for reports and benchmarks (no payloads, only numbers)."""

    requests: int = 0
    throttled: int = 0
    retries: int = 0
    connection_errors: int = 0
    server_errors: int = 0


class DataverseClient:
    """Sends Web API requests for one environment, spread over its application users."""

    def __init__(
        self,
        settings: DataverseSettings,
        *,
        lanes: Sequence[UserLane] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock = time.monotonic,
        sleep: Any = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self.stats = ClientStats()
        self._clock = clock
        self._sleep = sleep
        if lanes is None:
            lanes = [
                UserLane(
                    f"user{index}",
                    TokenProvider(token_source(settings, user)),
                    settings.max_dop_per_user,
                    clock,
                )
                for index, user in enumerate(settings.users)
            ]
        self.pool = LanePool(lanes, clock)
        connections = sum(lane.ceiling for lane in self.pool.lanes) + 4
        self.http = httpx.AsyncClient(
            base_url=settings.api_url + "/",
            headers=BASE_HEADERS,
            http2=settings.http2 and transport is None,
            verify=ssl.create_default_context(cafile=str(settings.ca_bundle))
            if settings.ca_bundle
            else True,
            timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
            transport=transport,
            # Refuse every cookie: the ARR affinity cookie would pin us to one web server and its
            # per-server limits instead of spreading requests over all of them.
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        )

    async def aclose(self) -> None:
        """Close pooled connections."""
        await self.http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        context: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        stats: ClientStats | None = None,
    ) -> httpx.Response:
        """Send one request with retries; return a 2xx/3xx response or raise a DestinationError.

        `stats`, when given, counts this call's requests and throttles too (per-batch figures).
        """
        context = dict(context or {})
        counters = [self.stats] if stats is None else [self.stats, stats]
        deadline = self._clock() + self.settings.max_retry_seconds
        attempt = 0
        force_token = False
        while True:
            remaining = max(0.0, deadline - self._clock())
            max_wait = min(remaining, self.settings.max_inline_wait_seconds)
            async with self.pool.lane(max_wait) as lane:
                error = await self._send_once(
                    lane,
                    method,
                    path,
                    json,
                    params,
                    headers,
                    content,
                    context,
                    force_token,
                    counters,
                )
            if isinstance(error, httpx.Response):
                return error
            if error.status_code == 401 and not force_token:
                force_token = True  # the token may have been revoked or expired early
                continue
            if not isinstance(error, TransientError):
                raise error
            attempt += 1
            if error.status_code == 429 and self._clock() < deadline:
                # The throttled lane is paused for Retry-After; the pool sends the retry to a
                # free user, or waits for one, or hands back a long wait as TransientError.
                for counter in counters:
                    counter.retries += 1
                continue
            wait = self._wait_for(error, attempt)
            if wait > self.settings.max_inline_wait_seconds or self._clock() + wait > deadline:
                error.retry_after = max(wait, error.retry_after or 0.0)
                raise error
            for counter in counters:
                counter.retries += 1
            await self._sleep(wait)

    async def _send_once(
        self,
        lane: UserLane,
        method: str,
        path: str,
        json: Any,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        content: bytes | None,
        context: dict[str, Any],
        force_token: bool,
        counters: list[ClientStats],
    ) -> httpx.Response | DestinationError:
        token = await lane.tokens.token(force=force_token)
        send_headers = {"Authorization": f"Bearer {token}", **(headers or {})}
        for counter in counters:
            counter.requests += 1
        try:
            response = await self.http.request(
                method, path, json=json, params=params, headers=send_headers, content=content
            )
        except (httpx.TransportError, httpx.TimeoutException) as exc:
            for counter in counters:
                counter.connection_errors += 1
            reason = "timeout" if isinstance(exc, httpx.TimeoutException) else "connection_lost"
            return TransientError(reason, destination="dataverse", **context)
        hint = response.headers.get("x-ms-dop-hint")
        if hint and hint.isdigit():
            lane.observe_dop_hint(int(hint))
        if response.status_code < 400:
            lane.on_success()
            return response
        await response.aread()
        error = error_for(response, **context)
        if response.status_code == 429:
            for counter in counters:
                counter.throttled += 1
            lane.on_throttle(getattr(error, "retry_after", None))
            await self.pool.notify()
        elif response.status_code >= 500:
            for counter in counters:
                counter.server_errors += 1
        return error

    @staticmethod
    def _wait_for(error: TransientError, attempt: int) -> float:
        if error.retry_after is not None:
            return error.retry_after
        # Exponential backoff with full jitter: 0.5 s, 1 s, 2 s ... capped at 30 s.
        return random.uniform(0, min(30.0, 0.5 * 2 ** (attempt - 1)))

    async def get_json(
        self, path: str, params: Mapping[str, str] | None = None, **kwargs: Any
    ) -> Any:
        """GET and decode JSON."""
        response = await self.request("GET", path, params=params, **kwargs)
        return response.json()

    async def get_all(
        self,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        page_size: int = 5000,
        annotations: str | None = None,
        stats: ClientStats | None = None,
    ) -> list[dict[str, Any]]:
        """GET a collection, following `@odata.nextLink` until the last page."""
        prefer = f"odata.maxpagesize={page_size}"
        if annotations:
            prefer += f',odata.include-annotations="{annotations}"'
        headers = {"Prefer": prefer}
        body = await self.get_json(path, params, headers=headers, stats=stats)
        rows: list[dict[str, Any]] = list(body.get("value", []))
        while next_link := body.get("@odata.nextLink"):
            body = await self.get_json(str(next_link), headers=headers, stats=stats)
            rows.extend(body.get("value", []))
        return rows
