"""Sample sign-off: a reviewer accepts the sample's field-level diff, recorded on the run.

The sample can be rolled back and re-run until the diff is right; signing off names the person,
the time and the diff that was reviewed (its sha256), so the full run starts from an accepted
sample. A diff with a mismatch or a missing record is refused unless the reviewer accepts it
explicitly (each mismatch carries its reason in the diff).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from pydantic import BaseModel

from shared.ledger import BlobStaging, RunRecord, RunStore
from shared.pipeline.reports import report_blob_name

REPORTS = "reports"


class SignOffRefused(ValueError):
    """The run or its diff cannot be signed off (message names why, no values)."""


class SignOff(BaseModel):
    """What was accepted, by whom, when."""

    run_id: str
    signed_off_by: str
    signed_off_at: datetime
    diff_sha256: str
    fields: int
    mismatched: int
    accepted_mismatches: bool


def sign_off_sample(
    run_id: str, reviewer: str, staging: BlobStaging, runs: RunStore,
    *, accept_mismatches: bool = False,
) -> SignOff:  # fmt: skip
    """Records the reviewer's sign-off of a loaded sample on the run and in `signoff.json`.

    Raises:
        SignOffRefused: the run is not a loaded sample, has no diff yet, or the diff has
            mismatches the reviewer did not accept.
    """
    run: RunRecord = runs.get(run_id)
    if run.mode != "sample" or run.state != "sample_loaded":
        raise SignOffRefused(f"run {run_id} is not a loaded sample (state {run.state})")
    try:
        raw = staging.read_bytes(report_blob_name(run_id, "diff.json"), container=REPORTS)
    except KeyError:
        raise SignOffRefused(f"run {run_id} has no field-level diff yet") from None
    diff = json.loads(raw)
    counts = diff.get("summary", {}).get("all", {})
    mismatched = int(counts.get("mismatch", 0)) + int(counts.get("missing", 0))
    if mismatched and not accept_mismatches:
        raise SignOffRefused(f"the diff has {mismatched} mismatched or missing field(s)")
    now = datetime.now(UTC)
    record = SignOff(
        run_id=run_id, signed_off_by=reviewer, signed_off_at=now,
        diff_sha256=hashlib.sha256(raw).hexdigest(), fields=len(diff.get("fields", [])),
        mismatched=mismatched, accepted_mismatches=bool(mismatched),
    )  # fmt: skip
    staging.write_bytes(f"{run_id}/signoff.json", record.model_dump_json(indent=1).encode(),
                        container=REPORTS, content_type="application/json")  # fmt: skip
    runs.transition(run_id, "sample_loaded", reason=run.reason, signed_off_by=reviewer,
                    signed_off_at=now)  # fmt: skip
    return record
