"""Run-wide settings from the app settings (environment / Key Vault references), never from code."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PipelineSettings(BaseSettings):
    """What every run in this deployment shares."""

    model_config = SettingsConfigDict(env_prefix="CLINICFERRY_", extra="ignore")

    fallback_owner_email: str | None = None
    # Reference records the maps bind to but never create, found by name at the destination.
    price_list_name: str = "Standard Fees"
    unit_group_name: str = "Default Unit"
    unit_name: str = "Primary Unit"
    # Power Platform 24 h entitlement of the non-licensed pool (application users): 500,000 base
    # plus 5,000 per licence; bulk targets count one each.
    daily_request_entitlement: int = Field(default=500_000, gt=0)
