"""Step 6 of a run: the load plan, shown before any write and compared with what happened after.

Map entries load wave by wave (a wave's entries only look up earlier waves, so they can run in
parallel). The estimate uses the destination's service-protection budget per application user:
Dataverse allows 1,200 s of execution time per 300 s, and a bulk target costs on the order of
10 ms, so one user sustains roughly 400 records/s (a setting); the 24 h entitlement counts every
bulk target as one request.
"""

from __future__ import annotations

import json
import math

from shared.ledger import BlobStaging
from shared.mapping.names import logical_name
from shared.mapping.order import load_waves
from shared.mapping.spec import MapSpec
from shared.pipeline.messages import ExtractResult, LoadPlan, PassSelection, StartRun, TablePlan
from shared.pipeline.proposal import load_confirmed_map
from shared.pipeline.reports import REPORT_NAMES, report_blob_name
from shared.pipeline.settings import PipelineSettings

RECORDS_PER_REQUEST = 100  # the writer's bulk batch size (CreateMultiple / UpsertMultiple)
RECORDS_PER_SECOND_PER_USER = 400.0


def plan_load(
    start: StartRun, map_hash: str, staging: BlobStaging, extract: ExtractResult, users: int = 1,
    *, later_pass: PassSelection | None = None,
) -> LoadPlan:  # fmt: skip
    """Entries by wave with records, pages and requests; time and entitlement estimates.

    A later pass (delta, fix-back) plans only what it staged, without the map's static rows,
    and ends with the deactivation of records deleted in the source, children first.
    """
    spec = load_confirmed_map(start.run_id, staging, map_hash).spec
    levels: list[list[TablePlan]] = []
    total_records = 0
    for wave in load_waves(spec):
        level = []
        for name in wave:
            entry = spec.tables[name]
            if not entry.enabled or entry.operation == "match":
                continue  # match entries (staff -> users) are the owner gate's work
            counts = extract.objects.get(entry.source or "")
            static = len(entry.static_rows) if later_pass is None else 0
            records = (counts.staged if counts else 0) + static
            pages = max(counts.pages if counts else 0, 1 if static else 0)
            if records == 0:
                continue
            total_records += records
            level.append(TablePlan(
                table=name, destination_table=logical_name(entry.table, start.destination.kind),
                operation="export" if entry.operation == "export" else "upsert",
                object_kind=entry.source or "", records=records, pages=pages,
                requests=math.ceil(records / RECORDS_PER_REQUEST),
            ))  # fmt: skip
        if level:
            levels.append(level)
    if later_pass is not None:
        deactivations = _deactivations(start, spec, later_pass)
        total_records += sum(t.records for t in deactivations)
        levels += [[t] for t in deactivations]
    fed = {spec.tables[name].source for wave in load_waves(spec) for name in wave
           if spec.tables[name].enabled}  # fmt: skip
    unmapped = {
        kind: c.staged for kind, c in extract.objects.items() if c.staged and kind not in fed
    }
    settings = PipelineSettings()
    seconds = total_records / (RECORDS_PER_SECOND_PER_USER * max(users, 1))
    share = total_records / settings.daily_request_entitlement
    warnings = [
        f"{kind}: {count:,} accepted rows have no destination in the confirmed map (not migrated)"
        for kind, count in sorted(unmapped.items())
    ]
    if share > 1:
        days = math.ceil(share)
        warnings.append(
            f"{total_records:,} records exceed the 24 h request entitlement "
            f"({settings.daily_request_entitlement:,}): spread the run over {days} days "
            f"or raise the entitlement (add-on capacity / more licences)"
        )
    plan = LoadPlan(
        levels=levels,
        estimated_seconds=round(seconds, 1),
        entitlement_share=round(share, 4),
        report_blob="",
        warnings=warnings,
    )
    blob = report_blob_name(start.run_id, "plan.json")
    if later_pass is not None:
        blob = f"{start.run_id}/passes/{later_pass.pass_id}/plan.json"
    body = {**plan.model_dump(mode="json"), "records": total_records, "users": users,
            "not_migrated": unmapped}  # fmt: skip
    staging.write_bytes(blob, json.dumps(body, indent=2).encode(), container="reports",
                        content_type=REPORT_NAMES["plan.json"])  # fmt: skip
    return plan.model_copy(update={"report_blob": blob})


def _deactivations(start: StartRun, spec: MapSpec, selection: PassSelection) -> list[TablePlan]:
    """One deactivation per entry that creates records of a deleted kind, children first."""
    if start.options.on_source_delete != "deactivate":
        return []
    plans = []
    for wave in reversed(load_waves(spec)):
        for name in wave:
            entry = spec.tables[name]
            kind = entry.source or ""
            pages = selection.deleted_pages.get(kind, 0)
            if not pages or not entry.enabled or entry.operation != "upsert" or entry.key.source:
                continue
            records = selection.changes[kind].deleted
            plans.append(TablePlan(
                table=name, destination_table=logical_name(entry.table, start.destination.kind),
                operation="deactivate", object_kind=kind, records=records, pages=pages,
                requests=math.ceil(records / RECORDS_PER_REQUEST),
            ))  # fmt: skip
    return plans
