"""Variety-covering sample selection: N patients that show the reviewer every kind of record.

Drop-in for `shared.pipeline.sample.SampleSelector` (same `offer_patient` / `close_patients` /
`admits`). The sample covers, when the export has them: every location, every appointment status,
patients with guarantors, documents, treatment plans, invoices, custom fields, and duplicates
(same name and date of birth); the remaining places go to the lowest hash ranks, so the sample is
fixed by the seed. Features that live on dependents (appointments, documents, plans, invoices,
related people) are known only when `observe` has seen those rows before the patients are closed:
call it on a first pass over the dependents (readers yield patients first, so the extract step
reads the export twice in sample mode, or calls `observe` from its profiling pass).

Memory: the N best-ranked patient records plus one record per feature value, and a few bytes per
patient id (feature bits, a name+birth-date hash), never every record.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Mapping
from typing import Any

from shared.pipeline.sample import PATIENT, PATIENT_FREE_KINDS

# Dependent kinds that make a patient interesting, and the tag each gives.
DEPENDENT_TAGS: dict[str, str] = {
    "document": "documents",
    "treatment_plan": "treatment_plans",
    "invoice": "invoices",
    "related_person": "guarantors",
}
# Coverage order when N is smaller than the number of features (rarer values first within one).
TAG_PRIORITY = ("location", "appointment_status", "guarantors", "documents", "treatment_plans",
                "invoices", "custom_fields", "duplicates")  # fmt: skip


def rank(seed: int, source_id: str) -> int:
    """The patient's place in the seed's order (lower comes first)."""
    digest = hashlib.blake2b(f"{seed}:{source_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _person_hash(record: Mapping[str, Any]) -> bytes | None:
    given, family = record.get("given_name"), record.get("family_name")
    born = record.get("date_of_birth")
    if not (given and family and born):
        return None
    text = f"{str(given).strip().lower()}|{str(family).strip().lower()}|{born}"
    return hashlib.blake2b(text.encode(), digest_size=8).digest()


class VarietySampleSelector:
    """Chooses N patients covering the export's variety; deterministic for a seed."""

    def __init__(self, size: int, seed: int) -> None:
        self._size = size
        self._seed = seed
        self._tags: dict[str, int] = {}  # tag -> bit
        self._observed: dict[str, int] = {}  # patient id -> tag bits from dependents
        self._people: set[bytes] = set()
        self._best: list[tuple[int, str, dict[str, Any], int]] = []  # max-heap (negated rank)
        self._per_tag: dict[int, tuple[int, str, dict[str, Any], int]] = {}  # bit -> best holder
        self._holders: dict[int, int] = {}  # bit -> patients with it (rare features first)
        self._chosen: frozenset[str] | None = None

    # -- features ----------------------------------------------------------------------------

    def _bit(self, tag: str) -> int:
        if tag not in self._tags:
            self._tags[tag] = 1 << len(self._tags)
        return self._tags[tag]

    def observe(self, kind: str, record: Mapping[str, Any]) -> None:
        """Notes what a dependent row says about its patient (first pass, before closing)."""
        patient_id = record.get("patient_id")
        if not patient_id:
            return
        bits = 0
        if kind == "appointment" and record.get("status"):
            bits |= self._bit(f"appointment_status:{record['status']}")
        if kind in DEPENDENT_TAGS:
            bits |= self._bit(DEPENDENT_TAGS[kind])
        if bits:
            self._observed[str(patient_id)] = self._observed.get(str(patient_id), 0) | bits

    def _patient_bits(self, source_id: str, record: Mapping[str, Any]) -> int:
        bits = self._observed.get(source_id, 0)
        if record.get("home_location_id"):
            bits |= self._bit(f"location:{record['home_location_id']}")
        if record.get("guarantor_id"):
            bits |= self._bit("guarantors")
        if record.get("custom_fields"):
            bits |= self._bit("custom_fields")
        person = _person_hash(record)
        if person is not None:
            if person in self._people:
                bits |= self._bit("duplicates")
            self._people.add(person)
        return bits

    # -- the SampleSelector interface --------------------------------------------------------

    def offer_patient(self, source_id: str, record: dict[str, Any]) -> None:
        """Considers a patient: kept if among the N best ranks or the best for a feature."""
        if self._chosen is not None:
            raise RuntimeError("the sample is closed")
        position = rank(self._seed, source_id)
        bits = self._patient_bits(source_id, record)
        item = (-position, source_id, record, bits)
        if len(self._best) < self._size:
            heapq.heappush(self._best, item)
        elif item[:2] > self._best[0][:2]:
            heapq.heapreplace(self._best, item)
        remaining = bits
        while remaining:
            bit = remaining & -remaining
            remaining ^= bit
            self._holders[bit] = self._holders.get(bit, 0) + 1
            holder = self._per_tag.get(bit)
            if holder is None or (position, source_id) < (-holder[0], holder[1]):
                self._per_tag[bit] = item

    def close_patients(self) -> list[dict[str, Any]]:
        """Fixes the sample; returns the chosen patients' records in source-id order."""
        chosen: dict[str, tuple[dict[str, Any], int]] = {}
        covered = 0
        for tag in self._tags_by_priority():
            bit = self._tags[tag]
            if covered & bit or bit not in self._per_tag or len(chosen) >= self._size:
                continue
            _, source_id, record, bits = self._per_tag[bit]
            chosen[source_id] = (record, bits)
            covered |= bits
        for _, source_id, record, bits in sorted(self._best, key=lambda i: (-i[0], i[1])):
            if len(chosen) >= self._size:
                break
            chosen.setdefault(source_id, (record, bits))
        self._chosen = frozenset(chosen)
        return [chosen[source_id][0] for source_id in sorted(chosen)]

    def admits(self, kind: str, record: dict[str, Any]) -> bool:
        """Whether a non-patient row belongs to the sample."""
        if kind in PATIENT_FREE_KINDS:
            return True
        if self._chosen is None:
            raise RuntimeError("patients must be closed before dependents are admitted")
        if kind == PATIENT:
            return str(record.get("source_id")) in self._chosen
        # A row that also points at a second patient (a related person who is a patient too)
        # belongs to the sample only when both patients do, or its lookup would dangle.
        return all(
            record.get(field) is None or record.get(field) in self._chosen
            for field in ("patient_id", "related_patient_id")
        )

    # -- coverage ----------------------------------------------------------------------------

    def _tags_by_priority(self) -> list[str]:
        def order(tag: str) -> tuple[int, int, str]:
            family = tag.split(":", 1)[0]
            priority = TAG_PRIORITY.index(family) if family in TAG_PRIORITY else len(TAG_PRIORITY)
            return (priority, self._holders.get(self._tags[tag], 0), tag)

        return sorted(self._tags, key=order)

    def coverage(self) -> dict[str, bool]:
        """Per feature seen in the export, whether the closed sample has a patient with it."""
        if self._chosen is None:
            raise RuntimeError("close the sample first")
        have = 0
        for bit, (_, source_id, _, bits) in self._per_tag.items():
            if source_id in self._chosen:
                have |= bits | bit
        for _, source_id, _, bits in self._best:
            if source_id in self._chosen:
                have |= bits
        return {tag: bool(have & bit) for tag, bit in sorted(self._tags.items())}

    @property
    def held(self) -> int:
        """How many patient records are held in memory (at most N + one per feature)."""
        return len({item[1] for item in [*self._best, *self._per_tag.values()]})
