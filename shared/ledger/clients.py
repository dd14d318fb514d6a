"""The run's storage clients, built once per worker process from the app settings."""

from __future__ import annotations

from functools import cache

from shared.ledger.audit import AuditLedger
from shared.ledger.runs import RunStore
from shared.ledger.staging import BlobStaging
from shared.ledger.storage import StorageSettings


@cache
def run_store() -> RunStore:
    """The `runs` table."""
    return RunStore(StorageSettings.from_environment().table_service())


@cache
def staging() -> BlobStaging:
    """Staging and reports blobs."""
    return BlobStaging(StorageSettings.from_environment().blob_service())


@cache
def audit_ledger() -> AuditLedger:
    """The `audit` table."""
    return AuditLedger(StorageSettings.from_environment().table_service())


def reset() -> None:
    """Forgets the cached clients (tests and the CLI switch storage between sessions)."""
    for factory in (run_store, staging, audit_ledger):
        factory.cache_clear()
