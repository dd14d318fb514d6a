"""Each seed pair, from its committed sample, through the real app into its destination's emulator.

Tests take the destination through `migration_env` (indirect parametrisation, see conftest.py):
every Dataverse pair, and AeronaClinic -> Salesforce.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from cli.durable_host import DurableHost, RuntimeStatus
from orchestrators import names
from shared.ledger import clients
from shared.mapping.keys import destination_key
from shared.pipeline.load import _compiled  # the load step's own compiled map for the run
from tests.e2e.conftest import MigrationEnv, create_run, upload_export

pytestmark = [pytest.mark.integration, pytest.mark.slow]


SAMPLE_FOLDERS = {"generic_csv": "generic"}
# (destination, source) pairs with a map and totals; the first item goes to `migration_env`.
PAIRS = [
    *(pytest.param("dataverse", source, id=f"dataverse-{source}")
      for source in ("aerona", "drdentes", "core_practice", "generic_csv")),
    pytest.param("salesforce", "aerona", id="salesforce-aerona"),
]  # fmt: skip


def run_migration(
    host: DurableHost, source: str, run_id: str, destination: str = "dataverse",
    mode: str = "full", **options: Any,
) -> Any:  # fmt: skip
    upload_export(SAMPLE_FOLDERS.get(source, source), f"exports/{run_id}")
    create_run(run_id, source, mode=mode, destination=destination)
    start = {
        "run_id": run_id, "source_system": source, "export": {"prefix": f"exports/{run_id}"},
        "destination": {"kind": destination}, "mode": mode, "started_by": "e2e@example.org",
        "options": {"auto_confirm": True, "apply_schema": True, "page_size": 200,
                    "delta_window_hours": 0, **options},
    }  # fmt: skip
    host.start_new(names.MIGRATION, start, instance_id=run_id)
    return host.wait_for(run_id, timeout=600)


@pytest.mark.parametrize(("migration_env", "source"), PAIRS, indirect=["migration_env"])
def test_pair_loads_every_accepted_record_and_reconciles(
    migration_host: DurableHost, migration_env: MigrationEnv, source: str
) -> None:
    run_id = f"run-e2e-{migration_env.kind[:2]}-{source.replace('_', '-')}"
    status = run_migration(migration_host, source, run_id, destination=migration_env.kind)
    failures = migration_env.failed_requests()
    assert status.runtime_status == RuntimeStatus.COMPLETED, (status.output, failures)
    output = status.output
    assert output["state"] == "completed", output
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
    if migration_env.kind == "salesforce":
        assert_documents_carry_their_files(migration_env, run_id, output["tables"]["document"])


def assert_documents_carry_their_files(
    env: MigrationEnv, run_id: str, counts: dict[str, int]
) -> None:
    """Each Document__c of the run has exactly one file (a ContentVersion published to it)."""
    documents = {r["Id"] for r in env.records("Document__c") if r["Migration_Run_Id__c"] == run_id}
    published = Counter(v["FirstPublishLocationId"] for v in env.records("ContentVersion"))
    assert len(documents) == counts.get("created", 0) > 0
    assert {d: published[d] for d in documents} == dict.fromkeys(documents, 1)


@pytest.mark.parametrize(
    ("migration_env", "source"), [PAIRS[0], PAIRS[-1]], indirect=["migration_env"]
)
def test_a_sample_run_reads_every_field_back(
    migration_host: DurableHost, migration_env: MigrationEnv, source: str
) -> None:
    """A sample of patients with everything hanging off them, and its field-level diff."""
    run_id = f"run-e2e-sample-{migration_env.kind[:2]}-{source.replace('_', '-')}"
    status = run_migration(migration_host, source, run_id, destination=migration_env.kind,
                           mode="sample", sample_size=40)  # fmt: skip
    assert status.runtime_status == RuntimeStatus.COMPLETED, status.output
    assert status.output["state"] == "sample_loaded", status.output
    summary = status.output["diff"]
    assert summary["mismatch"] == summary["missing"] == 0, summary
    assert summary["match"] > 500 and summary["transformed"] > 100, summary
    report = json.loads(clients.staging().read_bytes(f"{run_id}/diff.json", container="reports"))
    staged = status.output["objects"]["patient"]["staged"]
    assert 0 < staged < status.output["objects"]["patient"]["accepted"]  # a sample, not all
    patients = {f["key"] for f in report["fields"] if f["entry"] == "patient_contact"}
    assert len(patients) == staged
    # Every entry that loaded source records is in the diff (appointments, notes, documents, ...).
    compiled = _compiled(run_id, str(clients.run_store().get(run_id).confirmed_map_hash),
                         clients.staging())  # fmt: skip
    entries = [compiled.tables[name] for name in status.output["tables"]]
    loaded = {e.entry for e in entries if e.source_kind and e.operation == "upsert"}
    assert len(loaded) >= 5 and {f["entry"] for f in report["fields"]} == loaded


def assert_quarantine_report(run_id: str, output: dict[str, Any]) -> None:
    """Every quarantined row is in the report with at least one reason, and no more rows."""
    raw = clients.staging().read_bytes(f"{run_id}/quarantine.jsonl", container="reports")
    lines = [json.loads(line) for line in raw.decode().splitlines() if line]
    assert len(lines) == sum(c["quarantined"] for c in output["objects"].values())
    assert all(any(f["severity"] == "quarantine" for f in line["findings"]) for line in lines)


def assert_patients_landed_with_owner_account_and_created_on(
    env: MigrationEnv, run_id: str
) -> None:
    """Each staged patient is a contact with an owner, a parent account and its created-on."""
    staging = clients.staging()
    patients = [
        r for page in staging.list_pages(run_id, "patient") for r in staging.read_jsonl(page)
    ]
    contacts = landed_contacts(env, run_id)
    assert patients
    for patient in patients:
        key = destination_key(patient["source_system"], "patient", patient["source_id"])
        owner, account, created = contacts[key]
        assert owner and account, key
        if patient.get("created_at_source"):
            wanted = datetime.fromisoformat(patient["created_at_source"]).astimezone(UTC)
            got = datetime.fromisoformat(created.replace("Z", "+00:00"))
            assert got == wanted, key


def landed_contacts(env: MigrationEnv, run_id: str) -> dict[str, tuple[str, str, str]]:
    """(owner id, parent account id, created on) of the run's contacts by source key."""
    if env.kind == "salesforce":
        return {
            row["Source_Id__c"]: (row["OwnerId"], row["AccountId"], row["CreatedDate"])
            for row in env.records("Contact")
            if row.get("Migration_Run_Id__c") == run_id
        }
    select = "new_sourceid,_ownerid_value,createdon,_parentcustomerid_value"
    with env.client() as http:
        response = http.get("contacts", params={
            "$select": select, "$filter": f"new_migrationrunid eq '{run_id}'",
        }, headers={"Prefer": "odata.maxpagesize=5000"})  # fmt: skip
        response.raise_for_status()
    return {
        row["new_sourceid"]: (row["_ownerid_value"], row["_parentcustomerid_value"],
                              row["createdon"])
        for row in response.json()["value"]
    }  # fmt: skip


@pytest.mark.parametrize("migration_env", ["salesforce"], indirect=True)
def test_without_leave_to_apply_the_schema_the_run_stops_with_a_package(
    migration_host: DurableHost, migration_env: MigrationEnv
) -> None:
    """Nothing is written before the org has the map's objects; the admin gets a package."""
    migration_env.snapshot("before-gated-run")
    run_id = "run-e2e-sf-schema-gate"
    status = run_migration(migration_host, "aerona", run_id, destination="salesforce",
                           apply_schema=False)  # fmt: skip
    assert status.output["state"] == "failed", status.output
    assert "destination schema missing" in status.output["reason"], status.output
    package = clients.staging().read_bytes(f"{run_id}/metadata-package.zip", container="reports")
    assert package[:2] == b"PK"
    assert migration_env.changes_since("before-gated-run") == {}
