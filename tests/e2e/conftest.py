"""End-to-end wiring: Azurite + the Dataverse emulator + the local Durable host + the real app."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cli.durable_host import DurableHost
from shared.ledger import RunRecord, clients

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
FALLBACK_OWNER = "amelia.hart@brightsmile.example"


@pytest.fixture
def migration_env(
    storage_connection_string: str, fresh_dataverse: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """App settings pointing the product at Azurite and the freshly reset emulator."""
    users = [{"client_id": u.client_id, "client_secret": u.client_secret}
             for u in fresh_dataverse.users[:2]]  # fmt: skip
    settings = {
        "CLINICFERRY_STORAGE": storage_connection_string,
        "CLINICFERRY_DATAVERSE_ORG_URL": fresh_dataverse.environment_url,
        "CLINICFERRY_DATAVERSE_TENANT_ID": fresh_dataverse.tenant_id,
        "CLINICFERRY_DATAVERSE_AUTHORITY_HOST": fresh_dataverse.authority.rsplit("/", 1)[0],
        "CLINICFERRY_DATAVERSE_CA_BUNDLE": str(fresh_dataverse.ca_file),
        "CLINICFERRY_DATAVERSE_USERS": json.dumps(users),
        "CLINICFERRY_DATAVERSE_ALLOW_METADATA_APPLY": "true",
        "CLINICFERRY_FALLBACK_OWNER_EMAIL": FALLBACK_OWNER,
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    clients.reset()
    yield fresh_dataverse
    clients.reset()


@pytest.fixture
def migration_host(
    migration_env: Any, durable_host_factory: Callable[..., DurableHost]
) -> DurableHost:
    """The real Function App's orchestrations and activities on a local Durable host."""
    from function_app import app

    return durable_host_factory(app, time_scale=0)


def upload_export(source: str, prefix: str) -> None:
    """Puts a committed sample export where a run reads it: the staging container."""
    clients.staging().upload_folder(SAMPLES / source, prefix)


def create_run(run_id: str, source: str, mode: str = "full") -> None:
    """The run row the HTTP start endpoint would create."""
    now = datetime.now(UTC)
    clients.run_store().create(RunRecord(
        run_id=run_id, source_system=source, destination_kind="dataverse", environment="default",
        mode=mode, started_by="e2e@example.org", created_at=now, updated_at=now,
    ))  # fmt: skip
