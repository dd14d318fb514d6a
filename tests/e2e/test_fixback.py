"""Fix-back: records deleted or changed in the destination behind our back are found by a fresh
reconciliation and reloaded (only those, through the same load path and audit), then the run
reconciles again."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from cli.durable_host import DurableHost, RuntimeStatus
from orchestrators import names
from shared.ledger import clients
from shared.pipeline.messages import PassJob
from tests.e2e.test_dataverse_pairs import run_migration

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_fixback_reloads_what_was_deleted_or_changed_behind_our_back(
    migration_host: DurableHost, migration_env: Any
) -> None:
    run_id = "run-e2e-fixback"
    status = run_migration(migration_host, "aerona", run_id)
    assert status.runtime_status == RuntimeStatus.COMPLETED and status.output["reconciled"]

    data = migration_env.admin.export()
    appointments = sorted(data["appointment"])[:3]
    invoice_id, invoice = next(iter(sorted(data["new_patientinvoice"].items())))
    with migration_env.client() as api:  # someone else, straight at the Web API
        for record_id in appointments:
            assert api.delete(f"appointments({record_id})").status_code == 204
        patch = {"new_amount": float(invoice.get("new_amount") or 0) + 10}
        assert api.patch(f"new_patientinvoices({invoice_id})", json=patch).status_code == 204
    migration_env.snapshot("before-fixback")
    seq = migration_env.request_log()[-1]["seq"]

    job = PassJob(run_id=run_id, pass_id="fixback-001", kind="fixback", operator="e2e@x.org")
    instance = names.pass_instance_id(run_id, job.pass_id)
    migration_host.start_new(names.LOAD_PASS, job.model_dump(mode="json"), instance_id=instance)
    fixed = migration_host.wait_for(instance, timeout=600)
    assert fixed.runtime_status == RuntimeStatus.COMPLETED, fixed.output
    output = fixed.output
    assert output["found"]["gaps"] == 4 and output["reasons"] == [], output
    assert output["reconciliation"]["reconciled"], output["reconciliation"]
    assert clients.run_store().get(run_id).state == "completed"

    # Only the four records were written: three created again, one updated back.
    changes = migration_env.diff("before-fixback")["tables"]
    assert len(changes["appointment"]["created"]) == 3
    assert list(changes["new_patientinvoice"]["updated"]) == [invoice_id]
    # An appointment's attendees (activity parties) are created with it.
    assert set(changes) == {"appointment", "activityparty", "new_patientinvoice"}, changes
    rows = Counter(
        (row.table, row.operation)
        for entry in ("appointment", "invoice")
        for row in clients.audit_ledger().rows(run_id, entry)
        if row.pass_id == "fixback-001"
    )
    assert rows == {("appointment", "created"): 3, ("invoice", "updated"): 1}, rows
    writes = [r for r in migration_env.request_log(seq) if r["method"] in ("POST", "PATCH")
              and r["status"] < 400 and r["resource"] not in ("$batch",)]  # fmt: skip
    assert {r["resource"] for r in writes} <= {"appointments", "new_patientinvoices"}, writes
