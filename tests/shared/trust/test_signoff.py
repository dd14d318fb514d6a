"""Storing the trust reports and signing off a sample, on Azurite."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from azure.data.tables import TableServiceClient
from azure.storage.blob import BlobServiceClient

from shared.ledger import BlobStaging, RunRecord, RunStore
from shared.reconcile.models import Reconciliation, TableCounts
from shared.reports.diff import DiffReport, FieldDiff
from shared.reports.store import store_diff, store_handover, store_reconciliation
from shared.trust.signoff import SignOffRefused, sign_off_sample

pytestmark = pytest.mark.integration
TO_SAMPLE_LOADED = ("profiling", "awaiting_confirmation", "preparing", "loading", "reconciling",
                    "sample_loaded")  # fmt: skip


@pytest.fixture
def stores(storage_connection_string: str) -> tuple[BlobStaging, RunStore]:
    staging = BlobStaging(BlobServiceClient.from_connection_string(storage_connection_string))
    runs = RunStore(TableServiceClient.from_connection_string(storage_connection_string))
    return staging, runs


def sample_run(runs: RunStore, loaded: bool = True) -> str:
    run_id = f"run-{uuid.uuid4().hex[:8]}"
    now = datetime.now(UTC)
    runs.create(RunRecord(run_id=run_id, source_system="aerona", destination_kind="dataverse",
                          environment="default", mode="sample", started_by="op",
                          created_at=now, updated_at=now))  # fmt: skip
    for state in TO_SAMPLE_LOADED if loaded else TO_SAMPLE_LOADED[:2]:
        runs.transition(run_id, state)  # type: ignore[arg-type]
    return run_id


def diff(run_id: str, verdict: str) -> DiffReport:
    field = FieldDiff(table="contact", entry="patient_contact", key="aerona.patient.P1",
                      column="lastname", sent="Example", read_back="Exampl",
                      verdict=verdict, reason="text cut")  # type: ignore[arg-type]  # fmt: skip
    return DiffReport(run_id=run_id, map_sha256="ab" * 32, fields=[field])


def test_a_clean_sample_is_signed_off_on_the_run(stores: tuple[BlobStaging, RunStore]) -> None:
    staging, runs = stores
    run_id = sample_run(runs)
    blobs = store_diff(staging, diff(run_id, "match"))
    assert set(blobs) == {"diff.html", "diff.csv", "diff.json"}

    record = sign_off_sample(run_id, "reviewer@clinic.example", staging, runs)

    run = runs.get(run_id)
    assert run.signed_off_by == "reviewer@clinic.example" and run.signed_off_at is not None
    assert run.state == "sample_loaded"
    assert record.mismatched == 0 and len(record.diff_sha256) == 64
    assert staging.read_bytes(f"{run_id}/signoff.json", container="reports")


def test_mismatches_need_explicit_acceptance(stores: tuple[BlobStaging, RunStore]) -> None:
    staging, runs = stores
    run_id = sample_run(runs)
    with pytest.raises(SignOffRefused, match="no field-level diff"):
        sign_off_sample(run_id, "reviewer", staging, runs)
    store_diff(staging, diff(run_id, "mismatch"))
    with pytest.raises(SignOffRefused, match="1 mismatched"):
        sign_off_sample(run_id, "reviewer", staging, runs)

    record = sign_off_sample(run_id, "reviewer", staging, runs, accept_mismatches=True)

    assert record.accepted_mismatches and runs.get(run_id).signed_off_by == "reviewer"


def test_only_a_loaded_sample_can_be_signed_off(stores: tuple[BlobStaging, RunStore]) -> None:
    staging, runs = stores
    run_id = sample_run(runs, loaded=False)
    with pytest.raises(SignOffRefused, match="not a loaded sample"):
        sign_off_sample(run_id, "reviewer", staging, runs)


def test_reconciliation_and_handover_reports_are_stored(
    stores: tuple[BlobStaging, RunStore],
) -> None:
    staging, _ = stores
    run_id = f"run-{uuid.uuid4().hex[:8]}"
    counts = TableCounts(table="contact", entries=["p"], expected=2, destination_count=1)
    report = Reconciliation(run_id=run_id, tables=[counts])
    blobs = store_reconciliation(staging, report)
    handover = store_handover(staging, run_id, "drdentes", "salesforce")

    body = staging.read_bytes(blobs["reconciliation.json"], container="reports").decode()
    assert '"reconciled": false' in body
    text = staging.read_bytes(handover, container="reports").decode()
    assert text.startswith("# Hand-over checklist: Dr.DENTES -> salesforce")
