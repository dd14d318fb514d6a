"""End-to-end wiring: Azurite + a destination emulator + the local Durable host + the real app.

`migration_env` is the Dataverse emulator unless a test parametrises it indirectly with a
destination kind: `@pytest.mark.parametrize("migration_env", ["salesforce"], indirect=True)`.
Either way it is a `MigrationEnv`: the emulator (attributes pass through) plus what every
destination offers a test alike (`kind`, `snapshot`, `changes_since`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cli.durable_host import DurableHost
from shared.ledger import RunRecord, clients
from shared.pipeline.destination import close_destinations

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
FALLBACK_OWNER = "amelia.hart@brightsmile.example"
# The schema step's permission set (and its assignment to the integration user) is setup, like
# Dataverse's custom tables and columns: a rollback reverts data, never the schema.
SALESFORCE_SETUP = frozenset({"PermissionSet", "PermissionSetAssignment"})


@dataclass
class MigrationEnv:
    """The emulator a run writes to, with a destination-neutral view of its admin surface."""

    kind: str
    emulator: Any

    def __getattr__(self, name: str) -> Any:
        return getattr(self.emulator, name)

    def snapshot(self, name: str) -> int:
        """Copies every record of the emulator under `name`."""
        return int(self.emulator.snapshot(name))

    def changes_since(self, name: str) -> dict[str, dict[str, int]]:
        """Per table, records created / updated / deleted since snapshot `name` (only non-zero;
        schema setup records left out)."""
        changes = self.emulator.diff(name)
        kinds = ("created", "updated", "deleted")
        found: dict[str, dict[str, int]] = {}
        if self.kind == "dataverse":  # per table: lists (or counts) of records per change
            for table, change in changes.get("tables", changes).items():
                counts = {k: len(v) if isinstance(v := change[k], list) else int(v) for k in kinds}
                if any(counts.values()):
                    found[table] = counts
            return found
        for kind in kinds:  # Salesforce: one list of {object, id} per change
            for record in changes[kind]:
                if record["object"] in SALESFORCE_SETUP:
                    continue
                found.setdefault(record["object"], dict.fromkeys(kinds, 0))[kind] += 1
        return found

    def failed_requests(self) -> list[tuple[Any, ...]]:
        """Distinct refused requests (method, resource, status[, code]): names, never values."""
        if self.kind == "dataverse":
            log = self.emulator.request_log()
            found = {(r["method"], r["resource"], r["status"], r["code"]) for r in log}
        else:
            log = self.emulator.admin.get("/_emulator/requests").json()
            found = {(r["method"], r["path"], r["status"]) for r in log}
        return sorted(f for f in found if f[2] >= 400)


def _dataverse_settings(emulator: Any) -> dict[str, str]:
    users = [{"client_id": u.client_id, "client_secret": u.client_secret}
             for u in emulator.users[:2]]  # fmt: skip
    return {
        "CLINICFERRY_DATAVERSE_ORG_URL": emulator.environment_url,
        "CLINICFERRY_DATAVERSE_TENANT_ID": emulator.tenant_id,
        "CLINICFERRY_DATAVERSE_AUTHORITY_HOST": emulator.authority.rsplit("/", 1)[0],
        "CLINICFERRY_DATAVERSE_CA_BUNDLE": str(emulator.ca_file),
        "CLINICFERRY_DATAVERSE_USERS": json.dumps(users),
        "CLINICFERRY_DATAVERSE_ALLOW_METADATA_APPLY": "true",
        "CLINICFERRY_FALLBACK_OWNER_EMAIL": FALLBACK_OWNER,
    }


def _salesforce_settings(emulator: Any) -> dict[str, str]:
    from tests.fixtures.salesforce_emulator import CLIENT_ID, CLIENT_SECRET, INTEGRATION

    return {
        "CLINICFERRY_SALESFORCE_AUTH_FLOW": "client_credentials",
        "CLINICFERRY_SALESFORCE_MY_DOMAIN_URL": emulator.origin,
        "CLINICFERRY_SALESFORCE_CLIENT_ID": CLIENT_ID,
        "CLINICFERRY_SALESFORCE_CLIENT_SECRET": CLIENT_SECRET,
        "CLINICFERRY_SALESFORCE_CA_BUNDLE": str(emulator.ca_file),
        "CLINICFERRY_SALESFORCE_ALLOW_METADATA_APPLY": "true",
        "CLINICFERRY_SALESFORCE_POLL_INITIAL_SECONDS": "0.02",
        "CLINICFERRY_SALESFORCE_POLL_MAX_SECONDS": "0.2",
        "CLINICFERRY_FALLBACK_OWNER_EMAIL": INTEGRATION,
    }


@pytest.fixture
def migration_env(
    request: pytest.FixtureRequest, storage_connection_string: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[MigrationEnv]:  # fmt: skip
    """App settings pointing the product at Azurite and a freshly reset destination emulator."""
    kind = getattr(request, "param", "dataverse")
    if kind == "dataverse":
        emulator = request.getfixturevalue("fresh_dataverse")
        settings = _dataverse_settings(emulator)
    else:
        emulator = request.getfixturevalue("fresh_salesforce")
        settings = _salesforce_settings(emulator)
    settings["CLINICFERRY_STORAGE"] = storage_connection_string
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    clients.reset()
    yield MigrationEnv(kind, emulator)
    close_destinations()
    clients.reset()


@pytest.fixture
def migration_host(
    migration_env: MigrationEnv, durable_host_factory: Callable[..., DurableHost]
) -> DurableHost:
    """The real Function App's orchestrations and activities on a local Durable host."""
    from function_app import app

    return durable_host_factory(app, time_scale=0)


def upload_export(source: str, prefix: str) -> None:
    """Puts a committed sample export where a run reads it: the staging container."""
    clients.staging().upload_folder(SAMPLES / source, prefix)


def create_run(
    run_id: str, source: str, mode: str = "full", destination: str = "dataverse"
) -> None:
    """The run row the HTTP start endpoint would create."""
    now = datetime.now(UTC)
    clients.run_store().create(RunRecord(
        run_id=run_id, source_system=source, destination_kind=destination,
        environment="default", mode=mode, started_by="e2e@example.org", created_at=now,
        updated_at=now,
    ))  # fmt: skip
