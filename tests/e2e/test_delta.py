"""The delta window end to end: full run, then new export drops picked up by the real timer.

Drop 2 is the same practice with a known set of changes (new patients, moved appointments, paid
invoices, a deleted patient, changed e-mails). The pass must write exactly the records those
changes touch, counted from the emulator's own request log; an unchanged drop writes nothing;
two overlapping ticks start one pass; closing reconciles; rollback undoes passes and run.
"""

from __future__ import annotations

import asyncio
import csv
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from azure.functions.timer import TimerRequest

from activities.rollback import bp as rollback_activities
from cli.durable_host import DurableHost, RuntimeStatus
from cli.synthetic.changes import ChangePlan
from cli.synthetic.generator import GenerateOptions, generate_export
from orchestrators import names
from orchestrators.rollback import ROLLBACK, instance_id
from orchestrators.rollback import bp as rollback_orchestrator
from shared.ledger import clients
from shared.rollback.messages import RollbackRequest
from tests.e2e.conftest import create_run

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PATIENTS, SEED = 60, 11
CHANGES = {"new_patients": 3, "deleted_patients": 1, "moved_appointments": 4,
           "paid_invoices": 4, "changed_emails": 3}  # fmt: skip
WRITES = ("CreateMultiple", "UpsertMultiple", "UpdateMultiple", "Create", "Update", "Upsert")


def generate(out: Path, drop: int) -> Path:
    changes = ChangePlan.draw(CHANGES, PATIENTS, SEED) if drop > 1 else None
    generate_export(GenerateOptions("aerona", PATIENTS, SEED, out, drop=drop, changes=changes))
    return out


def upload_drop(folder: Path, prefix: str) -> None:
    clients.staging().upload_folder(folder, prefix, replace=True)  # replaces the last drop


def tick(host: DurableHost) -> None:
    timer = TimerRequest(past_due=False, schedule={"AdjustForDST": True})
    asyncio.run(host.call_client_function("delta_tick", timer))


def make_due(run_id: str) -> None:
    store = clients.run_store()
    window = store.get(run_id).delta_window
    assert window is not None
    store.set_window(run_id, window.model_copy(update={"next_due_at": window.opened_at}))


def records_written(log: list[dict[str, Any]]) -> Counter[str]:
    """Records each entity set received in write requests (bulk messages count their targets)."""
    written: Counter[str] = Counter()
    for entry in log:
        if entry["method"] in ("POST", "PATCH") and entry["status"] < 400:
            written[entry["resource"]] += max(int(entry.get("records") or 0), 1)
    return written


def touched_keys(emulator: Any, snapshot: str) -> dict[str, set[str]]:
    """Source keys of the records created or changed since `snapshot`, per table."""
    data = emulator.admin.export()
    keys: dict[str, set[str]] = {}
    for table, change in emulator.diff(snapshot)["tables"].items():
        ids = [*change["created"], *change["updated"]]
        keys[table] = {str(data[table][i].get("new_sourceid")) for i in ids}
    return keys


def pass_rows(run_id: str, pass_id: str) -> Counter[str]:
    """Ledger rows a pass wrote (created, updated or deactivated), per destination table."""
    counts: Counter[str] = Counter()
    plan = json.loads(clients.staging().read_bytes(f"{run_id}/passes/{pass_id}/plan.json",
                                                   container="reports"))  # fmt: skip
    entries = {t["table"]: t["destination_table"] for level in plan["levels"] for t in level}
    for entry, table in entries.items():
        counts[table] += sum(
            1
            for row in clients.audit_ledger().rows(run_id, entry)
            if row.pass_id == pass_id and row.operation in ("created", "updated")
        )
    return counts


def collection(table: str) -> str:
    return {"new_patientinvoice": "new_patientinvoices"}.get(table, table + "s")


def ids_in(folder: Path, file: str, key: str) -> set[str]:
    with (folder / file).open(encoding="utf-8-sig", newline="") as handle:
        return {row[key] for row in csv.DictReader(handle)}


def changed_rows(before: Path, after: Path, file: str, key: str) -> set[str]:
    """Ids whose rows differ between two drops (new, changed or gone)."""

    def rows(folder: Path) -> dict[str, tuple[str, ...]]:
        with (folder / file).open(encoding="utf-8-sig", newline="") as handle:
            return {r[key]: tuple(sorted(r.items())) for r in csv.DictReader(handle)}

    old, new = rows(before), rows(after)
    return {i for i in old.keys() | new.keys() if old.get(i) != new.get(i)}


