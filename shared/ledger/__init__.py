"""Run state, the audit ledger and blob staging, on Azure Storage (Azurite locally)."""

from __future__ import annotations

from shared.ledger.audit import AuditLedger, AuditRow
from shared.ledger.runs import InvalidTransition, RunRecord, RunStore
from shared.ledger.staging import BlobStaging, before_image_blob_name, page_blob_name
from shared.ledger.storage import StorageSettings

__all__ = [
    "AuditLedger",
    "AuditRow",
    "BlobStaging",
    "InvalidTransition",
    "RunRecord",
    "RunStore",
    "StorageSettings",
    "before_image_blob_name",
    "page_blob_name",
]
