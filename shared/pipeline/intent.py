"""Write-ahead intents: what a batch found at the destination before it wrote anything.

A batch's first attempt records, before writing, which of its keys already existed and their
before-images. If the process dies after the destination accepted the write but before the
ledger recorded it, the retry sees its own records as "unchanged"; the intent still says which
ones this run created and what the updated ones held before, so rollback stays exact.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from shared.destinations.base import BeforeImage, RecordResult
from shared.ledger import BlobStaging
from shared.pipeline.messages import LoadBatch


@dataclass(frozen=True)
class Intent:
    """Keys that existed before the batch's first attempt, and their before-images."""

    existing: frozenset[str]
    before_images: tuple[BeforeImage, ...]
    replayed: bool  # True when an earlier attempt of this batch wrote the intent

    def operation(self, result: RecordResult) -> str:
        """The ledger operation for a record, judged against the state before the first attempt."""
        if result.status not in ("created", "updated", "unchanged"):
            return result.status
        if result.key not in self.existing:
            return "created"
        if result.status == "unchanged" and self.replayed:
            return "updated"  # an interrupted attempt may have changed it: keep its before-image
        return result.status


def intent_blob_name(batch: LoadBatch) -> str:
    """Where a batch's intent lives in staging (stable across attempts)."""
    return f"{batch.run_id}/intents/{batch.table}/{batch.batch_id}.json"


def load_intent(staging: BlobStaging, batch: LoadBatch) -> Intent | None:
    """The intent an earlier attempt wrote, if any."""
    try:
        body = json.loads(staging.read_bytes(intent_blob_name(batch)))
    except KeyError:
        return None
    images = tuple(BeforeImage.model_validate(image) for image in body["before_images"])
    return Intent(frozenset(body["existing"]), images, replayed=True)


def save_intent(
    staging: BlobStaging, batch: LoadBatch, existing: list[str], images: list[BeforeImage]
) -> Intent:
    """Persists the intent before the write; returns it for this attempt."""
    body = {"existing": existing, "before_images": [i.model_dump(mode="json") for i in images]}
    staging.write_bytes(intent_blob_name(batch), json.dumps(body).encode())
    return Intent(frozenset(existing), tuple(images), replayed=False)
