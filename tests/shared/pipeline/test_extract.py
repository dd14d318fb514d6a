"""Extract step against real Azurite: the sample export read, profiled and staged in pages."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from azure.storage.blob import BlobServiceClient

from shared.ledger import BlobStaging
from shared.pipeline.extract import extract_export
from shared.pipeline.messages import StartRun
from shared.pipeline.reports import report_blob_name

pytestmark = pytest.mark.integration
SAMPLE = Path(__file__).resolve().parents[3] / "samples" / "aerona"


@pytest.fixture(scope="module")
def staging(storage_connection_string: str) -> BlobStaging:
    blobs = BlobStaging(BlobServiceClient.from_connection_string(storage_connection_string))
    blobs.upload_folder(SAMPLE, "exports/aerona-sample")
    return blobs


def start(mode: str, **options: int) -> StartRun:
    return StartRun.model_validate({
        "run_id": f"run-{uuid.uuid4().hex[:8]}", "source_system": "aerona",
        "export": {"prefix": "exports/aerona-sample"}, "mode": mode,
        "options": {"page_size": 50, **options}, "started_by": "test",
    })  # fmt: skip


def test_every_row_is_accounted_for_and_accepted_rows_are_staged(staging: BlobStaging) -> None:
    run = start("full")
    result = extract_export(run, staging)
    manifest = json.loads((SAMPLE / "_manifest.json").read_text())
    rows_by_kind: dict[str, int] = {}
    for info in manifest["files"].values():
        rows_by_kind[info["kind"]] = rows_by_kind.get(info["kind"], 0) + info["rows"]
    for kind, counts in result.objects.items():
        assert counts.accepted + counts.quarantined + counts.merged == counts.read
        staged = sum(1 for page in staging.list_pages(run.run_id, kind)
                     for _ in staging.read_jsonl(page))  # fmt: skip
        assert staged == counts.accepted, kind
    assert result.objects["patient"].read == rows_by_kind["patient"]
    assert result.objects["patient"].quarantined > 0  # the sample carries injected faults
    quality = json.loads(staging.read_bytes(result.quality_report_blob, container="reports"))
    assert quality  # the JSON report was written
    quarantine = staging.read_bytes(report_blob_name(run.run_id, "quarantine.jsonl"),
                                    container="reports").decode()  # fmt: skip
    assert len(quarantine.splitlines()) == sum(c.quarantined for c in result.objects.values())


def test_sample_mode_stages_n_patients_and_only_their_dependents(staging: BlobStaging) -> None:
    run = start("sample", sample_size=10)
    result = extract_export(run, staging)
    patients = [r for p in staging.list_pages(run.run_id, "patient") for r in staging.read_jsonl(p)]
    assert len(patients) == 10
    chosen = {p["source_id"] for p in patients}
    appointments = [r for p in staging.list_pages(run.run_id, "appointment")
                    for r in staging.read_jsonl(p)]  # fmt: skip
    assert appointments and {a["patient_id"] for a in appointments} <= chosen
    again = extract_export(start("sample", sample_size=10), staging)
    assert again.objects["patient"].pages == result.objects["patient"].pages  # deterministic
