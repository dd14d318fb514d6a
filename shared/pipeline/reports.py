"""Names of a run's reports in the private `reports` container; the portal may read only these."""

from __future__ import annotations

REPORT_NAMES: dict[str, str] = {
    "quality.json": "application/json",
    "quality.txt": "text/plain; charset=utf-8",
    "quarantine.jsonl": "application/x-ndjson",
    "proposal.json": "application/json",
    "proposal.md": "text/markdown; charset=utf-8",
    "confirmed-map.json": "application/json",
    "schema-plan.md": "text/markdown; charset=utf-8",
    "schema-plan.json": "application/json",
    "solution.zip": "application/zip",
    "metadata-package.zip": "application/zip",
    "owners.json": "application/json",
    "owners.csv": "text/csv; charset=utf-8",
    "plan.json": "application/json",
    "diff.html": "text/html; charset=utf-8",
    "diff.csv": "text/csv; charset=utf-8",
    "diff.json": "application/json",
    "reconciliation.json": "application/json",
    "accounting.json": "application/json",
    "reconciliation.html": "text/html; charset=utf-8",
    "handover-checklist.md": "text/markdown; charset=utf-8",
    "rollback.html": "text/html; charset=utf-8",
    "rollback.json": "application/json",
    "signoff.json": "application/json",
    "changes.json": "application/json",  # what a delta pass found in a new drop (ids, counts)
    "pass.json": "application/json",  # what a later pass (delta, fix-back) wrote
}


def report_blob_name(run_id: str, name: str) -> str:
    """The blob that holds report `name` of a run; unknown names are refused."""
    if name not in REPORT_NAMES:
        raise KeyError(f"unknown report {name!r}")
    return f"{run_id}/{name}"
