"""Loading a plan level by level, shared by the run itself and its later passes.

A level's entries load in parallel as `load_table` sub-orchestrations (a deterministic instance id
per entry, so a replay finds its children); levels follow each other so lookups always resolve.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import azure.durable_functions as df

from orchestrators import names
from shared.pipeline.messages import LoadPlan, LoadTableJob, TablePlan


def load_levels(
    context: df.DurableOrchestrationContext, plan: LoadPlan, prefix: str,
    job_for: Callable[[TablePlan], LoadTableJob], on_level: Callable[[int, list[str]], None],
) -> Generator[Any, Any, dict[str, dict[str, int]]]:  # fmt: skip
    """Loads every level; returns load totals per entry (see `TablePlan.totals_key`)."""
    tables: dict[str, dict[str, int]] = {}
    for level, tables_in_level in enumerate(plan.levels):
        on_level(level, [t.table for t in tables_in_level])
        jobs = [
            context.call_sub_orchestrator(
                names.LOAD_TABLE,
                job_for(table).model_dump(mode="json"),
                instance_id=f"{prefix}:load:{table.totals_key}",
            )
            for table in tables_in_level
        ]
        results = yield context.task_all(jobs)
        for table, result in zip(tables_in_level, results, strict=True):
            tables[table.totals_key] = result["totals"]
    return tables
