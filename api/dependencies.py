"""Storage clients for the HTTP API, built once per worker from the app settings."""

from __future__ import annotations

from functools import cache

from shared.ledger import AuditLedger, BlobStaging, RunStore, StorageSettings


@cache
def run_store() -> RunStore:
    """The `runs` table client."""
    return RunStore(StorageSettings.from_environment().table_service())


@cache
def audit_ledger() -> AuditLedger:
    """The `audit` table client."""
    return AuditLedger(StorageSettings.from_environment().table_service())


@cache
def staging() -> BlobStaging:
    """The staging/reports blob client."""
    return BlobStaging(StorageSettings.from_environment().blob_service())


def reset() -> None:
    """Forgets the cached clients (tests switch storage accounts between sessions)."""
    run_store.cache_clear()
    audit_ledger.cache_clear()
    staging.cache_clear()
