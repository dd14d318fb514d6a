"""Change detection against real Azurite: a second drop compared with the full run's snapshot."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from azure.storage.blob import BlobServiceClient

from cli.synthetic.changes import ChangePlan
from cli.synthetic.generator import GenerateOptions, generate_export
from shared.ledger import BlobStaging
from shared.ledger.hashes import load_snapshot
from shared.ledger.runs import DeltaWindow
from shared.pipeline.delta import detect_changes
from shared.pipeline.extract import extract_export
from shared.pipeline.messages import PassJob, StartRun

pytestmark = pytest.mark.integration
CHANGES = {"new_patients": 3, "deleted_patients": 1, "moved_appointments": 4,
           "paid_invoices": 4, "changed_emails": 3}  # fmt: skip


@pytest.fixture(scope="module")
def drops(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("drops")
    for drop in (1, 2):
        changes = ChangePlan.draw(CHANGES, 40, 5) if drop > 1 else None
        generate_export(GenerateOptions("aerona", 40, 5, root / f"d{drop}", drop=drop,
                                        changes=changes))  # fmt: skip
    return root / "d1", root / "d2"


@pytest.fixture(scope="module")
def staging(storage_connection_string: str) -> BlobStaging:
    return BlobStaging(BlobServiceClient.from_connection_string(storage_connection_string))


def full_run(staging: BlobStaging, drop: Path) -> StartRun:
    run_id = f"run-{uuid.uuid4().hex[:8]}"
    staging.upload_folder(drop, f"exports/{run_id}")
    start = StartRun.model_validate({
        "run_id": run_id, "source_system": "aerona", "export": {"prefix": f"exports/{run_id}"},
        "mode": "full", "options": {"page_size": 25}, "started_by": "test",
    })  # fmt: skip
    extract_export(start, staging)
    return start


def window(prefix: str, **update: object) -> DeltaWindow:
    now = datetime.now(UTC)
    return DeltaWindow(opened_at=now, ends_at=now + timedelta(hours=48), next_due_at=now,
                       drop_prefix=prefix).model_copy(update=update)  # fmt: skip


def staged_ids(staging: BlobStaging, scope: str, kind: str) -> set[str]:
    return {r["source_id"] for page in staging.list_pages(scope, kind)
            for r in staging.read_jsonl(page)}  # fmt: skip


def test_a_second_drop_stages_exactly_its_new_and_changed_records(
    staging: BlobStaging, drops: tuple[Path, Path]
) -> None:
    start = full_run(staging, drops[0])
    assert len(load_snapshot(staging, start.run_id, "full", "patient")) == 40
    staging.upload_folder(drops[1], f"drops/{start.run_id}")
    job = PassJob(run_id=start.run_id, pass_id="delta-001", kind="delta", operator="t")
    selection = detect_changes(job, start, window(f"drops/{start.run_id}"), staging)

    manifest = json.loads((drops[1] / "_manifest.json").read_text())
    by_change: dict[str, set[str]] = {}
    for change in manifest["changes"]:
        by_change.setdefault(change["change"], set()).add(change["source_id"])
    patients = selection.changes["patient"]
    assert patients.new == 3 and patients.deleted == 1
    assert patients.changed == len(by_change["changed_email"])
    assert staged_ids(staging, job.page_scope, "patient") == (
        by_change["new_patient"] | by_change["changed_email"]
    )
    assert by_change["moved_appointment"] <= staged_ids(staging, job.page_scope, "appointment")
    paid = {f"INV{i}" for i in by_change["paid_invoice"]}  # AeronaClinic numbers invoices INV<n>
    assert paid <= staged_ids(staging, job.page_scope, "invoice")
    assert selection.deleted_pages["patient"] == 1
    deleted = staged_ids(staging, f"{job.page_scope}/deleted", "patient")
    assert deleted == by_change["deleted_patient"]
    assert selection.changes["patient"].unchanged == 40 - 1 - len(by_change["changed_email"])


def test_an_unchanged_drop_stages_nothing_and_the_same_blobs_are_skipped(
    staging: BlobStaging, drops: tuple[Path, Path]
) -> None:
    start = full_run(staging, drops[0])
    job = PassJob(run_id=start.run_id, pass_id="delta-001", kind="delta", operator="t")
    selection = detect_changes(job, start, window(start.export.prefix), staging)
    assert all(c.new == c.changed == c.deleted == 0 for c in selection.changes.values())
    assert sum(o.staged for o in selection.extract.objects.values()) == 0
    again = window(start.export.prefix, last_fingerprint=selection.drop_fingerprint)
    job2 = job.model_copy(update={"pass_id": "delta-002"})
    assert detect_changes(job2, start, again, staging).skipped_reason
