"""The one HTTP client for a Salesforce org: bearer tokens, one retry policy, usage tracking.

Retries 408/429/5xx and dropped connections when the request is safe to repeat, honouring
`Retry-After` and capping the total wait; re-authenticates once on INVALID_SESSION_ID; reads
`Sforce-Limit-Info` so callers can see how much of the daily allocation a run used.
"""

from __future__ import annotations

import asyncio
import random
import ssl
import time
from dataclasses import dataclass
from typing import Any

import httpx

from shared.destinations.errors import DestinationError, TransientError
from shared.destinations.salesforce.auth import Token, TokenProvider
from shared.destinations.salesforce.settings import SalesforceSettings
from shared.destinations.salesforce.status import RETRY_STATUSES, error_for


@dataclass
class ApiUsage:
    """What the org said about its daily API allocation, and what this client sent."""

    used: int | None = None
    limit: int | None = None
    requests: int = 0
    retries: int = 0


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class SalesforceClient:
    """Async REST client on `<instance>/services/data/v<api>/`."""

    def __init__(
        self,
        settings: SalesforceSettings,
        *,
        tokens: TokenProvider | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.tokens = tokens or TokenProvider(settings)
        verify: ssl.SSLContext | bool = True
        if settings.ca_bundle is not None:
            verify = ssl.create_default_context(cafile=str(settings.ca_bundle))
        self.http = httpx.AsyncClient(
            verify=verify,
            transport=transport,
            trust_env=False,
            timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=20),
        )
        self.usage = ApiUsage()

    async def aclose(self) -> None:
        """Close pooled connections."""
        await self.http.aclose()

    async def token(self) -> Token:
        """The current access token (fetched when needed)."""
        return await self.tokens.token(self.http)

    async def request(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool | None = None,
        expect: tuple[int, ...] = (200, 201, 204),
        **kwargs: Any,
    ) -> httpx.Response:
        """Send a request to `path` (relative to the versioned REST root) and return the response.

        Args:
            method: HTTP method.
            path: e.g. `sobjects/Contact/describe` or `jobs/ingest/<id>`.
            idempotent: whether a retry is safe; defaults to True for GET, PUT and DELETE.
            expect: statuses that count as success (others raise).
            **kwargs: passed to httpx (json, content, params, headers, files).

        Raises:
            TransientError: retries were exhausted or the daily limit is reached.
            TerminalError / RecordRejected: per the status table.
        """
        safe = idempotent if idempotent is not None else method in ("GET", "PUT", "DELETE")
        deadline = time.monotonic() + self.settings.max_retry_seconds
        attempt, reauthenticated = 0, False
        extra_headers = kwargs.pop("headers", {})
        while True:
            token = await self.token()
            url = f"{token.instance_url}/services/data/v{self.settings.api_version}/{path}"
            kwargs["headers"] = {**extra_headers, "Authorization": f"Bearer {token.access_token}"}
            self.usage.requests += 1
            try:
                response = await self.http.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                if not safe or time.monotonic() > deadline:
                    raise TransientError("connection_failed", destination="salesforce") from exc
                attempt += 1
                await self._pause(attempt, None, deadline)
                continue
            self._read_usage(response)
            if response.status_code in expect:
                return response
            body = _json_or_none(response)
            if response.status_code == 401 and not reauthenticated:
                self.tokens.invalidate()
                reauthenticated = True
                continue
            error = error_for(response.status_code, body, _retry_after(response))
            if self._retryable(response.status_code, error, safe, deadline):
                attempt += 1
                await self._pause(attempt, _retry_after(response), deadline)
                continue
            raise error

    def _retryable(self, status: int, error: DestinationError, safe: bool, deadline: float) -> bool:
        if not safe or status not in RETRY_STATUSES or time.monotonic() > deadline:
            return False
        wait = getattr(error, "retry_after", None) or 0
        return wait <= self.settings.max_inline_wait_seconds

    async def _pause(self, attempt: int, retry_after: float | None, deadline: float) -> None:
        self.usage.retries += 1
        backoff = min(30.0, 0.5 * 2 ** (attempt - 1)) * (0.5 + random.random())
        wait = retry_after if retry_after is not None else backoff
        await asyncio.sleep(max(0.0, min(wait, deadline - time.monotonic())))

    def _read_usage(self, response: httpx.Response) -> None:
        header = response.headers.get("Sforce-Limit-Info", "")
        for part in header.split(";"):
            name, _, value = part.strip().partition("=")
            if name == "api-usage" and "/" in value:
                used, limit = value.split("/", 1)
                if used.isdigit() and limit.isdigit():
                    self.usage.used, self.usage.limit = int(used), int(limit)


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
