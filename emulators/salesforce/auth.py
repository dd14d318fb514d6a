"""The OAuth 2.0 token endpoint (client credentials, JWT bearer) and bearer-token checks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt

from emulators.salesforce.config import ConnectedApp
from emulators.salesforce.errors import SalesforceError
from emulators.salesforce.org import Caller, Org

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")


class OAuthError(Exception):
    """A token request failure: `{"error", "error_description"}` with a status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(error)
        self.error, self.description, self.status = error, description, status


@dataclass
class Session:
    """An issued access token."""

    username: str
    expires_at: float


class TokenService:
    """Issues and checks access tokens for one org."""

    def __init__(self, org: Org) -> None:
        self.org = org
        self.sessions: dict[str, Session] = {}

    def issue(self, form: dict[str, str], authorization: str | None, origin: str) -> dict[str, Any]:
        """Handles a token request; raises OAuthError with Salesforce's error values."""
        grant = form.get("grant_type")
        if grant == "client_credentials":
            username = self._client_credentials(form, authorization)
        elif grant == JWT_BEARER:
            username = self._jwt_bearer(form.get("assertion", ""), origin)
        else:
            raise OAuthError("unsupported_grant_type", "grant type not supported")
        user = self.org.user(username)
        if user is None or not user.active:
            raise OAuthError("invalid_grant", "inactive user")
        token = f"{self.org.config.org_id[:15]}!AQ{secrets.token_urlsafe(48)}"
        lifetime = self.org.config.limits.token_lifetime_s
        self.sessions[token] = Session(user.username, time.monotonic() + lifetime)
        issued = str(int(time.time() * 1000))
        user_id = self.org.user_ids[user.username.lower()]
        signature = hmac.new(token.encode(), issued.encode(), hashlib.sha256).digest()
        return {
            "access_token": token,
            "signature": base64.b64encode(signature).decode(),
            "scope": "api",
            "instance_url": origin,
            "id": f"{origin}/id/{self.org.config.org_id}/{user_id}",
            "token_type": "Bearer",
            "issued_at": issued,
        }

    def _app(self, client_id: str) -> ConnectedApp:
        app = next((a for a in self.org.config.apps if a.client_id == client_id), None)
        if app is None:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        return app

    def _client_credentials(self, form: dict[str, str], authorization: str | None) -> str:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if authorization and authorization.lower().startswith("basic "):
            decoded = base64.b64decode(authorization[6:]).decode()
            client_id, _, secret = decoded.partition(":")
        app = self._app(client_id)
        if not hmac.compare_digest(app.client_secret, secret):
            raise OAuthError("invalid_client", "invalid client credentials")
        return app.run_as

    def _jwt_bearer(self, assertion: str, origin: str) -> str:
        try:
            claims = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise OAuthError("invalid_grant", "invalid assertion") from exc
        app = self._app(str(claims.get("iss", "")))
        if app.jwt_public_key is None:
            raise OAuthError("invalid_grant", "invalid assertion")
        try:
            verified = jwt.decode(
                assertion,
                app.jwt_public_key,
                algorithms=["RS256"],
                audience=[origin, *_AUDIENCES],
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise OAuthError("invalid_grant", "expired authorization code") from exc
        except jwt.PyJWTError as exc:
            raise OAuthError("invalid_grant", "invalid assertion") from exc
        username = str(verified.get("sub") or verified.get("prn") or "")
        if username.lower() not in (u.lower() for u in app.jwt_approved):
            raise OAuthError("invalid_grant", "user hasn't approved this consumer")
        return username

    def authenticate(self, authorization: str | None) -> Caller:
        """The caller behind `Authorization: Bearer <token>`; 401 INVALID_SESSION_ID otherwise."""
        if not authorization or not authorization.lower().startswith(("bearer ", "oauth ")):
            raise SalesforceError(401, "INVALID_SESSION_ID", "Session expired or invalid")
        session = self.sessions.get(authorization.split(" ", 1)[1].strip())
        if session is None or session.expires_at < time.monotonic():
            raise SalesforceError(401, "INVALID_SESSION_ID", "Session expired or invalid")
        user = self.org.user(session.username)
        if user is None or not user.active:
            raise SalesforceError(401, "INVALID_SESSION_ID", "Session expired or invalid")
        return self.org.caller(session.username)

    def expire_all(self) -> None:
        """Invalidate every issued token (admin; tests of re-authentication)."""
        self.sessions.clear()
