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
from shared.pipeline.messages import DestinationRef
from shared.rollback.messages import RollbackRequest
from tests.e2e.conftest import MigrationEnv, create_run

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PATIENTS, SEED = 60, 11
CHANGES = {"new_patients": 3, "deleted_patients": 1, "moved_appointments": 4,
           "paid_invoices": 4, "changed_emails": 3}  # fmt: skip


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


# Per destination: (table, source key field, the state a deleted record takes or None).
TABLES = {
    "dataverse": {"patient": ("contact", "new_sourceid", ("statecode", 1)),
                  "appointment": ("appointment", "new_sourceid", ("statecode", 2))},
    "salesforce": {"patient": ("Contact", "Source_Id__c", None),  # Sales Cloud: reported only
                   "appointment": ("Appointment__c", "Source_Id__c", ("Status__c", "Cancelled"))},
}  # fmt: skip


def records(env: MigrationEnv, table: str) -> dict[str, dict[str, Any]]:
    """Every record of a table by its id."""
    if env.kind == "dataverse":
        return dict(env.admin.export().get(table, {}))
    return {str(r["Id"]): r for r in env.records(table)}


def touched_keys(env: MigrationEnv, snapshot: str, table: str, key: str) -> set[str]:
    """Source keys of a table's records created or changed since `snapshot`."""
    diff = env.diff(snapshot)
    if env.kind == "dataverse":
        change = diff["tables"].get(table, {"created": [], "updated": {}})
        ids = [*change["created"], *change["updated"]]
    else:
        ids = [r["id"] for kind in ("created", "updated") for r in diff[kind]
               if r["object"] == table]  # fmt: skip
    now = records(env, table)
    return {str(now[i].get(key)) for i in ids}


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


@pytest.mark.parametrize("migration_env", ["dataverse", "salesforce"], indirect=True)
def test_a_delta_pass_writes_exactly_the_changes_and_rollback_undoes_it(
    migration_host: DurableHost, migration_env: MigrationEnv, durable_host_factory: Any,
    tmp_path: Path,
) -> None:  # fmt: skip
    kind = migration_env.kind
    run_id, prefix = f"run-e2e-delta-{kind}", f"exports/run-e2e-delta-{kind}"
    drop1, drop2 = generate(tmp_path / "d1", 1), generate(tmp_path / "d2", 2)
    migration_env.snapshot("before-delta-run")
    upload_drop(drop1, prefix)
    create_run(run_id, "aerona", destination=kind)
    start = {"run_id": run_id, "source_system": "aerona", "export": {"prefix": prefix},
             "destination": {"kind": kind}, "mode": "full", "started_by": "e2e@example.org",
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
    before = {k: records(migration_env, t[0]) for k, t in TABLES[kind].items()}
    seq = migration_env.request_log()[-1]["seq"] if kind == "dataverse" else 0
    tick(migration_host)
    tick(migration_host)  # the pass is still pending or running: skipped, not doubled
    status = migration_host.wait_for(f"{run_id}:delta-001", timeout=600)
    assert status.runtime_status == RuntimeStatus.COMPLETED, status.output
    assert migration_host.get_status(f"{run_id}:delta-002") is None
    output = status.output
    assert output["state"] == "completed" and output["reasons"] == [], output
    manifest = json.loads((drop2 / "_manifest.json").read_text())
    changes = Counter(c["change"] for c in manifest["changes"])
    assert changes["new_patient"] == 3 and changes["deleted_patient"] == 1

    # The records the emulator saw change are exactly those the drops differ in.
    for canonical, file, column in (
        ("patient", "Patients.csv", "Patient ID"),
        ("appointment", "Appointments.csv", "Appointment ID"),
    ):
        table, key, inactive = TABLES[kind][canonical]
        expected = {f"aerona.{canonical}.{i}" for i in changed_rows(drop1, drop2, file, column)}
        gone = expected - {f"aerona.{canonical}.{i}" for i in ids_in(drop2, file, column)}
        # A source deletion deactivates where the table has such a state, and a record already
        # in it (a cancelled appointment) is left as it is; elsewhere it is only reported.
        expected -= {str(r[key]) for r in before[canonical].values() if str(r[key]) in gone
                     and (inactive is None or r.get(inactive[0]) == inactive[1])}  # fmt: skip
        touched = touched_keys(migration_env, "after-full-run", table, key)
        assert {k for k in touched if k.startswith(f"aerona.{canonical}.")} == expected, table
    assert output["found"]["deleted"] > 0 and output["written"].get("deactivated", 0) > 0
    if kind == "dataverse":  # nothing else: each record the request log says was written
        written = records_written(migration_env.request_log(seq))  # (bulk messages count
        ledger = pass_rows(run_id, "delta-001")  # their records) is in the pass's ledger
        assert written["contacts"] == ledger["contact"], (written, ledger)
        assert set(written) <= {f"{t}s" for t in ledger} | {"new_patientinvoices"}, written

    # Drop 3 = drop 2 uploaded again (a new drop, same content): nothing is written.
    upload_drop(drop2, prefix)
    make_due(run_id)
    migration_env.snapshot("after-delta-001")
    tick(migration_host)
    third = migration_host.wait_for(f"{run_id}:delta-002", timeout=600)
    assert third.runtime_status == RuntimeStatus.COMPLETED, third.output
    assert third.output["written"] == {} and migration_env.changes_since("after-delta-001") == {}
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
    request = RollbackRequest(
        run_id=run_id, operator="e2e@example.org", destination=DestinationRef(kind=kind)
    ).model_dump(mode="json")
    host.start_new(ROLLBACK, request, instance_id=instance_id(run_id))
    rolled = host.wait_for(instance_id(run_id), timeout=600)
    assert rolled.output["state"] == "rolled_back", rolled.output
    assert migration_env.changes_since("before-delta-run") == {}
