"""The reconciliation as a self-contained HTML page (the JSON is `Reconciliation.to_json`)."""

from __future__ import annotations

from shared.reconcile.models import Reconciliation
from shared.reports.html import page, table, text


def render_reconciliation_html(report: Reconciliation) -> str:
    """Verdict and reasons, per-table counts, field totals, then gaps with their source keys.

    Args:
        report: a computed reconciliation.

    Returns:
        HTML text with no external resources; every value is escaped.
    """
    verdict = "reconciled" if report.reconciled else "not reconciled"
    reasons = "".join(f"<li>{text(reason)}</li>" for reason in report.reasons)
    counts = table(
        [
            "Table",
            "Entries",
            "Source accepted",
            "Quarantined",
            "Filtered",
            "Rejected by map",
            "Expected",
            "Written (ledger)",
            "Rejected by destination",
            "Stamped with run",
            "Unchanged from earlier runs",
            "OK",
        ],
        [
            [
                t.table,
                ", ".join(t.entries),
                t.source_accepted,
                t.quarantined,
                t.filtered,
                t.map_rejected,
                t.expected,
                t.written,
                t.rejected_by_destination,
                t.destination_count,
                t.from_earlier_runs,
                "yes" if t.ok else "NO",
            ]
            for t in report.tables
        ],
    )
    totals = table(
        ["Total", "Entry", "Source", "Destination", "Status"],
        [[t.label, t.entry, t.source, t.destination, t.status] for t in report.totals],
    )
    gaps = table(
        ["Kind", "Source id", "Destination key", "Problem", "Detail"],
        [[g.kind, g.source_id, g.key, g.problem, g.detail] for g in report.gaps],
    )
    reload = report.fixback_keys().items()
    fixback = table(["Kind", "Source ids to reload"], [[k, ", ".join(ids)] for k, ids in reload])
    body = (
        f"<p>Run <code>{text(report.run_id)}</code>: <strong "
        f'class="{"good" if report.reconciled else "bad"}">{text(verdict)}</strong></p>'
        + (f"<ul>{reasons}</ul>" if reasons else "")
        + f"<h2>Record counts</h2>{counts}<h2>Field totals</h2>{totals}"
        + f"<h2>Gaps ({len(report.gaps)})</h2>{gaps}<h2>Fix-back</h2>{fixback}"
    )
    return page("Reconciliation", body)
