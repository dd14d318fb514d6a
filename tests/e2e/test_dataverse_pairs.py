"""Each Dataverse seed pair, from its committed sample, through the real app into the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from cli.durable_host import DurableHost, RuntimeStatus
from orchestrators import names
from shared.ledger import clients
from tests.e2e.conftest import create_run, upload_export

pytestmark = [pytest.mark.integration, pytest.mark.slow]


SAMPLE_FOLDERS = {"generic_csv": "generic"}


def run_migration(host: DurableHost, source: str, run_id: str, **options: Any) -> Any:
    upload_export(SAMPLE_FOLDERS.get(source, source), f"exports/{run_id}")
    create_run(run_id, source)
    start = {
        "run_id": run_id, "source_system": source, "export": {"prefix": f"exports/{run_id}"},
        "mode": "full", "started_by": "e2e@example.org",
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
    assert output["reconciled"], output
    assert clients.run_store().get(f"run-e2e-{source.replace('_', '-')}").state == "completed"
