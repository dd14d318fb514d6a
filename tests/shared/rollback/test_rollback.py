"""Rollback against the Dataverse emulator and Azurite: the environment is put back as it was."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from azure.data.tables import TableServiceClient
from azure.storage.blob import BlobServiceClient

from shared.destinations.base import WriteOptions
from shared.destinations.dataverse import DataverseDestination
from shared.ledger import AuditLedger, BlobStaging
from shared.rollback import RollbackContext, TableRollback, rollback_table, rollback_units
from shared.rollback import run as rollback_run
from tests.shared.rollback.loadkit import (
    LOAD_ORDER,
    contact,
    invoice,
    load,
    provisioned,
    run_async,
)

pytestmark = pytest.mark.integration
TABLES = ("contact", "new_patientinvoice")
NO_SKEW = timedelta(0)


@pytest.fixture
def ledger(storage_connection_string: str) -> AuditLedger:
    return AuditLedger(TableServiceClient.from_connection_string(storage_connection_string))


@pytest.fixture
def staging(storage_connection_string: str) -> BlobStaging:
    return BlobStaging(BlobServiceClient.from_connection_string(storage_connection_string))


def clean(emulator: Any, snapshot: str) -> dict[str, Any]:
    """The emulator's differences since `snapshot` in the tables the run touched."""
    diff = emulator.diff(snapshot)
    tables = diff.get("tables", diff)
    return {
        name: change
        for name, change in tables.items()
        if name in TABLES and (change["created"] or change["deleted"] or change["updated"])
    }


def rollback(
    destination: DataverseDestination,
    ledger: AuditLedger,
    staging: BlobStaging,
    run_id: str,
    started: datetime,
    **options: Any,
) -> dict[str, TableRollback]:
    context = RollbackContext(destination, ledger, staging, run_id, "op@clinic.example", started,
                              **options)  # fmt: skip

    async def work() -> dict[str, TableRollback]:
        units = rollback_units(LOAD_ORDER, ledger.tables_touched(run_id))
        assert [(u.table, u.entries) for u in units] == [  # children first
            ("new_patientinvoice", ["invoice"]), ("contact", ["patient_contact"])
        ]  # fmt: skip
        return {u.table: await rollback_table(context, u.table, u.entries) for u in units}

    return run_async(destination, work)


def perform_run(
    emulator: Any, ledger: AuditLedger, staging: BlobStaging, run_id: str
) -> tuple[datetime, str]:
    """Existing patients (from an earlier run), snapshot, then this run: creates and updates."""
    destination = provisioned(emulator)

    async def existing() -> None:
        await load(destination, None, staging, "run-earlier", "contact",
                   [contact(n) for n in range(5)], "contact.0")  # fmt: skip
        await load(destination, None, staging, "run-earlier", "new_patientinvoice",
                   [invoice(90, 0, "40.00")], "invoice.0")  # fmt: skip

    run_async(destination, existing)
    emulator.snapshot(f"before-{run_id}")
    time.sleep(2.1)  # whole-second timestamps and a second of allowed skew: the run starts later
    started = datetime.now(UTC)
    destination = provisioned(emulator)

    async def this_run() -> None:
        # P0000-P0003 change (updated, before-images kept), P0005-P0009 are new; P0004's update
        # and P0010's create reach the destination but their ledger rows are lost.
        patients = [contact(n, lastname=f"Renamed{n}") for n in range(5)]
        patients += [contact(n) for n in range(5, 11)]
        lost = ["aerona.patient.P0004", "aerona.patient.P0010"]
        assert await load(destination, ledger, staging, run_id, "contact", patients, "contact.0",
                          lose=lost) == {"updated": 5, "created": 6}  # fmt: skip
        invoices = [invoice(90, 0, "45.00", "5.00")] + [
            invoice(n, n, "120.50", "20.00") for n in range(5, 9)
        ]
        await load(destination, ledger, staging, run_id, "new_patientinvoice", invoices,
                   "new_patientinvoice.0")  # fmt: skip

    run_async(destination, this_run)
    return started, f"before-{run_id}"


def test_rollback_puts_the_environment_back(
    fresh_dataverse: Any, ledger: AuditLedger, staging: BlobStaging
) -> None:
    run_id = f"run-{uuid.uuid4().hex[:8]}"
    started, snapshot = perform_run(fresh_dataverse, ledger, staging, run_id)
    assert set(clean(fresh_dataverse, snapshot)) == set(TABLES)

    outcome = rollback(provisioned(fresh_dataverse), ledger, staging, run_id, started)

    assert clean(fresh_dataverse, snapshot) == {}
    contacts, invoices = outcome["contact"], outcome["new_patientinvoice"]
    assert (contacts.deleted, contacts.restored, contacts.untracked) == (6, 5, 2)
    assert (invoices.deleted, invoices.restored) == (4, 1)
    assert all(o.complete for o in outcome.values())
    rows = [r for r in ledger.rows(run_id) if r.pass_id == "rollback"]
    assert sorted(r.operation for r in rows).count("deleted") == 10
    assert {r.operation for r in rows} == {"deleted", "restored"}

    mark = max(entry["seq"] for entry in fresh_dataverse.request_log())
    again = rollback(provisioned(fresh_dataverse), ledger, staging, run_id, started)
    writes = [e for e in fresh_dataverse.request_log(mark) if e["method"] in ("PATCH", "DELETE")]
    assert writes == []  # idempotent: a second rollback finds nothing left to do
    assert again["contact"].already_done == 9 and again["contact"].deleted == 0


