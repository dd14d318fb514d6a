"""Storage clients for the HTTP API (the same cached clients the activities use)."""

from __future__ import annotations

from shared.ledger.clients import audit_ledger, reset, run_store, staging

__all__ = ["audit_ledger", "reset", "run_store", "staging"]
