"""A minimal Entra ID: OpenID discovery and the client-credentials token endpoint, HS256 tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from emulators.dataverse.config import AppUser
from emulators.dataverse.errors import DataverseError


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _unauthorized(reason: str, authority: str) -> DataverseError:
    return DataverseError(
        401,
        "",
        reason,
        {"WWW-Authenticate": f"Bearer authorization_uri={authority}/oauth2/authorize"},
    )


class TokenIssuer:
    """Issues and verifies the bearer tokens of the configured application users."""

    def __init__(
        self, secret: bytes, tenant_id: str, users: list[AppUser], lifetime_s: int
    ) -> None:
        self.secret = secret
        self.tenant_id = tenant_id
        self.users = {user.client_id.lower(): user for user in users}
        self.lifetime_s = lifetime_s

    def discovery(self, origin: str, tenant: str) -> dict[str, Any]:
        """The OpenID configuration document for `{origin}/{tenant}/v2.0`."""
        base = f"{origin}/{tenant}"
        return {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "issuer": f"{origin}/{self.tenant_id}/v2.0",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "response_types_supported": ["code", "id_token", "code id_token", "token id_token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "tenant_region_scope": "EU",
        }

    def issue(
        self, form: dict[str, str], basic_auth: tuple[str, str] | None
    ) -> tuple[int, dict[str, Any]]:
        """Answers a token request: (status, JSON body) in Entra's format."""
        client_id = form.get("client_id") or (basic_auth[0] if basic_auth else "")
        secret = form.get("client_secret") or (basic_auth[1] if basic_auth else "")
        if form.get("grant_type") != "client_credentials":
            return 400, _oauth_error(
                "unsupported_grant_type",
                "AADSTS70003: The app requested an unsupported grant type.",
            )
        user = self.users.get(client_id.lower())
        if user is None:
            return 400, _oauth_error(
                "unauthorized_client",
                f"AADSTS700016: Application with identifier '{client_id}' was not found in the "
                f"directory '{self.tenant_id}'.",
            )
        if not hmac.compare_digest(secret.encode(), user.client_secret.encode()):
            return 401, _oauth_error(
                "invalid_client",
                "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in "
                "the request is the client secret value, not the client secret ID.",
            )
        scope = form.get("scope", "")
        if not scope.endswith("/.default"):
            return 400, _oauth_error(
                "invalid_scope",
                "AADSTS1002012: The provided value for scope is not valid. Client credential "
                "flows must have a scope value with /.default suffixed to the resource identifier.",
            )
        now = int(time.time())
        claims = {
            "aud": scope.removesuffix("/.default").rstrip("/"),
            "iss": f"https://sts.windows.net/{self.tenant_id}/",
            "iat": now,
            "nbf": now,
            "exp": now + self.lifetime_s,
            "appid": user.client_id,
            "azp": user.client_id,
            "oid": user.user_id,
            "sub": user.user_id,
            "tid": self.tenant_id,
            "idtyp": "app",
            "ver": "1.0",
        }
        return 200, {
            "token_type": "Bearer",
            "expires_in": self.lifetime_s,
            "ext_expires_in": self.lifetime_s,
            "access_token": self.sign(claims),
        }

    def sign(self, claims: dict[str, Any]) -> str:
        """An HS256 JWT over `claims`."""
        header = _b64(json.dumps({"typ": "JWT", "alg": "HS256"}).encode())
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = hmac.new(self.secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        return f"{header}.{payload}.{_b64(signature)}"

    def verify(self, authorization: str | None, authority: str) -> AppUser:
        """The application user a bearer token names.

        Raises:
            DataverseError: 401 for a missing, malformed, forged or expired token.
        """
        if not authorization or not authorization.startswith("Bearer "):
            raise _unauthorized(
                "MissingCrmAuthenticationToken: the request has no bearer token.", authority
            )
        token = authorization.removeprefix("Bearer ").strip()
        try:
            header, payload, signature = token.split(".")
            expected = hmac.new(self.secret, f"{header}.{payload}".encode(), hashlib.sha256)
            if not hmac.compare_digest(_unb64(signature), expected.digest()):
                raise ValueError("signature")
            claims = json.loads(_unb64(payload))
        except ValueError:
            raise _unauthorized(
                "InvalidAuthTicket: the bearer token is not valid.", authority
            ) from None
        if int(claims.get("exp", 0)) < time.time():
            raise _unauthorized("ExpiredAuthTicket: the bearer token has expired.", authority)
        user = self.users.get(str(claims.get("appid", "")).lower())
        if user is None:
            raise _unauthorized("UnauthorizedAccess: no application user for this app.", authority)
        return user


def _oauth_error(code: str, description: str) -> dict[str, Any]:
    return {
        "error": code,
        "error_description": description,
        "error_codes": [int(description.removeprefix("AADSTS").split(":")[0])],
        "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
    }
