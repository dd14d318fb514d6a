"""Emulator settings: users, connected apps, org preferences, limits and chaos."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

UserPermission = Literal["SetAuditFields", "UpdateWithInactiveOwner", "BulkApiHardDelete"]


class OrgUser(BaseModel):
    """A Salesforce user of the emulated org."""

    model_config = ConfigDict(extra="forbid")

    username: str
    email: str
    last_name: str
    first_name: str = ""
    active: bool = True
    permissions: list[UserPermission] = Field(default_factory=list)
    # Sees every field and object (Modify All Data + View All, like a System Administrator).
    admin: bool = False


class ConnectedApp(BaseModel):
    """An external client app: client credentials run as `run_as`; JWT as the `sub` user."""

    model_config = ConfigDict(extra="forbid")

    client_id: str
    client_secret: str
    run_as: str
    # PEM certificate or public key that JWT assertions must be signed against.
    jwt_public_key: str | None = None
    # Usernames pre-authorised for the JWT bearer flow.
    jwt_approved: list[str] = Field(default_factory=list)


class Limits(BaseModel):
    """Daily API allocation and Bulk API 2.0 processing limits."""

    model_config = ConfigDict(extra="forbid")

    daily_api_requests: int = 1_000_000
    bulk_chunk_size: int = 10_000
    bulk_daily_records: int = 150_000_000
    max_upload_bytes: int = 100_000_000
    token_lifetime_s: float = 7200.0


class Chaos(BaseModel):
    """Fault injection: random 503s, lock failures, failing Bulk chunks (all off by default)."""

    model_config = ConfigDict(extra="forbid")

    rate_5xx: float = 0.0
    # Retry-After (seconds) on those 503s.
    retry_after_s: int = 1
    # Chance that a Bulk row fails UNABLE_TO_LOCK_ROW when its parent is also referenced by
    # another chunk or another running job (parallel updates of the same parent).
    lock_contention: float = 0.0
    # Chance that one Bulk chunk keeps timing out, failing the job with the rest unprocessed.
    chunk_failure: float = 0.0
    seed: int | None = None


class EmulatorConfig(BaseModel):
    """Everything the emulator needs; the defaults make a small, permissive test org."""

    model_config = ConfigDict(extra="forbid")

    data_dir: Path | None = None
    org_id: str = "00DHn0000000001EAA"
    api_versions: list[str] = Field(
        default_factory=lambda: ["58.0", "59.0", "60.0", "61.0", "62.0"]
    )
    # "Enable 'Set Audit Fields upon Record Creation' and 'Update Records with Inactive Owners'".
    audit_fields_org_setting: bool = True
    # Seconds a Bulk job waits before it starts (x time_scale); 0 = process right after close.
    time_scale: float = 0.0
    bulk_start_delay_s: float = 1.0
    limits: Limits = Field(default_factory=Limits)
    chaos: Chaos = Field(default_factory=Chaos)
    users: list[OrgUser] = Field(default_factory=list)
    apps: list[ConnectedApp] = Field(default_factory=list)


def load_org_file(path: Path) -> tuple[list[OrgUser], list[ConnectedApp]]:
    """Users and apps from a YAML/JSON file `{users: [...], apps: [...]}`."""
    import yaml

    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    users = [OrgUser.model_validate(u) for u in raw.get("users", [])]
    apps = [ConnectedApp.model_validate(a) for a in raw.get("apps", [])]
    return users, apps


def local_org() -> tuple[list[OrgUser], list[ConnectedApp]]:
    """A small org for local runs: an integration user, a clinician, an inactive one, and one
    external client app (client credentials) running as the integration user."""
    integration = OrgUser(
        username="integration@clinicferry.local",
        email="integration@clinicferry.local",
        last_name="Integration",
        first_name="ClinicFerry",
        admin=True,
        permissions=["SetAuditFields", "BulkApiHardDelete"],
    )
    users = [
        integration,
        OrgUser(
            username="dr.jones@clinic.local",
            email="dr.jones@clinic.example",
            last_name="Jones",
            first_name="Alex",
        ),
        OrgUser(
            username="former@clinic.local",
            email="former@clinic.example",
            last_name="Former",
            first_name="Sam",
            active=False,
        ),
    ]
    apps = [
        ConnectedApp(
            client_id="clinicferry-local-app",
            client_secret="emulator-secret",  # noqa: S106 - local emulator only
            run_as=integration.username,
        ),
    ]
    return users, apps
