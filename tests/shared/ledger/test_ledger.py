"""Run store, audit ledger and blob staging against a real Azurite."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from azure.data.tables import TableServiceClient
from azure.storage.blob import BlobServiceClient

from shared.ledger import (
    AuditLedger,
    AuditRow,
    BlobStaging,
    InvalidTransition,
    RunRecord,
    RunStore,
    page_blob_name,
)
from shared.ledger.runs import DeltaWindow, PassRecord

pytestmark = pytest.mark.integration


@pytest.fixture
def tables(storage_connection_string: str) -> TableServiceClient:
    return TableServiceClient.from_connection_string(storage_connection_string)


def new_run(run_id: str) -> RunRecord:
    now = datetime.now(UTC)
    return RunRecord(
        run_id=run_id, source_system="aerona", destination_kind="dataverse",
        environment="emulator", mode="full", started_by="operator@example.org",
        created_at=now, updated_at=now,
    )  # fmt: skip


def audit_row(run_id: str, key: str, operation: str = "created", attempt: int = 1) -> AuditRow:
    return AuditRow.model_validate(
        {
            "run_id": run_id, "table": "contact", "source_key": key, "operation": operation,
            "operator": "op", "confirmed_map_hash": "ab" * 32, "batch_id": "contact.0001",
            "attempt": attempt,
        }
    )  # fmt: skip


def test_run_moves_only_along_allowed_transitions(tables: TableServiceClient) -> None:
    store = RunStore(tables)
    run_id = f"run-{uuid.uuid4().hex[:8]}"
    store.create(new_run(run_id))
    assert store.create(new_run(run_id)).state == "created"  # creating twice is a no-op
    store.transition(run_id, "profiling")
    store.transition(run_id, "profiling")  # a replayed activity may repeat its transition
    with pytest.raises(InvalidTransition):
        store.transition(run_id, "completed")
    store.set_counters(run_id, {"created": 3})
    assert store.get(run_id).counters == {"created": 3}
    with pytest.raises(KeyError, match="does not exist"):
        store.get("run-missing")


def test_replayed_batch_overwrites_instead_of_duplicating(tables: TableServiceClient) -> None:
    ledger = AuditLedger(tables)
    run_id = f"run-{uuid.uuid4().hex[:8]}"
    batch = [audit_row(run_id, f"aerona:patient:P{i:03d}/x") for i in range(150)]
    assert len(ledger.record(batch)) == 150
    replay = [audit_row(run_id, r.source_key, "unchanged", attempt=2) for r in batch]
    ledger.record(replay)
    rows = list(ledger.rows(run_id))
    assert len(rows) == 150
    assert {r.attempt for r in rows} == {2}
    # The retry saw its own records as "unchanged"; the ledger still knows this run created them.
    assert ledger.count_by_operation(run_id) == {"created": 150}
    assert ledger.tables_touched(run_id) == ["contact"]
    assert "aerona:patient:P007/x" in ledger.latest_by_key(run_id, "contact")


def test_updates_of_existing_records_stay_updates(tables: TableServiceClient) -> None:
    ledger = AuditLedger(tables)
    run_id = f"run-{uuid.uuid4().hex[:8]}"
    ledger.record([audit_row(run_id, "k1", "updated"), audit_row(run_id, "k2", "rejected")])
    ledger.record([audit_row(run_id, "k1", "unchanged", 2), audit_row(run_id, "k2", "created", 2)])
    assert ledger.count_by_operation(run_id) == {"unchanged": 1, "created": 1}


def test_pages_round_trip_and_rewrite_identically(storage_connection_string: str) -> None:
    staging = BlobStaging(BlobServiceClient.from_connection_string(storage_connection_string))
    run_id = f"run-{uuid.uuid4().hex[:8]}"
    name = page_blob_name(run_id, "patient", 1)
    records = [{"source_id": f"P{i}", "n": i} for i in range(5)]
    assert staging.write_jsonl(name, records) == 5
    assert list(staging.read_jsonl(name)) == records
    staging.write_jsonl(page_blob_name(run_id, "patient", 0), [])
    assert list(staging.read_jsonl(page_blob_name(run_id, "patient", 0))) == []
    assert staging.list_pages(run_id, "patient")[-1] == name
    digest = staging.write_bytes(f"{run_id}/maps/confirmed.json", b"{}", container="reports")
    assert len(digest) == 64
    assert staging.delete_run(run_id) == 3
    with pytest.raises(KeyError):
        staging.read_bytes(name)


def test_one_pass_reads_only_its_own_rows(tables: TableServiceClient) -> None:
    ledger, run_id = AuditLedger(tables), f"run-{uuid.uuid4().hex[:8]}"
    full = [audit_row(run_id, f"aerona.patient.{i}") for i in range(3)]
    delta = [row.model_copy(update={"pass_id": "delta-001", "operation": "updated"})
             for row in full[:2]]  # fmt: skip
    ledger.record(full + delta)
    assert {r.source_key for r in ledger.rows(run_id, "contact", "delta-001")} == {
        "aerona.patient.0", "aerona.patient.1"}  # fmt: skip
    assert len(list(ledger.rows(run_id, "contact"))) == 5
    assert {r.operation for r in ledger.rows(run_id, "contact", "main")} == {"created"}


def test_a_run_keeps_its_delta_window_and_passes(tables: TableServiceClient) -> None:
    store, run_id = RunStore(tables), f"run-{uuid.uuid4().hex[:8]}"
    store.create(new_run(run_id))
    now = datetime.now(UTC)
    window = DeltaWindow(opened_at=now, ends_at=now, next_due_at=now, drop_prefix="exports/x")
    store.set_window(run_id, window)
    done = PassRecord(pass_id="delta-001", state="completed", finished_at=now, found={"new": 2})
    store.record_pass(run_id, done, window.model_copy(update={"baseline_pass": "delta-001"}))
    store.record_pass(run_id, done)  # a replayed activity replaces, never duplicates
    run = store.get(run_id)
    assert run.passes == [done] and run.delta_window is not None
    assert run.delta_window.baseline_pass == "delta-001" and run.delta_window.is_open
