"""Dataverse connection and load settings, filled from the environment (Key Vault references).

In Azure the app settings hold `@Microsoft.KeyVault(...)` references that the platform resolves
into environment variables, so secrets reach this model without ever being in code or files.
Prefix: `CLINICFERRY_DATAVERSE_`; `USERS` is a JSON list of application users.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

CredentialKind = Literal["secret", "certificate", "managed_identity"]


def is_loopback(url: str) -> bool:
    """True when the URL's host is localhost or a loopback address."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_https(url: str, what: str) -> str:
    """Refuse plain http, except for a loopback emulator."""
    scheme = urlsplit(url).scheme
    if scheme == "https" or (scheme == "http" and is_loopback(url)):
        return url.rstrip("/")
    raise ValueError(f"{what} must be https (plain http only for a loopback emulator)")


class ApplicationUser(BaseModel):
    """One Entra app registration bound to a Dataverse application user."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    client_id: str | None = None
    client_secret: SecretStr | None = None
    certificate_path: Path | None = None
    certificate_password: SecretStr | None = None
    managed_identity: bool = False

    @property
    def credential_kind(self) -> CredentialKind:
        """How this user gets tokens."""
        if self.managed_identity:
            return "managed_identity"
        return "certificate" if self.certificate_path else "secret"

    @model_validator(mode="after")
    def _one_credential(self) -> ApplicationUser:
        given = [self.client_secret is not None, self.certificate_path is not None]
        if self.managed_identity:
            if any(given):
                raise ValueError("a managed identity user takes no secret or certificate")
            return self
        if not self.client_id or sum(given) != 1:
            raise ValueError("an application user needs client_id and a secret or a certificate")
        return self


class DataverseSettings(BaseSettings):
    """Everything needed to reach one Dataverse environment and load it politely."""

    model_config = SettingsConfigDict(env_prefix="CLINICFERRY_DATAVERSE_", extra="ignore")

    org_url: str
    tenant_id: str
    authority_host: str = "https://login.microsoftonline.com"
    users: list[ApplicationUser] = Field(min_length=1)
    ca_bundle: Path | None = None
    http2: bool = True
    api_version: str = "v9.2"
    publisher_prefix: str = "new_"
    solution_unique_name: str = "ClinicFerry"
    fallback_owner_email: str | None = None
    allow_metadata_apply: bool = False
    max_batch_size: int = Field(default=500, ge=1, le=1000)
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    max_retry_seconds: float = 300.0
    max_inline_wait_seconds: float = 30.0
    max_dop_per_user: int = Field(default=52, ge=1)
    bypass_business_logic: bool = False
    suppress_flows: bool = False
    allow_block_upload: bool = False
    # Known `organization.maxuploadfilesize`; None = read it from the environment when needed.
    max_upload_bytes: int | None = None

    @field_validator("org_url")
    @classmethod
    def _org_https(cls, value: str) -> str:
        return require_https(value, "org_url")

    @field_validator("authority_host")
    @classmethod
    def _authority_https(cls, value: str) -> str:
        return require_https(value, "authority_host")

    @field_validator("publisher_prefix")
    @classmethod
    def _prefix_shape(cls, value: str) -> str:
        core = value.rstrip("_")
        if not (2 <= len(core) <= 8 and core.isalnum() and core.islower()):
            raise ValueError("publisher_prefix is 2-8 lowercase letters/digits, e.g. new_")
        return core + "_"

    @property
    def api_url(self) -> str:
        """`https://<org>/api/data/v9.2` (no trailing slash)."""
        return f"{self.org_url}/api/data/{self.api_version}"

    @property
    def scope(self) -> str:
        """The client-credentials scope, `<org>/.default`."""
        return f"{self.org_url}/.default"

    @property
    def authority(self) -> str:
        """The Entra authority for the tenant."""
        return f"{self.authority_host}/{self.tenant_id}"
