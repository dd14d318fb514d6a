"""The trust features on whole runs of every pair through the real app, on either destination.

Each run's every field is diffed, its declared totals reconciled, then it is rolled back and the
emulator must equal its snapshot from before the run.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from activities.rollback import bp as rollback_activities
from cli.durable_host import DurableHost, RuntimeStatus
from orchestrators.rollback import ROLLBACK, instance_id
from orchestrators.rollback import bp as rollback_orchestrator
from shared.destinations import registry
from shared.ledger import clients
from shared.pipeline.load import _compiled  # the load step's own compiled map for the run
from shared.pipeline.messages import DestinationRef
from shared.reconcile import load_totals, reconcile, totals_path
from shared.reports.sample_diff import sample_diff
from shared.rollback.messages import RollbackRequest
from tests.e2e.conftest import MigrationEnv
from tests.e2e.test_dataverse_pairs import PAIRS, run_migration

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.mark.parametrize(("migration_env", "source"), PAIRS, indirect=["migration_env"])
def test_a_run_diffs_reconciles_and_rolls_back(
    migration_host: DurableHost, migration_env: MigrationEnv, durable_host_factory: Any,
    source: str,
) -> None:  # fmt: skip
    kind = migration_env.kind
    run_id = f"run-e2e-trust-{kind[:2]}-{source.replace('_', '-')}"
    migration_env.snapshot("before-trust-run")
    status = run_migration(migration_host, source, run_id, destination=kind)
    assert status.runtime_status == RuntimeStatus.COMPLETED, status.output
    map_hash = clients.run_store().get(run_id).confirmed_map_hash
    compiled = _compiled(run_id, str(map_hash), clients.staging())
    staging, ledger = clients.staging(), clients.audit_ledger()

    async def reports() -> tuple[Any, Any]:
        destination = registry.create(kind)
        try:
            diff = await sample_diff(destination, compiled, staging, ledger, run_id)
            totals = load_totals(totals_path(kind, source))
            return diff, await reconcile(destination, compiled, staging, ledger, run_id, totals)
        finally:
            await destination.aclose()

    diff, reconciliation = asyncio.run(reports())
    bad = [(f.table, f.column, f.verdict, f.reason) for f in diff.fields
           if f.verdict in ("mismatch", "missing")]  # fmt: skip
    assert len(diff.fields) > 9_000 and bad == []  # every field of every record read back
    assert diff.summary()["all"]["transformed"] > 1000  # value maps, choices, lookups, dates
    differ = [(t.name, t.source, t.destination) for t in reconciliation.totals
              if t.status == "differ"]  # fmt: skip
    assert differ == [] and {t.status for t in reconciliation.totals} <= {"match", "not_applicable"}
    assert reconciliation.reconciled, reconciliation.reasons

    host = durable_host_factory([rollback_orchestrator, rollback_activities], time_scale=0)
    request = RollbackRequest(
        run_id=run_id, operator="e2e@example.org", destination=DestinationRef(kind=kind)
    ).model_dump(mode="json")
    host.start_new(ROLLBACK, request, instance_id=instance_id(run_id))
    rolled = host.wait_for(instance_id(run_id), timeout=600)
    assert rolled.output["state"] == "rolled_back", rolled.output
    assert migration_env.changes_since("before-trust-run") == {}
