"""Later passes of a run: the delta window's bookkeeping and each pass's start and finish.

The window lives in the run's row (`runs` table): when it ends, how often a pass is due, which
hash snapshot the next pass compares with, and the drop folder it reads. A pass moves the window
only when it finishes, so a pass that failed is simply run again from the same baseline.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from shared.ledger import AuditLedger, BlobStaging, RunRecord, RunStore
from shared.ledger.runs import DeltaWindow, PassRecord
from shared.pipeline.delta import current_scope, detect_changes
from shared.pipeline.extract import load_run_start, write_report
from shared.pipeline.fixback import select_gaps
from shared.pipeline.gates import run_artifact
from shared.pipeline.messages import (
    ExtractResult,
    LoadPlan,
    OnSourceDelete,
    PassJob,
    PassKind,
    PassSelection,
    ReconcileResult,
    StartRun,
)
from shared.pipeline.plan import plan_load
from shared.pipeline.reconcile import account_entries


class PassRefused(RuntimeError):
    """A pass cannot run for this run now (no window, window closed, wrong state); says why."""


def next_pass_id(run: RunRecord, kind: PassKind) -> str:
    """The next pass of a kind: numbered by the passes of that kind the run has recorded."""
    done = sum(1 for p in run.passes if p.pass_id.startswith(f"{kind}-"))
    return f"{kind}-{done + 1:03d}"


def open_window(store: RunStore, start: StartRun, now: datetime, *, hours: int | None = None,
                cadence_minutes: int | None = None, drop_prefix: str | None = None,
                on_source_delete: OnSourceDelete | None = None) -> DeltaWindow:  # fmt: skip
    """Opens (or, if open, re-times) the run's delta window; the first pass is due at once.
    A completed run moves into its window (`delta_open`); the full run's own last step opens
    it while reconciling, and the orchestration sets the state."""
    run = store.get(start.run_id)
    if run.mode != "full":
        raise PassRefused("only a full run has a delta window")
    current = run.delta_window
    if current is not None and not current.is_open:
        raise PassRefused("the delta window was closed with a final reconciliation")
    options = start.options
    policy: OnSourceDelete = on_source_delete or options.on_source_delete
    window = DeltaWindow(
        opened_at=current.opened_at if current else now,
        ends_at=now + timedelta(hours=hours or options.delta_window_hours or 48),
        cadence_minutes=cadence_minutes or options.delta_cadence_minutes,
        next_due_at=now,
        drop_prefix=drop_prefix or (current.drop_prefix if current else start.export.prefix),
        on_source_delete=policy,
        baseline_pass=current.baseline_pass if current else "full",
        last_fingerprint=current.last_fingerprint if current else None,
    )
    store.set_window(start.run_id, window)
    if run.state == "completed":
        store.transition(start.run_id, "delta_open")
    return window


def close_requested(store: RunStore, run_id: str) -> DeltaWindow:
    """Marks the window for closing: the next pass is the closing one, due now."""
    run = store.get(run_id)
    window = run.delta_window
    if window is None or not window.is_open:
        raise PassRefused("the run has no open delta window")
    moved = window.model_copy(update={"close_requested": True,
                                      "next_due_at": window.opened_at})  # fmt: skip
    store.set_window(run_id, moved)
    return moved


def start_pass(job: PassJob, staging: BlobStaging, store: RunStore,
               ledger: AuditLedger) -> dict[str, Any]:  # fmt: skip
    """Selects what the pass loads; the run goes to `loading` only when there is work."""
    start = load_run_start(staging, job.run_id)
    run = store.get(job.run_id)
    if job.kind == "delta":
        window = run.delta_window
        if window is None or not window.is_open:
            raise PassRefused("the run has no open delta window")
        selection = detect_changes(job, start, window, staging)
        drop = window.drop_prefix
    else:
        refused = fixback_refusal(run)
        if refused:
            raise PassRefused(refused)
        # Reconcile first: gaps found now (a record deleted behind our back) are what it loads.
        _reconcile_again(job.run_id, start, staging, ledger, run)
        scope = source_scope(run)
        selection = select_gaps(job, start, staging, scope)
        # Documents come from the export the source pages were read from.
        window = run.delta_window
        drop = window.drop_prefix if window and scope != run.run_id else start.export.prefix
    if not selection.skipped_reason:
        store.transition(job.run_id, "loading")
    return {"selection": selection.model_dump(mode="json"), "start": start.model_dump(mode="json"),
            "drop": drop, "confirmed_map_hash": run.confirmed_map_hash}  # fmt: skip


def fixback_refusal(run: RunRecord) -> str | None:
    """Why a fix-back cannot run now, or None: while a delta window has changed records, the
    run's last reconciliation no longer describes the source."""
    window = run.delta_window
    if (
        window is not None
        and window.is_open
        and any(p.pass_id.startswith("delta-") and p.written for p in run.passes)
    ):
        return ("delta passes changed records since the run's reconciliation: close the delta "
                "window first (its closing pass reconciles against the latest drop)")  # fmt: skip
    return None


def source_scope(run: RunRecord) -> str:
    """The pages that are the source's current state: the closing pass's whole drop, once the
    window closed, else the run's own export (a pass in between changed only some records)."""
    closing = [p.pass_id for p in run.passes if p.pass_id.startswith("delta-")
               and p.reason == "closing"]  # fmt: skip
    if run.delta_window is not None and not run.delta_window.is_open and closing:
        return current_scope(PassJob(run_id=run.run_id, pass_id=closing[-1], kind="delta",
                                     operator="-"))  # fmt: skip
    return run.run_id


