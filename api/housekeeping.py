"""Retention: a daily timer that purges old Durable history and blobs, and purging one run.

Durable keeps every orchestration's inputs, outputs and failure messages until they are purged,
and staging holds the extracted patient records. Once a run has been idle for
`CLINICFERRY_RETENTION_DAYS` (default 30) and is no longer active, this timer deletes its staged
pages, before-images and reports, and purges finished orchestration histories created before
that cut-off. The schedule is the NCRONTAB in `CLINICFERRY_HOUSEKEEPING_SCHEDULE` (UTC), e.g.
`0 30 2 * * *`. The `runs` row and the audit ledger stay: they hold ids, counts and hashes only.

`DELETE /api/migrations/{id}` (Migration.Operator) purges one finished run completely, at once:
its orchestration histories (the run and its sub-orchestrations), blobs, audit rows and run row.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import azure.durable_functions as df
import azure.functions as func

from api import dependencies
from api.principal import check_roles
from api.responses import error, json_response

bp = df.Blueprint()
logger = logging.getLogger(__name__)

RETENTION_SETTING = "CLINICFERRY_RETENTION_DAYS"
SCHEDULE_SETTING = "CLINICFERRY_HOUSEKEEPING_SCHEDULE"
DEFAULT_RETENTION_DAYS = 30
# A run in one of these states may still need its staged pages (or is still writing them).
ACTIVE_STATES = frozenset({"created", "profiling", "awaiting_confirmation", "preparing", "loading",
                           "reconciling", "delta_open", "rolling_back"})  # fmt: skip
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # the SDK requires a lower bound
FINISHED = [
    df.OrchestrationRuntimeStatus.Completed,
    df.OrchestrationRuntimeStatus.Failed,
    df.OrchestrationRuntimeStatus.Terminated,
]


@dataclass(frozen=True)
class HousekeepingResult:
    """What one pass removed."""

    cutoff: datetime
    instances_purged: int
    runs_cleared: int
    blobs_deleted: int


def retention() -> timedelta:
    """The retention period from the app setting (whole days, at least 1)."""
    raw = os.environ.get(RETENTION_SETTING) or str(DEFAULT_RETENTION_DAYS)
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{RETENTION_SETTING} must be a whole number of days, at least 1")
    return timedelta(days=int(raw))


def _now() -> datetime:
    return datetime.now(UTC)


async def purge_expired(client: df.DurableOrchestrationClient) -> HousekeepingResult:
    """Purges finished histories created before the cut-off and clears idle runs' blobs."""
    cutoff = _now() - retention()
    purged = await client.purge_instance_history_by(
        created_time_from=EPOCH, created_time_to=cutoff, runtime_status=FINISHED
    )
    staging, runs_cleared, blobs = dependencies.staging(), 0, 0
    for run in dependencies.run_store().list():
        if run.state in ACTIVE_STATES or run.updated_at >= cutoff:
            continue
        deleted = staging.delete_run(run.run_id)
        runs_cleared += deleted > 0
        blobs += deleted
    return HousekeepingResult(cutoff, purged.instances_deleted, runs_cleared, blobs)


@bp.timer_trigger(arg_name="timer", schedule=f"%{SCHEDULE_SETTING}%", run_on_startup=False,
                  use_monitor=True)  # fmt: skip
@bp.durable_client_input(client_name="client")
async def housekeeping(timer: func.TimerRequest, client: df.DurableOrchestrationClient) -> None:
    """The daily retention pass (no retry on failure: the next occurrence tries again)."""
    result = await purge_expired(client)
    logger.info(
        "housekeeping: retention %d days, %d orchestration histories purged, %d runs cleared "
        "(%d blobs), past due %s",
        retention().days, result.instances_purged, result.runs_cleared, result.blobs_deleted,
        timer.past_due,
    )  # fmt: skip


async def purge_run(client: df.DurableOrchestrationClient, run_id: str) -> dict[str, int]:
    """Deletes everything the app holds about one run; returns what was removed, by kind."""
    instances = [
        status.instance_id
        for status in await client.get_status_all()
        if status.instance_id == run_id or str(status.instance_id).startswith(f"{run_id}:")
    ]
    purged = 0
    for instance_id in instances:
        purged += (await client.purge_instance_history(instance_id)).instances_deleted
    removed = {
        "orchestrationHistories": purged,
        "blobs": dependencies.staging().delete_run(run_id),
        "auditRows": dependencies.audit_ledger().delete_run(run_id),
    }
    dependencies.run_store().delete(run_id)
    return removed


@bp.route(route="migrations/{run_id}", methods=["DELETE"])
@bp.durable_client_input(client_name="client")
async def purge_migration(req: func.HttpRequest, client: df.DurableOrchestrationClient
                          ) -> func.HttpResponse:  # fmt: skip
    """Purges a finished run (cancel an active one first); the CRM's records are not touched."""
    denied = check_roles(req, "Migration.Operator")
    if denied:
        return denied
    run_id = req.route_params["run_id"]
    try:
        run = dependencies.run_store().get(run_id)
    except KeyError:
        return error(404, "no such migration run")
    if run.state in ACTIVE_STATES:
        return error(409, f"the run is {run.state}; cancel it first")
    removed = await purge_run(client, run_id)
    return json_response({"id": run_id, "purged": removed})
