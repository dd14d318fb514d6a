"""Salesforce connection and load settings, filled from the environment (Key Vault references).

In Azure the app settings hold `@Microsoft.KeyVault(...)` references that the platform resolves
into environment variables, so the client secret or the JWT private key reach this model without
ever being in code or files. Prefix: `CLINICFERRY_SALESFORCE_`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.destinations.dataverse.settings import require_https

AuthFlow = Literal["client_credentials", "jwt_bearer"]


class SalesforceSettings(BaseSettings):
    """Everything needed to reach one Salesforce org and load it within its limits."""

    model_config = SettingsConfigDict(env_prefix="CLINICFERRY_SALESFORCE_", extra="ignore")

    auth_flow: AuthFlow = "jwt_bearer"
    # The org's My Domain (`https://acme.my.salesforce.com`): client credentials must use it.
    my_domain_url: str | None = None
    # Where JWT assertions go and their audience (`https://test.salesforce.com` for sandboxes).
    login_url: str = "https://login.salesforce.com"
    jwt_audience: str | None = None
    client_id: str
    client_secret: SecretStr | None = None
    username: str | None = None
    jwt_private_key: SecretStr | None = None
    jwt_private_key_path: Path | None = None
    api_version: str = "62.0"
    ca_bundle: Path | None = None
    allow_metadata_apply: bool = False
    permission_set_name: str = "ClinicFerry_Migration"
    # The map's provenance columns (mappings/salesforce/default.yaml).
    key_column: str = "Source_Id__c"
    run_id_column: str = "Migration_Run_Id__c"
    fallback_owner_email: str | None = None
    # Fewer records than this go through sObject Collections (200 per call) instead of a job.
    bulk_min_records: int = Field(default=2000, ge=0)
    max_batch_size: int = Field(default=10_000, ge=1, le=150_000)
    poll_initial_seconds: float = 0.2
    poll_max_seconds: float = 5.0
    job_timeout_seconds: float = 3600.0
    lock_retry_rounds: int = Field(default=2, ge=0)
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    max_retry_seconds: float = 300.0
    max_inline_wait_seconds: float = 30.0

    @field_validator("login_url", "my_domain_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        return None if value is None else require_https(value, "Salesforce URLs")

    @model_validator(mode="after")
    def _credentials(self) -> SalesforceSettings:
        if self.auth_flow == "client_credentials":
            if self.client_secret is None or self.my_domain_url is None:
                raise ValueError("client credentials need client_secret and my_domain_url")
        else:
            if not self.username:
                raise ValueError("the JWT bearer flow needs username (the integration user)")
            if (self.jwt_private_key is None) == (self.jwt_private_key_path is None):
                raise ValueError("give exactly one of jwt_private_key and jwt_private_key_path")
        return self

    @property
    def token_url(self) -> str:
        """The OAuth 2.0 token endpoint for the configured flow."""
        host = self.my_domain_url if self.auth_flow == "client_credentials" else self.login_url
        return f"{host}/services/oauth2/token"

    def private_key(self) -> str:
        """The JWT signing key (PEM), from the environment or the file."""
        if self.jwt_private_key is not None:
            return self.jwt_private_key.get_secret_value()
        assert self.jwt_private_key_path is not None
        return self.jwt_private_key_path.read_text(encoding="utf-8")
