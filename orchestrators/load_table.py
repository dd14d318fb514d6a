"""`load_table`: loads one table's staged pages in waves of parallel batches, within the limits.

Throttled batches come back with `retry_after_seconds`; the orchestrator waits on a durable timer
(not a sleep in an activity) and retries them. After `batches_per_execution` pages the orchestration
continues as new, so its history stays bounded however large the table is.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any

import azure.durable_functions as df

from orchestrators import names
from orchestrators.retry import RETRY_DESTINATION
from shared.pipeline.messages import BatchResult, LoadBatch, LoadTableJob

bp = df.Blueprint()


def _batch(job: LoadTableJob, page: int, attempt: int) -> LoadBatch:
    return LoadBatch(
        run_id=job.run_id,
        destination=job.destination,
        export_prefix=job.export_prefix,
        confirmed_map_hash=job.confirmed_map_hash,
        operator=job.operator,
        mode=job.mode,
        table=job.plan.table,
        operation=job.plan.operation,
        object_kind=job.plan.object_kind,
        page=page,
        attempt=attempt,
        pass_id=job.pass_id,
        page_scope=job.page_scope,
    )


def _add(totals: dict[str, int], counts: dict[str, int]) -> dict[str, int]:
    merged = dict(totals)
    for name, value in counts.items():
        merged[name] = merged.get(name, 0) + value
    return merged


@bp.orchestration_trigger(context_name="context", orchestration=names.LOAD_TABLE)
def load_table(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    """Loads pages [next_page, next_page + batches_per_execution), then continues or returns."""
    job = LoadTableJob.model_validate(context.get_input())
    options = job.options
    stop = min(job.plan.pages, job.next_page + options.batches_per_execution)
    totals = dict(job.totals)
    page = job.next_page
    while page < stop:
        wave = list(range(page, min(stop, page + options.parallel_batches)))
        attempt = 1
        while wave:
            tasks = [
                context.call_activity_with_retry(
                    names.LOAD_BATCH,
                    RETRY_DESTINATION,
                    _batch(job, p, attempt).model_dump(mode="json"),
                )
                for p in wave
            ]
            results = [BatchResult.model_validate(r) for r in (yield context.task_all(tasks))]
            throttled = []
            for p, result in zip(wave, results, strict=True):
                if result.retry_after_seconds is None:
                    totals = _add(totals, result.counts)  # a throttled batch is counted on retry
                else:
                    throttled.append((p, result.retry_after_seconds))
            if throttled and attempt < options.max_batch_attempts:
                wait = max(seconds for _, seconds in throttled)
                yield context.create_timer(context.current_utc_datetime + timedelta(seconds=wait))
                wave, attempt = [p for p, _ in throttled], attempt + 1
                totals = _add(totals, {"throttled_retries": len(throttled)})
            else:
                if throttled:
                    totals = _add(totals, {"failed_batches": len(throttled)})
                wave = []
        page = min(stop, page + options.parallel_batches)
        progress = {"table": job.plan.table, "pages_done": page, "pages_total": job.plan.pages}
        context.set_custom_status({**progress, "records": totals})
    if page < job.plan.pages:
        context.continue_as_new(
            job.model_copy(update={"next_page": page, "totals": totals}).model_dump(mode="json")
        )
        return {}
    return {"table": job.plan.table, "totals": totals}
