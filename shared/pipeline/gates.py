"""Steps 4-5 of a run, the gates before any load: the destination's schema, and record owners.

The schema gate diffs what the confirmed map needs against the destination's live metadata,
applies it when the operator allowed that, and otherwise fails naming what is missing (with a
solution zip an admin can import). The owner gate matches staff e-mails to active users and
requires a valid fallback owner; the staff -> owner map and the bind paths of reference records
(price list, units) are kept as run artefacts for the load step.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from shared.destinations.base import Destination
from shared.destinations.errors import DestinationError
from shared.destinations.map_needs import needs_from_map
from shared.destinations.schema import SchemaPlan
from shared.ledger import BlobStaging, page_blob_name
from shared.mapping.schema import schema_needs
from shared.pipeline.destination import dataverse_extras, with_destination
from shared.pipeline.messages import GateResult, StartRun
from shared.pipeline.proposal import load_confirmed_map
from shared.pipeline.reports import REPORT_NAMES, report_blob_name
from shared.pipeline.settings import PipelineSettings


def run_artifact(run_id: str, name: str) -> str:
    """Staging blob of a run-level artefact the load step reads (owners.json, references.json)."""
    return f"{run_id}/run/{name}"


def _report(staging: BlobStaging, run_id: str, name: str, data: bytes) -> str:
    blob = report_blob_name(run_id, name)
    staging.write_bytes(blob, data, container="reports", content_type=REPORT_NAMES[name])
    return blob


def check_schema(start: StartRun, map_hash: str, staging: BlobStaging) -> GateResult:
    """Plans (and, if allowed, applies) the schema; passes only when nothing is missing."""
    confirmed = load_confirmed_map(start.run_id, staging, map_hash)
    needs = needs_from_map(schema_needs(confirmed.spec), map_hash)

    async def plan_and_apply(destination: Destination) -> tuple[SchemaPlan, Any]:
        plan = await destination.plan_schema(needs)
        if not plan.satisfied and start.options.apply_schema:
            plan = await destination.apply_schema(plan)
        return plan, None if plan.satisfied else _admin_package(destination, plan)

    plan, package = with_destination(start.destination, plan_and_apply, scope=start.run_id)
    report = _report(staging, start.run_id, "schema-plan.md", plan.render().encode())
    _report(staging, start.run_id, "schema-plan.json", plan.model_dump_json(indent=2).encode())
    if package is not None:
        _report(staging, start.run_id, *package)
    return GateResult(
        passed=plan.satisfied, missing=plan.missing(), report_blob=report, warnings=plan.warnings
    )


def _admin_package(destination: Destination, plan: SchemaPlan) -> tuple[str, bytes] | None:
    """What an admin deploys when we may not: a Dataverse solution, a Salesforce package."""
    for name, method in (("solution.zip", "solution_zip"),
                         ("metadata-package.zip", "metadata_package")):  # fmt: skip
        make = getattr(destination, method, None)
        if make is not None:
            return name, bytes(make(plan))
    return None


def _staff(start: StartRun, staging: BlobStaging, pages: int) -> list[dict[str, Any]]:
    return [
        record
        for page in range(pages)
        for record in staging.read_jsonl(page_blob_name(start.run_id, "staff", page))
    ]


def resolve_owners(
    start: StartRun, map_hash: str, staging: BlobStaging, staff_pages: int
) -> GateResult:
    """Matches staff e-mails to active users; disabled and unmatched go to the fallback owner."""
    settings = PipelineSettings()
    if not settings.fallback_owner_email:
        missing = ["no fallback owner configured (CLINICFERRY_FALLBACK_OWNER_EMAIL)"]
        return GateResult(passed=False, report_blob="", missing=missing)
    load_confirmed_map(start.run_id, staging, map_hash)  # the gate: no confirmed map, no owners
    staff = _staff(start, staging, staff_pages)
    emails = sorted({s["email"].strip().lower() for s in staff if s.get("email")})

    async def resolve(destination: Destination) -> tuple[Any, dict[str, str]]:
        report = await destination.resolve_users(emails, settings.fallback_owner_email or "")
        references: dict[str, str] = {}
        extras = dataverse_extras(destination)
        if extras is not None:
            from shared.destinations.dataverse.references import resolve_references

            references = await resolve_references(extras.client, {
                "price_list": settings.price_list_name, "unit_group": settings.unit_group_name,
                "unit": settings.unit_name,
            })  # fmt: skip
        return report, references

    try:
        report, references = with_destination(start.destination, resolve, scope=start.run_id)
    except DestinationError as exc:
        return GateResult(passed=False, report_blob="", missing=[f"owners: {exc.reason_code}"])
    owners = {s["source_id"]: report.owner_for(s.get("email")) for s in staff}
    artefact = {
        "owners": owners,
        "fallback_owner": report.fallback_owner_id,
        # "today" for map expressions, fixed at the gate so replayed batches give equal payloads.
        "run_date": datetime.now(UTC).date().isoformat(),
    }
    staging.write_bytes(run_artifact(start.run_id, "owners.json"), json.dumps(artefact).encode())
    staging.write_bytes(run_artifact(start.run_id, "references.json"),
                        json.dumps(references).encode())  # fmt: skip
    blob = _report(staging, start.run_id, "owners.json", report.to_json().encode())
    _report(staging, start.run_id, "owners.csv", report.to_csv().encode())
    summary = report.summary()
    warnings = [
        f"{summary[status]} staff e-mails {status}: their records go to the fallback owner"
        for status in ("disabled", "unmatched")
        if summary.get(status)
    ]
    return GateResult(passed=True, report_blob=blob, warnings=warnings)
