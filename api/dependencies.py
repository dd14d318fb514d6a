"""Storage clients for the HTTP API (the same cached clients the activities use)."""

from __future__ import annotations

from shared.ledger.clients import reset, run_store, staging

__all__ = ["reset", "run_store", "staging"]
