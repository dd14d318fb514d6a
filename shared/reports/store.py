"""Writes the trust reports (diff, reconciliation, hand-over) to the run's private container."""

from __future__ import annotations

from shared.ledger import BlobStaging
from shared.pipeline.reports import REPORT_NAMES, report_blob_name
from shared.reconcile.models import Reconciliation
from shared.reconcile.report import render_reconciliation_html
from shared.reports.diff import DiffReport
from shared.reports.diff_csv import render_diff_csv
from shared.reports.diff_html import render_diff_html
from shared.reports.handover import load_handover, render_handover_markdown

REPORTS = "reports"


def _put(staging: BlobStaging, run_id: str, name: str, text: str) -> str:
    blob = report_blob_name(run_id, name)
    staging.write_bytes(blob, text.encode("utf-8"), container=REPORTS,
                        content_type=REPORT_NAMES[name])  # fmt: skip
    return blob


def store_diff(staging: BlobStaging, report: DiffReport) -> dict[str, str]:
    """diff.html, diff.csv and diff.json of the sample; returns name -> blob."""
    return {
        "diff.html": _put(staging, report.run_id, "diff.html", render_diff_html(report)),
        "diff.csv": _put(staging, report.run_id, "diff.csv", render_diff_csv(report)),
        "diff.json": _put(staging, report.run_id, "diff.json", report.to_json()),
    }


def store_reconciliation(staging: BlobStaging, report: Reconciliation) -> dict[str, str]:
    """reconciliation.html and reconciliation.json; returns name -> blob."""
    html = render_reconciliation_html(report)
    return {
        "reconciliation.html": _put(staging, report.run_id, "reconciliation.html", html),
        "reconciliation.json": _put(
            staging, report.run_id, "reconciliation.json", report.to_json()
        ),
    }


def store_handover(staging: BlobStaging, run_id: str, source_system: str, destination: str) -> str:
    """handover-checklist.md for the run's source and destination; returns the blob."""
    text = render_handover_markdown(load_handover(source_system), destination, run_id)
    return _put(staging, run_id, "handover-checklist.md", text)
