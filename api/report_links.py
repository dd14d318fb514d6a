"""Report download links: a short-lived, read-only SAS URL for one report of one run.

The portal gets a URL it can hand to the browser, so large reports (the diff, the solution zip)
download straight from the private `reports` container without passing through the app, and the
link stops working after `CLINICFERRY_REPORT_LINK_MINUTES` (default 15, at most 60).
"""

from __future__ import annotations

import os
from datetime import timedelta

import azure.durable_functions as df
import azure.functions as func

from api import dependencies
from api.principal import READER_ROLES, check_roles
from api.responses import error, json_response
from shared.ledger.staging import REPORTS_CONTAINER
from shared.pipeline.reports import REPORT_NAMES, report_blob_name

bp = df.Blueprint()

LINK_MINUTES_SETTING = "CLINICFERRY_REPORT_LINK_MINUTES"
DEFAULT_LINK_MINUTES = 15


def link_validity() -> timedelta:
    """How long a report link works, from the app setting (1-60 minutes)."""
    raw = os.environ.get(LINK_MINUTES_SETTING) or str(DEFAULT_LINK_MINUTES)
    minutes = int(raw) if raw.isdigit() else 0
    if not 1 <= minutes <= 60:
        raise ValueError(f"{LINK_MINUTES_SETTING} must be a whole number of minutes, 1-60")
    return timedelta(minutes=minutes)


@bp.route(route="migrations/{run_id}/reports/{name}/link", methods=["GET"])
async def migration_report_link(req: func.HttpRequest) -> func.HttpResponse:
    """A read-only link to one of the run's reports, valid for a few minutes."""
    denied = check_roles(req, READER_ROLES)
    if denied:
        return denied
    run_id, name = req.route_params["run_id"], req.route_params["name"]
    if name not in REPORT_NAMES:
        return error(404, "no such report", available=sorted(REPORT_NAMES))
    try:
        dependencies.run_store().get(run_id)
    except KeyError:
        return error(404, "no such migration run")
    try:
        link = dependencies.staging().download_link(
            report_blob_name(run_id, name), container=REPORTS_CONTAINER, valid_for=link_validity()
        )
    except KeyError:
        return error(404, "the report has not been written yet")
    return json_response({"name": name, "url": link.url, "expiresAt": link.expires_at.isoformat()})
