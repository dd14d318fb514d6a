"""Each Dataverse seed pair, from its committed sample, through the real app into the emulator."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from cli.durable_host import DurableHost, RuntimeStatus
from orchestrators import names
from shared.ledger import clients
from shared.mapping.keys import destination_key
from tests.e2e.conftest import create_run, upload_export

pytestmark = [pytest.mark.integration, pytest.mark.slow]


SAMPLE_FOLDERS = {"generic_csv": "generic"}


def run_migration(
    host: DurableHost, source: str, run_id: str, destination: str = "dataverse", **options: Any
) -> Any:
    upload_export(SAMPLE_FOLDERS.get(source, source), f"exports/{run_id}")
    create_run(run_id, source, destination=destination)
    start = {
        "run_id": run_id, "source_system": source, "export": {"prefix": f"exports/{run_id}"},
        "destination": {"kind": destination}, "mode": "full", "started_by": "e2e@example.org",
        "options": {"auto_confirm": True, "apply_schema": True, "page_size": 200, **options},
    }  # fmt: skip
    host.start_new(names.MIGRATION, start, instance_id=run_id)
    return host.wait_for(run_id, timeout=600)


@pytest.mark.parametrize("source", ["aerona", "drdentes", "core_practice", "generic_csv"])
def test_pair_loads_every_accepted_record_and_reconciles(
    migration_host: DurableHost, migration_env: Any, source: str
) -> None:
    status = run_migration(migration_host, source, f"run-e2e-{source.replace('_', '-')}")
    failures = [(r["method"], r["resource"], r["status"], r["code"])
                for r in migration_env.request_log() if r["status"] >= 400]  # fmt: skip
    assert status.runtime_status == RuntimeStatus.COMPLETED, (status.output, sorted(set(failures)))
    output = status.output
    assert output["state"] == "completed", output
    run_id = f"run-e2e-{source.replace('_', '-')}"
    accounting = json.loads(clients.staging().read_bytes(f"{run_id}/accounting.json",
                                                         container="reports"))  # fmt: skip
    reconciliation = json.loads(clients.staging().read_bytes(f"{run_id}/reconciliation.json",
                                                             container="reports"))  # fmt: skip
    assert output["reconciled"], (accounting["reasons"], reconciliation)
    assert clients.run_store().get(run_id).state == "completed"
    for kind, counts in output["objects"].items():
        assert counts["accepted"] + counts["quarantined"] + counts["merged"] == counts["read"]
        assert counts["staged"] == counts["accepted"], kind  # full mode stages every accepted row
    assert_quarantine_report(run_id, output)
    assert_patients_landed_with_owner_account_and_created_on(migration_env, run_id)


def assert_quarantine_report(run_id: str, output: dict[str, Any]) -> None:
    """Every quarantined row is in the report with at least one reason, and no more rows."""
    raw = clients.staging().read_bytes(f"{run_id}/quarantine.jsonl", container="reports")
    lines = [json.loads(line) for line in raw.decode().splitlines() if line]
    assert len(lines) == sum(c["quarantined"] for c in output["objects"].values())
    assert all(any(f["severity"] == "quarantine" for f in line["findings"]) for line in lines)


def assert_patients_landed_with_owner_account_and_created_on(emulator: Any, run_id: str) -> None:
    """Each staged patient is a contact with an owner, a parent account and its created-on."""
    staging = clients.staging()
    patients = [
        r for page in staging.list_pages(run_id, "patient") for r in staging.read_jsonl(page)
    ]
    select = "new_sourceid,_ownerid_value,createdon,_parentcustomerid_value"
    with emulator.client() as http:
        response = http.get("contacts", params={
            "$select": select, "$filter": f"new_migrationrunid eq '{run_id}'",
        }, headers={"Prefer": "odata.maxpagesize=5000"})  # fmt: skip
        response.raise_for_status()
        contacts = {row["new_sourceid"]: row for row in response.json()["value"]}
    assert patients
    for patient in patients:
        key = destination_key(patient["source_system"], "patient", patient["source_id"])
        contact = contacts[key]
        assert contact["_ownerid_value"], key
        assert contact["_parentcustomerid_value"], key
        if patient.get("created_at_source"):
            wanted = datetime.fromisoformat(patient["created_at_source"]).astimezone(UTC)
            got = datetime.fromisoformat(contact["createdon"].replace("Z", "+00:00"))
            assert got == wanted, key
