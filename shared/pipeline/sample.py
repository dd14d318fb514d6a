"""Sample selection: N patients chosen deterministically for a seed, plus all that hangs off them.

Readers yield patients before anything that points at them, so the sample is fixed by the time
the first dependent row arrives; only the chosen patients' keys are kept in memory.
"""

from __future__ import annotations

import hashlib
import heapq
from typing import Any

PATIENT = "patient"
# Kinds that belong to no patient (reference data) travel whole with any sample.
PATIENT_FREE_KINDS = frozenset(
    {"organization", "location", "staff", "payer", "procedure_code", "fee_schedule_item"}
)


def _rank(seed: int, source_id: str) -> int:
    digest = hashlib.blake2b(f"{seed}:{source_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


class SampleSelector:
    """Keeps the N lowest-ranked patients; then admits a row iff its patient was chosen."""

    def __init__(self, size: int, seed: int) -> None:
        self._size = size
        self._seed = seed
        self._heap: list[tuple[int, str, dict[str, Any]]] = []  # max-heap by negated rank
        self._chosen: frozenset[str] | None = None

    def offer_patient(self, source_id: str, record: dict[str, Any]) -> None:
        """Considers a patient; the N lowest ranks stay."""
        item = (-_rank(self._seed, source_id), source_id, record)
        if len(self._heap) < self._size:
            heapq.heappush(self._heap, item)
        elif item > self._heap[0]:
            heapq.heapreplace(self._heap, item)

    def close_patients(self) -> list[dict[str, Any]]:
        """Fixes the sample; returns the chosen patients' records in source order of their ids."""
        if self._chosen is None:
            self._chosen = frozenset(source_id for _, source_id, _ in self._heap)
        return [record for _, _, record in sorted(self._heap, key=lambda item: item[1])]

    def admits(self, kind: str, record: dict[str, Any]) -> bool:
        """Whether a non-patient row belongs to the sample."""
        if kind in PATIENT_FREE_KINDS:
            return True
        if self._chosen is None:
            raise RuntimeError("patients must be closed before dependents are admitted")
        # A row that also points at a second patient (a related person who is a patient too)
        # belongs to the sample only when both patients do, or its lookup would dangle.
        return all(
            record.get(field) is None or record.get(field) in self._chosen
            for field in ("patient_id", "related_patient_id")
        )
