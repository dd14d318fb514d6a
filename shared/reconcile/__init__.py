"""Reconciliation: source vs destination counts and field totals, gaps, and the fix-back list."""

from __future__ import annotations

from shared.reconcile.compute import reconcile, staged_records
from shared.reconcile.models import Gap, Reconciliation, TableCounts, TotalResult
from shared.reconcile.report import render_reconciliation_html
from shared.reconcile.totals import CountByTotal, SumTotal, load_totals, totals_path

__all__ = [
    "CountByTotal",
    "Gap",
    "Reconciliation",
    "SumTotal",
    "TableCounts",
    "TotalResult",
    "load_totals",
    "reconcile",
    "render_reconciliation_html",
    "staged_records",
    "totals_path",
]
