"""The rollback report: what was reverted per table, the proof figures, and open conflicts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shared.reports.html import page, table, text
from shared.rollback.messages import RollbackSummary
from shared.rollback.models import CONFLICT_REASONS


def render_rollback_html(
    summary: RollbackSummary, outcomes: Sequence[Mapping[str, Any]], skipped: Mapping[str, int]
) -> str:
    """Self-contained HTML: verdict, per-table counts and proof, conflicts with their reasons.

    Args:
        summary: the finished rollback.
        outcomes: per-table outcomes (TableRollback as JSON) with conflicts and failures by key.
        skipped: records left as they are by the operator's choice, per table.

    Returns:
        HTML text; source keys and reason codes only, no field values.
    """
    counts = table(
        [
            "Table",
            "Deleted",
            "Restored",
            "Already reverted",
            "Found only by provenance",
            "Skipped (operator)",
            "Failed",
            "Conflicts",
            "Still stamped with run",
            "Left to do",
        ],
        [
            [
                r.table,
                r.deleted,
                r.restored,
                r.already_done,
                r.untracked,
                r.skipped,
                r.failed,
                r.conflicts,
                summary.stamped_left.get(r.table, 0),
                summary.left_to_do.get(r.table, 0),
            ]
            for r in summary.tables
        ],
    )
    conflicts = table(
        ["Table", "Source key", "Would", "Reason", "Modified on"],
        [
            [
                c["table"],
                c["key"],
                c["action"],
                CONFLICT_REASONS.get(c["reason"], c["reason"]),
                c.get("modified_on"),
            ]
            for outcome in outcomes
            for c in outcome.get("conflicts", [])
        ],
    )
    failures = table(
        ["Table", "Source key", "Reason code"],
        [[o["table"], f["key"], f["reason_code"]] for o in outcomes for f in o.get("failed", [])],
    )
    proof = all(
        summary.stamped_left.get(t, 0) <= skipped.get(t, 0) for t in summary.stamped_left
    ) and not any(summary.left_to_do.values())
    body = (
        f"<p>Run <code>{text(summary.run_id)}</code>: <strong>{text(summary.state)}</strong>"
        + (f" ({text(summary.reason)})" if summary.reason else "")
        + "</p>"
        + f'<p class="{"good" if proof else "bad"}">Destination back to its state before the '
        + f"run: {'yes' if proof else 'not yet'} (records stamped with the run, beyond those "
        + "the operator chose to keep, and what a fresh plan would still do, both zero).</p>"
        + f"<h2>Tables (children first)</h2>{counts}"
        + "<h2>Conflicts</h2><p>Choose force or skip per key, then run the rollback again.</p>"
        + f"{conflicts}<h2>Failures</h2>{failures}"
    )
    return page("Rollback", body)