def test_a_delta_pass_writes_exactly_the_changes_and_rollback_undoes_it(
    migration_host: DurableHost, migration_env: Any, durable_host_factory: Any,
    tmp_path: Path,
) -> None:  # fmt: skip
    run_id, prefix = "run-e2e-delta", "exports/run-e2e-delta"
    drop1, drop2 = generate(tmp_path / "d1", 1), generate(tmp_path / "d2", 2)
    migration_env.snapshot("before-delta-run")
    upload_drop(drop1, prefix)
    create_run(run_id, "aerona")
    start = {"run_id": run_id, "source_system": "aerona", "export": {"prefix": prefix},
             "mode": "full", "started_by": "e2e@example.org",
             "options": {"auto_confirm": True, "apply_schema": True, "page_size": 200}}  # fmt: skip
    migration_host.start_new(names.MIGRATION, start, instance_id=run_id)
    full = migration_host.wait_for(run_id, timeout=600)
    assert full.runtime_status == RuntimeStatus.COMPLETED and full.output["reconciled"], full.output
    assert full.output["state"] == "delta_open"
    store = clients.run_store()
    assert store.get(run_id).delta_window is not None

    # Drop 2, two overlapping ticks: one pass.
    upload_drop(drop2, prefix)
    migration_env.snapshot("after-full-run")
    before = migration_env.admin.export()
    seq = migration_env.request_log()[-1]["seq"]
    tick(migration_host)
    tick(migration_host)  # the pass is still pending or running: skipped, not doubled
    status = migration_host.wait_for(f"{run_id}:delta-001", timeout=600)
    assert status.runtime_status == RuntimeStatus.COMPLETED, status.output
    assert migration_host.get_status(f"{run_id}:delta-002") is None
    output = status.output
    assert output["state"] == "completed" and output["reasons"] == [], output
    manifest = json.loads((drop2 / "_manifest.json").read_text())
    kinds = Counter(c["change"] for c in manifest["changes"])
    assert kinds["new_patient"] == 3 and kinds["deleted_patient"] == 1

    # The records the emulator saw change are exactly those the drops differ in.
    touched = touched_keys(migration_env, "after-full-run")
    for table, kind, file, column, inactive in (
        ("contact", "patient", "Patients.csv", "Patient ID", 1),
        ("appointment", "appointment", "Appointments.csv", "Appointment ID", 2),  # Canceled
    ):
        expected = {f"aerona.{kind}.{i}" for i in changed_rows(drop1, drop2, file, column)}
        # A source deletion deactivates; a record already in that state (a cancelled
        # appointment) is left as it is.
        gone = expected - {f"aerona.{kind}.{i}" for i in ids_in(drop2, file, column)}
        expected -= {str(r["new_sourceid"]) for r in before[table].values()
                     if r.get("statecode") == inactive and r["new_sourceid"] in gone}  # fmt: skip
        assert {k for k in touched[table] if k.startswith(f"aerona.{kind}.")} == expected, table
    # Nothing else: every record written is one the drops differ in (bulk messages count
    # their records; an appointment's state is its own request after the create).
    written = records_written(migration_env.request_log(seq))
    ledger = pass_rows(run_id, "delta-001")
    assert written["contacts"] == ledger["contact"], (written, ledger)
    assert set(written) <= {collection(t) for t in touched}, (written, touched.keys())
    assert output["found"]["deleted"] > 0 and output["written"].get("deactivated", 0) > 0

    # Drop 3 = drop 2 uploaded again (a new drop, same content): nothing is written.
    upload_drop(drop2, prefix)
    make_due(run_id)
    seq = migration_env.request_log()[-1]["seq"]
    tick(migration_host)
    third = migration_host.wait_for(f"{run_id}:delta-002", timeout=600)
    assert third.runtime_status == RuntimeStatus.COMPLETED, third.output
    assert records_written(migration_env.request_log(seq)) == Counter()
    assert store.get(run_id).state == "delta_open"

    # Close: a last pass, then the final reconciliation against the latest drop.
    store.set_window(run_id, store.get(run_id).delta_window.model_copy(  # type: ignore[union-attr]
        update={"close_requested": True}))  # fmt: skip
    make_due(run_id)
    tick(migration_host)
    closing = migration_host.wait_for(f"{run_id}:delta-003", timeout=600)
    assert closing.runtime_status == RuntimeStatus.COMPLETED, closing.output
    assert closing.output["reconciliation"]["reconciled"], closing.output["reconciliation"]
    run = store.get(run_id)
    assert run.state == "completed" and run.delta_window and run.delta_window.closed_at

    # Rollback undoes the passes and the run: the emulator is back to its snapshot.
    host = durable_host_factory([rollback_orchestrator, rollback_activities], time_scale=0)
    request = RollbackRequest(run_id=run_id, operator="e2e@example.org").model_dump(mode="json")
    host.start_new(ROLLBACK, request, instance_id=instance_id(run_id))
    rolled = host.wait_for(instance_id(run_id), timeout=600)
    assert rolled.output["state"] == "rolled_back", rolled.output
    changes = migration_env.diff("before-delta-run")
    left = {t: c for t, c in changes.get("tables", changes).items()
            if c["created"] or c["deleted"] or c["updated"]}  # fmt: skip
    assert left == {}
