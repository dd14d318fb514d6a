"""Access tokens for Salesforce over plain httpx: client credentials or the JWT bearer flow."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httpx
import jwt

from shared.destinations.errors import TerminalError, TransientError
from shared.destinations.salesforce.settings import SalesforceSettings

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass(frozen=True)
class Token:
    """An access token, the instance it is for and the user it acts as."""

    access_token: str
    instance_url: str
    user_id: str


class TokenProvider:
    """Fetches a token on first use and again after `invalidate()` (on INVALID_SESSION_ID)."""

    def __init__(self, settings: SalesforceSettings) -> None:
        self.settings = settings
        self._token: Token | None = None
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        """Forget the current token (the next call fetches a new one)."""
        self._token = None

    async def token(self, http: httpx.AsyncClient) -> Token:
        """The current token, fetched when there is none."""
        async with self._lock:
            if self._token is None:
                self._token = await self._fetch(http)
            return self._token

    def _form(self) -> dict[str, str]:
        s = self.settings
        if s.auth_flow == "client_credentials":
            assert s.client_secret is not None
            return {
                "grant_type": "client_credentials",
                "client_id": s.client_id,
                "client_secret": s.client_secret.get_secret_value(),
            }
        claims = {
            "iss": s.client_id,
            "sub": s.username,
            "aud": s.jwt_audience or s.login_url,
            "exp": int(time.time()) + 180,
        }
        return {
            "grant_type": JWT_GRANT,
            "assertion": jwt.encode(claims, s.private_key(), algorithm="RS256"),
        }

    async def _fetch(self, http: httpx.AsyncClient) -> Token:
        try:
            response = await http.post(self.settings.token_url, data=self._form())
        except httpx.TransportError as exc:
            raise TransientError("token_endpoint_unreachable", destination="salesforce") from exc
        if response.status_code >= 500:
            raise TransientError(
                "token_endpoint_unavailable",
                destination="salesforce",
                status_code=response.status_code,
            )
        body = response.json() if response.content else {}
        if response.status_code != 200:
            # The error code is safe to keep; the description can name the user, so it is not.
            raise TerminalError(
                "authentication_failed",
                destination="salesforce",
                status_code=response.status_code,
                service_code=str(body.get("error", "")),
            )
        return Token(
            access_token=body["access_token"],
            instance_url=body["instance_url"].rstrip("/"),
            user_id=str(body.get("id", "")).rsplit("/", 1)[-1],
        )
