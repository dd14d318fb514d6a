"""Rollback: revert what a run wrote, from the ledger and the destination's provenance columns."""

from __future__ import annotations

from shared.rollback.models import Conflict, ConflictChoice, TableRollback
from shared.rollback.order import RollbackUnit, rollback_order, rollback_units
from shared.rollback.plan import plan_table
from shared.rollback.run import RollbackContext, rollback_table

__all__ = [
    "Conflict",
    "ConflictChoice",
    "RollbackContext",
    "RollbackUnit",
    "TableRollback",
    "plan_table",
    "rollback_order",
    "rollback_table",
    "rollback_units",
]
