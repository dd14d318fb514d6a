"""Stand-in activities with the real names, for orchestration-logic tests (not end to end).

Each test sets `SCRIPT` (what the gates answer, how many pages, which batches throttle) and
reads `CALLS` to see what the orchestrators asked for.
"""

from __future__ import annotations

import threading
from typing import Any

import azure.durable_functions as df

from orchestrators import names

bp = df.Blueprint()
CALLS: list[tuple[str, dict[str, Any]]] = []
SCRIPT: dict[str, Any] = {}
_lock = threading.Lock()
_throttled_once: set[str] = set()


def reset(**script: Any) -> None:
    CALLS.clear()
    _throttled_once.clear()
    SCRIPT.clear()
    SCRIPT.update(
        {"schema_ok": True, "owners_ok": True, "levels": [[("account", "location", 2)],
         [("contact", "patient", 3)]], "throttle_pages": set(), "reconciled": True}
    )  # fmt: skip
    SCRIPT.update(script)


def _record(name: str, payload: dict[str, Any]) -> None:
    with _lock:
        CALLS.append((name, payload))


@bp.activity_trigger(input_name="payload", activity=names.SET_RUN_STATE)
def set_run_state(payload: dict[str, Any]) -> dict[str, Any]:
    _record(names.SET_RUN_STATE, payload)
    return {"state": payload["state"]}


@bp.activity_trigger(input_name="payload", activity=names.EXTRACT_EXPORT)
def extract_export(payload: dict[str, Any]) -> dict[str, Any]:
    _record(names.EXTRACT_EXPORT, payload)
    counts = {"read": 5, "accepted": 4, "quarantined": 1, "merged": 0, "pages": 1}
    return {"objects": {"patient": counts}, "quality_report_blob": "r/quality.json"}


@bp.activity_trigger(input_name="payload", activity=names.PROPOSE_MAP)
def propose_map(payload: dict[str, Any]) -> dict[str, Any]:
    _record(names.PROPOSE_MAP, payload)
    return {"proposal_blob": "r/proposal.json", "proposal_markdown_blob": "r/proposal.md",
            "proposal_hash": "p" * 64, "fields_to_review": 2}  # fmt: skip


@bp.activity_trigger(input_name="payload", activity=names.CONFIRM_MAP_AUTOMATICALLY)
def confirm_map_automatically(payload: dict[str, Any]) -> dict[str, Any]:
    _record(names.CONFIRM_MAP_AUTOMATICALLY, payload)
    return {"confirmation_id": "auto", "confirmed_map_blob": "r/confirmed-map.json",
            "confirmed_map_hash": "a" * 64, "confirmed_by": payload["confirmed_by"]}  # fmt: skip


@bp.activity_trigger(input_name="payload", activity=names.CHECK_SCHEMA)
def check_schema(payload: dict[str, Any]) -> dict[str, Any]:
    _record(names.CHECK_SCHEMA, payload)
    missing = [] if SCRIPT["schema_ok"] else ["new_treatmentplan", "contact.new_sourceid"]
    return {"passed": SCRIPT["schema_ok"], "missing": missing, "report_blob": "r/schema-plan.md"}


@bp.activity_trigger(input_name="payload", activity=names.RESOLVE_OWNERS)
def resolve_owners(payload: dict[str, Any]) -> dict[str, Any]:
    _record(names.RESOLVE_OWNERS, payload)
    missing = [] if SCRIPT["owners_ok"] else ["fallback owner is disabled"]
    return {"passed": SCRIPT["owners_ok"], "missing": missing, "report_blob": "r/owners.json"}


@bp.activity_trigger(input_name="payload", activity=names.PLAN_LOAD)
def plan_load(payload: dict[str, Any]) -> dict[str, Any]:
    _record(names.PLAN_LOAD, payload)
    levels = []
    for level in SCRIPT["levels"]:
        levels.append(
            [
                {"table": t, "object_kind": k, "records": p * 10, "pages": p, "requests": p}
                for t, k, p in level
            ]
        )
    return {"levels": levels, "estimated_seconds": 1.5, "entitlement_share": 0.01,
            "report_blob": "r/plan.json"}  # fmt: skip


@bp.activity_trigger(input_name="payload", activity=names.LOAD_BATCH)
def load_batch(payload: dict[str, Any]) -> dict[str, Any]:
    _record(names.LOAD_BATCH, payload)
    batch_id = f"{payload['table']}.{payload['page']:05d}"
    with _lock:
        throttle = batch_id in SCRIPT["throttle_pages"] and batch_id not in _throttled_once
        if throttle:
            _throttled_once.add(batch_id)
    if throttle:
        return {"batch_id": batch_id, "counts": {}, "retry_after_seconds": 30.0}
    return {"batch_id": batch_id, "counts": {"created": 10}}


@bp.activity_trigger(input_name="payload", activity=names.RECONCILE)
def reconcile(payload: dict[str, Any]) -> dict[str, Any]:
    _record(names.RECONCILE, payload)
    ok = SCRIPT["reconciled"]
    return {"reconciled": ok, "gaps": 0 if ok else 3, "report_blob": "r/reconciliation.json",
            "reasons": [] if ok else ["contact: 3 records missing in the destination"]}  # fmt: skip


@bp.activity_trigger(input_name="payload", activity=names.DIFF_SAMPLE)
def diff_sample(payload: dict[str, Any]) -> dict[str, Any]:
    _record(names.DIFF_SAMPLE, payload)
    return {"report_blob": "r/diff.html", "summary": {"match": 10, "mismatch": 0}}


@bp.activity_trigger(input_name="payload", activity=names.OPEN_DELTA_WINDOW)
def open_delta_window(payload: dict[str, Any]) -> dict[str, Any]:
    _record(names.OPEN_DELTA_WINDOW, payload)
    return {"opened": True}