def test_a_record_changed_after_the_run_is_listed_then_forced(
    fresh_dataverse: Any, ledger: AuditLedger, staging: BlobStaging
) -> None:
    run_id = f"run-{uuid.uuid4().hex[:8]}"
    started, snapshot = perform_run(fresh_dataverse, ledger, staging, run_id)
    time.sleep(1.1)  # modifiedon has second precision (and no clock skew here: tolerance 0)
    destination = provisioned(fresh_dataverse)
    changed = run_async(destination, lambda: destination.read_back(
        "contact", ["aerona.patient.P0006", "aerona.patient.P0001"], ["lastname"]))  # fmt: skip
    with fresh_dataverse.client(user=1) as other:  # another application user edits two records
        for row in changed.values():
            response = other.patch(f"contacts({row['contactid']})", json={"telephone1": "0999"})
            assert response.status_code == 204

    listed = rollback(
        provisioned(fresh_dataverse), ledger, staging, run_id, started, tolerance=NO_SKEW
    )

    conflicts = {c.key: c.reason for c in listed["contact"].conflicts}
    assert conflicts == {
        "aerona.patient.P0006": "modified_after_run",
        "aerona.patient.P0001": "modified_after_run",
    }
    assert not listed["contact"].complete
    left = clean(fresh_dataverse, snapshot)["contact"]
    assert len(left["created"]) == 1 and len(left["updated"]) == 1

    choices = {"aerona.patient.P0006": "force", "aerona.patient.P0001": "skip"}
    forced = rollback(provisioned(fresh_dataverse), ledger, staging, run_id, started,
                      choices=choices, tolerance=NO_SKEW)  # fmt: skip

    assert (forced["contact"].deleted, forced["contact"].skipped) == (1, 1)
    assert forced["contact"].complete
    left = clean(fresh_dataverse, snapshot)
    assert list(left) == ["contact"] and not left["contact"]["created"]
    assert len(left["contact"]["updated"]) == 1  # P0001 kept the other user's change (skipped)


def test_rollback_resumes_after_a_crash(
    fresh_dataverse: Any,
    ledger: AuditLedger,
    staging: BlobStaging,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run_id = f"run-{uuid.uuid4().hex[:8]}"
    started, snapshot = perform_run(fresh_dataverse, ledger, staging, run_id)
    monkeypatch.setattr(rollback_run, "CHUNK", 2)
    calls = {"n": 0}
    real_delete = DataverseDestination.delete

    async def crashing_delete(self: DataverseDestination, table: str, ids: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("host killed")
        return await real_delete(self, table, ids)

    monkeypatch.setattr(DataverseDestination, "delete", crashing_delete)
    with pytest.raises(RuntimeError, match="host killed"):
        rollback(provisioned(fresh_dataverse), ledger, staging, run_id, started)
    assert clean(fresh_dataverse, snapshot) != {}

    resumed = rollback(provisioned(fresh_dataverse), ledger, staging, run_id, started)

    assert clean(fresh_dataverse, snapshot) == {}
    assert resumed["new_patientinvoice"].already_done == 5  # done before the crash: not redone
    assert resumed["contact"].deleted == 6 and resumed["contact"].restored == 5
    assert all(o.complete for o in resumed.values())


def test_a_lost_before_image_never_deletes_a_record_that_existed(
    fresh_dataverse: Any, ledger: AuditLedger, staging: BlobStaging, storage_connection_string: str
) -> None:
    run_id = f"run-{uuid.uuid4().hex[:8]}"
    started, snapshot = perform_run(fresh_dataverse, ledger, staging, run_id)
    blobs = BlobServiceClient.from_connection_string(storage_connection_string)
    for name in staging.list_names(f"{run_id}/before-images/patient_contact/"):
        blobs.get_container_client("staging").delete_blob(name)

    outcome = rollback(provisioned(fresh_dataverse), ledger, staging, run_id, started)

    reasons = sorted(c.reason for c in outcome["contact"].conflicts)
    assert reasons == ["no_before_image"] * 4 + ["untracked_existing"]
    assert outcome["contact"].deleted == 6  # what the run created, even with a lost ledger row
    left = clean(fresh_dataverse, snapshot)["contact"]
    assert left["deleted"] == [] and len(left["updated"]) == 5  # the old records all remain


def test_a_batch_that_died_before_its_ledger_rows_is_undone_from_its_intent(
    fresh_dataverse: Any, ledger: AuditLedger, staging: BlobStaging
) -> None:
    run_id = f"run-{uuid.uuid4().hex[:8]}"
    destination = provisioned(fresh_dataverse)
    run_async(destination, lambda: load(destination, None, staging, "run-earlier", "contact",
                                        [contact(40)], "contact.0"))  # fmt: skip
    fresh_dataverse.snapshot(f"before-{run_id}")
    time.sleep(2.1)
    started = datetime.now(UTC)
    destination = provisioned(fresh_dataverse)

    async def crashed_batch() -> None:  # wrote its intent, then the records, then died
        written = await destination.write(
            "contact", [contact(40, lastname="Renamed"), contact(41)], WriteOptions(run_id=run_id)
        )
        intent = {
            "existing": ["aerona.patient.P0040"],
            "before_images": [i.model_dump(mode="json") for i in written.before_images],
        }
        staging.write_bytes(f"{run_id}/intents/patient_contact/contact.00000.json",
                            json.dumps(intent).encode())  # fmt: skip

    run_async(destination, crashed_batch)
    assert ledger.tables_touched(run_id) == []

    outcome = rollback(provisioned(fresh_dataverse), ledger, staging, run_id, started)

    contacts = outcome["contact"]
    assert (contacts.restored, contacts.deleted, contacts.untracked) == (1, 1, 2)
    assert clean(fresh_dataverse, f"before-{run_id}") == {}
