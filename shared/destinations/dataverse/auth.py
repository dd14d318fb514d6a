"""Entra ID tokens for Dataverse application users through msal, cached and refreshed early.

msal does the protocol (client secret, certificate assertion, managed identity) and keeps its own
cache; this wrapper adds an early refresh (a token is renewed well before it expires, so a long
batch never starts with a token about to die) and lets async code wait for it without blocking.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import threading
import time
from typing import Any, Protocol

import msal
import requests

from shared.destinations.dataverse.settings import ApplicationUser, DataverseSettings
from shared.destinations.errors import TerminalError, TransientError

# Renew when less than this share of the lifetime (and at most 10 minutes) is left.
REFRESH_FRACTION = 0.2
REFRESH_CAP_SECONDS = 600.0


class TokenSource(Protocol):
    """Anything that returns an msal token result dict for the Dataverse scope."""

    def acquire(self) -> dict[str, Any]:
        """Return msal's result: `access_token` + `expires_in`, or `error`."""
        ...

    def forget(self) -> None:
        """Drop cached access tokens so the next `acquire` asks the identity provider."""
        ...


class MsalClientCredentials:
    """Client credentials (secret or certificate) with a confidential client application.

    The msal application is built on first use: it discovers the authority over the network,
    which a constructor (or a test creating a destination) should not do.
    """

    def __init__(self, settings: DataverseSettings, user: ApplicationUser) -> None:
        self._settings = settings
        self._user = user
        self._scopes = [settings.scope]
        self._cache = msal.TokenCache()
        self._app: msal.ConfidentialClientApplication | None = None

    def _application(self) -> msal.ConfidentialClientApplication:
        if self._app is None:
            public_cloud = self._settings.authority_host == "https://login.microsoftonline.com"
            self._app = msal.ConfidentialClientApplication(
                self._user.client_id,
                client_credential=_client_credential(self._user),
                authority=self._settings.authority,
                token_cache=self._cache,
                http_client=_http_session(self._settings),
                # A sovereign or emulated authority is not in Microsoft's discovery list.
                validate_authority=public_cloud,
                instance_discovery=public_cloud,
            )
        return self._app

    def acquire(self) -> dict[str, Any]:
        """Token for `<org>/.default` (from msal's cache while it is valid)."""
        result: dict[str, Any] = self._application().acquire_token_for_client(scopes=self._scopes)
        return result

    def forget(self) -> None:
        """Remove cached access tokens so the next call fetches a fresh one."""
        for item in list(self._cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)):
            self._cache.remove_at(item)


class MsalManagedIdentity:
    """The Function App's managed identity (system- or user-assigned)."""

    def __init__(self, settings: DataverseSettings, user: ApplicationUser) -> None:
        identity: Any = (
            msal.UserAssignedManagedIdentity(client_id=user.client_id)
            if user.client_id
            else msal.SystemAssignedManagedIdentity()
        )
        self._resource = settings.org_url
        self._cache = msal.TokenCache()
        self._client = msal.ManagedIdentityClient(
            identity, http_client=_http_session(settings), token_cache=self._cache
        )

    def acquire(self) -> dict[str, Any]:
        """Token for the environment's resource URL."""
        result: dict[str, Any] = self._client.acquire_token_for_client(resource=self._resource)
        return result

    def forget(self) -> None:
        """Remove cached access tokens so the next call fetches a fresh one."""
        for item in list(self._cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)):
            self._cache.remove_at(item)


class TokenProvider:
    """One application user's bearer token, renewed before expiry; safe for concurrent callers."""

    def __init__(self, source: TokenSource, clock: Any = time.monotonic) -> None:
        self._source = source
        self._clock = clock
        self._token: str | None = None
        self._renew_at = 0.0
        self._lock = asyncio.Lock()

    async def token(self, *, force: bool = False) -> str:
        """A valid access token; `force=True` after the service rejected the current one."""
        if not force and self._token and self._clock() < self._renew_at:
            return self._token
        async with self._lock:
            if not force and self._token and self._clock() < self._renew_at:
                return self._token
            if force or self._token:
                # msal would hand back its cached copy until expiry; an early renewal must not.
                self._source.forget()
            result = await asyncio.to_thread(self._source.acquire)
            self._token, lifetime = _parse_result(result)
            self._renew_at = (
                self._clock() + lifetime - min(REFRESH_CAP_SECONDS, lifetime * REFRESH_FRACTION)
            )
            return self._token


def token_source(settings: DataverseSettings, user: ApplicationUser) -> TokenSource:
    """The msal-backed token source for a configured application user, shared per process.

    Durable activities create a destination per call; sharing the msal application (and its
    token cache) means they reuse one token until it is due for renewal instead of asking
    Entra ID every time.
    """
    secret = user.client_secret.get_secret_value() if user.client_secret else ""
    key: tuple[str, ...] = (
        settings.authority,
        settings.scope,
        user.credential_kind,
        user.client_id or "",
        str(user.certificate_path or ""),
        hashlib.sha256(secret.encode()).hexdigest(),
        str(settings.ca_bundle or ""),
    )
    with _SOURCES_LOCK:
        if key not in _SOURCES:
            _SOURCES[key] = (
                MsalManagedIdentity(settings, user)
                if user.credential_kind == "managed_identity"
                else MsalClientCredentials(settings, user)
            )
        return _SOURCES[key]


_SOURCES: dict[tuple[str, ...], TokenSource] = {}
_SOURCES_LOCK = threading.Lock()


def _parse_result(result: dict[str, Any]) -> tuple[str, float]:
    token = result.get("access_token")
    if token:
        return str(token), float(result.get("expires_in") or 3600)
    error = str(result.get("error") or "token_error")
    # Entra error codes are fixed identifiers (no secrets or user data): keep them for support.
    if error in {"temporarily_unavailable", "server_error"} or result.get("error_codes") == [0]:
        raise TransientError("token_unavailable", destination="dataverse", service_code=error)
    raise TerminalError("token_refused", destination="dataverse", service_code=error)


def _client_credential(user: ApplicationUser) -> Any:
    if user.client_secret is not None:
        return user.client_secret.get_secret_value()
    assert user.certificate_path is not None
    password = user.certificate_password.get_secret_value() if user.certificate_password else None
    if user.certificate_path.suffix.lower() in {".pfx", ".p12"}:
        return {"private_key_pfx_path": str(user.certificate_path), "passphrase": password}
    pem = user.certificate_path.read_text()
    certificate = re.search(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", pem, re.S)
    if certificate is None:
        raise TerminalError("certificate_missing_public_part", destination="dataverse")
    credential = {"private_key": pem, "public_certificate": certificate.group(0)}
    if password:
        credential["passphrase"] = password
    return credential


def _http_session(settings: DataverseSettings) -> requests.Session:
    session = requests.Session()
    if settings.ca_bundle is not None:
        session.verify = str(settings.ca_bundle)
        # Otherwise REQUESTS_CA_BUNDLE from the environment would override the configured bundle.
        session.trust_env = False
    return session
