"""Rollback: revert what a run wrote, from the ledger and the destination's provenance columns."""

from __future__ import annotations

from shared.rollback.models import Conflict, ConflictChoice, TableRollback
from shared.rollback.order import rollback_order
from shared.rollback.plan import plan_table
from shared.rollback.run import RollbackContext, rollback_table

__all__ = [
    "Conflict",
    "ConflictChoice",
    "RollbackContext",
    "TableRollback",
    "plan_table",
    "rollback_order",
    "rollback_table",
]