def plan_pass(job: PassJob, selection: PassSelection, staging: BlobStaging,
              store: RunStore) -> LoadPlan:  # fmt: skip
    """The pass's load plan: its staged records, then deactivations of deleted ones."""
    start = load_run_start(staging, job.run_id)
    run = store.get(job.run_id)
    if run.delta_window is not None:
        options = start.options.model_copy(
            update={"on_source_delete": run.delta_window.on_source_delete}
        )
        start = start.model_copy(update={"options": options})
    return plan_load(start, str(run.confirmed_map_hash), staging, selection.extract,
                     later_pass=selection)  # fmt: skip


def finish_pass(
    job: PassJob, selection: PassSelection, plan: LoadPlan | None,
    totals: dict[str, dict[str, int]], staging: BlobStaging, ledger: AuditLedger,
    store: RunStore, now: datetime,
) -> dict[str, Any]:  # fmt: skip
    """Accounts for the pass, records it in the run and moves the delta window on."""
    run = store.get(job.run_id)
    window = run.delta_window
    if selection.skipped_reason:  # nothing new: only the next due time moves
        if window is not None and window.is_open:
            store.set_window(job.run_id, _moved(window, now))
        return {"state": "skipped", "reasons": [selection.skipped_reason]}
    entries, reasons, _ = account_entries(
        ledger, job.run_id, job.pass_id, plan or LoadPlan(levels=[], estimated_seconds=0,
                                                          entitlement_share=0, report_blob=""),
        totals, with_stamped=False,
    )  # fmt: skip
    written: dict[str, int] = {}
    for counts in totals.values():
        for name, n in counts.items():
            written[name] = written.get(name, 0) + n
    found: dict[str, int] = {}
    for changes in selection.changes.values():
        for name, n in changes.model_dump().items():
            if name == "quarantined":
                name = "quarantined_in_drop"  # rows of the drop, not changes: reported apart
            if name != "unchanged":
                found[name] = found.get(name, 0) + n
    record = PassRecord(pass_id=job.pass_id, state="failed" if reasons else "completed",
                        finished_at=now, reason="closing" if job.closing else None,
                        found=found, written=written)  # fmt: skip
    body = {"run_id": job.run_id, **record.model_dump(mode="json"), "accounted": not reasons,
            "reasons": reasons, "entries": entries,
            "changes_report": selection.report_blob}  # fmt: skip
    report = write_report(staging, job.run_id, "pass.json", json.dumps(body, indent=1).encode(),
                          f"passes/{job.pass_id}")  # fmt: skip
    moved = None
    if job.kind == "delta" and window is not None and reasons:  # retried from the same baseline
        moved = _moved(window, now)
    elif job.kind == "delta" and window is not None:
        moved = _moved(window, now).model_copy(update={
            "baseline_pass": job.pass_id, "last_fingerprint": selection.drop_fingerprint,
            "closed_at": now if job.closing else None,
        })  # fmt: skip
    store.record_pass(job.run_id, record, moved)
    if job.kind == "delta" and not job.closing:
        store.transition(job.run_id, "reconciling")
        store.transition(job.run_id, "delta_open", reason="; ".join(reasons[:5]) or None)
    return {"state": record.state, "reasons": reasons, "report_blob": report,
            "found": found, "written": written}  # fmt: skip


def _moved(window: DeltaWindow, now: datetime) -> DeltaWindow:
    return window.model_copy(
        update={"next_due_at": now + timedelta(minutes=window.cadence_minutes)}
    )


def save_reconcile_input(staging: BlobStaging, run_id: str, extract: ExtractResult,
                         plan: LoadPlan, totals: dict[str, dict[str, int]],
                         load_seconds: float | None) -> None:  # fmt: skip
    """Keeps what the run's reconciliation compared, so a later pass can reconcile it again."""
    body = {"extract": extract.model_dump(mode="json"), "plan": plan.model_dump(mode="json"),
            "totals": totals, "load_seconds": load_seconds}  # fmt: skip
    staging.write_bytes(run_artifact(run_id, "reconcile_input.json"), json.dumps(body).encode())


def reconcile_after_pass(job: PassJob, staging: BlobStaging, ledger: AuditLedger,
                         store: RunStore) -> ReconcileResult:  # fmt: skip
    """Reconciles the whole run again (after a fix-back, or as the window's final one)."""
    start = load_run_start(staging, job.run_id)
    store.transition(job.run_id, "reconciling")
    run = store.get(job.run_id)
    result = _reconcile_again(job.run_id, start, staging, ledger, run)
    window = run.delta_window
    if window is not None and window.is_open:
        final = "delta_open"
    else:
        final = "sample_loaded" if run.mode == "sample" else "completed"
    reason = None if result.reconciled else "; ".join(result.reasons[:5])
    store.transition(job.run_id, final, reason=reason)  # type: ignore[arg-type]
    return result


def _reconcile_again(run_id: str, start: StartRun, staging: BlobStaging, ledger: AuditLedger,
                     run: RunRecord) -> ReconcileResult:  # fmt: skip
    from shared.pipeline.trust import reconcile_run  # trust imports the load step

    body = json.loads(staging.read_bytes(run_artifact(run_id, "reconcile_input.json")))
    return reconcile_run(
        start, str(run.confirmed_map_hash), staging, ledger,
        ExtractResult.model_validate(body["extract"]), LoadPlan.model_validate(body["plan"]),
        body["totals"], body["load_seconds"], pages_of=source_scope(run),
        passes=[p.model_dump(mode="json") for p in run.passes],
    )  # fmt: skip
